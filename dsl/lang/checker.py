"""Type-check an expression against the case vocabulary and the rulebook's parameters.

`check_expr(expr, scope)` returns the tree with every node's `type` filled and every
diagnostic found (it does not stop at the first). Pure: no I/O.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import singledispatch
from typing import Any

from dsl.lang import ast
from dsl.diagnostics import Diagnostic, Phrase
from dsl.lang.builtins import FUNCTIONS, Function
from dsl.text.origin import Origin
from dsl.text.suggest import did_you_mean
from dsl.lang.types import ANY, BOOL, DATE, DURATION, INT, MONEY, NULL, STR, TIMESTAMP, Type, list_of, unify
from dsl.lang.vocabulary import Vocabulary


@dataclass(frozen=True)
class Param:
    name: str
    type: Type
    value: Any


@dataclass
class Scope:
    """The names an expression may use (fields, parameters, functions). `origin` (where the
    expression's text sits in its file) and `diagnostics` belong to one check: check_expr
    gives each check its own copy, so a scope is never changed by checking with it."""

    vocabulary: Vocabulary
    params: dict[str, Param] = field(default_factory=dict)
    functions: dict[str, Function] = field(default_factory=lambda: dict(FUNCTIONS))
    origin: Origin | None = None
    diagnostics: list[Diagnostic] = field(default_factory=list)

    def error(self, code: str, node: ast.Expr, hint: tuple[str, dict[str, Any]] | None = None, **args: Any) -> None:
        origin = self.origin
        line = origin.line_text(node.span.line) if origin else None
        if hint is None and origin is not None and not origin.exact:
            hint = ("quoted_scalar", {})
        self.diagnostics.append(Diagnostic(code, node.span, origin.file if origin else None, args, hint,
                                           origin.path if origin else None, source_line=line))


def params_named(expr: ast.Expr) -> set[str]:
    """The parameters an expression names (`params.max_amount` -> 'max_amount'), known or
    not, before it is checked: what its check reads of the rulebook's parameters."""
    return {".".join(n.path[1:]) for n in ast.names(expr) if n.path[0] == "params"}


def check_expr(expr: ast.Expr, scope: Scope, origin: Origin | None = None) -> tuple[ast.Expr, list[Diagnostic]]:
    """`check_expr(parse_expr("order.paid_amount <= 300"), scope)` -> (typed tree, []).

    `origin` places the expression in its file, for the diagnostics' spans and source lines."""
    this = replace(scope, origin=origin or scope.origin, diagnostics=[])
    typed = _check(expr, this)
    return typed, this.diagnostics


def type_of(node: ast.Expr) -> Type:
    return getattr(node, "type", None) or ANY


@singledispatch
def _check(node: ast.Expr, scope: Scope) -> ast.Expr:
    raise TypeError(f"no checker for {type(node).__name__}")


@_check.register
def _const(node: ast.Const, scope: Scope) -> ast.Expr:
    from datetime import date, datetime, timedelta
    from decimal import Decimal

    value = node.value
    if value is None:
        t = NULL
    elif isinstance(value, bool):
        t = BOOL
    elif isinstance(value, int):
        t = INT
    elif isinstance(value, Decimal):
        t = MONEY
    elif isinstance(value, str):
        t = STR
    elif isinstance(value, timedelta):
        t = DURATION
    elif isinstance(value, datetime):
        t = TIMESTAMP
    elif isinstance(value, date):
        t = DATE
    else:  # pragma: no cover - the parser makes no other constants
        raise TypeError(type(value))
    return replace(node, type=t)


@_check.register
def _name(node: ast.Name, scope: Scope) -> ast.Expr:
    dotted = node.dotted
    if dotted == "now":
        return replace(node, type=TIMESTAMP, kind="now")
    if node.path[0] == "params":
        name = ".".join(node.path[1:])
        param = scope.params.get(name)
        if param is None:
            suggestion = did_you_mean(name, set(scope.params))
            scope.error("E202", node, ("did_you_mean", {"suggestion": f"params.{suggestion}"}) if suggestion else None,
                        name=dotted)
            return replace(node, type=ANY, kind="param")
        return replace(node, type=param.type, kind="param")
    fld = scope.vocabulary.get(dotted)
    if fld is None:
        options = set(scope.vocabulary.paths()) | {"now"} | {f"params.{p}" for p in scope.params}
        suggestion = did_you_mean(dotted, options)
        scope.error("E201", node, ("did_you_mean", {"suggestion": suggestion}) if suggestion else None, name=dotted)
        return replace(node, type=ANY, kind="field")
    return replace(node, type=fld.type, kind="field")


@_check.register
def _list(node: ast.ListExpr, scope: Scope) -> ast.Expr:
    items = tuple(_check(i, scope) for i in node.items)
    item_type: Type = ANY
    for item in items:
        joined = unify(item_type, type_of(item))
        if joined is None:
            scope.error("E210", item, first=item_type, other=type_of(item))
            break
        item_type = joined
    return replace(node, items=items, type=list_of(item_type))


@_check.register
def _unary(node: ast.Unary, scope: Scope) -> ast.Expr:
    operand = _check(node.operand, scope)
    t = type_of(operand)
    if node.op == "not":
        _want_bool(operand, scope, Phrase("what.not"))
        return replace(node, operand=operand, type=BOOL)
    if t.kind not in ("int", "money", "duration", "any", "null"):
        scope.error("E208", node, op="-", operand=t)
        return replace(node, operand=operand, type=ANY)
    return replace(node, operand=operand, type=t)


@_check.register
def _logical(node: ast.Logical, scope: Scope) -> ast.Expr:
    items = tuple(_check(i, scope) for i in node.items)
    for item in items:
        _want_bool(item, scope, Phrase("what.logic", op=node.op))
    return replace(node, items=items, type=BOOL)


def _want_bool(node: ast.Expr, scope: Scope, what: Phrase) -> None:
    t = type_of(node)
    if t.kind not in ("bool", "any", "null"):
        scope.error("E207", node, what=what, expected=BOOL, actual=t)


# (op, left kind, right kind) -> (result type, overload). The overload names the meaning
# each backend implements (ir.Arith.fn): "num" plain arithmetic on numbers, durations and
# timestamps; "div" exact division (null for zero); "scale" a duration times a number;
# "days" a date plus or minus whole days; "date_diff" days from one date to another.
_ARITH: dict[tuple[str, str, str], tuple[Type, str]] = {}
for _a in ("int", "money"):
    for _b in ("int", "money"):
        _num = INT if _a == _b == "int" else MONEY
        for _op in "+-*":
            _ARITH[(_op, _a, _b)] = (_num, "num")
        _ARITH[("/", _a, _b)] = (MONEY, "div")
    _ARITH[("*", "duration", _a)] = (DURATION, "scale")
    _ARITH[("*", _a, "duration")] = (DURATION, "scale")
    _ARITH[("/", "duration", _a)] = (DURATION, "div")
_ARITH.update({
    ("+", "timestamp", "duration"): (TIMESTAMP, "num"), ("+", "duration", "timestamp"): (TIMESTAMP, "num"),
    ("-", "timestamp", "duration"): (TIMESTAMP, "num"), ("-", "timestamp", "timestamp"): (DURATION, "num"),
    ("+", "duration", "duration"): (DURATION, "num"), ("-", "duration", "duration"): (DURATION, "num"),
    ("/", "duration", "duration"): (MONEY, "div"),
    ("+", "date", "int"): (DATE, "days"), ("-", "date", "int"): (DATE, "days"), ("-", "date", "date"): (INT, "date_diff"),
})


@_check.register
def _binary(node: ast.Binary, scope: Scope) -> ast.Expr:
    left, right = _check(node.left, scope), _check(node.right, scope)
    lt, rt = type_of(left), type_of(right)
    if lt.kind in ("any", "null") or rt.kind in ("any", "null"):
        known = rt if lt.kind in ("any", "null") else lt
        result = known if known.kind not in ("any", "null") else ANY
        return replace(node, left=left, right=right, type=result, overload=_untyped_overload(node.op, known))
    found = _ARITH.get((node.op, lt.kind, rt.kind))
    if found is None:
        scope.error("E204", node, op=node.op, left=lt, right=rt)
        return replace(node, left=left, right=right, type=ANY)
    return replace(node, left=left, right=right, type=found[0], overload=found[1])


def _untyped_overload(op: str, known: Type) -> str:
    """The meaning of `null + x` (null whatever it means; chosen as the known side's would be)."""
    if op == "/":
        return "div"
    if known.kind == "date":
        return "days"
    return "scale" if op == "*" and known.kind == "duration" else "num"


_ORDERED_KINDS = {"int", "money", "timestamp", "date", "duration"}


@_check.register
def _compare(node: ast.Compare, scope: Scope) -> ast.Expr:
    left, right = _check(node.left, scope), _check(node.right, scope)
    lt, rt = type_of(left), type_of(right)
    typed = replace(node, left=left, right=right, type=BOOL)
    if node.op in ("in", "not in"):
        _check_membership(typed, lt, rt, scope)
        return typed
    if "object" in (lt.kind, rt.kind):
        if node.op in ("==", "!=") and NULL in (lt, rt):
            return typed
        obj = left if lt.kind == "object" else right
        scope.error("E211", node, name=obj.dotted if isinstance(obj, ast.Name) else "this value")
        return typed
    if node.op in ("==", "!="):
        if unify(lt, rt) is None or "object" in (lt.kind, rt.kind):
            scope.error("E204", node, _quoted_hint(left, right), op=node.op, left=lt, right=rt)
        else:
            _check_enum_value(left, right, scope)
            _check_enum_value(right, left, scope)
        return typed
    if lt.kind == "null" or rt.kind == "null":
        scope.error("E204", node, ("null_semantics", {}), op=node.op, left=lt, right=rt)
    elif lt.kind == "any" or rt.kind == "any":
        pass
    elif not (lt.kind in _ORDERED_KINDS and (lt.kind == rt.kind or (lt.is_numeric and rt.is_numeric))):
        scope.error("E204", node, _quoted_hint(left, right), op=node.op, left=lt, right=rt)
    return typed


_KIND_WORDS = {"int": "kind.int", "money": "kind.money", "duration": "kind.duration", "timestamp": "kind.timestamp",
               "date": "kind.date", "bool": "kind.bool"}


def _quoted_hint(left: ast.Expr, right: ast.Expr) -> tuple[str, dict[str, Any]] | None:
    """`order.paid_amount > '5000'`: the quoted text is a literal of the other side's kind."""
    from dsl.diagnostics import DslError
    from dsl.lang.parser import parse_expr

    for text_side, other in ((right, left), (left, right)):
        kind = type_of(other).kind
        if not (isinstance(text_side, ast.Const) and isinstance(text_side.value, str)) or kind not in _KIND_WORDS:
            continue
        inner = text_side.value.strip()
        try:
            meant = parse_expr(inner) if inner and len(inner) < 40 else None
        except DslError:
            meant = None
        meant_kind = type_of(_const(meant, Scope(None))).kind if isinstance(meant, ast.Const) else None  # type: ignore[arg-type]
        if meant_kind == kind or (meant_kind in ("int", "money") and kind in ("int", "money")):
            return ("drop_quotes", {"kind": Phrase(_KIND_WORDS[kind]), "meant": inner})
    return None


def _check_membership(node: ast.Compare, lt: Type, rt: Type, scope: Scope) -> None:
    if rt.kind in ("any", "null"):
        return
    if rt.kind != "list":
        scope.error("E204", node, op=node.op, left=lt, right=rt)
        return
    item = rt.item or ANY
    if unify(lt, item) is None:
        scope.error("E204", node, op=node.op, left=lt, right=rt)
        return
    if lt.values is not None and isinstance(node.right, ast.ListExpr):
        for elem in node.right.items:
            _check_enum_value(node.left, elem, scope)
    if item.values is not None:
        _check_enum_value(node.right, node.left, scope, enum_type=item)


def _check_enum_value(field_side: ast.Expr, value_side: ast.Expr, scope: Scope, enum_type: Type | None = None) -> None:
    """`aftersale.reason == 'seven_day'` -> E206, did you mean 'seven_day_no_reason'?"""
    enum_type = enum_type or type_of(field_side)
    if enum_type.values is None or not isinstance(value_side, ast.Const) or not isinstance(value_side.value, str):
        return
    if value_side.value in enum_type.values:
        return
    suggestion = did_you_mean(value_side.value, enum_type.values, cutoff=0.6)
    name = field_side.dotted if isinstance(field_side, ast.Name) else "this value"
    scope.error("E206", value_side, ("did_you_mean", {"suggestion": suggestion}) if suggestion else
                ("schema_enum", {"options": ", ".join(sorted(enum_type.values))}),
                value=value_side.value, name=name, type="enum")


@_check.register
def _call(node: ast.Call, scope: Scope) -> ast.Expr:
    args = tuple(_check(a, scope) for a in node.args)
    fn = scope.functions.get(node.name)
    if fn is None:
        suggestion = did_you_mean(node.name, set(scope.functions), cutoff=0.6)
        scope.error("E203", node, ("did_you_mean", {"suggestion": suggestion}) if suggestion else None, name=node.name)
        return replace(node, args=args, type=ANY)
    result = fn.signature([type_of(a) for a in args])
    if isinstance(result, str):
        scope.error("E205", node, name=node.name, detail=result)
        return replace(node, args=args, type=ANY)
    if any(type_of(a).kind == "object" for a in args) and node.name != "is_null":
        scope.error("E211", node, name=node.name)
    return replace(node, args=args, type=result, coerce=_to_money(result, args))


def _to_money(result: Type, parts: tuple[ast.Expr, ...]) -> tuple[bool, ...]:
    """Which of the parts a money-typed choice (a call, if/else) may give must become money:
    `coalesce(amount, 0)` gives 0.00, not 0. () when none."""
    if result.kind != "money":
        return ()
    marks = tuple(type_of(p).kind == "int" for p in parts)
    return marks if any(marks) else ()


@_check.register
def _cond(node: ast.Cond, scope: Scope) -> ast.Expr:
    test, then, orelse = _check(node.test, scope), _check(node.then, scope), _check(node.orelse, scope)
    _want_bool(test, scope, Phrase("what.cond_test"))
    result = unify(type_of(then), type_of(orelse))
    if result is None:
        scope.error("E204", node, op="if/else", left=type_of(then), right=type_of(orelse))
        result = ANY
    return replace(node, test=test, then=then, orelse=orelse, type=result, coerce=_to_money(result, (then, orelse)))


__all__ = ["Param", "Scope", "check_expr", "type_of", "STR"]
