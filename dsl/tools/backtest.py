"""`rulebook backtest OLD NEW --cases history.parquet`: every historical case judged as of its
own moment under both rulebooks, on DuckDB, and every decision that changes counted.

Both rulebooks' queries (query.py, one row per case) run as two chains of common table
expressions in one statement over the same cases and are joined on `_row`; per rule pair
the statement labels each side as `diff` does (`error`, `no match`, the action) and names
the transition (`transition_of`). The per-case rows (only the changed or undecidable rules
are kept) go to a temporary table, from which the counts, per rule, per transition and per
month of the case's moment (Beijing time), and the list of changed cases are read.

The Python engine keeps the last word on input: a case DuckDB found not to be a case, or
one whose text the Python reader might refuse (a key given twice, a lone surrogate escape,
too deep, a number too long), is read and judged by the Python engine, exactly as `diff`
does, and counted with the rest.
"""
from __future__ import annotations

import tempfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable, Iterator

from sqlglot import exp

from dsl.diagnostics import Diagnostic
from dsl.engine.python.runtime import CompiledRulebook
from dsl.engine.sql.dialect import dialect
from dsl.engine.sql.query import CompiledQuery, QueryBuilder, RuleColumns
from dsl.engine.sql.sources import CaseSource
from dsl.limits import MAX_KEPT_REJECTIONS
from dsl.tools.backtestsql import Pair, statement
from dsl.tools.diff import Decision, changed, decision_of, label
from dsl.tools.unknownfields import UnknownFields, scan

TRANSITIONS = ("matched", "unmatched", "action", "deadline_earlier", "deadline_later", "deadline_added",
               "deadline_removed", "outputs", "into_error", "out_of_error")


def transition_of(a: Decision | None, b: Decision | None) -> str | None:
    """The kind of change from `a` to `b` (None: the same decision, as `diff.changed` sees it)."""
    if not changed(a, b):
        return None
    la, lb = label(a), label(b)
    if la == lb:
        assert a is not None and b is not None
        if a.deadline != b.deadline:
            if a.deadline is None or b.deadline is None:
                return "deadline_added" if a.deadline is None else "deadline_removed"
            return "deadline_earlier" if b.deadline < a.deadline else "deadline_later"
        return "outputs"
    if la == "error":
        return "out_of_error"
    if lb == "error":
        return "into_error"
    if la in ("absent", "no match"):
        return "matched"
    if lb in ("absent", "no match"):
        return "unmatched"
    return "action"


def undecided_side(a: Decision | None, b: Decision | None) -> str | None:
    ea, eb = bool(a and a.error), bool(b and b.error)
    return {(True, True): "both", (True, False): "only_a", (False, True): "only_b"}.get((ea, eb))


@dataclass(frozen=True)
class Change:
    """One case and rule whose decision changed or that one side cannot decide."""

    case: str
    source: str
    month: str | None
    rule: str
    transition: str | None
    a: str                       # the label: action, 'no match', 'error', 'absent'
    b: str
    deadline_a: datetime | None = None
    deadline_b: datetime | None = None
    undecided: str | None = None


@dataclass
class BacktestResult:
    """Counts of a backtest: read == judged + rejected."""

    added: list[str] = field(default_factory=list)       # rules only in NEW
    removed: list[str] = field(default_factory=list)     # rules only in OLD
    cases: int = 0
    judged: int = 0
    rejected: int = 0
    rejections: list[tuple[str, str]] = field(default_factory=list)
    changed_cases: int = 0
    undecided_cases: int = 0
    per_rule: Counter[str] = field(default_factory=Counter)
    transitions: Counter[tuple[str, str, str, str]] = field(default_factory=Counter)   # rule, kind, a, b
    undecided: dict[str, Counter[str]] = field(default_factory=dict)
    months: dict[str, Counter[str]] = field(default_factory=dict)     # month -> cases, changed, undecided
    per_rule_month: Counter[tuple[str, str]] = field(default_factory=Counter)
    notices: list[tuple[str, Any]] = field(default_factory=list)     # (where, Phrase)
    unknown: UnknownFields = field(default_factory=UnknownFields)     # cases naming fields the vocabulary lacks

    def reject(self, source: str, reason: str) -> None:
        self.cases += 1
        self.rejected += 1
        if len(self.rejections) < MAX_KEPT_REJECTIONS:
            self.rejections.append((source, reason))

    def month(self, name: str | None) -> Counter[str]:
        return self.months.setdefault(name or "-", Counter())

    def count(self, change: Change) -> None:
        if change.transition is not None:
            self.per_rule[change.rule] += 1
            self.transitions[(change.rule, change.transition, change.a, change.b)] += 1
            self.per_rule_month[(change.rule, change.month or "-")] += 1
        if change.undecided is not None:
            self.undecided.setdefault(change.rule, Counter())[change.undecided] += 1


