"""Compile expressions (their IR, lower.py) to Python source, once per rulebook, then to functions.

Every expression becomes a small function `f(v, at)` over the case view `v` (a dict of
parsed values keyed by path) and the moment `at`. Conditions get a *truth* form that
answers "is it definitely true?" without building three-valued results, which is what
deciding a rule needs and what makes compiled rules as fast as hand-written ones.
Parameters are constants: sub-expressions over parameters and literals are folded.
The generated source is plain code with no user text inside except through `repr()`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from dsl.engine.python.namespace import EXPRESSION_RUNTIME
from dsl.lang import ast
from dsl.lang import ir
from dsl.lang.lower import lower

_PY_OPS = {"==": "==", "!=": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">=", "in": "in", "not in": "not in"}


@dataclass
class ModuleBuilder:
    """Collects generated functions and the constants they share."""

    params: Mapping[str, Any]
    constants: dict[str, Any] = field(default_factory=dict)
    _const_ids: dict[tuple[type, Any], str] = field(default_factory=dict)
    functions: list[str] = field(default_factory=list)

    def constant(self, value: Any) -> str:
        if value is None or isinstance(value, bool):
            return repr(value)
        if isinstance(value, (int, str)) and not isinstance(value, bool):
            return repr(value)
        # Equal is not enough: 3.00 == 3.0 and one instant at two offsets are equal, but each
        # constant must keep its own digits and offset (outputs and deadlines show them).
        key = (type(value), value, repr(value)) if _hashable(value) else (type(value), id(value))
        if key not in self._const_ids:
            name = f"_k{len(self._const_ids)}"
            self._const_ids[key] = name
            self.constants[name] = value
        return self._const_ids[key]

    def add_function(self, name: str, kind: str, expr: ast.Expr) -> None:
        gen = ExprGen(self)
        body = gen.truth(expr) if kind == "truth" else gen.value(expr)
        self.functions.append(f"def {name}(v, at):\n    return {body}\n")

    def add_conjunction(self, name: str, exprs: list[ast.Expr]) -> None:
        gen = ExprGen(self)
        body = " and ".join(gen.truth(e) for e in cost_order(exprs)) if exprs else "True"
        self.functions.append(f"def {name}(v, at):\n    return {body}\n")

    def add_source(self, text: str) -> None:
        """A whole function written by a caller that used `ExprGen` for its expressions."""
        self.functions.append(text)

    def build(self, filename: str) -> dict[str, Callable[..., Any]]:
        source = "\n".join(self.functions)
        namespace: dict[str, Any] = dict(self.constants)
        namespace.update(RUNTIME)
        exec(compile(source, filename, "exec"), namespace)  # generated code, not user text
        return namespace

    @property
    def source(self) -> str:
        return "\n".join(self.functions)


def _hashable(value: Any) -> bool:
    try:
        hash(value)
        return True
    except TypeError:
        return False


# Helpers every generated module can call (namespace.py); not pickled with a module's constants.
RUNTIME = EXPRESSION_RUNTIME


class ExprGen:
    """Python source for one function over the IR; walrus temporaries are numbered per function.

    Every public method takes a checked AST node (lowered here, once per tree: the decider
    passes those) or an IR node.
    """

    def __init__(self, module: ModuleBuilder, field_code: Callable[[str], str] | None = None):
        self.module = module
        self.counter = 0
        self.field_code = field_code     # how to read a case field; default: the view `v[path]`

    def tmp(self) -> str:
        self.counter += 1
        return f"_t{self.counter}"

    def ir(self, node: ast.Expr | ir.Node) -> ir.Node:
        return node if isinstance(node, ir.Node) else lower(node, self.module.params)

    # -- helpers -------------------------------------------------------------------
    def folded(self, node: ast.Expr | ir.Node) -> tuple[bool, Any]:
        n = self.ir(node)
        return (True, n.value) if isinstance(n, ir.Const) else (False, None)

    def nonnull(self, node: ast.Expr | ir.Node) -> bool:
        """Certainly not null. A field may be missing: False (a subclass that knows a field is
        present says so for its ast.Name, which is what an ir.Field is asked as)."""
        if isinstance(node, ast.Name) and node.kind == "field":
            return False
        match self.ir(node):
            case ir.Const(value=value):
                return value is not None
            case ir.Field(path=path):
                return self.nonnull(ast.Name(None, tuple(path.split(".")), kind="field"))  # type: ignore[arg-type]
            case ir.Now() | ir.ListOf():
                return True
            case ir.Arith(fn=fn, left=left, right=right):
                return fn != "div" and self.nonnull(left) and self.nonnull(right)
            case ir.Neg(operand=operand):
                return self.nonnull(operand)
        return False

    def guarded(self, nodes: list[Any]) -> tuple[list[str], list[tuple[str, str]]]:
        """(expressions to use, (temporary, code) of each nullable operand)."""
        uses: list[str] = []
        nullable: list[tuple[str, str]] = []
        for node in nodes:
            code = self.value(node)
            if self.nonnull(node):
                uses.append(code)
            else:
                t = self.tmp()
                nullable.append((t, code))
                uses.append(t)
        return uses, nullable

    # -- value form: the three-valued result -----------------------------------------
    def value(self, node: ast.Expr | ir.Node) -> str:  # noqa: C901 - one case per node
        n = self.ir(node)
        match n:
            case ir.Const(value=val):
                return self.module.constant(tuple(val) if isinstance(val, list) else val)
            case ir.Now():
                return "at"
            case ir.Field(path=path):
                return self.field_code(path) if self.field_code else f"v[{path!r}]"
            case ir.ListOf(items=items):
                return "(" + "".join(self.value(i) + ", " for i in items) + ")"
            case ir.Not(operand=operand) | ir.Neg(operand=operand):
                (x,), tests = self.guarded([operand])
                return _with_null(tests, f"(not {x})" if isinstance(n, ir.Not) else f"(-{x})")
            case ir.Arith():
                return self.arith(n)
            case ir.IsNull():
                return self.null_test(n)
            case ir.Compare():
                return self.compare_value(n)
            case ir.Logical(op=op, items=items):
                return self.logical_value(op, list(items))
            case ir.CalendarDay(operand=a, of="timestamp"):
                # Every timestamp in a view is in Beijing time (UTC+8), so its calendar day
                # is its own date: no conversion needed here.
                (x,), tests = self.guarded([a])
                return _with_null(tests, f"{x}.date()")
            case ir.CalendarDay(operand=a):
                (x,), tests = self.guarded([a])
                return _with_null(tests, f"_fn_date({x})")
            case ir.Call(name=name, args=args, null_safe=True):
                return f"_fn_{name}(" + ", ".join(self.value(a) for a in args) + ")"
            case ir.Call(name=name, args=args):
                uses, tests = self.guarded(list(args))
                return _with_null(tests, f"_fn_{name}(" + ", ".join(uses) + ")")
            case ir.ToMoney(operand=operand):
                return f"_as_money({self.value(operand)})"
            case ir.If(test=test, then=then, orelse=orelse):
                cond = self.truth(test)   # written first: it runs first (reads it starts are cached)
                return f"({self.value(then)} if {cond} else {self.value(orelse)})"
        raise TypeError(type(n).__name__)

    def arith(self, node: ir.Arith) -> str:
        match node:
            case ir.Arith(fn="date_diff", left=ir.CalendarDay(operand=b), right=ir.CalendarDay(operand=a)):
                # days_between(a, b): both days in Beijing time (every view timestamp is)
                (x, y), tests = self.guarded([a, b])
                return _with_null(tests, f"({y}.toordinal() - {x}.toordinal())")
        (a, b), tests = self.guarded([node.left, node.right])
        if node.fn == "div":
            expr = f"_div({a}, {b})"
        elif node.fn in ("days", "date_diff"):
            expr = f"_{'add' if node.op == '+' else 'sub'}({a}, {b})"
        elif node.fn == "scale":
            expr = f"_mul({a}, {b})"
        else:
            expr = f"({a} {node.op} {b})"
        return _with_null(tests, expr)

    def null_test(self, node: ir.IsNull) -> str:
        return f"({self.value(node.operand)} is {'not ' if node.negated else ''}None)"

    def compare_parts(self, node: ir.Compare) -> tuple[list[tuple[str, str]], str]:
        """(null tests, the comparison on present values)."""
        if node.op in ("in", "not in"):
            is_const, val = self.folded(node.right)
            if is_const and isinstance(val, (list, tuple, frozenset)) and all(_hashable(x) for x in val):
                (a,), tests = self.guarded([node.left])
                return tests, f"({a} {_PY_OPS[node.op]} {self.module.constant(frozenset(val))})"
        (a, b), tests = self.guarded([node.left, node.right])
        return tests, f"({a} {_PY_OPS[node.op]} {b})"

    def compare_value(self, node: ir.Compare) -> str:
        return _with_null(*self.compare_parts(node))

    def logical_value(self, op: str, items: list[Any]) -> str:
        decisive = "False" if op == "and" else "True"
        temps: list[str] = []
        parts: list[tuple[str, str]] = []
        for item in items:
            t = self.tmp()
            temps.append(t)
            parts.append((t, self.value(item)))
        tail = f"(None if {' or '.join(f'{t} is None' for t in temps)} else {'True' if op == 'and' else 'False'})"
        for t, code in reversed(parts):
            tail = f"({decisive} if ({t} := {code}) is {decisive} else {tail})"
        return tail

    # -- truth form: True exactly when the value is True -----------------------------
    def truth(self, node: ast.Expr | ir.Node) -> str:
        n = self.ir(node)
        match n:
            case ir.Const(value=val):
                return "True" if val is True else "False"
            case ir.Logical(op=op, items=items):
                return "(" + f" {op} ".join(self.truth(i) for i in items) + ")"
            case ir.Not(operand=operand):
                return self.falsity(operand)
            case ir.IsNull():
                return self.null_test(n)
            case ir.Compare():
                tests, cmp = self.compare_parts(n)
                if len(tests) == 1 and self._null_is_false(n):
                    # `None == 'x'` and `None in {...}` are simply False: no null guard needed.
                    return cmp.replace(tests[0][0], tests[0][1], 1)
                return "(" + " and ".join(_present(tests) + [cmp]) + ")"
            case ir.If(test=test, then=then, orelse=orelse):
                cond = self.truth(test)
                return f"({self.truth(then)} if {cond} else {self.truth(orelse)})"
        return f"({self.value(n)} is True)"

    def _null_is_false(self, node: ir.Compare) -> bool:
        """`None == 'x'` and `None in {...}` are simply False when the right side is a constant
        without null, so the null guard of the left side can go."""
        is_const, val = self.folded(node.right)
        if not is_const or val is None:
            return False
        if node.op == "==":
            return True
        return node.op == "in" and isinstance(val, (list, tuple, frozenset)) and None not in val

    def falsity(self, node: ast.Expr | ir.Node) -> str:
        n = self.ir(node)
        match n:
            case ir.Const(value=val):
                return "True" if val is False else "False"
            case ir.Logical(op=op, items=items):
                joiner = " or " if op == "and" else " and "
                return "(" + joiner.join(self.falsity(i) for i in items) + ")"
            case ir.Not(operand=operand):
                return self.truth(operand)
            case ir.IsNull():
                return f"(not {self.null_test(n)})"
            case ir.Compare():
                tests, cmp = self.compare_parts(n)
                return "(" + " and ".join(_present(tests) + [f"not {cmp}"]) + ")"
            case ir.If(test=test, then=then, orelse=orelse):
                cond = self.truth(test)
                return f"({self.falsity(then)} if {cond} else {self.falsity(orelse)})"
        return f"({self.value(n)} is False)"


_FIELD_COST = {"bool": 1, "str": 1, "int": 1, "object": 1, "money": 3, "list": 3, "timestamp": 4, "date": 4}


def cost(node: ast.Expr) -> int:
    """A rough price of evaluating a condition: reading a timestamp costs more than a flag."""
    total = 0
    for n in ast.walk(node):
        if isinstance(n, ast.Name):
            if n.kind == "field":
                t = getattr(n, "type", None)
                total += _FIELD_COST.get(t.kind if t is not None else "", 2)
        elif isinstance(n, ast.Call):
            total += 2
        else:
            total += 0 if isinstance(n, ast.Const) else 1
    return total


def cost_order(conditions: list[ast.Expr]) -> list[ast.Expr]:
    """Cheapest first; among equals, conditions on an object already read first, then the
    rulebook's order. All conditions of a rule must hold, so the order never changes a
    decision; it changes only how soon a failing rule stops (and so which fields it
    reads: where one is bad, verdict.py decides the rule without regard to order). The decider and the per-rule path use the same order. A bare flag costs as
    much as a comparison, so the author's order decides between them (an equality on the
    application type is usually the most selective). Keeping the reads of one object
    together keeps a case's memory traffic low: touching another object of the case
    costs more than a comparison."""
    def price(c: ast.Expr) -> int:
        return cost(c) + (1 if isinstance(c, (ast.Name, ast.Unary)) else 0)

    by_price = sorted(conditions, key=price)
    rank: dict[tuple[str, ...], int] = {}
    for c in by_price:
        for p in _objects(c):
            rank.setdefault(p, len(rank))
    return sorted(by_price, key=lambda c: (price(c), min((rank[p] for p in _objects(c)), default=-1)))


def _objects(node: ast.Expr) -> list[tuple[str, ...]]:
    """The case objects (`aftersale`, `shop`, ...) whose fields a condition reads."""
    return [n.path[:-1] for n in ast.fields(node)]


def _with_null(nullable: list[tuple[str, str]], expr: str) -> str:
    """`expr`, or None when any nullable operand is None (binding each operand once)."""
    if not nullable:
        return expr
    tests = " or ".join(f"({t} := {code}) is None" for t, code in nullable)
    return f"(None if {tests} else {expr})"


def _present(nullable: list[tuple[str, str]]) -> list[str]:
    return [f"({t} := {code}) is not None" for t, code in nullable]


def compile_expr(expr: ast.Expr, params: Mapping[str, Any] | None = None, kind: str = "value") -> Callable[[Any, Any], Any]:
    """`compile_expr(typed)(view, at)`: one expression as a Python function (tests, REPL)."""
    module = ModuleBuilder(params or {})
    module.add_function("f", kind, expr)
    return module.build("<expression>")["f"]


__all__ = ["ModuleBuilder", "ExprGen", "compile_expr", "cost_order", "RUNTIME"]
