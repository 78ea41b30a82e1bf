"""Where in the rulebook's text each condition held, failed or could not be told for one case:
what an editor marks beside each condition (the workbench's gutter ✓/✗/?, a language
server's inlay hints).

Nothing is evaluated here: the states and the sentences are the engine's own full
explanation (`RuleResult.traced()`, the lines `rulebook eval --explain` prints), each line
with the condition it is about. So the marks can never disagree with the decision shown
beside them.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dsl.book.model import ExprRef
from dsl.diagnostics import Span
from dsl.engine.compiled import CompiledRule
from dsl.engine.explain import Reason
from dsl.engine.results import CaseResult, RuleResult
from dsl.lang.values import format_timestamp

STATES = {True: "true", False: "false", None: "unknown"}


@dataclass(frozen=True)
class ConditionTrace:
    """One condition as the explanation shows it: where it is, its state, the sentence."""

    ref: ExprRef
    state: bool | None          # None: unknown (a missing or bad value)
    reason: str
    kind: str                   # "when" (a condition) or "versions_by" (what picks the version)

    @property
    def span(self) -> Span:
        return self.ref.span


@dataclass(frozen=True)
class RuleTrace:
    """A rule's decision for the case and its conditions, in the explanation's order."""

    rule: CompiledRule
    result: RuleResult
    reasons: tuple[Reason, ...]         # the full explanation, summary lines included
    conditions: tuple[ConditionTrace, ...]


def trace(rules: list[CompiledRule], result: CaseResult) -> list[RuleTrace]:
    """Every rule of `result` (as `rules` compiled them) with its explained conditions."""
    by_id = {r.rule.id: r for r in rules}
    out = []
    for r in result.results:
        reasons = r.traced()
        out.append(RuleTrace(by_id[r.rule], r, tuple(reasons), tuple(_conditions(by_id[r.rule], reasons))))
    return out


def _conditions(rule: CompiledRule, reasons: list[Reason]) -> list[ConditionTrace]:
    by = rule.rule.versions_by
    return [ConditionTrace(r.ref, r.state, r.text, "versions_by" if r.ref is by else "when")
            for r in reasons if r.ref is not None]


def trace_json(traced: list[RuleTrace]) -> list[dict[str, Any]]:
    """The traces as the workbench's API gives them: positions 1-based, end exclusive."""
    return [_rule_json(t) for t in traced]


def _rule_json(t: RuleTrace) -> dict[str, Any]:
    r, span = t.result, t.rule.rule.span
    return {"rule": r.rule, "line": span.line if span else None, "col": span.col if span else None,
            "matched": None if r.error else r.matched, "action": r.action,
            "deadline": format_timestamp(r.deadline) if r.deadline else None, "due": r.due,
            "version": r.version, "error": r.error, "why": [reason.text for reason in t.reasons],
            "conditions": [_condition_json(c) for c in t.conditions]}


def _condition_json(c: ConditionTrace) -> dict[str, Any]:
    s = c.span
    return {"line": s.line, "col": s.col, "end_line": s.end_line, "end_col": s.end_col,
            "state": STATES[c.state], "kind": c.kind, "text": c.ref.text.strip(), "reason": c.reason}
