"""A tree-walking reference evaluator: slow and obviously right.

The compiler must agree with it on every expression and case (a property test checks
this); the checker's constant folding and unreachable-rule analysis also use it. A field
whose value is bad reads as `Undecided` (semantics.py): the interpreter is what decides a
rule that reads one, whatever order its conditions are written or tried in.
"""
from __future__ import annotations

from functools import singledispatch, wraps
from typing import Any, Mapping

from . import ast
from .cases import FieldError
from .errors import Phrase
from .functions import FUNCTIONS
from .semantics import ARITH, COMPARE, Undecided, as_money, logical, needs_money, negate, strict, undecided


class Env:
    """What names mean during one evaluation: case fields, parameters and `now`."""

    def __init__(self, fields: Mapping[str, Any], params: Mapping[str, Any], now: Any):
        self.fields, self.params, self.now = fields, params, now

    def lookup(self, node: ast.Name) -> Any:
        if node.path == ("now",):
            return self.now
        if node.path[0] == "params":
            return self.params[".".join(node.path[1:])]
        try:
            return self.fields[node.dotted]
        except KeyError:
            return None
        except FieldError as exc:      # a bad value: what reads it hangs on it
            return Undecided((exc.problem,))


class NotConstant(Exception):
    """Raised when folding meets a case field or `now`."""


class ConstEnv(Env):
    def __init__(self, params: Mapping[str, Any]):
        super().__init__({}, params, None)

    def lookup(self, node: ast.Name) -> Any:
        if node.path[0] == "params":
            return super().lookup(node)
        raise NotConstant(node.dotted)


def uncomputable_constants(node: ast.Expr, params: Mapping[str, Any]) -> list[tuple[ast.Expr, str]]:
    """The largest parts of `node` that depend on parameters and literals only and cannot be
    computed (a date or a duration out of range: `params.last_day + days(3)` near year 9999),
    with the reason. At run time such a part would fail on every case; found at load time,
    it is an error where it stands."""
    if not any(n.path[0] != "params" for n in ast.names(node)):
        try:
            _eval(node, ConstEnv(params))
        except OverflowError:
            return [(node, Phrase("const.range"))]
        except (ArithmeticError, ValueError) as exc:
            return [(node, Phrase("const.other", text=str(exc) or type(exc).__name__))]
        return []
    return [found for child in ast.children(node) for found in uncomputable_constants(child, params)]


def interpret(node: ast.Expr, env: Env) -> Any:
    return _eval(node, env)


def _money_choice(fn):  # type: ignore[no-untyped-def]
    """Money-typed calls and if/else give a Decimal even when they pick an int operand."""
    @wraps(fn)   # keeps the annotation singledispatch registers on
    def wrapped(node: ast.Expr, env: Env) -> Any:
        value = fn(node, env)
        return as_money(value) if needs_money(node) else value
    return wrapped


def fold(node: ast.Expr, params: Mapping[str, Any]) -> tuple[bool, Any]:
    """(True, value) when `node` depends on parameters and literals only."""
    try:
        return True, _eval(node, ConstEnv(params))
    except NotConstant:
        return False, None


@singledispatch
def _eval(node: ast.Expr, env: Env) -> Any:
    raise TypeError(type(node).__name__)


@_eval.register
def _(node: ast.Const, env: Env) -> Any:
    return node.value


@_eval.register
def _(node: ast.Name, env: Env) -> Any:
    return env.lookup(node)


@_eval.register
def _(node: ast.ListExpr, env: Env) -> Any:
    items = tuple(_eval(i, env) for i in node.items)     # lists are tuples everywhere (cases too)
    return undecided(items) if any(isinstance(i, Undecided) for i in items) else items


@_eval.register
def _(node: ast.Unary, env: Env) -> Any:
    value = _eval(node.operand, env)
    if node.op == "not":
        return negate(value)
    early = strict([value])
    return -value if early is ... else early


@_eval.register
def _(node: ast.Binary, env: Env) -> Any:
    left, right = _eval(node.left, env), _eval(node.right, env)
    early = strict([left, right])
    return ARITH[node.op](left, right) if early is ... else early


@_eval.register
def _(node: ast.Compare, env: Env) -> Any:
    left, right = _eval(node.left, env), _eval(node.right, env)
    if node.op in ("==", "!=") and (_is_null_const(node.left) or _is_null_const(node.right)):
        other = right if _is_null_const(node.left) else left
        if isinstance(other, Undecided):
            return undecided([other])
        return (other is None) if node.op == "==" else (other is not None)
    early = strict([left, right])
    return COMPARE[node.op](left, right) if early is ... else early


def _is_null_const(node: ast.Expr) -> bool:
    return isinstance(node, ast.Const) and node.value is None


@_eval.register
def _(node: ast.Logical, env: Env) -> Any:
    return logical(node.op, [_eval(i, env) for i in node.items])


@_eval.register
@_money_choice
def _(node: ast.Call, env: Env) -> Any:
    fn = FUNCTIONS[node.name]
    args = [_eval(a, env) for a in node.args]
    if fn.null_safe:    # it reads every argument, null or not: a bad one leaves it undecided
        return undecided(args) if any(isinstance(a, Undecided) for a in args) else fn.impl(*args)
    early = strict(args)
    return fn.impl(*args) if early is ... else early


@_eval.register
@_money_choice
def _(node: ast.Cond, env: Env) -> Any:
    test = _eval(node.test, env)
    if isinstance(test, Undecided) and test.may_hold:
        return undecided([test])
    return _eval(node.then, env) if test is True else _eval(node.orelse, env)
