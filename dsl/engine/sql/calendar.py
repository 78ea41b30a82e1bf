"""Time in SQL as integers: a timestamp is epoch microseconds (UTC), a date the number of its
day since 1970-01-01, both BIGINT. Beijing time is UTC+8 with no daylight saving since 1991,
so its calendar day is `floor((us + 8 h) / 1 day)`: arithmetic that means the same in every
engine whatever its session time zone, where TIMESTAMP types and AT TIME ZONE do not.

Days from a civil date and back follow Howard Hinnant's algorithms ("chrono-compatible
low-level date algorithms"), on non-negative integers only, so truncating integer division
is floor division in every dialect.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Final

from sqlglot import exp

from dsl.engine.sql.build import add, and_, case, cast, concat, gte, lt, lte, mod, mul, or_, sub
from dsl.engine.sql.dialect import BIGINT, Dialect, lit
from dsl.lang.values import SHANGHAI, UTC

US_PER_DAY: Final = 86_400_000_000
BEIJING_US: Final = 8 * 3_600_000_000
EPOCH: Final = date(1970, 1, 1)
_EPOCH_UTC: Final = datetime(1970, 1, 1, tzinfo=UTC)
# Beijing local microseconds since the epoch of 0001-01-01T00:00 and of 10000-01-01T00:00:
# a timestamp outside them is out of Python's calendar (OverflowError there, undecided here)
FIRST_LOCAL_US: Final = (date(1, 1, 1) - EPOCH).days * US_PER_DAY
END_LOCAL_US: Final = ((date(9999, 12, 31) - EPOCH).days + 1) * US_PER_DAY
FIRST_DAY: Final = (date(1, 1, 1) - EPOCH).days
LAST_DAY: Final = (date(9999, 12, 31) - EPOCH).days
MAX_DURATION_US: Final = timedelta.max // timedelta(microseconds=1)
MIN_DURATION_US: Final = timedelta.min // timedelta(microseconds=1)


def micros(value: datetime) -> int:
    """A Python timestamp (naive: Beijing time) as epoch microseconds."""
    aware = value if value.tzinfo is not None else value.replace(tzinfo=SHANGHAI)
    return (aware - _EPOCH_UTC) // timedelta(microseconds=1)


def day_number(value: date) -> int:
    return (value - EPOCH).days


def duration_micros(value: timedelta) -> int:
    return value // timedelta(microseconds=1)


def in_local_range(utc_us: exp.Expression) -> exp.Expression:
    """The timestamp's Beijing local time lies in years 1..9999."""
    local = add(utc_us, BEIJING_US)
    return and_(gte(local, FIRST_LOCAL_US), lt(local, END_LOCAL_US))


def in_utc_range(utc_us: exp.Expression) -> exp.Expression:
    """The timestamp's UTC time lies in years 1..9999 (Python converts through it)."""
    return and_(gte(utc_us, FIRST_LOCAL_US), lt(utc_us, END_LOCAL_US))


def in_day_range(day: exp.Expression) -> exp.Expression:
    return and_(gte(day, FIRST_DAY), lte(day, LAST_DAY))


def in_duration_range(us: exp.Expression) -> exp.Expression:
    return and_(gte(us, MIN_DURATION_US), lte(us, MAX_DURATION_US))


def floor_div(d: Dialect, a: exp.Expression, b: int) -> exp.Expression:
    """floor(a / b) for a BIGINT of either sign and b > 0: exact division of a minus its
    non-negative remainder, since engines truncate towards zero."""
    return d.int_div(sub(a, pos_mod(a, b)), lit(b))


def pos_mod(a: exp.Expression, b: int) -> exp.Expression:
    return mod(add(mod(a, b), b), b)


def beijing_day(d: Dialect, utc_us: exp.Expression) -> exp.Expression:
    """The day number of a timestamp's Beijing calendar day."""
    return floor_div(d, add(utc_us, BEIJING_US), US_PER_DAY)


