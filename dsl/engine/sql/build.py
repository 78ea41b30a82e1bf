"""Small constructors of sqlglot trees, so the generators read like the SQL they write.

Every binary operator is parenthesised where it is built: sqlglot renders a tree as it is
given, and a tree built without brackets would lose the grouping its builder meant.
"""
from __future__ import annotations

from typing import Callable, Iterable

from sqlglot import exp

from dsl.engine.sql.dialect import lit


def par(node: exp.Expression) -> exp.Expression:
    """`node` in brackets unless it is atomic (a name, a literal, a call, CASE, CAST).
    sqlglot's AND/OR are also `Func`s: an operator is tested first."""
    if isinstance(node, (exp.Binary, exp.Connector, exp.Not, exp.Unary, exp.Is, exp.In, exp.Between)):
        return node if isinstance(node, exp.Paren) else exp.Paren(this=node)
    return node if isinstance(node, (exp.Column, exp.Literal, exp.Paren, exp.Null, exp.Boolean, exp.Anonymous,
                                     exp.Func, exp.Case, exp.Cast)) else exp.Paren(this=node)


def _bin(cls: type[exp.Expression], a: exp.Expression | object, b: exp.Expression | object) -> exp.Expression:
    return exp.Paren(this=cls(this=par(_x(a)), expression=par(_x(b))))


def _x(value: exp.Expression | object) -> exp.Expression:
    return value if isinstance(value, exp.Expression) else lit(value)


def _operator(cls: type[exp.Expression]) -> Callable[[object, object], exp.Expression]:
    def build(a: object, b: object) -> exp.Expression:
        return _bin(cls, a, b)
    build.__name__ = cls.__name__.lower()
    return build


# a op b, bracketed; operands are trees or Python literals
add, sub, mul, mod = (_operator(c) for c in (exp.Add, exp.Sub, exp.Mul, exp.Mod))
eq, neq, lt, lte, gt, gte = (_operator(c) for c in (exp.EQ, exp.NEQ, exp.LT, exp.LTE, exp.GT, exp.GTE))

COMPARE = {"==": eq, "!=": neq, "<": lt, "<=": lte, ">": gt, ">=": gte}


def and_(*items: exp.Expression) -> exp.Expression:
    parts = [i for i in items if not _is(i, True)]
    if any(_is(i, False) for i in parts):
        return exp.false()
    if not parts:
        return exp.true()
    out = par(parts[0])
    for item in parts[1:]:
        out = exp.And(this=out, expression=par(item))
    return exp.Paren(this=out) if len(parts) > 1 else out


def or_(*items: exp.Expression) -> exp.Expression:
    parts = [i for i in items if not _is(i, False)]
    if any(_is(i, True) for i in parts):
        return exp.true()
    if not parts:
        return exp.false()
    out = par(parts[0])
    for item in parts[1:]:
        out = exp.Or(this=out, expression=par(item))
    return exp.Paren(this=out) if len(parts) > 1 else out


def not_(a: exp.Expression) -> exp.Expression:
    if _is(a, True):
        return exp.false()
    if _is(a, False):
        return exp.true()
    return exp.Not(this=par(a))


def _is(node: exp.Expression, value: bool) -> bool:
    return isinstance(node, exp.Boolean) and node.this is value


def is_null(a: exp.Expression) -> exp.Expression:
    return exp.Is(this=par(a), expression=exp.Null())


def not_null(a: exp.Expression) -> exp.Expression:
    return exp.Not(this=exp.Is(this=par(a), expression=exp.Null()))


def case(whens: Iterable[tuple[exp.Expression, exp.Expression]], default: exp.Expression | None = None) -> exp.Expression:
    whens = list(whens)
    if not whens:
        return default if default is not None else exp.Null()
    node = exp.Case()
    for cond, value in whens:
        node = node.when(cond, value, copy=False)
    if default is not None:
        node = node.else_(default, copy=False)
    return node


def if_(cond: exp.Expression, then: exp.Expression, orelse: exp.Expression | None = None) -> exp.Expression:
    if _is(cond, True):
        return then
    if _is(cond, False):
        return orelse if orelse is not None else exp.Null()
    return case([(cond, then)], orelse)


def cast(a: exp.Expression, to: str | exp.DataType) -> exp.Expression:
    return exp.Cast(this=a, to=to if isinstance(to, exp.DataType) else exp.DataType.build(to))


def in_list(a: exp.Expression, items: list[exp.Expression]) -> exp.Expression:
    return exp.In(this=par(a), expressions=items)


def coalesce(*items: exp.Expression) -> exp.Expression:
    return exp.Coalesce(this=items[0], expressions=list(items[1:]))


def concat(*items: exp.Expression) -> exp.Expression:
    return exp.Concat(expressions=list(items), safe=False, coalesce=False)


def col(name: str, table: str | None = None) -> exp.Column:
    return exp.column(name, table=table, quoted=True)


def alias(expr: exp.Expression, name: str, quoted: bool = True) -> exp.Expression:
    """`expr AS "name"`."""
    return exp.Alias(this=expr, alias=exp.to_identifier(name, quoted=quoted))
