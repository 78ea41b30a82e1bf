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

from dataclasses import FrozenInstanceError
from typing import Any, Callable, Iterator, Literal, TypeVar

SHANGHAI_ZONE = "Asia/Shanghai"
_N = TypeVar("_N", bound=type)


def node(cls: _N) -> _N:
    """A frozen record: fields from the class's annotations (defaults from its attributes),
    keyword or positional construction, equality and hash by type and fields, `match` by
    position. Like `@dataclass(frozen=True)`, without the source it generates and execs per
    method (~0.7 ms a class): the IR is imported by every `rulebook eval` that explains."""
    own = tuple(cls.__dict__.get("__annotations__", {}))
    names = tuple(getattr(cls, "__match_args__", ())) + own      # a node's fields, then its own
    defaults = dict(getattr(cls, "_defaults", {}))
    defaults.update({n: cls.__dict__[n] for n in own if n in cls.__dict__})
    for n in own:
        if n in cls.__dict__:
            delattr(cls, n)
    cls._defaults = defaults
    cls.__match_args__ = names
    cls.__init__ = _init_for(cls.__name__, names, defaults)
    return cls


def _init_for(kind: str, names: tuple[str, ...], defaults: dict[str, Any]) -> Callable[..., None]:
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        if len(args) > len(names):
            raise TypeError(f"{kind}() takes {len(names)} arguments, {len(args)} given")
        values = dict(zip(names, args))
        for key, value in kwargs.items():
            if key not in names or key in values:
                raise TypeError(f"{kind}() got an unexpected or repeated argument {key!r}")
            values[key] = value
        for name in names:
            value = values[name] if name in values else defaults.get(name, _MISSING)
            if value is _MISSING:
                raise TypeError(f"{kind}() missing argument {name!r}")
            object.__setattr__(self, name, value)
    return __init__


_MISSING = object()


class Node:
    """Every IR node: immutable, compared and hashed by its type and fields."""

    __match_args__: tuple[str, ...] = ()
    _defaults: dict[str, Any] = {}

    def _values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, n) for n in self.__match_args__)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Node):
            return NotImplemented
        return type(other) is type(self) and other._values() == self._values()

    def __hash__(self) -> int:
        return hash((type(self), self._values()))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{n}={getattr(self, n)!r}' for n in self.__match_args__)})"

    def __setattr__(self, name: str, value: Any) -> None:
        raise FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise FrozenInstanceError(f"cannot delete field {name!r}")


@node
class Const(Node):
    value: Any


@node
class Field(Node):
    """A case field by its dotted path; `kind` its vocabulary type kind."""

    path: str
    kind: str


@node
class Now(Node):
    """The moment of evaluation (a timestamp in Beijing time)."""


@node
class ListOf(Node):
    items: tuple[Node, ...]


@node
class Not(Node):
    operand: Node


@node
class Neg(Node):
    operand: Node


@node
class Arith(Node):
    """`fn`: "num" (+ - * on numbers, durations, timestamps), "div" (exact; null for zero),
    "scale" (duration × number), "days" (date ± whole days), "date_diff" (days between dates)."""

    op: Literal["+", "-", "*", "/"]
    fn: str
    left: Node
    right: Node


@node
class Compare(Node):
    op: Literal["==", "!=", "<", "<=", ">", ">=", "in", "not in"]
    left: Node
    right: Node


@node
class IsNull(Node):
    """`x == null` (negated: `x != null`), `is_null(x)`: always true or false."""

    operand: Node
    negated: bool = False


@node
class Logical(Node):
    op: Literal["and", "or"]
    items: tuple[Node, ...]


@node
class Call(Node):
    """A built-in (builtins.py); `null_safe`: it takes null arguments itself."""

    name: str
    args: tuple[Node, ...]
    null_safe: bool = False


@node
class CalendarDay(Node):
    """The calendar day of a timestamp in `zone` (a date stays as it is); `of`: the operand's
    type kind ("timestamp", "date", or "any" for null)."""

    operand: Node
    of: str = "timestamp"
    zone: str = SHANGHAI_ZONE


@node
class ToMoney(Node):
    """A money-typed choice (a call, if/else) that may give an int: the int becomes money."""

    operand: Node


@node
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


def walk(node: Node) -> Iterator[Node]:
    """`node` and every node below it."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(children(current))


def reads_case(node: Node) -> bool:
    """Whether the value depends on the case (a field or `now`), so cannot be folded."""
    return any(isinstance(n, (Field, Now)) for n in walk(node))
