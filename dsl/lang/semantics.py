"""The meaning of each operator on runtime values, shared by the compiler and the interpreter.

Null handling lives here too: arithmetic with null is null, comparisons with null are
unknown (None), and `and`/`or`/`not` follow SQL's three-valued logic.

A value that hangs on a bad case value (a field that cannot be read) is `Undecided`: it
carries the problems it hangs on and, for a condition, the outcomes still possible. The
reference interpreter computes with it (docs/rulebook-format.md, "Bad values"); compiled
code raises instead and the caller asks the interpreter. Every operator here is symmetric,
so no order of evaluation can change a decision.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal, DivisionByZero, InvalidOperation
from dataclasses import dataclass
from itertools import product
from typing import TYPE_CHECKING, Any, Iterable, Mapping

if TYPE_CHECKING:
    from dsl.lang import ast

_ANY: frozenset[Any] = frozenset((True, False, None))


@dataclass(frozen=True)
class FieldProblem:
    path: str
    detail: str
    hint: str | None = None


class FieldError(Exception):
    """A rule read a field whose value is bad; carries the problem. The readers of cases raise
    it; the interpreter turns it into Undecided."""

    def __init__(self, problem: FieldProblem):
        super().__init__(f"{problem.path}: {problem.detail}")
        self.problem = problem


class Undecided:
    """What a condition or value is when it reads a bad value: `outcomes` is the set of
    values it could still take (a condition: some of True, False, None), `problems` what
    it hangs on (a tuple of FieldProblem, by path)."""

    __slots__ = ("outcomes", "problems")

    def __init__(self, problems: Iterable[Any], outcomes: frozenset[Any] = _ANY):
        self.problems = tuple(sorted({p.path: p for p in problems}.values(), key=lambda p: p.path))
        self.outcomes = outcomes

    def __repr__(self) -> str:
        return f"Undecided({', '.join(p.path for p in self.problems)})"

    @property
    def may_hold(self) -> bool:
        """False when the condition does not hold whatever the bad values are."""
        return True in self.outcomes


def undecided(values: Iterable[Any], outcomes: frozenset[Any] = _ANY) -> Undecided:
    """An Undecided that hangs on every Undecided among `values`."""
    return Undecided([p for v in values if isinstance(v, Undecided) for p in v.problems], outcomes)


def strict(values: list[Any]) -> Any:
    """What an operator that gives null for a null operand gives before it runs: None when an
    operand is null (null whatever a bad value holds), an Undecided when one is, else ...
    (Ellipsis: go on and compute)."""
    if any(v is None for v in values):
        return None
    if any(isinstance(v, Undecided) for v in values):
        return undecided(values)
    return ...


def logical(op: str, values: list[Any]) -> Any:
    """`and`/`or` of values that may be Undecided: every outcome still possible, folded item
    by item (at most 3 × 3 per step); a single outcome is the answer, several are Undecided."""
    combine = kleene_and if op == "and" else kleene_or
    outcomes: frozenset[Any] = frozenset((True if op == "and" else False,))
    for v in values:
        options = v.outcomes if isinstance(v, Undecided) else (v,)
        outcomes = frozenset(combine([a, b]) for a, b in product(outcomes, options))
    if len(outcomes) == 1:
        return next(iter(outcomes))
    return undecided(values, outcomes)


def negate(value: Any) -> Any:
    """`not`: null stays null; an Undecided condition keeps its outcomes, negated."""
    if isinstance(value, Undecided):
        return Undecided(value.problems, frozenset(None if o is None else not o for o in value.outcomes))
    return None if value is None else not value


def holds(value: Any) -> Any:
    """A condition's verdict: True (holds), False (does not hold: false or null, also when
    false whatever the bad values are) or an Undecided (the verdict hangs on a bad value)."""
    if isinstance(value, Undecided):
        return value if value.may_hold else False
    return value is True


def div(a: Any, b: Any) -> Any:
    """`/`: numbers give an exact Decimal; division by zero gives null, never an exception."""
    if isinstance(a, timedelta):
        if isinstance(b, timedelta):
            return None if not b else Decimal(a // timedelta(microseconds=1)) / Decimal(b // timedelta(microseconds=1))
        return None if not b else timedelta(microseconds=int(Decimal(a // timedelta(microseconds=1)) / Decimal(b)))
    if not b:
        return None
    try:
        return Decimal(a) / Decimal(b)
    except (DivisionByZero, InvalidOperation):
        return None


def mul(a: Any, b: Any) -> Any:
    """`*`, where a duration times a decimal stays exact to the microsecond."""
    if isinstance(a, timedelta) and isinstance(b, Decimal):
        return timedelta(microseconds=int(Decimal(a // timedelta(microseconds=1)) * b))
    if isinstance(b, timedelta) and isinstance(a, Decimal):
        return mul(b, a)
    return a * b


def add(a: Any, b: Any) -> Any:
    if isinstance(a, date) and not isinstance(a, datetime) and isinstance(b, int):
        return a + timedelta(days=b)
    return a + b


def sub(a: Any, b: Any) -> Any:
    if isinstance(a, date) and not isinstance(a, datetime):
        if isinstance(b, int):
            return a - timedelta(days=b)
        return (a - b).days
    return a - b


ARITH = {"+": add, "-": sub, "*": mul, "/": div}

COMPARE = {
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "in": lambda a, b: a in b,
    "not in": lambda a, b: a not in b,
}


def kleene_and(values: list[Any]) -> Any:
    if any(v is False for v in values):
        return False
    return None if any(v is None for v in values) else True


def kleene_or(values: list[Any]) -> Any:
    if any(v is True for v in values):
        return True
    return None if any(v is None for v in values) else False


def as_money(value: Any) -> Any:
    """An int where money is expected (`coalesce(amount, 0)`, `min(1, 2.5)`) becomes a Decimal."""
    return value if value is None or isinstance(value, (Decimal, Undecided)) else Decimal(value)


class Env:
    """What names mean during one evaluation: case fields, parameters and `now`."""

    def __init__(self, fields: Mapping[str, Any], params: Mapping[str, Any], now: Any):
        self.fields, self.params, self.now = fields, params, now

    def read(self, path: str) -> Any:
        """A case field: None when absent, an Undecided when its value is bad."""
        try:
            return self.fields[path]
        except KeyError:
            return None
        except FieldError as exc:      # a bad value: what reads it hangs on it
            return Undecided((exc.problem,))

    def lookup(self, node: ast.Name) -> Any:
        """A checked name's value (explanations show them one by one)."""
        if node.kind == "now":
            return self.now
        if node.kind == "param":
            return self.params[".".join(node.path[1:])]
        return self.read(node.dotted)
