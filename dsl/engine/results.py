"""Evaluation results: what a rule decided for a case, and why (the eval JSON contract)."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable

from dsl.engine.deadlinecheck import DeadlineCheck
from dsl.engine.explain import Reason
from dsl.lang.values import format_timestamp, to_json


@dataclass
class RuleResult:
    """One rule's decision. `why` is worked out when first read (explaining costs more than deciding)."""

    rule: str
    matched: bool
    action: str | None
    deadline: datetime | None = None
    due: bool = False
    version: str | None = None
    outputs: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    deadline_check: DeadlineCheck | None = None   # the platform's deadline beside ours (deadlinecheck.py)
    explain: Callable[[bool], list[Reason]] | None = field(default=None, repr=False, compare=False)
    _why: list[str] | None = field(default=None, repr=False, compare=False)

    @property
    def why(self) -> list[str]:
        """The reasons: for a match every condition, else the ones that failed or were unknown."""
        if self._why is None:
            self._why = [r.text for r in self.explain(False)] if self.explain else []
        return self._why

    def reasons(self, level: str = "failing") -> list[str]:
        """`level`: "all" (every condition with its value), "failing" (as `why`), or "none"."""
        if level == "none":
            return []
        if level == "all" and self.explain is not None:
            return [r.text for r in self.explain(True)]
        return self.why

    def traced(self) -> list[Reason]:
        """Every line of the full explanation (`reasons("all")`) with the condition it is
        about and its value: what an editor marks beside each condition."""
        if self.explain is not None:
            return self.explain(True)
        return [Reason(text) for text in self.why]

    def to_dict(self, explain: str = "failing") -> dict[str, Any]:
        """The rule's object of the eval JSON (`explain`: "all", "failing" or "none")."""
        out: dict[str, Any] = {
            "rule": self.rule, "matched": self.matched, "action": self.action,
            "deadline": format_timestamp(self.deadline) if self.deadline else None,
            "due": self.due, "why": self.reasons(explain),
        }
        if self.version is not None:
            out["version"] = self.version
        if self.outputs:
            out["outputs"] = {k: to_json(v) for k, v in self.outputs.items()}
        if self.error is not None:
            out["error"] = self.error
        if self.deadline_check is not None:
            out["deadline_check"] = self.deadline_check.to_dict()
        return out


@dataclass
class TimelineEntry:
    deadline: datetime
    rule: str
    action: str | None
    due: bool

    def to_dict(self) -> dict[str, Any]:
        return {"deadline": format_timestamp(self.deadline), "rule": self.rule, "action": self.action,
                "due": self.due, "state": "overdue" if self.due else "pending"}


@dataclass
class CaseResult:
    case: str
    platform: str
    at: datetime | None     # None: the case's `now` is bad and no --at stood in (no moment at all)
    results: list[RuleResult]
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    rulebook: str | None = None   # a shop overlay's id (`acme`): its lines and its platform's are told apart

    @property
    def at_text(self) -> str | None:
        """`at` as the output writes it; None when the case has no moment (a bad `now`, no --at)."""
        return format_timestamp(self.at) if self.at is not None else None

    @property
    def timeline(self) -> list[TimelineEntry]:
        """Every matched rule with a deadline, soonest first: what happens to this case, and when."""
        entries = [TimelineEntry(r.deadline, r.rule, r.action, r.due)
                   for r in self.results if r.matched and r.deadline is not None]
        return sorted(entries, key=lambda e: (e.deadline, e.rule))

    def result(self, rule: str) -> RuleResult:
        for r in self.results:
            if r.rule == rule:
                return r
        raise KeyError(rule)

    def to_dict(self, explain: str = "failing") -> dict[str, Any]:
        """The case's object of the eval JSON, as a dict (`explain`: "all", "failing", "none")."""
        out: dict[str, Any] = {"case": self.case, "platform": self.platform}
        if self.rulebook is not None:
            out["rulebook"] = self.rulebook
        out |= {
            "at": self.at_text,
            "results": [r.to_dict(explain) for r in self.results],
            "timeline": [e.to_dict() for e in self.timeline],
        }
        if self.errors:
            out["errors"] = self.errors
        if self.warnings:
            out["warnings"] = self.warnings
        return out

    def to_json(self, explain: str = "failing") -> str:
        """The JSON text `rulebook eval --format json` prints for this case (one line)."""
        return json.dumps(self.to_dict(explain), ensure_ascii=False)


def identity_json(platform: str, rulebook: str | None) -> str:
    """`, "platform": "douyin"` and, for a shop overlay, `, "rulebook": "acme"`: the keys after
    `case` in an output line, as `CaseResult.to_json` writes them (the fast lane and the SQL
    engines write the same text)."""
    text = ', "platform": ' + json.encoder.encode_basestring(platform)   # as json.dumps(..., ensure_ascii=False)
    return text + (', "rulebook": ' + json.encoder.encode_basestring(rulebook) if rulebook is not None else "")
