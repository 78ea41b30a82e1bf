"""Lowering: the checked AST to the IR (ir.py), where every backend starts.

The checker has resolved each name, operator and coercion; lowering writes them down as IR
nodes and folds what does not depend on the case: parameters become constants and every
sub-expression of literals and parameters is computed once, here (`fold`), by the
reference interpreter. Nothing after this stage looks at a parameter's name or at `now`.
"""
from __future__ import annotations

from datetime import timedelta
from typing import Any, Mapping

from dsl.lang import ast
from dsl.lang import ir
from dsl.diagnostics import Phrase
from dsl.lang.builtins import FUNCTIONS
from dsl.lang.semantics import Undecided
from dsl.limits import MAX_DURATION_DAYS

_CACHE: dict[tuple[int, int], tuple[ast.Expr, Mapping[str, Any], ir.Node]] = {}
_CACHE_LIMIT = 20000


def lower(node: ast.Expr, params: Mapping[str, Any]) -> ir.Node:
    """The IR of a checked tree, constants folded (kept per tree and parameters: explaining a
    batch lowers each condition once)."""
    key = (id(node), id(params))
    hit = _CACHE.get(key)
    if hit is not None and hit[0] is node and hit[1] is params:
        return hit[2]
    if len(_CACHE) >= _CACHE_LIMIT:
        _CACHE.clear()
    out = _lower(node, params, strict=False)
    _CACHE[key] = (node, params, out)
    return out


def fold(node: ast.Expr, params: Mapping[str, Any]) -> tuple[bool, Any]:
    """(True, value) when `node` depends on parameters and literals only (and can be computed)."""
    out = lower(node, params)
    return (True, out.value) if isinstance(out, ir.Const) else (False, None)


def uncomputable_constants(node: ast.Expr, params: Mapping[str, Any]) -> list[tuple[ast.Expr, str]]:
    """The largest parts of `node` that depend on parameters and literals only and cannot be
    computed (a date or a duration out of range: `params.last_day + days(3)` near year 9999),
    with the reason. At run time such a part would fail on every case; found at load time,
    it is an error where it stands."""
    if not any(n.kind in ("field", "now") for n in ast.names(node)):
        try:
            out = _lower(node, params, strict=True)
        except OverflowError as exc:   # a year the statutory calendar lacks says so (lang/workdays.py)
            return [(node, getattr(exc, "phrase", None) or Phrase("const.range"))]
        except (ArithmeticError, ValueError) as exc:
            return [(node, Phrase("const.other", text=str(exc) or type(exc).__name__))]
        too_long = isinstance(out, ir.Const) and isinstance(out.value, timedelta) and not within_bound(out.value)
        return [(node, duration_bound_phrase())] if too_long else []
    return [found for child in ast.children(node) for found in uncomputable_constants(child, params)]


def within_bound(length: timedelta) -> bool:
    """Whether a rulebook may use the duration (limits.MAX_DURATION_DAYS, either sign): a
    longer constant would carry a case's deadline out of the calendar and, at run time, the
    case's field would take the blame."""
    return abs(length) <= timedelta(days=MAX_DURATION_DAYS)


def duration_bound_phrase() -> Phrase:
    return Phrase("const.duration_bound", limit=f"{MAX_DURATION_DAYS}d")


def _lower(node: ast.Expr, params: Mapping[str, Any], strict: bool) -> ir.Node:
    def sub(child: ast.Expr) -> ir.Node:
        return _lower(child, params, strict)

    out = _node(node, sub, params)
    # Children come folded: a node over constants only is constant (one that could not be
    # computed stays as it is, and so does every node above it).
    if isinstance(out, (ir.Const, ir.Field, ir.Now)) or not all(isinstance(c, ir.Const) for c in ir.children(out)):
        return out
    from dsl.lang.interpreter import run   # the reference interpreter computes constants

    try:
        value = run(out, None)
    except (ArithmeticError, ValueError):
        if strict:
            raise
        return out     # reported at load time (uncomputable_constants); never folded
    if isinstance(value, Undecided):   # out of the calendar: the interpreter's word for OverflowError
        if strict:
            failed = OverflowError(str(value))
            calendar = [p.detail for p in value.problems if getattr(p.detail, "key", "") == "calendar.missing"]
            failed.phrase = calendar[0] if calendar else None   # type: ignore[attr-defined]
            raise failed
        return out
    return ir.Const(tuple(value) if isinstance(value, list) else value)


def _node(node: ast.Expr, sub: Any, params: Mapping[str, Any]) -> ir.Node:  # noqa: C901 - one case per node
    match node:
        case ast.Const(value=value):
            return ir.Const(value)
        case ast.Name(kind="param"):
            return ir.Const(params[".".join(node.path[1:])])
        case ast.Name(kind="now"):
            return ir.Now()
        case ast.Name():
            return ir.Field(node.dotted, node.type.kind if node.type is not None else "any")
        case ast.ListExpr(items=items):
            return ir.ListOf(tuple(sub(i) for i in items))
        case ast.Unary(op="not", operand=operand):
            return ir.Not(sub(operand))
        case ast.Unary(operand=operand):
            return ir.Neg(sub(operand))
        case ast.Binary(op=op, left=left, right=right):
            return ir.Arith(op, node.overload or ("div" if op == "/" else "num"), sub(left), sub(right))
        case ast.Compare(op="==" | "!=", left=left, right=right) if _is_null(left) or _is_null(right):
            return ir.IsNull(sub(right if _is_null(left) else left), negated=node.op == "!=")
        case ast.Compare(op=op, left=left, right=right):
            return ir.Compare(op, sub(left), sub(right))
        case ast.Logical(op=op, items=items):
            return ir.Logical(op, tuple(sub(i) for i in items))
        case ast.Call():
            return _call(node, sub)
        case ast.Cond(test=test, then=then, orelse=orelse):
            return _money(node.coerce, ir.If(sub(test), sub(then), sub(orelse)))
    raise TypeError(type(node).__name__)


def _call(node: ast.Call, sub: Any) -> ir.Node:
    args = tuple(sub(a) for a in node.args)
    if node.name == "is_null":
        return ir.IsNull(args[0])
    if node.name == "date":
        return ir.CalendarDay(args[0], of=_kind(node.args[0]))
    if node.name == "days_between":   # calendar days: the day of b minus the day of a, Beijing time
        a, b = node.args
        return ir.Arith("-", "date_diff", ir.CalendarDay(args[1], of=_kind(b)), ir.CalendarDay(args[0], of=_kind(a)))
    return _money(node.coerce, ir.Call(node.name, args, FUNCTIONS[node.name].null_safe))


def _money(marks: tuple[bool, ...], choice: ir.Node) -> ir.Node:
    """A choice among parts of which the checker marked some int where money is meant: its
    result becomes money (`coalesce(amount, 0)` gives 0.00; `min(1, 2.5)` gives 1.00)."""
    return ir.ToMoney(choice) if marks else choice


def _kind(node: ast.Expr) -> str:
    return node.type.kind if getattr(node, "type", None) is not None else "any"  # type: ignore[union-attr]


def _is_null(node: ast.Expr) -> bool:
    return isinstance(node, ast.Const) and node.value is None
