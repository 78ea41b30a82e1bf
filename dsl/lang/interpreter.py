"""The reference interpreter: the IR (ir.py) walked node by node, slow and obviously right.

The compiled code must agree with it on every expression and case (property tests check
this); lowering folds constants with it, and explanations show the values it computes. A
field whose value is bad reads as `Undecided` (semantics.py): the interpreter is what
decides a rule that reads one, whatever order its conditions are written or tried in.
"""
from __future__ import annotations

from functools import singledispatch
from typing import Any

from dsl.lang import ast
from dsl.lang import ir
from dsl.lang.implementations import IMPLEMENTATIONS, calendar_date
from dsl.lang.semantics import Env  # noqa: F401 - re-exported: the interpreter's environment
from dsl.diagnostics import Phrase
from dsl.lang.semantics import FieldProblem
from dsl.lang.semantics import (ARITH, COMPARE, Undecided, add, as_money, div, logical, mul, negate, strict, sub,
                        undecided)


def interpret(node: ast.Expr, env: Env) -> Any:
    """The value of a checked tree: lowered (parameters folded), then run."""
    from dsl.lang.lower import lower

    return run(lower(node, env.params), env)


def run(node: ir.Node, env: Env | None) -> Any:
    """The value of an IR node; `env` None for constants (lowering folds with it)."""
    return _run(node, env)


@singledispatch
def _run(node: ir.Node, env: Env) -> Any:
    raise TypeError(type(node).__name__)


@_run.register
def _(node: ir.Const, env: Env) -> Any:
    return node.value


@_run.register
def _(node: ir.Field, env: Env) -> Any:
    return env.read(node.path)


@_run.register
def _(node: ir.Now, env: Env) -> Any:
    return env.now


@_run.register
def _(node: ir.ListOf, env: Env) -> Any:
    items = tuple(_run(i, env) for i in node.items)     # lists are tuples everywhere (cases too)
    return undecided(items) if any(isinstance(i, Undecided) for i in items) else items


@_run.register
def _(node: ir.Not, env: Env) -> Any:
    return negate(_run(node.operand, env))


def _strictly(fn: Any, *values: Any, node: ir.Node | None = None) -> Any:
    """`fn(*values)`, or null when a value is null, or Undecided when one is bad (null first).

    A result out of the calendar (OverflowError: a timestamp of year 1 minus 48h) is
    Undecided too, hanging on the fields `node` reads: the case's values cannot be computed
    with, as a bad value cannot, and `or`/`and` still settle around it in any order."""
    early = strict(list(values))
    return _computed(fn, values, node) if early is ... else early


def _computed(fn: Any, values: Any, node: ir.Node | None) -> Any:
    try:
        return fn(*values)
    except OverflowError as exc:   # NoCalendarError (lang/workdays.py) says which year it lacks
        paths = sorted({n.path for n in ir.walk(node) if isinstance(n, ir.Field)}) if node is not None else []
        detail = getattr(exc, "phrase", None) or Phrase("case.out_of_range")
        return Undecided((FieldProblem(", ".join(paths) or "now", detail),))


@_run.register
def _(node: ir.Neg, env: Env) -> Any:
    return _strictly(lambda x: -x, _run(node.operand, env), node=node)


_ARITH_FN = {"div": div, "scale": mul, "date_diff": lambda a, b: (a - b).days}


@_run.register
def _(node: ir.Arith, env: Env) -> Any:
    if node.fn == "days":
        fn = add if node.op == "+" else sub
    else:
        fn = _ARITH_FN.get(node.fn) or ARITH[node.op]
    return _strictly(fn, _run(node.left, env), _run(node.right, env), node=node)


@_run.register
def _(node: ir.Compare, env: Env) -> Any:
    return _strictly(COMPARE[node.op], _run(node.left, env), _run(node.right, env))


@_run.register
def _(node: ir.IsNull, env: Env) -> Any:
    value = _run(node.operand, env)
    if isinstance(value, Undecided):
        return undecided([value])
    return (value is not None) if node.negated else (value is None)


@_run.register
def _(node: ir.Logical, env: Env) -> Any:
    return logical(node.op, [_run(i, env) for i in node.items])


@_run.register
def _(node: ir.Call, env: Env) -> Any:
    impl = IMPLEMENTATIONS[node.name]
    args = [_run(a, env) for a in node.args]
    if node.null_safe:    # it reads every argument, null or not: a bad one leaves it undecided
        return undecided(args) if any(isinstance(a, Undecided) for a in args) else _computed(impl, args, node)
    return _strictly(impl, *args, node=node)


@_run.register
def _(node: ir.CalendarDay, env: Env) -> Any:
    return _strictly(calendar_date, _run(node.operand, env), node=node)


@_run.register
def _(node: ir.ToMoney, env: Env) -> Any:
    return as_money(_run(node.operand, env))


@_run.register
def _(node: ir.If, env: Env) -> Any:
    test = _run(node.test, env)
    if isinstance(test, Undecided) and test.may_hold:
        return undecided([test])
    return _run(node.then, env) if test is True else _run(node.orelse, env)
