"""Type-check an expression against the case vocabulary and the rulebook's parameters.

`check_expr(expr, scope)` returns the tree with every node's `type` filled and every
diagnostic found (it does not stop at the first). Pure: no I/O.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import singledispatch
from typing import Any

from dsl.lang import ast
from dsl.diagnostics import Diagnostic, Phrase, Span
from dsl.lang.builtins import FUNCTIONS, Function
from dsl.lang.moneyuse import MoneyUse, check_amounts
from dsl.text.origin import Origin
from dsl.text.suggest import did_you_mean
from dsl.lang.types import ANY, BOOL, DATE, DURATION, INT, MONEY, NULL, STR, TIMESTAMP, Type, list_of, unify
from dsl.lang.unparse import unparse
from dsl.lang.vocabulary import Vocabulary


@dataclass(frozen=True)
class Param:
    name: str
    type: Type
    value: Any


@dataclass(frozen=True)
class EnumUse:
    """A parameter where a literal would be checked against a text field's values: compared
    with it (`aftersale.reason == params.x`), tested for membership (`aftersale.reason in
    params.xs`), or a branch of such a value (`coalesce(..., params.x)`). `values` is the
    field's enumeration, None when the field is free text (`order.category`), whose values
    are anything. The rulebook checks the parameter's values against every use at once
    (book/paramenums.py): a value is known only where the parameter is written."""

    param: str
    name: str                       # the field side as written: 'aftersale.reason'
    values: frozenset[str] | None
    span: Span
    file: str | None = None
    labels: tuple[tuple[str, str, str], ...] = ()   # the field's (value, zh, en): what a label written means


@dataclass
class Scope:
    """The names an expression may use (fields, parameters, functions). `origin` (where the
    expression's text sits in its file), `diagnostics` and `uses` belong to one check:
    check_expr gives each check its own copy, so a scope is never changed by checking with it
    (the rulebook loader gathers every check's `uses` in its own scope's, book/loader.py)."""

    vocabulary: Vocabulary
    params: dict[str, Param] = field(default_factory=dict)
    functions: dict[str, Function] = field(default_factory=lambda: dict(FUNCTIONS))
    origin: Origin | None = None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    uses: list[EnumUse | MoneyUse] = field(default_factory=list)

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
    typed, diagnostics, _ = check_uses(expr, scope, origin)
    return typed, diagnostics


def check_uses(expr: ast.Expr, scope: Scope,
               origin: Origin | None = None) -> tuple[ast.Expr, list[Diagnostic], list[EnumUse | MoneyUse]]:
    """`check_expr`, and where the expression's parameters meet text fields (EnumUse) and
    money (MoneyUse): a rulebook checks the parameters' values against them, where the values
    are written."""
    this = replace(scope, origin=origin or scope.origin, diagnostics=[], uses=[])
    typed = _check(expr, this)
    return typed, this.diagnostics, this.uses


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
        if MONEY in (param.type, param.type.item):   # read here; compared with a money field, noted again
            scope.uses.append(MoneyUse(name, None, node.span, file=scope.origin.file if scope.origin else None))
        return replace(node, type=param.type, kind="param")
    fld = scope.vocabulary.get(dotted)
    if fld is None:
        options = set(scope.vocabulary.paths()) | {"now"} | {f"params.{p}" for p in scope.params}
        suggestion = did_you_mean(dotted, options)
        flag = _FLAG_WORDS.get(dotted.lower())
        hint = ("bool_meant", {"meant": flag}) if flag else ("did_you_mean", {"suggestion": suggestion}) if suggestion else None
        scope.error("E201", node, hint, name=dotted)
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
            _check_amounts(left, right, scope)
        return typed
    if lt.kind == "null" or rt.kind == "null":
        scope.error("E204", node, ("null_semantics", {}), op=node.op, left=lt, right=rt)
    elif lt.kind == "any" or rt.kind == "any":
        pass
    elif not (lt.kind in _ORDERED_KINDS and (lt.kind == rt.kind or (lt.is_numeric and rt.is_numeric))):
        scope.error("E204", node, _quoted_hint(left, right), op=node.op, left=lt, right=rt)
    else:
        _check_amounts(left, right, scope)
    return typed


def _check_amounts(left: ast.Expr, right: ast.Expr, scope: Scope) -> None:
    """A money field compared with an amount of more decimals than it holds (moneyuse.py)."""
    for field_side, value_side in ((left, right), (right, left)):
        check_amounts(field_side, _value_leaves(value_side), scope.vocabulary, scope.error, scope.uses.append,
                      scope.origin.file if scope.origin else None)


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
    for elem in node.right.items if isinstance(node.right, ast.ListExpr) else (node.right,):
        _check_enum_value(node.left, elem, scope)
        _check_amounts(node.left, elem, scope)
    _check_enum_value(node.right, node.left, scope, enum_type=item)


def enum_miss(value: str, values: frozenset[str]) -> str | None:
    """Whether `value` is not one of an enum's `values` (None: it is), and then the close
    value meant ('' when none is close): one answer for a literal and a parameter's value."""
    if value in values:
        return None
    return did_you_mean(value, values, cutoff=0.6) or ""


def label_meant(value: str, labels: tuple[tuple[str, str, str], ...]) -> tuple[str, dict[str, Any]] | None:
    """The hint naming the enum value that `value` is, case aside, or whose zh or en label it is
    (`'已完成'` is `completed`'s): an author writing the words the vocabulary shows, not the value."""
    folded = value.strip().casefold()
    for meant, zh, en in labels:
        for label in (meant, zh, en):
            if folded and label.casefold() == folded:   # 'COMPLETED' is the value in capitals: a plain did-you-mean
                return ("did_you_mean", {"suggestion": meant}) if folded == meant.casefold() else \
                    ("label_meant", {"suggestion": meant, "label": label})
    return None


def enum_labels(scope: Scope, field_side: ast.Expr) -> tuple[tuple[str, str, str], ...]:
    """The vocabulary's (value, zh, en) of the enum field `field_side` names (none for another expression)."""
    fld = scope.vocabulary.get(field_side.dotted) if isinstance(field_side, ast.Name) else None
    return fld.value_labels if fld is not None else ()


def _check_enum_value(field_side: ast.Expr, value_side: ast.Expr, scope: Scope, enum_type: Type | None = None) -> None:
    """`aftersale.reason == 'seven_day'` -> E206, did you mean 'seven_day_no_reason'? A
    parameter in the literal's place is noted (EnumUse) for the rulebook to check its values;
    so is one met by a free-text field, whose values it may hold whatever the enums say."""
    enum_type = enum_type or type_of(field_side)
    if enum_type.kind != "str":
        return
    name = field_side.dotted if isinstance(field_side, ast.Name) else "this value"
    for leaf in _value_leaves(value_side):
        if isinstance(leaf, ast.Name) and leaf.kind == "param" and (enum_type.values is not None or ast.fields(field_side)):
            shown = field_side.dotted if isinstance(field_side, ast.Name) else unparse(field_side)
            scope.uses.append(EnumUse(".".join(leaf.path[1:]), shown, enum_type.values, leaf.span,
                                      scope.origin.file if scope.origin else None, enum_labels(scope, field_side)))
        if enum_type.values is None or not isinstance(leaf, ast.Const) or not isinstance(leaf.value, str):
            continue
        meant = enum_miss(leaf.value, enum_type.values)
        if meant is None:
            continue
        hint = label_meant(leaf.value, enum_labels(scope, field_side)) or (
            ("did_you_mean", {"suggestion": meant}) if meant else ("schema_enum", {"options": ", ".join(sorted(enum_type.values))}))
        scope.error("E206", leaf, hint, value=leaf.value, name=name, type=Phrase("kind.enum"))


def _value_leaves(node: ast.Expr) -> list[ast.Expr]:
    """The parts whose value a value may be: itself, or each branch of `if … then … else`
    and each argument of `coalesce` (where a literal or a parameter stands for the value)."""
    out: list[ast.Expr] = []
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, ast.Cond):
            stack.extend((current.orelse, current.then))
        elif isinstance(current, ast.Call) and current.name == "coalesce":
            stack.extend(reversed(current.args))
        else:
            out.append(current)
    return out


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


__all__ = ["EnumUse", "Param", "Scope", "check_expr", "check_uses", "enum_labels", "enum_miss", "label_meant", "type_of", "STR"]


# a word meaning a flag's value (`buyer.credit_good == yes`): the language writes true and false
_FLAG_WORDS = {"yes": "true", "no": "false", "y": "true", "n": "false", "on": "true", "off": "false",
               "是": "true", "否": "false", "真": "true", "假": "false"}

