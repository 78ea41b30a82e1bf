"""Value parsing and formatting shared by literals, parameters and cases.

Money is `Decimal` (never float); timestamps are aware datetimes shown in Beijing time;
durations are `timedelta`; dates are calendar days in Asia/Shanghai.
"""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from typing import Final
from zoneinfo import ZoneInfo

from dsl.diagnostics import Phrase

# Beijing time. China has kept UTC+8 without daylight saving since 1991, so a fixed offset
# equals Asia/Shanghai for every date an order can have, and converting to it is cheap.
# (ZoneInfo is still used to validate that the tz database is installed, see tzdata.)
SHANGHAI: Final = timezone(timedelta(hours=8), "Asia/Shanghai")
_TZDB_CHECK: Final = ZoneInfo("Asia/Shanghai")
UTC: Final = timezone.utc

_DURATION_RE: Final = re.compile(r"(?:([0-9]+)d)?(?:([0-9]+)h)?(?:([0-9]+)m)?(?:([0-9]+)s)?")
_DURATION_WORDS: Final[dict[str, str]] = {
    "天": "d", "日": "d", "day": "d", "days": "d",
    "小时": "h", "时": "h", "hour": "h", "hours": "h", "hr": "h", "hrs": "h",
    "分钟": "m", "分": "m", "min": "m", "mins": "m", "minute": "m", "minutes": "m",
    "秒": "s", "sec": "s", "secs": "s", "second": "s", "seconds": "s",
}
# An amount as text, in a rulebook and in a case alike: digits, then a dot and digits if any,
# as JSON writes numbers ("5." and ".5" are not amounts; see docs/case-files.md).
AMOUNT_RE: Final = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?")
_TIMESTAMP_RE: Final = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?(Z|[+-][0-9]{2}:?[0-9]{2})?)?")
_DATE_RE: Final = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class BadValueError(ValueError):
    """A text that is not a value of the wanted kind; the message (a Phrase) says why."""

    @property
    def problem(self) -> Phrase:
        """The reason as a catalogued phrase (plain text is shown as it is in both languages)."""
        reason = self.args[0] if self.args else ""
        return reason if isinstance(reason, Phrase) else Phrase("pair", en=str(reason), zh=str(reason))


_CALENDAR: Final[dict[str, str]] = {
    "month must be in 1..12": "value.month", "day is out of range for month": "value.day",
    "hour must be in 0..23": "value.hour", "minute must be in 0..59": "value.minute",
    "second must be in 0..59": "value.second", "year 0 is out of range": "value.year",
}


def _calendar(exc: ValueError) -> Phrase:
    """Python's words for an impossible date ("month must be in 1..12"), in the catalog's."""
    text = str(exc)
    key = _CALENDAR.get(text)
    return Phrase(key) if key else Phrase("pair", en=text, zh=f"不是有效的日期或时间（{text}）")


def parse_duration(text: str) -> timedelta:
    """`48h`, `7d`, `30m`, `15s`, `1d12h` -> timedelta."""
    m = _DURATION_RE.fullmatch(text)
    if not text or not m or not any(m.groups()):
        raise BadValueError(Phrase("value.not_duration"))
    if len(text) > 40:   # int() refuses 4,300 digits; timedelta 10 already
        raise BadValueError(Phrase("value.duration_range"))
    d, h, mi, s = (int(g or 0) for g in m.groups())
    try:
        return timedelta(days=d, hours=h, minutes=mi, seconds=s)
    except OverflowError:
        raise BadValueError(Phrase("value.duration_range")) from None


def suggest_duration(text: str) -> str | None:
    """For a slip like `48hours` or `7 天`, the literal that was meant (`48h`, `7d`)."""
    m = re.fullmatch(r"\s*([0-9]+)\s*([A-Za-z\u4e00-\u9fff]+)\s*", text)
    if not m:
        return None
    unit = _DURATION_WORDS.get(m.group(2).lower())
    return f"{m.group(1)}{unit}" if unit else None


_CURRENCY_RE: Final = re.compile(
    r"(?:¥|￥|RMB|CNY|人民币)?\s*([0-9][0-9,]*(?:\.[0-9]+)?)\s*(?:元|块|圆|RMB|CNY|yuan)?", re.IGNORECASE)
_THOUSANDS_RE: Final = re.compile(r"[0-9]{1,3}(,[0-9]{3})+(\.[0-9]+)?|[0-9]+(\.[0-9]+)?")


