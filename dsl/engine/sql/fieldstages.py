"""The stages of a query that read and check the case fields (query.py builds the rest):
the reader's stages (reading.py, per dialect) ending in `raw`; then `parts` (the groups of
every timestamp's text), `instants` (their instants), `typed` (per field its value, `bad`
flag and problem path, fields.py's checks) and `cased` (the case's id, its moment `_at`,
`_fatal` when it is no case for this rulebook, `_dirty` when the Python engine has
something to report about it)."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlglot import exp

from dsl.engine.sql import calendar as cal
from dsl.engine.sql.build import alias, and_, case, cast, coalesce, col, eq, if_, in_list, is_null, not_, not_null, or_
from dsl.engine.sql.dialect import BIGINT, lit
from dsl.engine.sql.fields import Checks, Raw, absent, ancestors
from dsl.engine.sql.reading import objects_of
from dsl.lang.vocabulary import Field

if TYPE_CHECKING:
    from dsl.engine.sql.query import QueryBuilder


def moment_literal(value: datetime | None) -> exp.Expression | None:
    """A moment as a literal of epoch microseconds (None stays None)."""
    return cast(exp.Literal.number(cal.micros(value)), BIGINT) if value is not None else None


class FieldStages:
    """The field stages of the query `q` builds (its reader, vocabulary, source and options)."""

    def __init__(self, q: QueryBuilder):
        self.q = q

    def read(self, paths: list[str]) -> list[tuple[str, exp.Expression]]:
        """The stages that read each field's JSON kind and text (reading.py: per dialect), the
        last one named `raw`."""
        lists = [i for i, p in enumerate(paths) if self.q.vocabulary.fields[p].type.kind == "list"]
        stages = self.q.reader.stages(col(self.q.doc_column), paths, lists, objects_of(self.q.vocabulary))
        carried: list[exp.Expression] = [col(k) for k in self.q.keep] + ([col(self.q.at_column)] if self.q.at_column else [])
        if self.q.doc_column:
            carried.append(col(self.q.doc_column))      # the text as read (eval --engine duckdb checks its length)
        out: list[tuple[str, exp.Expression]] = []
        for n, columns in enumerate(stages):
            name = "raw" if n == len(stages) - 1 else f"read{n}"
            named = [alias(e, c, quoted=True) for c, e in columns]
            select = exp.select(*carried, *named).from_(self.q.source, copy=False) if n == 0 else \
                exp.select(exp.Star(), *named).from_(out[-1][0], copy=False)
            out.append((name, select))
        return out

    def typed(self, paths: list[str], index: dict[str, int]) -> list[tuple[str, exp.Expression]]:
        """The stages that check every field: whether a timestamp is written in the usual
        form (`tsn<i>`, where the dialect has one); the parts of the other timestamps, and
        the instants of the usual ones (`tsf<i>`); whether a timestamp is a good time, and
        the numbers whose form is good (`x<i>`); the instants; per field whether its own
        value is bad (`ob<i>`); then per field its value, `bad` flag and problem path. Each
        check is a column of its own, computed once: DuckDB computes an expression again
        wherever it is repeated under AND, OR or CASE."""
        checks = Checks(self.q.d)
        fields = [self.q.vocabulary.fields[p] for p in paths]
        raws = [Raw(*self.q.reader.raw(i)) for i in range(len(paths))]
        stamps = [i for i, f in enumerate(fields) if f.type.kind == "timestamp"]
        usual = {i: u for i in stamps if (u := checks.timestamp_usual(raws[i])) is not None}
        parts = [alias(g, f"g{i}_{j}", quoted=True) for i in stamps
                 for j, g in enumerate(checks.timestamp_groups(raws[i], col(f"tsn{i}") if i in usual else None))]
        parts += [alias(if_(col(f"tsn{i}"), instant), f"tsf{i}", quoted=True) for i, (_, instant) in usual.items()]
        checked, instants = [], []
        for i in stamps:
            good, utc = checks.timestamp(fields[i], [col(f"g{i}_{j}") for j in range(11)])
            beijing = in_list(col(f"g{i}_7"), [lit(""), lit("+08:00"), lit("+0800")])
            if i in usual:   # the usual form is +08:00 or Z, its instant NULL where not on the calendar
                good, beijing = or_(not_null(col(f"tsf{i}")), good), or_(col(f"tsn{i}"), beijing)
            checked += [alias(good, f"tsok{i}", quoted=True), alias(beijing, f"tsbj{i}", quoted=True)]
            instant = if_(col(f"tsok{i}"), utc)
            instants.append(alias(coalesce(col(f"tsf{i}"), instant) if i in usual else instant, f"tsu{i}", quoted=True))
        numbers = {"money": checks.money, "int": checks.count}
        for i, fld in enumerate(fields):
            if fld.type.kind in numbers:
                checked.append(alias(numbers[fld.type.kind](fld, raws[i], col("_imprecise")), f"x{i}", quoted=True))
        owned: list[exp.Expression] = [exp.Star()]
        values: list[exp.Expression] = []
        for i, fld in enumerate(fields):
            good, value = self._check(checks, fld, i, raws[i])
            owned.append(alias(coalesce(and_(not_(absent(raws[i])), not_(good)), exp.false()), f"ob{i}", quoted=True))
            values.append(value)
        selects: list[exp.Expression] = [exp.Star()]
        bad_any: list[exp.Expression] = []
        for i, p in enumerate(paths):
            # an object above that is bad makes this field bad, reported at the object
            above = [a for a in ancestors(p) if a in index]
            problem = case([(col(f"ob{index[a]}"), lit(a)) for a in above], lit(p)) if above else lit(p)
            bad = or_(*[col(f"ob{index[a]}") for a in above], col(f"ob{i}"))
            selects.append(alias(if_(not_(bad), values[i]), f"v{i}", quoted=True))
            selects.append(alias(bad, f"b{i}", quoted=True))
            selects.append(alias(problem, f"p{i}", quoted=True))
            bad_any.append(col(f"ob{i}"))
        case_id = self._case_id(index)
        now = col(f"v{index['now']}")
        given = col(self.q.at_column) if self.q.at_column else None
        moment = coalesce(*[x for x in (given, moment_literal(self.q.at), now, moment_literal(self.q.clock))
                            if x is not None])
        # a bad `now` that nothing replaces: the rules that read the moment cannot decide (runtime.bad_moment)
        replaced = [x for x in (given, moment_literal(self.q.at)) if x is not None]
        now_bad = and_(col(f"b{index['now']}"), *([is_null(coalesce(*replaced))] if replaced else []))
        fatal = case([(is_null(col("_doc")), lit("json")),
                      (col("_unreadable"), lit("json")),
                      (not_(eq(col("_shape"), lit("OBJECT"))), lit("not_object")),
                      (col("_twice"), lit("json")),
                      (not_(coalesce(eq(col("_order"), lit("OBJECT")), exp.false())), lit("order")),
                      (self._other_platform(index), lit("platform"))], exp.Null())
        last = [exp.Star(), alias(case_id, "_id", quoted=True), alias(moment, "_at", quoted=True),
                alias(now_bad, "_nowbad", quoted=True),
                alias(fatal, "_fatal", quoted=True),
                alias(or_(col("_unknown"), *bad_any, self._empty_platform(index)), "_dirty", quoted=True)]
        first = [("usual", exp.select(exp.Star(), *[alias(flag, f"tsn{i}", quoted=True) for i, (flag, _) in usual.items()])
                  .from_("raw", copy=False))] if usual else []
        return [*first,
                ("parts", exp.select(exp.Star(), *parts).from_("usual" if usual else "raw", copy=False)),
                ("checked", exp.select(exp.Star(), *checked).from_("parts", copy=False)),
                ("instants", exp.select(exp.Star(), *instants).from_("checked", copy=False)),
                ("owned", exp.select(*owned).from_("instants", copy=False)),
                ("typed", exp.select(*selects).from_("owned", copy=False)),
                ("cased", exp.select(*last).from_("typed", copy=False))]

    def _check(self, checks: Checks, fld: Field, i: int, raw: Raw) -> tuple[exp.Expression, exp.Expression]:
        """(whether field i's own value is good, its value), over the columns of `instants`."""
        kind = fld.type.kind
        if kind in ("money", "int"):
            return checks.in_bounds(fld, col(f"x{i}")), col(f"x{i}")
        if kind == "timestamp":
            # to_beijing converts through UTC unless the offset is +08:00: both must be in the calendar
            in_calendar = and_(cal.in_local_range(col(f"tsu{i}")), or_(col(f"tsbj{i}"), cal.in_utc_range(col(f"tsu{i}"))))
            return and_(coalesce(col(f"tsok{i}"), exp.false()), coalesce(in_calendar, exp.false())), col(f"tsu{i}")
        if kind == "bool":
            return checks.flag(fld, raw)
        if kind == "list":
            return checks.items(fld, raw, *self.q.reader.items(i))
        if kind == "object":
            return checks.obj(fld, raw)
        return checks.text(fld, raw)

    def _empty_platform(self, index: dict[str, int]) -> exp.Expression:
        """`"platform": ""`: a bad field the Python engine reports (cases.document.open_case)."""
        if "platform" not in index:
            return exp.false()
        kind, raw = self.q.reader.raw(index["platform"])
        return coalesce(and_(eq(kind, lit("VARCHAR")), eq(self.q.d.strip(raw), lit(""))), exp.false())

    def _other_platform(self, index: dict[str, int]) -> exp.Expression:
        """The case names another platform (the Python engine rejects it for this rulebook)."""
        if "platform" not in index:
            return exp.false()
        kind, raw = self.q.reader.raw(index["platform"])
        text = self.q.d.strip(raw)
        return coalesce(and_(eq(kind, lit("VARCHAR")), exp.NEQ(this=text, expression=lit("")),
                             exp.NEQ(this=text, expression=lit(self.q.book.platform))), exp.false())

    def _case_id(self, index: dict[str, int]) -> exp.Expression:
        kind, text = self.q.reader.raw(index["id"])
        return case([(exp.In(this=kind, expressions=[lit("VARCHAR"), lit("BIGINT"), lit("UBIGINT"), lit("HUGEINT")]), text)],
                    exp.Null())