class Backtest:
    """Both rulebooks' queries over one view of cases (sources.py), and the counting."""

    def __init__(self, old: CompiledRulebook, new: CompiledRulebook, at: datetime | None, clock: datetime,
                 lang: str = "zh"):
        self.old, self.new, self.at, self.clock, self.lang = old, new, at, clock, lang
        self.d = dialect("duckdb")
        self.diagnostics: list[Diagnostic] = []

    def _query(self, book: CompiledRulebook, view: str) -> CompiledQuery:
        builder = QueryBuilder(book.model, book.params, book.vocabulary, self.d, exp.to_table(view),
                               keep=("_row", "_source", "_reject", "_suspect"), at=self.at, clock=self.clock)
        query = builder.build(long=False)
        self.diagnostics += query.diagnostics
        return query

    def sql(self, view: str, dirty: bool = True) -> str | None:
        """The statement over `view` (None: a rule without an exact SQL form, in `diagnostics`);
        `dirty`: say which cases have unknown or repeated keys (only JSON Lines need it: the
        Python reader refuses a repeated key)."""
        qa, qb = self._query(self.old, view), self._query(self.new, view)
        if self.diagnostics:
            return None
        pairs = _pairs(qa.rules, qb.rules)
        return statement(self.d, qa, qb, pairs, self._outputs_of, dirty=dirty)

    def _outputs_of(self, side: str, names: RuleColumns) -> list[tuple[str | None, list[str]]]:
        book = self.old if side == "a" else self.new
        rule = next(r.rule for r in book.rules if r.rule.id == names.rule)
        return [(v.name, [n for n, _ in v.outputs]) for v in rule.versions]

    def run(self, con: Any, source: CaseSource, result: BacktestResult,
            on_change: Callable[[Change], None] | None = None) -> None:
        """Judge the cases of `source`, adding to `result`; `on_change` gets every changed or
        undecidable case and rule (from DuckDB, then from the Python engine's share)."""
        from dsl.tools.backtestpy import read_row

        text = self.sql(source.name, dirty=source.kind == "jsonl")
        if text is None:    # a rule without an exact SQL form (said by the caller): the Python engine judges all
            from dsl.tools.backtestpy import judge_in_python

            scan(con, source, self.old, result.unknown, dirty_only=False, read_row=read_row)
            rows = con.execute(f"SELECT _row, _source, doc, _reject FROM {_ident(source.name)} ORDER BY _row").fetchall()
            judge_in_python(self, source, rows, result, on_change)
            return
        con.execute(f"CREATE OR REPLACE TEMP TABLE bt AS {text}")
        scan(con, source, self.old, result.unknown, dirty_only=source.kind == "jsonl", read_row=read_row)
        python_rows = self._python_rows(con, source)
        con.execute("CREATE OR REPLACE TEMP TABLE bt_py (_row BIGINT)")
        if python_rows:
            con.executemany("INSERT INTO bt_py VALUES (?)", [(r[0],) for r in python_rows])
        _count_sql(con, result, on_change)
        from dsl.tools.backtestpy import judge_in_python

        judge_in_python(self, source, python_rows, result, on_change)

    def _python_rows(self, con: Any, source: CaseSource) -> list[tuple[int, str, str | None, str | None]]:
        """(row, source, doc) of the cases the Python engine judges: not a case for DuckDB,
        refused by the Python reader, or text the Python reader might refuse."""
        suspect = "bt._suspect OR bt._dirty" if source.kind == "jsonl" else "FALSE"
        rows = con.execute(f"SELECT bt._row, bt._source, c.doc, bt._reject, bt._fatal IS NOT NULL OR bt._reject IS NOT NULL OR {_NO_ORDER} "
                           f"FROM bt JOIN {_ident(source.name)} c USING (_row) "
                           f"WHERE bt._fatal IS NOT NULL OR bt._reject IS NOT NULL OR {suspect} OR {_NO_ORDER} "
                           "ORDER BY bt._row").fetchall()
        from dsl.tools.backtestpy import refused

        return [(r, s, doc, reject) for r, s, doc, reject, fatal in rows
                if fatal or doc is None or refused(source, r, doc)]


# query.py's `_fatal` misses a document without `order` (json_type is NULL there): the Python engine says it
_NO_ORDER = "coalesce(json_type(CASE WHEN json_valid(c.doc) THEN c.doc END, '$.order'), 'NULL') <> 'OBJECT'"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _pairs(a: list[RuleColumns], b: list[RuleColumns]) -> list[Pair]:
    """Rules by id: those of OLD in order, then those only in NEW."""
    by_b = {r.rule: r for r in b}
    ids_a = {r.rule for r in a}
    return [Pair(r.rule, r, by_b.get(r.rule)) for r in a] + [Pair(r.rule, None, r) for r in b if r.rule not in ids_a]


