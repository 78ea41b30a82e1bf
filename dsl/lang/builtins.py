"""Built-in functions: the signatures the checker resolves calls by (no implementations:
those live with each backend, implementations.py for Python)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Final

from dsl.diagnostics import Phrase
from dsl.lang.types import BOOL, DATE, DURATION, INT, TIMESTAMP, Type, unify
# A signature takes the argument types and returns the result type, or an error text.
Signature = Callable[[list[Type]], "Type | str"]


@dataclass(frozen=True)
class Function:
    """A built-in as the language defines it: its signature and what it does with null.
    Each backend implements it (Python: implementations.py), as OPA keeps ast/builtins apart
    from topdown."""

    name: str
    signature: Signature
    doc: str
    null_safe: bool = False   # handles null arguments itself (else: any null -> null)
    usage: str = ""           # the signature as an author reads it (the language server shows it)


def _arity(n: int, *kinds: tuple[str, ...]) -> Callable[[Callable[[list[Type]], Type]], Signature]:
    """Check the count and kinds of arguments before the result rule runs."""
    def wrap(result: Callable[[list[Type]], Type]) -> Signature:
        def sig(args: list[Type]) -> Type | str:
            if len(args) != n:
                return Phrase("call.arity", n=n, got=len(args))
            for i, (arg, allowed) in enumerate(zip(args, kinds)):
                if arg.kind not in allowed and arg.kind not in ("null", "any"):
                    return Phrase("call.argument", i=i + 1, allowed=_kinds(allowed), arg=arg)
            return result(args)
        return sig
    return wrap


def _kinds(kinds: tuple[str, ...]) -> Phrase:
    """`('int', 'money')` -> "int or money" / "整数或金额"."""
    types = [Type(k) for k in kinds]   # type: ignore[arg-type]
    return Phrase("pair", en=" or ".join(t.label("en") for t in types), zh="或".join(t.label("zh") for t in types))


def _variadic(kinds: tuple[str, ...], at_least: int) -> Signature:
    def sig(args: list[Type]) -> Type | str:
        if len(args) < at_least:
            return Phrase("call.at_least", n=at_least, got=len(args))
        result: Type | None = args[0]
        for arg in args:
            if kinds and arg.kind not in kinds and arg.kind not in ("null", "any"):
                return Phrase("call.cannot_take", arg=arg)
            result = unify(result, arg) if result else None
            if result is None:
                return Phrase("call.one_type", types=Phrase("pair", en=", ".join(a.label("en") for a in args),
                                                             zh="、".join(a.label("zh") for a in args)))
        return result or args[0]
    return sig


_TIMEY: Final = ("timestamp", "date")
_ORDERED: Final = ("int", "money", "timestamp", "date", "duration")

FUNCTIONS: Final[dict[str, Function]] = {
    "date": Function("date", _arity(1, _TIMEY)(lambda a: DATE), "the calendar day of a timestamp in Beijing time", usage="date(t: timestamp | date) -> date"),
    "days_between": Function("days_between", _arity(2, _TIMEY, _TIMEY)(lambda a: INT),
                             "calendar days from a to b in Beijing time (next day = 1)", usage="days_between(a: timestamp | date, b: timestamp | date) -> int"),
    "coalesce": Function("coalesce", _variadic((), 1), "the first value that is not null", null_safe=True, usage="coalesce(x, ...) -> the type of x"),
    "len": Function("len", _arity(1, ("list",))(lambda a: INT), "the number of items of a list", usage="len(xs: list) -> int"),
    "min": Function("min", _variadic(_ORDERED, 1), "the smallest non-null value", null_safe=True, usage="min(x: int | money | timestamp | date | duration, ...) -> the type of x"),
    "max": Function("max", _variadic(_ORDERED, 1), "the largest non-null value", null_safe=True, usage="max(x: int | money | timestamp | date | duration, ...) -> the type of x"),
    "is_null": Function("is_null", _arity(1, ("bool", "int", "money", "str", "duration", "timestamp", "date",
                                               "list", "object"))(lambda a: BOOL),
                        "true when the value is missing", null_safe=True, usage="is_null(x) -> bool"),
    "days": Function("days", _arity(1, ("int",))(lambda a: DURATION), "a duration of n × 24 hours", usage="days(n: int) -> duration"),
    "hours": Function("hours", _arity(1, ("int",))(lambda a: DURATION), "a duration of n hours", usage="hours(n: int) -> duration"),
    # workdays on the statutory calendar with 调休 make-up days (lang/workdays.py)
    "workdays_between": Function("workdays_between", _arity(2, _TIMEY, _TIMEY)(lambda a: INT),
                                 "workdays from a to b in Beijing time (statutory holidays off, 调休 make-up days worked; "
                                 "the next day is 1 when it is a workday)",
                                 usage="workdays_between(a: timestamp | date, b: timestamp | date) -> int"),
    "add_workdays": Function("add_workdays", _arity(2, _TIMEY, ("int",))(lambda a: a[0] if a[0].kind in _TIMEY else TIMESTAMP),
                             "t moved to the n-th workday after its day, at the same time of day (statutory calendar)",
                             usage="add_workdays(t: timestamp | date, n: int) -> the type of t"),
}
