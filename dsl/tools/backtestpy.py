"""The backtest's share for the Python engine: cases DuckDB found not to be cases, and lines
the Python reader might refuse, read and judged exactly as `rulebook diff` judges them."""
from __future__ import annotations

from collections import Counter
from typing import Any, Callable

from dsl.cases.inputs import CaseInput, loads
from dsl.cases.readers import LineBlock
from dsl.diagnostics import problem_text
from dsl.engine.python.runtime import judged_at
from dsl.engine.sql.sources import CaseSource


def read_row(source: CaseSource, row: int, name: str, doc: str | None, reject: str | None) -> CaseInput:
    """The case of one row of a case source as the Python reader gives it (its messages for a
    line it refuses): what `backtest` and `diff --engine duckdb` judge in Python."""
    if reject is not None or doc is None:
        return CaseInput(name, error=reject or "?")
    if source.kind == "jsonl":
        return next(iter(LineBlock(source.path, row - 1, doc.encode("utf-8", "surrogatepass") + b"\n", 1).cases()))
    try:
        return CaseInput(name, loads(doc))
    except (ValueError, RecursionError) as exc:
        return CaseInput(name, error=str(exc))


def refused(source: CaseSource, row: int, doc: str) -> bool:
    """Whether the Python reader refuses this line (then the Python engine judges it)."""
    return source.kind == "jsonl" and read_row(source, row, "", doc, None).error is not None


def judge_in_python(bt: Any, source: CaseSource, rows: list[tuple[int, str, str | None, str | None]], result: Any,
                    on_change: Callable[[Any], None] | None) -> None:
    """Read and judge `rows` (row, source, doc, reason refused) with the Python engine, adding to `result`."""
    from dsl.lang.values import SHANGHAI
    from dsl.tools.backtest import Change, decisions, month_of, transition_of, undecided_side

    for row, name, doc, reject in rows:
        item = read_row(source, row, name, doc, reject)
        if item.error is not None:
            result.reject(name, problem_text(item.error, bt.lang))
            continue
        pa, pb = bt.old.parse(item.doc, name), bt.new.parse(item.doc, name)
        if pa.fatal or pb.fatal:
            reason = problem_text(pa.fatal or pb.fatal, bt.lang)
            result.reject(name, f"case {pa.id}: {reason}" if pa.id != name else reason)
            continue
        when = judged_at(pa, bt.at, bt.clock)   # None: a bad `now`, the moment unknown
        case, old = decisions(bt.old, pa, when, bt.lang)
        _, new = decisions(bt.new, pb, when, bt.lang)
        # a bad `now` (no --at): no moment, so no month (`-`), never the clock's
        month = month_of(when if when.tzinfo else when.replace(tzinfo=SHANGHAI)) if when is not None else None
        flags: Counter[str] = Counter(cases=1)
        for rule in list(old) + [r for r in new if r not in old]:
            a, b = old.get(rule), new.get(rule)
            change = Change(case, name, month, rule, transition_of(a, b), _label(a), _label(b),
                            a.deadline if a else None, b.deadline if b else None, undecided_side(a, b))
            if change.transition is None and change.undecided is None:
                continue
            flags["changed"] = int(flags["changed"] or change.transition is not None)
            flags["undecided"] = int(flags["undecided"] or change.undecided is not None)
            result.count(change)
            if on_change is not None:
                on_change(change)
        result.cases += 1
        result.judged += 1
        result.changed_cases += flags["changed"]
        result.undecided_cases += flags["undecided"]
        result.month(month).update(flags)


def _label(d: Any) -> str:
    from dsl.tools.diff import label

    return label(d)
