"""The batch's CSV rows: their columns and cells, and the fast lane's writer of them.

`rulebook eval --format csv` writes one row per case x rule. The exact path (batch.Sink)
makes each row from a RuleResult; for a clean case decided without reasons, the fast lane
(batchfast.py) writes the same rows from the generated decider's decisions with `CsvRows`:
a rule's cells after the case's own three depend only on its decision, and most decisions
repeat, so their CSV text is made once and kept. Cells are always quoted by the csv module
(a field is quoted on its own, so a row may be joined from separately quoted parts).
"""
from __future__ import annotations

import csv
import io
import json
from typing import Any

from dsl.engine.deadlinecheck import DeadlineCheck
from dsl.lang.values import format_timestamp, to_json

CSV_COLUMNS = ["case", "platform", "at", "rule", "matched", "action", "deadline", "due", "version", "error", "why"]
# after the outputs.* columns: the platform's deadline beside ours (deadlinecheck.py), filled
# for a matched rule with a deadline when the case gives `aftersale.platform_deadline`
CHECK_COLUMNS = ["deadline_check.platform", "deadline_check.difference", "deadline_check.agrees"]

_MAX_KEPT = 4096   # distinct decisions kept per rule (most batches have far fewer)


def check_cells(check: dict[str, Any] | None) -> list[str]:
    """The CHECK_COLUMNS cells of a rule's `deadline_check` (empty without one)."""
    if not check:
        return ["", "", ""]
    return [check["platform"], check["difference"], str(check["agrees"]).lower()]


def cell(value: Any) -> str:
    """An output's cell: empty for none, text as it is, anything else as its JSON."""
    if value is None:
        return ""
    shown = to_json(value)
    return shown if isinstance(shown, str) else json.dumps(shown, ensure_ascii=False)


class CsvQuoter:
    """CSV text of a list of cells, quoted as csv.writer quotes them (without the line end)."""

    def __init__(self) -> None:
        self.buffer = io.StringIO()
        self.writer = csv.writer(self.buffer, lineterminator="")

    def __call__(self, cells: list[str]) -> str:
        self.writer.writerow(cells)
        text = self.buffer.getvalue()
        self.buffer.seek(0)
        self.buffer.truncate()
        return text


class CsvRows:
    """One rulebook's rows of one clean case, as Sink writes them for explain "none": in the
    order of the rules, `action`, `deadline` and outputs only for a matched rule, no error
    and no reasons (a clean case decided by the generated decider has neither)."""

    def __init__(self, book: Any, outputs: list[str]):
        self.rule_ids = [rule.rule.id for rule in book.rules]
        # per rule: version name -> the names of that version's outputs
        self.versions = [{cv.version.name: [name for name, _ in cv.outputs] for cv in rule.versions}
                         for rule in book.rules]
        self.label = book.model.label   # what the summary counts under: a shop overlay's own id
        self.outputs = outputs
        self.quote = CsvQuoter()
        self.platform = "," + self.quote([book.platform]) + ","
        self.caches: list[dict[tuple[Any, ...], tuple[str, Any]]] = [{} for _ in book.rules]

    def case_cell(self, case_id: str) -> str:
        return self.quote([case_id])

    def rows(self, case_cell: str, at_text: str, decisions: tuple[tuple[Any, ...], ...],
             matched: Any, check: tuple[Any, str] | None = None) -> str:
        """The case's rows; each matched rule is counted in `matched`. `check`: the case's
        platform deadline and the language of its `deadline_check`."""
        head = case_cell + self.platform + at_text + ","
        out = []
        for i, d in enumerate(decisions):
            tail, counted = self._tail(i, d, check)
            if counted is not None:
                matched[counted] += 1
            out.append(head + tail)
        return "".join(out)

    def _tail(self, i: int, d: tuple[Any, ...], check: tuple[Any, str] | None) -> tuple[str, Any]:
        """A rule's cells from `rule` on, with the line end: kept when they are the same for
        every case with this decision (no deadline, no outputs)."""
        keep = d[2] is None and not d[5]
        if keep:
            try:
                known = self.caches[i].get(d)
            except TypeError:   # an output that cannot be hashed (a list)
                known, keep = None, False
            if known is not None:
                return known
        matched, action, deadline, due, version, outputs = d
        names = self.versions[i].get(version)
        if names is None:   # no version of the rule applies to the case: not matched
            matched, action, deadline, due, version, outputs = False, None, None, False, None, None
        shown = dict(zip(names or [], outputs)) if matched and outputs else {}
        checked = (DeadlineCheck(check[0], deadline, check[1]).to_dict()
                   if matched and check is not None and deadline is not None else None)
        cells = [self.rule_ids[i], str(matched).lower(), (action or "") if matched else "",
                 format_timestamp(deadline) if deadline and matched else "", str(due).lower(), version or "", "", ""]
        cells += [cell(shown.get(name)) for name in self.outputs] if matched else [""] * len(self.outputs)
        known = (self.quote(cells + check_cells(checked)) + "\n", (self.label, self.rule_ids[i]) if matched else None)
        if keep and len(self.caches[i]) < _MAX_KEPT:
            self.caches[i][d] = known
        return known
