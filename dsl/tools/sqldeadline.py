"""`deadline_check` written by DuckDB: the piece of a rule's JSON object that
RuleResult.to_dict adds when the case gives the platform's deadline (deadlinecheck.py).

The same text, byte for byte: both timestamps as calendar.timestamp_text writes them, the
difference as format_duration words it inside the catalogue's phrase in `--lang`, the signed
whole seconds (truncated towards zero, as int(timedelta.total_seconds()) is) and `agrees`.
"""
from __future__ import annotations

from sqlglot import exp

from dsl.diagnostics import Phrase
from dsl.engine.sql import calendar as cal
from dsl.engine.sql.build import and_, case, cast, concat, lt, mod, not_null, sub
from dsl.engine.sql.dialect import Dialect, fn, lit

_US: int = 1_000_000
_MARK = "\x00"


def _text(value: exp.Expression) -> exp.Expression:
    return cast(value, "VARCHAR")


def _eq(a: exp.Expression, b: object) -> exp.Expression:
    return exp.EQ(this=a, expression=lit(b) if not isinstance(b, exp.Expression) else b)


def _duration(d: Dialect, total: exp.Expression) -> exp.Expression:
    """format_duration of `total` whole seconds (>= 0): `21h`, `3d`, `1d30m`, `0s`."""
    hours_only = and_(_eq(mod(total, 3600), 0), exp.GT(this=total, expression=lit(0)),
                      exp.Or(this=lt(total, 3 * 86400), expression=exp.NEQ(this=mod(total, 86400), expression=lit(0))))
    parts = []
    for unit, size, within in (("d", 86400, None), ("h", 3600, 86400), ("m", 60, 3600), ("s", 1, 60)):
        amount = d.int_div(mod(total, within) if within else total, lit(size))
        parts.append(case([(exp.GT(this=amount, expression=lit(0)), concat(_text(amount), lit(unit)))], lit("")))
    return case([(hours_only, concat(_text(d.int_div(total, lit(3600))), lit("h"))),
                 (_eq(total, 0), lit("0s"))], concat(*parts))


def _phrase(key: str, lang: str, gap: exp.Expression | None = None) -> exp.Expression:
    """The catalogue's phrase in `lang`, with the SQL text `gap` where {gap} goes."""
    if gap is None:
        return lit(Phrase(key).label(lang))
    before, _, after = Phrase(key, gap=_MARK).label(lang).partition(_MARK)
    return concat(lit(before), gap, lit(after))


def check_text(d: Dialect, matched: exp.Expression, ours: exp.Expression, platform: exp.Expression,
               lang: str) -> exp.Expression:
    """`, "deadline_check": {...}` for a matched rule with a deadline, else ''."""
    diff = sub(platform, ours)
    whole = d.int_div(fn("abs", diff), lit(_US))
    seconds = case([(lt(diff, 0), exp.Neg(this=exp.Paren(this=whole)))], whole)
    later = exp.GT(this=diff, expression=lit(0))
    words = case([(_eq(diff, 0), _phrase("deadline_check.same", lang)),
                  (later, _phrase("deadline_check.later", lang, _duration(d, whole)))],
                 _phrase("deadline_check.earlier", lang, _duration(d, whole)))
    body = concat(lit(', "deadline_check": {"platform": "'), cal.timestamp_text(d, platform),
                  lit('", "ours": "'), cal.timestamp_text(d, ours), lit('", "difference": "'), words,
                  lit('", "difference_seconds": '), _text(seconds), lit(', "agrees": '),
                  case([(_eq(diff, 0), lit("true"))], lit("false")), lit("}"))
    shown = and_(exp.Is(this=matched, expression=exp.true()), not_null(ours), not_null(platform))
    return case([(shown, body)], lit(""))