def _count_sql(con: Any, result: BacktestResult, on_change: Callable[[Change], None] | None) -> None:
    """The counts of the cases DuckDB judged (those not in bt_py)."""
    judged = "FROM bt WHERE _row NOT IN (SELECT _row FROM bt_py)"
    for month, n, changed_n, undecided_n in con.execute(
            f"SELECT _month, count(*), count(*) FILTER (WHERE _changed), count(*) FILTER (WHERE _undecided) "
            f"{judged} GROUP BY _month ORDER BY _month").fetchall():
        counts = result.month(month)
        counts.update(cases=n, changed=changed_n, undecided=undecided_n)
        result.cases += n
        result.judged += n
        result.changed_cases += changed_n
        result.undecided_cases += undecided_n
    for rule, kind, la, lb, month, n in con.execute(
            f"SELECT c.rule, c.kind, c.la, c.lb, _month, count(*) FROM (SELECT _month, unnest(_changes) AS c {judged}) "
            "WHERE c.kind IS NOT NULL GROUP BY ALL").fetchall():
        result.per_rule[rule] += n
        result.transitions[(rule, kind, la, lb)] += n
        result.per_rule_month[(rule, month or "-")] += n
    for rule, side, n in con.execute(
            f"SELECT c.rule, c.und, count(*) FROM (SELECT unnest(_changes) AS c {judged}) WHERE c.und IS NOT NULL "
            "GROUP BY ALL").fetchall():
        result.undecided.setdefault(rule, Counter())[side] += n
    if on_change is not None:
        for change in _changes(con, judged):
            on_change(change)


def _changes(con: Any, judged: str) -> Iterator[Change]:
    cursor = con.execute(f"SELECT coalesce(_id, _source), _source, _month, c.rule, c.kind, c.la, c.lb, c.da, c.db, c.und "
                         f"FROM (SELECT _row, _id, _source, _month, unnest(_changes) AS c {judged}) ORDER BY _row")
    while True:
        rows = cursor.fetchmany(4096)
        if not rows:
            return
        for case_id, source, month, rule, kind, la, lb, da, db, und in rows:
            yield Change(case_id, source, month, rule, kind, la, lb, _instant(da), _instant(db), und)


def _instant(us: int | None) -> datetime | None:
    from dsl.engine.sql.duck import instant

    return instant(us)


def month_of(moment: datetime) -> str:
    """The month of a moment in Beijing time, as the SQL writes it (`2026-11`)."""
    from dsl.lang.values import SHANGHAI

    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=SHANGHAI)
    return aware.astimezone(SHANGHAI).strftime("%Y-%m")


def decisions(book: CompiledRulebook, parsed: Any, when: datetime | None, lang: str) -> tuple[str, dict[str, Decision]]:
    """The case's id and each rule's decision, as `diff` takes them."""
    result = book.evaluate(parsed, when, lang, validate=False)
    return result.case, {r.rule: decision_of(r) for r in result.results}



def backtest_files(old: CompiledRulebook, new: CompiledRulebook, files: tuple[str, ...], at: datetime | None,
                   clock: datetime, lang: str = "zh", on_change: Callable[[Change], None] | None = None,
                   adapter: Any = None) -> tuple[BacktestResult, list[Diagnostic]]:
    """Backtest OLD against NEW over the case files (raw API payloads made into cases by
    `adapter`, when given); the diagnostics are the rules DuckDB cannot compute exactly
    (those cases were judged by the Python engine)."""
    from dsl.engine.sql.duck import connect
    from dsl.engine.sql.sources import open_cases

    result = BacktestResult()
    ids_old, ids_new = old.rule_ids, new.rule_ids
    result.added = [i for i in ids_new if i not in ids_old]
    result.removed = [i for i in ids_old if i not in ids_new]
    bt = Backtest(old, new, at, clock, lang)
    with tempfile.TemporaryDirectory(prefix="rulebook-backtest-") as spill:
        con = connect()
        # both rulebooks' rows of a whole history do not fit in memory: DuckDB spills to a folder of ours
        con.execute("SET temp_directory = '" + spill.replace("'", "''") + "'")
        for name in files:
            source = open_cases(con, name, "cases", old.vocabulary, lang, adapter)
            result.notices += source.notices
            result.unknown.add_source(source, old.vocabulary)
            bt.diagnostics = []
            bt.run(con, source, result, on_change)
        con.close()
    return result, bt.diagnostics
