"""Built-in functions: a signature for the checker and an implementation for the compiler."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Callable, Final

from .errors import Phrase
from .typesys import BOOL, DATE, DURATION, INT, Type, unify
from .values import SHANGHAI

_8H: Final = timedelta(hours=8)

# A signature takes the argument types and returns the result type, or an error text.
Signature = Callable[[list[Type]], "Type | str"]


@dataclass(frozen=True)
class Function:
    name: str
    signature: Signature
    impl: Callable[..., Any]
    doc: str
    null_safe: bool = False   # handles null arguments itself (else: any null -> null)


def _calendar_date(value: datetime | date) -> date:
    if not isinstance(value, datetime):
        return value
    if value.utcoffset() == _8H:   # Beijing time already (any +08:00 zone object): no trip through UTC,
        return value.date()         # which is year 0 for the first hours of year 1
    return value.astimezone(SHANGHAI).date()


def _days_between(a: datetime | date, b: datetime | date) -> int:
    return (_calendar_date(b) - _calendar_date(a)).days


def _coalesce(*values: Any) -> Any:
    for value in values:
        if value is not None:
            return value
    return None


def _extreme(pick: Callable[..., Any]) -> Callable[..., Any]:
    def impl(*values: Any) -> Any:
        present = [v for v in values if v is not None]
        return pick(present) if present else None
    return impl


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
    "date": Function("date", _arity(1, _TIMEY)(lambda a: DATE), _calendar_date,
                     "the calendar day of a timestamp in Beijing time"),
    "days_between": Function("days_between", _arity(2, _TIMEY, _TIMEY)(lambda a: INT), _days_between,
                             "calendar days from a to b in Beijing time (next day = 1)"),
    "coalesce": Function("coalesce", _variadic((), 1), _coalesce, "the first value that is not null",
                         null_safe=True),
    "len": Function("len", _arity(1, ("list",))(lambda a: INT), len, "the number of items of a list"),
    "min": Function("min", _variadic(_ORDERED, 1), _extreme(min), "the smallest non-null value", null_safe=True),
    "max": Function("max", _variadic(_ORDERED, 1), _extreme(max), "the largest non-null value", null_safe=True),
    "is_null": Function("is_null", _arity(1, ("bool", "int", "money", "str", "duration", "timestamp", "date",
                                               "list", "object"))(lambda a: BOOL),
                        lambda v: v is None, "true when the value is missing", null_safe=True),
    "days": Function("days", _arity(1, ("int",))(lambda a: DURATION), lambda n: timedelta(days=n),
                     "a duration of n × 24 hours"),
    "hours": Function("hours", _arity(1, ("int",))(lambda a: DURATION), lambda n: timedelta(hours=n),
                      "a duration of n hours"),
}