def days_from_civil(d: Dialect, y: exp.Expression, m: exp.Expression, day: exp.Expression) -> exp.Expression:
    """Day number of a valid civil date with year >= 1 (every intermediate is non-negative)."""
    yy = sub(y, case([(lte(m, 2), lit(1))], lit(0)))
    era = d.int_div(yy, lit(400))
    yoe = sub(yy, mul(era, 400))
    mp = mod(add(m, 9), 12)
    doy = add(d.int_div(add(mul(153, mp), 2), lit(5)), sub(day, 1))
    doe = add(add(mul(yoe, 365), d.int_div(yoe, lit(4))), sub(doy, d.int_div(yoe, lit(100))))
    return sub(add(mul(era, 146097), doe), 719468)


def is_leap(y: exp.Expression) -> exp.Expression:
    return or_(and_(exp.EQ(this=mod(y, 4), expression=lit(0)), exp.NEQ(this=mod(y, 100), expression=lit(0))),
                   exp.EQ(this=mod(y, 400), expression=lit(0)))


def days_in_month(y: exp.Expression, m: exp.Expression) -> exp.Expression:
    return case([(exp.In(this=m, expressions=[lit(4), lit(6), lit(9), lit(11)]), lit(30)),
                 (exp.EQ(this=m, expression=lit(2)), case([(is_leap(y), lit(29))], lit(28)))], lit(31))


def civil_parts(d: Dialect, day: exp.Expression) -> tuple[exp.Expression, exp.Expression, exp.Expression]:
    """(year, month, day) of a day number of years 1..9999."""
    z = add(day, 719468)
    era = d.int_div(z, lit(146097))
    doe = sub(z, mul(era, 146097))
    yoe = d.int_div(sub(add(sub(doe, d.int_div(doe, lit(1460))), d.int_div(doe, lit(36524))),
                        d.int_div(doe, lit(146096))), lit(365))
    doy = sub(doe, sub(add(mul(365, yoe), d.int_div(yoe, lit(4))), d.int_div(yoe, lit(100))))
    mp = d.int_div(add(mul(5, doy), 2), lit(153))
    dd = add(sub(doy, d.int_div(add(mul(153, mp), 2), lit(5))), 1)
    m = case([(lt(mp, 10), add(mp, 3))], sub(mp, 9))
    y = add(add(yoe, mul(era, 400)), case([(lte(m, 2), lit(1))], lit(0)))
    return y, m, dd


def _pad(value: exp.Expression, width: int) -> exp.Expression:
    return exp.Pad(this=cast(value, "VARCHAR"), expression=lit(width), fill_pattern=lit("0"), is_left=True)


def date_text(d: Dialect, day: exp.Expression) -> exp.Expression:
    """`YYYY-MM-DD` of a day number, as date.isoformat() writes it."""
    y, m, dd = civil_parts(d, day)
    return concat(_pad(y, 4), lit("-"), _pad(m, 2), lit("-"), _pad(dd, 2))


def timestamp_text(d: Dialect, utc_us: exp.Expression) -> exp.Expression:
    """ISO 8601 in Beijing time, as datetime.isoformat() writes it: `.ffffff` only when the
    microseconds are not zero, then `+08:00`. A dialect with an exact formatter of a wall
    time given in microseconds (DuckDB's strftime of make_timestamp) writes the date and
    clock; others compute them here."""
    local = add(utc_us, BEIJING_US)
    clock = d.wall_clock_text(local)
    if clock is not None:
        fraction = pos_mod(local, 1_000_000)
        tail = case([(exp.EQ(this=fraction, expression=lit(0)), lit(""))], concat(lit("."), _pad(fraction, 6)))
        return concat(clock, tail, lit("+08:00"))
    day = floor_div(d, local, US_PER_DAY)
    rest = pos_mod(local, US_PER_DAY)
    seconds = d.int_div(rest, lit(1_000_000))
    fraction = mod(rest, 1_000_000)
    clock = concat(_pad(d.int_div(seconds, lit(3600)), 2), lit(":"), _pad(mod(d.int_div(seconds, lit(60)), 60), 2),
                   lit(":"), _pad(mod(seconds, 60), 2))
    tail = case([(exp.EQ(this=fraction, expression=lit(0)), lit(""))], concat(lit("."), _pad(fraction, 6)))
    return concat(date_text(d, day), lit("T"), clock, tail, lit("+08:00"))


def as_bigint(value: exp.Expression) -> exp.Expression:
    return cast(value, BIGINT)
