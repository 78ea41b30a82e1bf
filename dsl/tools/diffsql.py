"""`rulebook diff A B --cases F --engine duckdb`: both rulebooks decide every case in DuckDB,
with the backtest's statement (backtest.py, backtestsql.py), and the changes are counted into
`diff`'s own report, so that the text, the JSON and the exit code are the Python diff's.

DuckDB gives per case the label of each rule on each side (`error`, `no match`, the action)
and whether it changed; that is all the counts need. What the report shows of a case, an
example (the first MAX_EXAMPLES per rule) or a line of `--changes`, carries the Python
engine's words (its error message, the values of the outputs): such a case is decided again by
the Python engine (`diff.judge_case`), as are the cases the backtest leaves to it (not a case
for DuckDB, a line the Python reader might refuse, every case when a rule has no exact SQL
form). Cases are counted in input order, so ties and examples fall as the Python diff's do.
"""
from __future__ import annotations

import tempfile
from datetime import datetime
from typing import Any, Callable, Iterator

from dsl.diagnostics import Diagnostic
from dsl.engine.python.runtime import CompiledRulebook
from dsl.engine.sql.sources import CaseSource
from dsl.tools.backtest import Backtest
from dsl.tools.backtestpy import read_row
from dsl.tools.diff import MAX_EXAMPLES, Decision, DecisionDiff, Row, judge_case
from dsl.tools.unknownfields import scan

OnRow = Callable[[Row | tuple[str, str | None, str]], None]


def diff_decisions_duckdb(a: CompiledRulebook, b: CompiledRulebook, files: tuple[str, ...], clock: datetime,
                          lang: str = "zh", on_row: OnRow | None = None,
                          on_source: Callable[[CaseSource], None] | None = None,
                          adapter: Any = None) -> tuple[DecisionDiff, list[Diagnostic]]:
    """`diff_decisions` over case files (raw API payloads made into cases by `adapter`, when
    given), judged in DuckDB; also the rules DuckDB cannot compute exactly (their cases were
    judged by the Python engine). `on_source` gets each file as it is opened (its notices)."""
    from dsl.engine.sql.duck import connect
    from dsl.engine.sql.sources import open_cases

    out = DecisionDiff()
    bt = Backtest(a, b, None, clock, lang)
    diagnostics: list[Diagnostic] = []
    with tempfile.TemporaryDirectory(prefix="rulebook-diff-") as spill:
        con = connect()
        con.execute("SET temp_directory = '" + spill.replace("'", "''") + "'")
        for name in files:
            source = open_cases(con, name, "cases", a.vocabulary, lang, adapter)
            if on_source is not None:
                on_source(source)
            out.unknown.add_source(source, a.vocabulary)
            bt.diagnostics = []
            _diff_source(con, bt, source, out, on_row)
            diagnostics += [d for d in bt.diagnostics if d not in diagnostics]
        con.close()
    return out, diagnostics


def _diff_source(con: Any, bt: Backtest, source: CaseSource, out: DecisionDiff, on_row: OnRow | None) -> None:
    """Count the cases of one file, in order."""
    text = bt.sql(source.name, dirty=source.kind == "jsonl")
    if text is None:     # a rule without an exact SQL form: the Python engine judges every case
        scan(con, source, bt.old, out.unknown, dirty_only=False, read_row=read_row)
        rows = con.execute(f"SELECT _row, _source, doc, _reject FROM {_ident(source.name)} ORDER BY _row").fetchall()
        for row, name, doc, reject in rows:
            judge_case(out, bt.old, bt.new, read_row(source, row, name, doc, reject), None, bt.clock, bt.lang, on_row)
        return
    con.execute(f"CREATE OR REPLACE TEMP TABLE bt AS {text}")
    scan(con, source, bt.old, out.unknown, dirty_only=source.kind == "jsonl", read_row=read_row)
    python = {r[0]: r for r in bt._python_rows(con, source)}
    for row, name, changes, is_changed, undecided, doc in _cases(con, source):
        if row in python:
            _, name, doc, reject = python[row]
            judge_case(out, bt.old, bt.new, read_row(source, row, name, doc, reject), None, bt.clock, bt.lang, on_row)
        elif changes and (on_row is not None or _shown(out, changes)):
            judge_case(out, bt.old, bt.new, read_row(source, row, name, doc, None), None, bt.clock, bt.lang, on_row)
        else:
            out.cases += 1
            out.compared += 1
            for c in changes:
                out.count(Row("", name, c["rule"], _decision(c["la"]), _decision(c["lb"]), c["kind"] is not None))
            out.changed_cases += bool(is_changed)
            out.undecided_cases += bool(undecided)


def _cases(con: Any, source: CaseSource) -> Iterator[tuple[int, str, list[dict[str, Any]], bool, bool, str | None]]:
    """Every case of the file in order: its changes, and its text when it has any."""
    cursor = con.execute(f"SELECT bt._row, bt._source, bt._changes, bt._changed, bt._undecided, "
                         f"CASE WHEN len(bt._changes) > 0 THEN c.doc END "
                         f"FROM bt JOIN {_ident(source.name)} c USING (_row) ORDER BY bt._row")
    while True:
        rows = cursor.fetchmany(4096)
        if not rows:
            return
        yield from rows


def _shown(out: DecisionDiff, changes: list[dict[str, Any]]) -> bool:
    """Whether the report keeps a row of this case as an example (then its words are needed)."""
    for c in changes:
        if c["kind"] is not None and len(out.examples.get(c["rule"], [])) < MAX_EXAMPLES:
            return True
        if c["und"] is not None and len(out.undecided_examples.get(c["rule"], [])) < MAX_EXAMPLES:
            return True
    return False


def _decision(label: str) -> Decision | None:
    """A decision with only what the counts read: its label (never shown)."""
    if label == "absent":
        return None
    if label == "error":
        return Decision(False, None, None, (), "error")
    if label == "no match":
        return Decision(False, None, None, (), None)
    return Decision(True, None if label == "match" else label, None, (), None)


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'

