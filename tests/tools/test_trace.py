"""dsl.tools.trace without HTTP (what the workbench's gutter and a language server's inlay
hints read): each condition of the chosen version, at its place, with the state and the
sentence of the engine's full explanation, so a mark never disagrees with the decision."""
from __future__ import annotations

import json

from conftest import EXAMPLES, RULEBOOKS
from dsl import load_rulebook
from dsl.tools.trace import trace, trace_json

AT = "2026-11-05T09:00:00+08:00"


def _traced(case: dict, lang: str = "en") -> tuple:
    book = load_rulebook(RULEBOOKS / "douyin.yaml")
    result = book.evaluate(case, AT, lang)
    return book, result, trace(book.rules, result)


def test_the_states_and_sentences_are_the_explanations() -> None:
    case = json.loads((EXAMPLES / "douyin-lightning-return.json").read_text(encoding="utf-8"))
    case["order"]["paid_amount"] = "300.01"
    book, result, traced = _traced(case)
    first = traced[0]
    assert first.result is result.results[0] and first.result.matched is False
    assert [r.text for r in first.reasons] == result.results[0].reasons("all")
    version = book.rules[0].rule.versions[0]
    assert [c.ref for c in first.conditions] == list(version.conditions)
    states = {c.ref.text.strip(): c.state for c in first.conditions}
    assert states["order.paid_amount <= params.lightning_max_amount"] is False
    assert sum(state is True for state in states.values()) == len(states) - 1


def test_the_json_positions_are_the_conditions_spans() -> None:
    case = json.loads((EXAMPLES / "douyin-reship-late.json").read_text(encoding="utf-8"))
    _, _, traced = _traced(case, "zh")
    rules = trace_json(traced)
    spans = [c.span for t in traced for c in t.conditions]
    shown = [c for r in rules for c in r["conditions"]]
    assert [(c["line"], c["col"], c["end_line"], c["end_col"]) for c in shown] == [
        (s.line, s.col, s.end_line, s.end_col) for s in spans]
    assert {c["state"] for c in shown} <= {"true", "false", "unknown"}
