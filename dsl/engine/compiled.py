"""A rule as a backend compiled it: one callable per condition, action test, deadline and
output, and the version picked by the rule's moment. Backend-neutral, so the verdict
(verdict.py), the examples runner and any backend share one shape."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable

from dsl.book.model import Alternative, ExprRef, Rule, Version

Fn = Callable[[dict[str, Any], datetime], Any]


@dataclass
class CompiledVersion:
    version: Version
    match: Fn
    conditions: list[tuple[ExprRef, Fn]]
    alternatives: list[tuple[Alternative, Fn | None]]
    deadline: Fn | None
    outputs: list[tuple[str, Fn]]

    def select_action(self, view: dict[str, Any], at: datetime) -> str | None:
        for alt, test in self.alternatives:
            if test is None or test(view, at):
                return alt.action
        return None


@dataclass
class CompiledRule:
    rule: Rule
    by: Fn | None
    versions: list[CompiledVersion]

    def version_named(self, name: str | None) -> CompiledVersion | None:
        for cv in self.versions:
            if cv.version.name == name:
                return cv
        return None

    def moment(self, view: dict[str, Any], at: datetime) -> Any:
        return self.by(view, at) if self.by is not None else None

    def pick(self, view: dict[str, Any], at: datetime, moment: Any = ...) -> tuple[CompiledVersion | None, Any]:
        """The version in effect at the rule's moment (computed here unless given)."""
        if self.by is None:
            return self.versions[0], None
        if moment is ...:
            moment = self.moment(view, at)
        if moment is None:
            return None, None
        for cv in self.versions:
            v = cv.version
            if (v.start is None or v.start <= moment) and (v.until is None or moment < v.until):
                return cv, moment
        return None, moment