def suggest_money(text: str) -> str | None:
    """For `5000元`, `¥5000` or `5,000.00`, the amount that was meant (`5000.00`)."""
    m = _CURRENCY_RE.fullmatch(text.strip())
    if not m or m.group(1) == text.strip() and "," not in text or not _THOUSANDS_RE.fullmatch(m.group(1)):
        return None
    number = Decimal(m.group(1).replace(",", ""))
    exponent = number.as_tuple().exponent
    return f"{number:.2f}" if isinstance(exponent, int) and exponent >= -2 else str(number)


def value_slip(text: str) -> tuple[str, tuple[str, dict[str, str]]] | None:
    """A value written the way people write it, not the way the language reads it:
    (`param.` detail phrase, hint) for `7天`, `48 hours`, `5000元`, `¥5000`, `5,000.00`, `５０００.00`."""
    from dsl.text.chars import ascii_for

    ascii_text = "".join(ascii_for(ch) or ch for ch in text)
    if ascii_text != text:
        fixed = ascii_text if _reads_as_value(ascii_text) else suggest_duration(ascii_text) or suggest_money(ascii_text)
        return ("param.fullwidth", ("fullwidth", {"ascii": fixed})) if fixed else None
    meant = suggest_duration(text)
    if meant:
        return "param.duration", ("duration_meant", {"meant": meant})
    meant = suggest_money(text)
    if meant:
        return "param.money", ("money_meant", {"meant": meant})
    return None


def _reads_as_value(text: str) -> bool:
    for parse in (parse_money, parse_duration, parse_date, parse_timestamp):
        try:
            parse(text)
            return True
        except BadValueError:
            continue
    return False


def format_duration(value: timedelta) -> str:
    """`48h`, `7d`, `30m`, `1d30m`: whole days from 3 days up, else hours, as people write them."""
    total = int(value.total_seconds())
    sign = "-" if total < 0 else ""
    total = abs(total)
    if total and total % 3600 == 0 and (total < 3 * 86400 or total % 86400):
        return f"{sign}{total // 3600}h"
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if total >= size:
            parts.append(f"{total // size}{unit}")
            total %= size
    return sign + ("".join(parts) or "0s")


def parse_timestamp(text: str) -> datetime:
    """ISO 8601; no offset means Beijing time. The result is shown in Asia/Shanghai."""
    if not _TIMESTAMP_RE.fullmatch(text):
        raise BadValueError(Phrase("value.not_timestamp"))
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
        return to_beijing(value)
    except ValueError as exc:
        raise BadValueError(_calendar(exc)) from None
    except OverflowError:
        raise BadValueError(Phrase("value.time_range")) from None


def to_beijing(value: datetime) -> datetime:
    """A datetime in Beijing time: naive ones are taken as Beijing time, others converted."""
    if value.tzinfo is None:
        return value.replace(tzinfo=SHANGHAI)
    if value.tzinfo is SHANGHAI:
        return value
    if value.utcoffset() == timedelta(hours=8):   # already Beijing time: no arithmetic, no overflow
        return value.replace(tzinfo=SHANGHAI)
    return value.astimezone(SHANGHAI)


def parse_date(text: str) -> date:
    if not _DATE_RE.fullmatch(text):
        raise BadValueError(Phrase("value.not_date"))
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise BadValueError(_calendar(exc)) from None


def parse_money(text: str) -> Decimal:
    """`"129.90"` or `300` -> Decimal; exact, no float on the way."""
    if not AMOUNT_RE.fullmatch(text):
        raise BadValueError(Phrase("value.not_money"))
    try:
        return Decimal(text)
    except InvalidOperation:
        raise BadValueError(Phrase("value.not_money")) from None


def format_timestamp(value: datetime) -> str:
    """ISO 8601 in Beijing time. Values are already UTC+8; converting again could overflow year 1."""
    if value.utcoffset() == timedelta(hours=8):
        return value.isoformat()
    return value.astimezone(SHANGHAI).isoformat()


def to_json(value: object) -> object:
    """A value as it appears in JSON output: money as a string, times in ISO 8601."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return format_timestamp(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, timedelta):
        return format_duration(value)
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    if isinstance(value, (frozenset, set)):   # a list parameter: sorted, so the output does not follow hashing
        try:
            items = sorted(value)
        except TypeError:
            items = sorted(value, key=repr)
        return [to_json(v) for v in items]
    if isinstance(value, dict):   # an object field as an output: its numbers are Decimals (money as text)
        return {str(k): to_json(v) for k, v in value.items()}
    return value
