"""The backend-neutral IR: what an expression means, with every choice already made.

lower.py builds it from the checked AST. Parameters and sub-expressions of literals are
folded into `Const`; null tests (`== null`, `is_null`) are `IsNull`; a choice that may
give an int where money is meant is wrapped in `ToMoney`; the calendar day of a timestamp is `CalendarDay` with its time
zone; each arithmetic node names the meaning it has (`fn`). A backend (the Python code
generator, the reference interpreter, a SQL generator) implements each node once.

Null: every node but `Logical`, `IsNull`, `If` and the null-safe calls gives null when an
operand is null. A bad case value: see semantics.py (Undecided).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

SHANGHAI_ZONE = "Asia/Shanghai"


@dataclass(frozen=True)
class Node:
    """Every IR node."""


@dataclass(frozen=True)
class Const(Node):
    value: Any


@dataclass(frozen=True)
class Field(Node):
    """A case field by its dotted path; `kind` its vocabulary type kind."""

    path: str
    kind: str


@dataclass(frozen=True)
class Now(Node):
    """The moment of evaluation (a timestamp in Beijing time)."""


@dataclass(frozen=True)
class ListOf(Node):
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Not(Node):
    operand: Node


@dataclass(frozen=True)
class Neg(Node):
    operand: Node


@dataclass(frozen=True)
class Arith(Node):
    """`fn`: "num" (+ - * on numbers, durations, timestamps), "div" (exact; null for zero),
    "scale" (duration × number), "days" (date ± whole days), "date_diff" (days between dates)."""

    op: Literal["+", "-", "*", "/"]
    fn: str
    left: Node
    right: Node


@dataclass(frozen=True)
class Compare(Node):
    op: Literal["==", "!=", "<", "<=", ">", ">=", "in", "not in"]
    left: Node
    right: Node


@dataclass(frozen=True)
class IsNull(Node):
    """`x == null` (negated: `x != null`), `is_null(x)`: always true or false."""

    operand: Node
    negated: bool = False


@dataclass(frozen=True)
class Logical(Node):
    op: Literal["and", "or"]
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Call(Node):
    """A built-in (functions.py); `null_safe`: it takes null arguments itself."""

    name: str
    args: tuple[Node, ...]
    null_safe: bool = False


@dataclass(frozen=True)
class CalendarDay(Node):
    """The calendar day of a timestamp in `zone` (a date stays as it is); `of`: the operand's
    type kind ("timestamp", "date", or "any" for null)."""

    operand: Node
    of: str = "timestamp"
    zone: str = SHANGHAI_ZONE


@dataclass(frozen=True)
class ToMoney(Node):
    """A money-typed choice (a call, if/else) that may give an int: the int becomes money."""

    operand: Node


@dataclass(frozen=True)
class If(Node):
    test: Node
    then: Node
    orelse: Node


def children(node: Node) -> tuple[Node, ...]:
    match node:
        case ListOf(items=items) | Logical(items=items) | Call(args=items):
            return items
        case Not(operand=x) | Neg(operand=x) | IsNull(operand=x) | CalendarDay(operand=x) | ToMoney(operand=x):
            return (x,)
        case Arith(left=a, right=b) | Compare(left=a, right=b):
            return (a, b)
        case If(test=t, then=a, orelse=b):
            return (t, a, b)
    return ()


def reads_case(node: Node) -> bool:
    """Whether the value depends on the case (a field or `now`), so cannot be folded."""
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, (Field, Now)):
            return True
        stack.extend(children(current))
    return False
