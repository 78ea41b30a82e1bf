"""A tree-walking reference evaluator: slow and obviously right.

The compiler must agree with it on every expression and case (a property test checks
this); the checker's constant folding and unreachable-rule analysis also use it.
"""
from __future__ import annotations

from functools import singledispatch, wraps
from typing import Any, Mapping

from . import ast
from .errors import Phrase
from .functions import FUNCTIONS
from .semantics import ARITH, COMPARE, as_money, kleene_and, kleene_or, needs_money


class Env:
    """What names mean during one evaluation: case fields, parameters and `now`."""

    def __init__(self, fields: Mapping[str, Any], params: Mapping[str, Any], now: Any):
        self.fields, self.params, self.now = fields, params, now

    def lookup(self, node: ast.Name) -> Any:
        if node.path == ("now",):
            return self.now
        if node.path[0] == "params":
            return self.params[".".join(node.path[1:])]
        return self.fields.get(node.dotted)


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
    return tuple(_eval(i, env) for i in node.items)     # lists are tuples everywhere (cases too)


@_eval.register
def _(node: ast.Unary, env: Env) -> Any:
    value = _eval(node.operand, env)
    if value is None:
        return None
    return (not value) if node.op == "not" else -value


@_eval.register
def _(node: ast.Binary, env: Env) -> Any:
    left, right = _eval(node.left, env), _eval(node.right, env)
    if left is None or right is None:
        return None
    return ARITH[node.op](left, right)


@_eval.register
def _(node: ast.Compare, env: Env) -> Any:
    left, right = _eval(node.left, env), _eval(node.right, env)
    if node.op in ("==", "!=") and (_is_null_const(node.left) or _is_null_const(node.right)):
        other = right if _is_null_const(node.left) else left
        return (other is None) if node.op == "==" else (other is not None)
    if left is None or right is None:
        return None
    return COMPARE[node.op](left, right)


def _is_null_const(node: ast.Expr) -> bool:
    return isinstance(node, ast.Const) and node.value is None


@_eval.register
def _(node: ast.Logical, env: Env) -> Any:
    values = [_eval(i, env) for i in node.items]
    return kleene_and(values) if node.op == "and" else kleene_or(values)


@_eval.register
@_money_choice
def _(node: ast.Call, env: Env) -> Any:
    fn = FUNCTIONS[node.name]
    args = [_eval(a, env) for a in node.args]
    if not fn.null_safe and any(a is None for a in args):
        return None
    return fn.impl(*args)


@_eval.register
@_money_choice
def _(node: ast.Cond, env: Env) -> Any:
    return _eval(node.then, env) if _eval(node.test, env) is True else _eval(node.orelse, env)
