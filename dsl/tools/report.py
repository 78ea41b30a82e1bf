"""Text a person reads: the eval table, the timeline and the example-test report."""
from __future__ import annotations

import unicodedata

from typing import TYPE_CHECKING

from dsl.diagnostics import Phrase
from dsl.engine.results import CaseResult

if TYPE_CHECKING:
    from dsl.tools.examples import Coverage, ExampleOutcome
from dsl.lang.unparse import const_text
from dsl.lang.values import format_timestamp


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in ("W", "F") else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def case_table(result: CaseResult, names: dict[str, str] | None = None, explain: str = "all", lang: str = "zh") -> str:
    """One case: a row per rule (matched or not, action, deadline, due) and the reasons under it."""
    names = names or {}
    book = f"{result.rulebook} ({result.platform})" if result.rulebook else result.platform
    lines = [f"case {result.case} · {book} · at {result.at_text or '-'}"]
    for err in result.errors:
        lines.append(f"  ! error: {err}")
    for warn in result.warnings:
        lines.append(f"  ! warning: {warn}")
    rows = []
    for r in result.results:
        mark = "ERROR" if r.error else ("✓ yes" if r.matched else "✗ no")
        deadline = format_timestamp(r.deadline) if r.deadline else "-"
        due = "DUE" if r.due else ("pending" if r.deadline else "")
        label = r.rule + (f" [{r.version}]" if r.version else "")
        action = (r.action or "-") if r.matched else (f"({r.action})" if r.action else "-")
        rows.append((label, mark, action, deadline, due, r))
    widths = [max([_width(h)] + [_width(row[i]) for row in rows]) for i, h in
              enumerate(("RULE", "MATCHED", "ACTION", "DEADLINE", "DUE"))]
    header = ("RULE", "MATCHED", "ACTION", "DEADLINE", "DUE")
    lines.append("  " + "  ".join(_pad(h, w) for h, w in zip(header, widths)).rstrip())
    for row in rows:
        lines.append("  " + "  ".join(_pad(c, w) for c, w in zip(row[:5], widths)).rstrip())
        r = row[5]
        if names.get(r.rule):
            lines.append(f"      {names[r.rule]}")
        if r.error:
            lines.append(f"      ! {r.error}")
        for key, value in r.outputs.items():
            lines.append(f"      → {key} = {const_text(value)}")
        if r.deadline_check is not None:
            lines.append(f"      {r.deadline_check.line(lang)}")
        lines.extend(f"      {why}" for why in r.reasons(explain))
    timeline = result.timeline
    if timeline:
        lines.append("  时间线 timeline:" if lang == "zh" else "  timeline:")
        for e in timeline:
            state = ("已到期" if e.due else "待到期") if lang == "zh" else ("OVERDUE" if e.due else "pending")
            lines.append(f"    {format_timestamp(e.deadline)}  {state:<8} {e.rule} → {e.action}")
    return "\n".join(lines)


def _say(text: str, lang: str) -> str:
    """A Phrase in `lang` ("both": English / Chinese); plain text as it is."""
    return text.label(lang) if isinstance(text, Phrase) else text


def example_failure(outcome: ExampleOutcome, lang: str = "en") -> str:
    """`file:line:col: FAIL rule: example` and the differences, each in `lang`."""
    head = Phrase("test.fail", rule=outcome.rule, name=outcome.example.name)
    lines = [f"{outcome.location}: {head.label(lang)}"]
    for d in outcome.differences:   # reasons are in one language (English for "both")
        lines.append("    " + _say(d, "en" if lang == "both" and getattr(d, "key", "") == "diff.why" else lang))
    return "\n".join(lines)


def example_passed(outcome: ExampleOutcome, lang: str = "en") -> str:
    return f"{outcome.location}: " + Phrase("test.ok", rule=outcome.rule, name=outcome.example.name).label(lang)


def coverage_report(coverage: Coverage, limit: int = 50, lang: str = "en") -> str:
    if not coverage.items:   # nothing was loaded to cover (a rulebook with errors): no percentage to show
        return Phrase("test.coverage_none").label(lang)
    lines = [Phrase("test.coverage", percent=coverage.percent, n=len(coverage.items)).label(lang)]
    missing = coverage.missing
    for item in missing[:limit]:
        lines.append("  " + Phrase("test.not_exercised", item=item).label(lang))
    if len(missing) > limit:
        lines.append("  " + Phrase("test.more", n=len(missing) - limit).label(lang))
    return "\n".join(lines)
