"""The Python implementations of the built-in functions (their signatures: builtins.py).

One entry per built-in; the reference interpreter calls them and generated code calls them
as `_fn_<name>`. A null argument of a function that is not null-safe never gets here: the
caller gives null first.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any, Callable, Final

from dsl.lang.values import SHANGHAI

_8H: Final = timedelta(hours=8)


def calendar_date(value: datetime | date) -> date:
    """The day of a timestamp in Beijing time (ir.CalendarDay); a date stays as it is."""
    if not isinstance(value, datetime):
        return value
    if value.utcoffset() == _8H:   # Beijing time already (any +08:00 zone object): no trip through UTC,
        return value.date()         # which is year 0 for the first hours of year 1
    return value.astimezone(SHANGHAI).date()


def days_between(a: datetime | date, b: datetime | date) -> int:
    return (calendar_date(b) - calendar_date(a)).days


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


IMPLEMENTATIONS: Final[dict[str, Callable[..., Any]]] = {
    "date": calendar_date,
    "days_between": days_between,
    "coalesce": _coalesce,
    "len": len,
    "min": _extreme(min),
    "max": _extreme(max),
    "is_null": lambda v: v is None,
    "days": lambda n: timedelta(days=n),
    "hours": lambda n: timedelta(hours=n),
    "workdays_between": lambda a, b: _workdays().workdays_between(a, b),
    "add_workdays": lambda t, n: _workdays().add_workdays(t, n),
}


def _workdays() -> Any:
    """lang/workdays.py, imported on first use (it imports calendar_date from here)."""
    from dsl.lang import workdays

    return workdays
