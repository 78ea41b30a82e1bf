"""Workdays on China's statutory calendar (法定节假日 and 调休 make-up days).

`workdays_between(a, b)` and `add_workdays(t, n)` count the days people work: Monday to
Friday unless a statutory holiday, plus the weekend days worked in lieu (调休). The calendar
is the `chinesecalendar` package's (import name `chinese_calendar`): the State Council
publishes each year's holidays in the preceding autumn, and the package covers exactly the
years published when it was released (1.11.0: 2004–2026). For any other year it refuses
rather than guessing, and so do we: a day outside those years raises NoCalendarError, an
OverflowError, which every engine treats as a computation it cannot do (the rule is
undecided, with the reason "no statutory calendar for 2027 yet: update chinesecalendar").
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

from dsl.diagnostics import Phrase


class NoCalendarError(OverflowError):
    """A day of a year the statutory calendar does not cover; `phrase` says so in zh/en."""

    def __init__(self, year: int):
        self.year = year
        self.phrase = Phrase("calendar.missing", year=year)
        super().__init__(str(self.phrase))


@lru_cache(maxsize=1)
def calendar() -> tuple[frozenset[date], frozenset[date], int, int]:
    """(holidays, make-up workdays, first year, last year) of the installed chinesecalendar."""
    import chinese_calendar   # imported when a rule first counts workdays: start-up never pays

    holidays = frozenset(chinese_calendar.holidays)
    worked = frozenset(chinese_calendar.workdays)
    years = [d.year for d in holidays | worked]
    return holidays, worked, min(years), max(years)


def is_workday(day: date) -> bool:
    holidays, worked, first, last = calendar()
    if not first <= day.year <= last:
        raise NoCalendarError(day.year)
    return day in worked or (day.weekday() < 5 and day not in holidays)


def _day(value: datetime | date) -> date:
    from dsl.lang.implementations import calendar_date

    return calendar_date(value)


def workdays_between(a: datetime | date, b: datetime | date) -> int:
    """Workdays after a's day up to and including b's day (Beijing time), as days_between
    counts calendar days: the next day is 1 when it is a workday; negative when b is before a."""
    start, end = _day(a), _day(b)
    sign = 1
    if end < start:
        start, end, sign = end, start, -1
    count = sum(is_workday(start + timedelta(days=i)) for i in range(1, (end - start).days + 1))
    return sign * count


def add_workdays(t: Any, n: int) -> Any:
    """`t` moved to the n-th workday after its day (before it for n < 0), at the same clock
    time; a date stays a date. n = 0 gives t itself."""
    day, step, left = _day(t), (1 if n > 0 else -1), abs(n)
    moved = 0
    while left:
        moved += step
        if is_workday(day + timedelta(days=moved)):
            left -= 1
    return t + timedelta(days=moved)
