"""The platform's own deadline beside ours: `deadline_check` of a matched timer rule.

A case may carry the deadline the platform's payload gives for the step it waits on
(`aftersale.platform_deadline`: 抖店 `status_deadline`, 拼多多 `expire_time`). Each matched
rule with a deadline then reports both and how far apart they are, so a desk sees at once
where the platform runs another clock (a holiday notice we do not know of, a shortened
handling time) instead of trusting one of the two without a word.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Iterable

from dsl.diagnostics import Phrase
from dsl.lang.values import format_duration, format_timestamp

PLATFORM_DEADLINE = "aftersale.platform_deadline"


@dataclass(frozen=True)
class DeadlineCheck:
    """Our deadline of one matched rule and the platform's for the same case."""

    platform: datetime
    ours: datetime
    lang: str = "en"     # the language of `difference` in the JSON (that of the reasons, --lang)

    @property
    def difference(self) -> timedelta:
        """The platform's deadline minus ours: positive when the platform's is later."""
        return self.platform - self.ours

    @property
    def agrees(self) -> bool:
        return self.platform == self.ours

    def difference_phrase(self) -> Phrase:
        """"platform later by 3d" / "平台晚 3d", or "the same" when they agree."""
        gap = self.difference
        if not gap:
            return Phrase("deadline_check.same")
        key = "deadline_check.later" if gap > timedelta(0) else "deadline_check.earlier"
        return Phrase(key, gap=format_duration(abs(gap)))

    def to_dict(self) -> dict[str, Any]:
        """The rule's `deadline_check` object of the eval JSON."""
        lang = self.lang
        return {"platform": format_timestamp(self.platform), "ours": format_timestamp(self.ours),
                "difference": self.difference_phrase().label(lang),
                "difference_seconds": int(self.difference.total_seconds()), "agrees": self.agrees}

    def line(self, lang: str = "en") -> str:
        """The line the eval table shows under the rule."""
        key = "deadline_check.line_agrees" if self.agrees else "deadline_check.line_differs"
        return Phrase(key, platform=format_timestamp(self.platform),
                      difference=self.difference_phrase().label(lang)).label(lang)


def platform_deadline(view: Any) -> datetime | None:
    """The case's platform deadline, or None (absent, null, or a bad value: that one is
    reported among the case's errors, as every bad field is)."""
    value = view.get(PLATFORM_DEADLINE) if hasattr(view, "get") else None
    return value if isinstance(value, datetime) else None


def check_deadlines(results: Iterable[Any], view: Any, lang: str = "en") -> None:
    """Set `deadline_check` on every matched rule with a deadline, when the case has the
    platform's deadline."""
    theirs = None
    for r in results:
        if r.matched and r.deadline is not None and not r.error:
            theirs = theirs or platform_deadline(view)
            if theirs is None:
                return
            r.deadline_check = DeadlineCheck(theirs, r.deadline, lang)


def carries_platform_deadline(doc: Any) -> bool:
    """Whether a case document gives a platform deadline (the fast lanes leave such a case to
    the exact path, which writes `deadline_check`)."""
    aftersale = doc.get("aftersale") if isinstance(doc, dict) else None
    return isinstance(aftersale, dict) and aftersale.get("platform_deadline") is not None
