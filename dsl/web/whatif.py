"""What-if: the edited text against the saved file over a batch of cases (an upload, or
every example), as `rulebook diff SAVED EDITED --cases FILE` computes it: the same case
readers, the same `diff_decisions`, the same transition words. Only the shape of the answer
is the workbench's (JSON for the page, or CSV to download).

"before" is the saved file (diff's A), "after" the edited text (diff's B). Cases that
cannot be read are listed with their line and reason; the others are still judged.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from typing import Any, Iterable, Iterator

from dsl.cases.inputs import CaseInput, FileNotice
from dsl.cases.readers import read_case_text
from dsl.diagnostics import DslError
from dsl.engine.python.runtime import CompiledRulebook
from dsl.tools.batch import report_notice
from dsl.tools.diff import DecisionDiff, Row, diff_decisions, diff_structure, label
from dsl.tools.diffreport import CHANGE_COLUMNS, change_cells, diff_to_json, word
from dsl.tools.examples import example_case
from dsl.web.workbench import Answer, Judge, compiled, diagnostic_json, error_json, judge_of

_LINE = re.compile(r":([0-9]+)(?::[0-9]+)?$")


@dataclass(frozen=True)
class Download:
    """A file the browser saves (the CSV of changed cases), not JSON to show."""

    text: str
    filename: str
    media_type: str = "text/csv; charset=utf-8"


@dataclass
class Collected:
    """What `diff_decisions` hands `on_row`: every changed row and every rejected case."""

    rows: list[Row]
    rejected: list[tuple[str, str | None, str]]

    def take(self, row: Row | tuple[str, str | None, str]) -> None:
        if isinstance(row, Row):
            if row.changed:
                self.rows.append(row)
        else:
            self.rejected.append(row)


def whatif(text: str, saved: str, saved_name: str, cases: Any, at: str | None, lang: str, fmt: str,
           path: str | None = None) -> Answer:
    """Judge the cases under the saved file and the edited text; the changed decisions.
    `path`: the saved file's, where a shop overlay's relative `extends:` is read from."""
    after = judge_of(text, "<editor>", at, lang, path)
    if not isinstance(after, Judge):
        return after
    try:
        before = compiled(saved, saved_name, path)
    except DslError as exc:   # the saved file has errors (edited outside): it cannot decide
        body = error_json("web.saved_errors", lang, file=saved_name, detail=exc.diagnostics[0].message(lang))
        return 422, {**body, "diagnostics": [diagnostic_json(d, lang, saved) for d in exc.diagnostics]}
    notices: list[str] = []
    items = _items(after.book, cases, lang, notices)
    collected = Collected([], [])
    counts = diff_decisions(before, after.book, items, after.at, lang, on_row=collected.take)
    stem = saved_name.rsplit(".", 1)[0]
    if fmt == "csv":
        return 200, Download(_csv(collected.rows), f"whatif-{stem}.csv")
    return 200, _json(counts, collected, notices, diff_to_json(diff_structure(before, after.book), None), lang)


def _items(book: CompiledRulebook, cases: Any, lang: str, notices: list[str]) -> Iterator[CaseInput]:
    """The cases to judge: every example of the edited text (each at its own `at`, named by
    its name, placed at its line), or the uploaded file's, read as `rulebook diff --cases`
    reads that file; notices about the whole file are kept to say."""
    if cases == "examples":
        return _examples(book)
    items = read_case_text(cases["data"], f"cases.{cases['format']}", cases["format"], book.vocabulary)
    return _said(items, lang, notices)


def _examples(book: CompiledRulebook) -> Iterator[CaseInput]:
    model = book.model
    for rule in model.rules:
        for example in rule.examples:
            case = example_case(model, example)
            case["id"] = example.name      # the base case's id would name every example alike
            if example.at:
                case["now"] = example.at   # judged when the example says, as `rulebook test` does
            line = example.span.line if example.span else 0
            yield CaseInput(f"{model.file}:{line}", case)


def _said(items: Iterable[CaseInput | FileNotice], lang: str, notices: list[str]) -> Iterator[CaseInput]:
    for item in items:
        if isinstance(item, FileNotice):
            report_notice(item, lang, lambda line, key=None: notices.append(line))
        else:
            yield item


def _line(source: str) -> int | None:
    found = _LINE.search(source)
    return int(found.group(1)) if found else None


def _json(counts: DecisionDiff, collected: Collected, notices: list[str], structure: dict[str, Any],
          lang: str) -> dict[str, Any]:
    return {
        "total": counts.cases, "compared": counts.compared, "changed": counts.changed_cases,
        "undecided": counts.undecided_cases,
        "rejected": [{"case": case, "source": source, "line": _line(source), "message": reason}
                     for source, case, reason in collected.rejected],
        "notices": notices,
        "transitions": [{"rule": rule, "transition": f"{word(a, lang)} → {word(b, lang)}", "before": a, "after": b,
                         "count": n} for (rule, a, b), n in sorted(counts.transitions.items())],
        "undecided_rules": {rule: {k: c[k] for k in ("only_a", "only_b", "both")} for rule, c in counts.undecided.items()},
        "cases": [{"case_id": row.case, "source": row.source, "line": _line(row.source), "rule": row.rule,
                   "transition": f"{word(label(row.a), lang)} → {word(label(row.b), lang)}",
                   "before": row.a.to_json() if row.a else None, "after": row.b.to_json() if row.b else None}
                  for row in collected.rows],
        "structure": structure,
    }


def _csv(rows: list[Row]) -> str:
    """The changed decisions for a spreadsheet; a BOM first, so Excel reads the Chinese right."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CHANGE_COLUMNS)
    writer.writerows(change_cells(row) for row in rows)
    return "\ufeff" + out.getvalue()
