"""The typed expression AST: frozen dataclasses, no behaviour, no Python specifics.

The parser builds nodes with `type=None`; the checker returns the same tree with every
`type` filled and every choice made: what each name is (`kind`), which meaning of an
operator applies (`overload`) and where an int becomes money (`coerce`). Later stages
read these choices and never decide them again; lower.py turns the typed tree into the
backend-neutral IR (ir.py) that every backend reads.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Literal, Union

from dsl.diagnostics import Span
from dsl.lang.types import Type

ConstValue = Union[int, Decimal, str, bool, None, timedelta, date, datetime]
NameKind = Literal["field", "param", "now"]
CompareOp = Literal["==", "!=", "<", "<=", ">", ">=", "in", "not in"]
ArithOp = Literal["+", "-", "*", "/"]


@dataclass(frozen=True)
class Expr:
    span: Span


@dataclass(frozen=True)
class Const(Expr):
    value: ConstValue
    type: Type | None = None


@dataclass(frozen=True)
class Name(Expr):
    """A dotted path: a case field (`order.paid_amount`), `params.X`, or `now`."""

    path: tuple[str, ...]
    type: Type | None = None
    kind: NameKind | None = None       # set by the checker

    @property
    def dotted(self) -> str:
        return ".".join(self.path)

    @property
    def reads_case(self) -> bool:
        """A case field (not a parameter, not `now`) — as the checker resolved it."""
        return self.kind == "field"


@dataclass(frozen=True)
class ListExpr(Expr):
    items: tuple[Expr, ...]
    type: Type | None = None


@dataclass(frozen=True)
class Unary(Expr):
    op: Literal["not", "-"]
    operand: Expr
    type: Type | None = None


@dataclass(frozen=True)
class Binary(Expr):
    op: ArithOp
    left: Expr
    right: Expr
    type: Type | None = None
    overload: str | None = None         # set by the checker: see checker._ARITH


@dataclass(frozen=True)
class Compare(Expr):
    op: CompareOp
    left: Expr
    right: Expr
    type: Type | None = None


@dataclass(frozen=True)
class Logical(Expr):
    """`a and b and c` / `a or b`: n-ary so long chains stay shallow."""

    op: Literal["and", "or"]
    items: tuple[Expr, ...]
    type: Type | None = None


@dataclass(frozen=True)
class Call(Expr):
    name: str
    args: tuple[Expr, ...]
    type: Type | None = None
    coerce: tuple[bool, ...] = ()       # set by the checker: which arguments become money


@dataclass(frozen=True)
class Cond(Expr):
    """`if test then a else b`."""

    test: Expr
    then: Expr
    orelse: Expr
    type: Type | None = None
    coerce: tuple[bool, ...] = ()       # set by the checker: (then, else) become money


def children(node: Expr) -> tuple[Expr, ...]:
    """The sub-expressions of a node, in source order."""
    match node:
        case ListExpr(items=items) | Logical(items=items) | Call(args=items):
            return items
        case Unary(operand=operand):
            return (operand,)
        case Binary(left=left, right=right) | Compare(left=left, right=right):
            return (left, right)
        case Cond(test=test, then=then, orelse=orelse):
            return (test, then, orelse)
    return ()


def walk(node: Expr):
    """Every node, parents first (iterative: deep trees must not hit the recursion limit)."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(children(current)))


def names(node: Expr) -> list[Name]:
    return [n for n in walk(node) if isinstance(n, Name)]


def fields(node: Expr) -> list[Name]:
    """The case fields a (checked) tree reads."""
    return [n for n in walk(node) if isinstance(n, Name) and n.kind == "field"]
