"""workdays_between / add_workdays in SQL: the statutory calendar as data in the query.

The calendar (lang/workdays.py: chinesecalendar's holidays and 调休 make-up days) becomes two
list literals of day numbers (days since 1970-01-01, as calendar.py counts them): the
holidays that fall on Monday to Friday and the make-up days that fall on a weekend. The
workdays up to a day are the weekdays up to it (a closed form) minus the listed holidays up
to it plus the listed make-up days; `add_workdays` takes the n-th workday of a list of the
days after t (2n + 20 days always hold n workdays: no run of days off is longer than ten).
A day outside the calendar's years is undecided, as the Python engine's NoCalendarError,
so the Python engine writes that case's error; DuckDB and Spark give the same answers.
"""
from __future__ import annotations

from datetime import date
from typing import Any, Final

from sqlglot import exp

from dsl.engine.sql import calendar as cal
from dsl.engine.sql.build import add, and_, case, cast, gte, lt, lte, mul, not_, or_, sub
from dsl.engine.sql.dialect import BIGINT, INT128, Dialect, fn, lit

#: the largest |n| add_workdays looks for: more workdays than the whole calendar has
MAX_STEPS: Final = 9000
_MONDAY: Final = 4   # 1970-01-05, a Monday


def _data() -> tuple[list[int], list[int], int, int]:
    """(weekday holidays, weekend make-up days, first day, last day) as day numbers."""
    from dsl.lang.workdays import calendar

    holidays, worked, first, last = calendar()
    number = cal.day_number
    return (sorted(number(d) for d in holidays if d.weekday() < 5),
            sorted(number(d) for d in worked if d.weekday() >= 5),
            number(date(first, 1, 1)), number(date(last, 12, 31)))


def _weekdays_upto(d: Dialect, day: exp.Expression) -> exp.Expression:
    """Monday-to-Friday days from the anchor Monday up to `day`, a cumulative count (its
    difference between two days is the weekdays after the first up to the second)."""
    n = add(sub(day, _MONDAY), 1)
    return add(mul(cal.floor_div(d, n, 7), 5), fn("least", cal.pos_mod(n, 7), lit(5)))


def _count_in(d: Dialect, days: list[int], lo: exp.Expression, hi: exp.Expression) -> exp.Expression:
    """How many of `days` lie in (lo, hi]."""
    x = exp.to_identifier("x")
    inside = and_(exp.GT(this=x, expression=lo), lte(x, hi))
    return d.size(d.filter(exp.Array(expressions=[lit(v) for v in days]), exp.Lambda(this=inside, expressions=[x])))


def _is_workday(d: Dialect, day: exp.Expression, holidays: list[int], worked: list[int]) -> exp.Expression:
    weekday = lt(cal.pos_mod(add(day, 3), 7), 5)          # 1970-01-01 was a Thursday
    off = d.contains(exp.Array(expressions=[lit(v) for v in holidays]), day)
    made_up = d.contains(exp.Array(expressions=[lit(v) for v in worked]), day)
    return or_(and_(weekday, not_(off)), made_up)


def workdays_between(d: Dialect, a: exp.Expression, b: exp.Expression) -> tuple[exp.Expression, exp.Expression]:
    """(the count from day number a to day number b, whether the calendar covers it)."""
    holidays, worked, first, last = _data()
    lo, hi = fn("least", a, b), fn("greatest", a, b)

    def upto(day: exp.Expression) -> exp.Expression:
        return add(sub(_weekdays_upto(d, day), _count_in(d, holidays, lit(first - 1), day)),
                   _count_in(d, worked, lit(first - 1), day))

    count = sub(upto(hi), upto(lo))
    value = cast(case([(lt(b, a), exp.Neg(this=exp.Paren(this=count)))], count), INT128)
    covered = or_(exp.EQ(this=lo, expression=hi), and_(gte(add(lo, 1), lit(first)), lte(hi, lit(last))))
    return value, covered


def add_workdays(d: Dialect, day: exp.Expression, n: exp.Expression) -> tuple[exp.Expression, exp.Expression]:
    """(the day number of the n-th workday after day `day`, or before it for n < 0; whether
    the calendar covers every day on the way). n = 0 gives `day`."""
    all_holidays, all_worked = _all_days()
    _, _, first, last = _data()
    small = lte(fn("abs", n), lit(MAX_STEPS))
    steps = cast(case([(small, n)], lit(0)), BIGINT)
    span = add(mul(fn("abs", steps), 2), 20)
    x = exp.to_identifier("x")
    keep = exp.Lambda(this=and_(gte(x, lit(first)), lte(x, lit(last)), _is_workday(d, x, all_holidays, all_worked)),
                      expressions=[x])
    ahead = d.filter(d.int_range(add(day, 1), add(day, span), 1), keep)
    behind = d.filter(d.int_range(sub(day, 1), sub(day, span), -1), keep)
    forward = exp.GT(this=steps, expression=lit(0))
    found = case([(forward, d.at_index(ahead, steps))], d.at_index(behind, exp.Neg(this=steps)))
    enough = case([(forward, lte(steps, d.size(ahead)))], lte(exp.Neg(this=steps), d.size(behind)))
    value = case([(exp.EQ(this=steps, expression=lit(0)), day)], found)
    covered = or_(exp.EQ(this=n, expression=lit(0)),
                  and_(small, case([(forward, gte(add(day, 1), lit(first)))], lte(sub(day, 1), lit(last))), enough))
    return case([(covered, value)]), covered


def _all_days() -> tuple[list[int], list[int]]:
    from dsl.lang.workdays import calendar

    holidays, worked, _, _ = calendar()
    return sorted(cal.day_number(h) for h in holidays), sorted(cal.day_number(w) for w in worked)


def shift(kind: str, value: Any, day: exp.Expression, moved: exp.Expression) -> exp.Expression:
    """`add_workdays`'s result of the argument's kind: a date is the day, a timestamp moves
    by whole days (the same time of day)."""
    if kind == "date":
        return moved
    return add(value, mul(sub(moved, day), cal.US_PER_DAY))

