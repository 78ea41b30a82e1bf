"""Case fields in SQL: a raw value (its JSON kind and its text) checked by the rules of
`cases/kinds.py`, written as SQL, and converted only once accepted.

Per vocabulary field the reader gives three columns: the value (NULL when absent, null or
bad), `bad` (the value, or an object above it, is not what the field takes) and `problem`
(the path the problem is reported at: the field's own, or that of the bad object above it,
as the Python engine reports it). A value the SQL types cannot hold exactly (an amount of
more than 30 digits, a JSON number the engine has already read as a double with too many
digits to trust) is bad here, so a rule that reads it is undecided and never decided on a
rounded value; `rulebook eval --engine duckdb` sends such cases to the Python engine.

Most values are written the usual way (an amount "129.90", a count 3): one pattern tells
so and the value is cast at once; only the others take every check.

The patterns are the ones of `lang/values.py` (AMOUNT_RE, the timestamp form), so both
backends accept the same text.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from sqlglot import exp

from dsl.engine.sql import calendar as cal
from dsl.engine.sql.build import add, and_, case, cast, coalesce, eq, gte, if_, in_list, lte, mul, not_, not_null, or_, sub
from dsl.engine.sql.dialect import BIGINT, Dialect, fn, lit
from dsl.lang.values import AMOUNT_RE
from dsl.lang.vocabulary import Field, Vocabulary
from dsl.limits import MAX_AMOUNT_CHARS, MAX_NUMBER_DIGITS, MAX_TIMESTAMP_CHARS

#: the most integer digits of an amount SQL holds exactly (DECIMAL(38, s) with s <= 4, room for sums)
MAX_SQL_AMOUNT_DIGITS: Final = 30
_TS_GROUPS: Final = (r"([0-9]{4})-([0-9]{2})-([0-9]{2})(?:[T ]([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:\.([0-9]+))?)?"
                     r"(Z|[+-][0-9]{2}:?[0-9]{2})?)?")
_NUMBER_KINDS: Final = ("BIGINT", "UBIGINT", "DOUBLE", "HUGEINT")
# A JSON number the reader may have rounded: 16 significant digits or more (a double holds 15
# exactly), or an exponent of three digits (`1e-400` is read as 0.0, `1e400` as infinity)
IMPRECISE_NUMBER: Final = r"[:,\[][ \t\r\n]*-?[0-9](\.?[0-9]){15}|[:,\[][ \t\r\n]*-?[0-9.]+[eE][+-]?[0-9]{3}"


@dataclass(frozen=True)
class FieldSql:
    value: exp.Expression      # NULL when absent, null or bad
    bad: exp.Expression        # a BOOLEAN, never NULL
    problem: exp.Expression    # the path reported for a bad value (text)


@dataclass(frozen=True)
class Raw:
    """A field's raw value: its JSON kind ('VARCHAR', 'BOOLEAN', 'BIGINT', 'DOUBLE', 'ARRAY',
    'OBJECT', 'NULL'; SQL NULL when absent) and its text."""

    kind: exp.Expression
    text: exp.Expression


def sql_type(fld: Field) -> str:
    kind = fld.type.kind
    if kind == "money":
        return f"DECIMAL(38, {fld.decimals})"
    return {"int": "DECIMAL(38, 0)", "bool": "BOOLEAN", "timestamp": "BIGINT", "str": "VARCHAR"}.get(kind, "VARCHAR")


class Checks:
    """The SQL form of `cases/kinds.py`: whether a raw value is good, and its typed value."""

    def __init__(self, d: Dialect):
        self.d = d

    def money(self, fld: Field, raw: Raw, imprecise: exp.Expression) -> exp.Expression:
        """The amount when its form is good (NULL otherwise; the caller checks the bounds):
        text as AMOUNT_RE writes it, at most `decimals` decimals that are not zeros, or a
        JSON number as exact. The usual text (plain digits, at most `decimals` decimals)
        takes one pattern; anything else the whole check."""
        d = self.d
        text = self.d.strip(raw.text)
        is_text = eq(raw.kind, lit("VARCHAR"))
        is_number = in_list(raw.kind, [lit(k) for k in _NUMBER_KINDS])
        form = and_(lte(exp.Length(this=text), MAX_AMOUNT_CHARS), d.regex_full(text, AMOUNT_RE.pattern))
        digits = rf"[+-]?0*[0-9]{{1,{MAX_SQL_AMOUNT_DIGITS}}}(\.[0-9]*)?"
        fits = d.regex_full(text, digits)
        exact = d.regex_full(text, rf"[+-]?[0-9]+(\.[0-9]{{0,{fld.decimals}}}0*)?")
        number_form = d.regex_full(raw.text, r"-?[0-9]+(\.[0-9]+)?")
        good_text = and_(is_text, form, fits, exact)
        good_number = and_(is_number, number_form, not_(imprecise), fits, exact)
        whole = min(MAX_SQL_AMOUNT_DIGITS, MAX_AMOUNT_CHARS - 1 - fld.decimals)
        plain = rf"[0-9]{{1,{whole}}}" + (rf"(\.[0-9]{{1,{fld.decimals}}})?" if fld.decimals else "")
        usual = and_(is_text, d.regex_full(raw.text, plain))
        return case([(usual, cast(raw.text, sql_type(fld))), (or_(good_text, good_number), cast(text, sql_type(fld)))],
                    exp.Null())

    def count(self, fld: Field, raw: Raw, imprecise: exp.Expression) -> exp.Expression:
        """The count when its form is good (NULL otherwise; the caller checks the bounds): a
        JSON whole number (`1.0` too) of at most MAX_NUMBER_DIGITS digits. An integer the
        reader gives as such takes one pattern; anything else the whole check."""
        d = self.d
        is_number = in_list(raw.kind, [lit(k) for k in _NUMBER_KINDS])
        whole = d.regex_full(raw.text, rf"-?[0-9]{{1,{MAX_NUMBER_DIGITS}}}(\.0+)?")
        trusted = or_(not_(imprecise), in_list(raw.kind, [lit("BIGINT"), lit("UBIGINT")]))
        integral = exp.RegexpExtract(this=raw.text, expression=lit(r"^(-?[0-9]+)"), group=lit(1))
        usual = and_(in_list(raw.kind, [lit("BIGINT"), lit("UBIGINT")]), d.regex_full(raw.text, r"-?[0-9]{1,19}"))
        return case([(usual, cast(raw.text, sql_type(fld))), (and_(is_number, whole, trusted), cast(integral, sql_type(fld)))],
                    exp.Null())

    def in_bounds(self, fld: Field, value: exp.Expression) -> exp.Expression:
        """A number read (money, count) is good: its form was (`value` not NULL) and it is in bounds."""
        return and_(not_null(value), self._bounds(fld, value))

    def flag(self, fld: Field, raw: Raw) -> tuple[exp.Expression, exp.Expression]:
        good = eq(raw.kind, lit("BOOLEAN"))
        return good, if_(good, eq(raw.text, lit("true")))

    def text(self, fld: Field, raw: Raw) -> tuple[exp.Expression, exp.Expression]:
        good = eq(raw.kind, lit("VARCHAR"))
        if fld.type.values is not None:
            good = and_(good, in_list(raw.text, [lit(v) for v in sorted(fld.type.values)]))   # sorted: the same text every run
        return good, if_(good, raw.text)

    def timestamp_usual(self, raw: Raw) -> tuple[exp.Expression, exp.Expression] | None:
        """(the timestamp is written in the dialect's usual form, its instant as the engine
        computes it for such a text: Dialect.usual_instant); None where the dialect has none."""
        usual = self.d.usual_instant(raw.text)
        if usual is None:
            return None
        pattern, instant = usual
        return coalesce(and_(eq(raw.kind, lit("VARCHAR")), self.d.regex_full(raw.text, pattern)), exp.false()), instant

    def timestamp_groups(self, raw: Raw, usual: exp.Expression | None) -> list[exp.Expression]:
        """The parts of a timestamp's text: year, month, day, hour, minute, second (numbers,
        0 where absent), the fraction's microseconds, the offset's text ('' where absent),
        whether the text has the form at all, and the offset's hours and minutes (numbers,
        0 where absent): computed once per field, in their own layer. `usual`: a column,
        timestamp_usual's answer: a text of the usual form is not parsed here (all NULL)."""
        text = raw.text if usual is None else if_(not_(usual), raw.text)
        groups = self.d.stripped_groups(text, _TS_GROUPS, 8)

        def number(g: exp.Expression) -> exp.Expression:
            return case([(eq(g, lit("")), lit(0))], cast(g, BIGINT))

        fraction = cast(exp.Substring(this=exp.Concat(expressions=[groups[6], lit("000000")], safe=False, coalesce=False),
                                      start=lit(1), length=lit(6)), BIGINT)
        # the year takes part in every match: '' is no match
        form = and_(eq(raw.kind, lit("VARCHAR")), lte(exp.Length(this=text), MAX_TIMESTAMP_CHARS),
                    exp.NEQ(this=groups[0], expression=lit("")))
        offset_digits = fn("replace", exp.Substring(this=groups[7], start=lit(2)), lit(":"), lit(""))  # '+08:00' -> '0800'
        oh, om = (number(exp.Substring(this=offset_digits, start=lit(start), length=lit(2))) for start in (1, 3))
        return [*(number(g) for g in groups[:6]), fraction, groups[7], coalesce(form, exp.false()), oh, om]

    def timestamp(self, fld: Field, groups: list[exp.Expression]) -> tuple[exp.Expression, exp.Expression]:
        """ISO 8601 as parse_timestamp reads it (no offset: Beijing time): (form and calendar
        good, the instant where they are). A real calendar date and clock time, an offset
        within a day; the caller checks that the Beijing time is in years 1..9999. `groups`:
        the columns of timestamp_groups. The instant is to be read only where the first is
        true (in a later layer: both are columns of their own, computed once)."""
        d = self.d
        y, m, dd, hh, mi, ss, fraction, zone, form, oh, om = groups
        sign = case([(eq(exp.Substring(this=zone, start=lit(1), length=lit(1)), lit("-")), lit(-1))], lit(1))
        calendar_ok = and_(form, gte(y, 1), gte(m, 1), lte(m, 12), gte(dd, 1), lte(dd, cal.days_in_month(y, m)),
                           lte(hh, 23), lte(mi, 59), lte(ss, 59), lte(oh, 23), lte(om, 59))
        day = cal.days_from_civil(d, y, m, dd)
        local_us = add(mul(add(mul(add(mul(add(mul(day, 24), hh), 60), mi), 60), ss), 1_000_000), fraction)
        offset_us = case([(eq(zone, lit("")), lit(cal.BEIJING_US)), (eq(zone, lit("Z")), lit(0))],
                         mul(sign, mul(add(mul(oh, 60), om), 60_000_000)))
        return calendar_ok, sub(local_us, offset_us)

    def items(self, fld: Field, raw: Raw, item_kinds: exp.Expression, values: exp.Expression) -> tuple[exp.Expression, exp.Expression]:
        good = eq(raw.kind, lit("ARRAY"))
        if fld.type.item is not None and fld.type.item.kind == "str":
            good = and_(good, self.d.all_equal(item_kinds, "VARCHAR"))
        return good, if_(good, values)

    def obj(self, fld: Field, raw: Raw) -> tuple[exp.Expression, exp.Expression]:
        good = eq(raw.kind, lit("OBJECT"))
        return good, if_(good, lit(True))

    def _bounds(self, fld: Field, value: exp.Expression) -> exp.Expression:
        parts = []
        if fld.minimum is not None:
            parts.append(gte(value, exp.Literal.number(str(fld.minimum))))
        if fld.maximum is not None:
            parts.append(lte(value, exp.Literal.number(str(fld.maximum))))
        return exp.Coalesce(this=and_(*parts), expressions=[exp.false()]) if parts else exp.true()


def absent(raw: Raw) -> exp.Expression:
    """No value: the key is missing (or an object above it is) or holds JSON null."""
    return or_(exp.Is(this=raw.kind, expression=exp.Null()), eq(raw.kind, lit("NULL")))


def ancestors(path: str) -> list[str]:
    parts = path.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


def field_columns(vocabulary: Vocabulary, paths: list[str]) -> list[str]:
    """The fields whose checks a query needs: those read, and every object above them."""
    wanted: dict[str, None] = {}
    for path in paths:
        for above in ancestors(path):
            wanted[above] = None
        wanted[path] = None
    return [p for p in wanted if p in vocabulary.fields]


def not_absent(raw: Raw) -> exp.Expression:
    return and_(not_null(raw.kind), not_(eq(raw.kind, lit("NULL"))))
