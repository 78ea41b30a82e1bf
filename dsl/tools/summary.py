"""What a batch tells the user besides its results: the counts at the end, the progress line
while it runs, and the report lines on stderr (each problem once, never glued to the progress
line). All of it in the user's language."""
from __future__ import annotations

import sys
import time
from dsl.limits import MAX_KEPT_REJECTIONS
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable, TextIO



@dataclass
class Summary:
    """Counts of one batch: read == evaluated + rejected, always."""

    read: int = 0
    evaluated: int = 0
    rejected: int = 0
    with_field_errors: int = 0
    with_rule_errors: int = 0
    shown: int = 0
    matched: Counter[tuple[str, str]] = field(default_factory=Counter)
    rejections: list[tuple[str, Any]] = field(default_factory=list)
    unknown_fields: Counter[str] = field(default_factory=Counter)   # path -> cases (or CSV files) naming it
    interrupted: bool = False
    file_warnings: int = 0   # warnings about a whole file no case counts (a CSV cell under a column without a name)

    def reject(self, source: str, reason: Any) -> None:
        self.rejected += 1
        if len(self.rejections) < MAX_KEPT_REJECTIONS:
            self.rejections.append((source, reason))

    def merge(self, other: Summary) -> None:
        self.read += other.read
        self.evaluated += other.evaluated
        self.rejected += other.rejected
        self.with_field_errors += other.with_field_errors
        self.with_rule_errors += other.with_rule_errors
        self.shown += other.shown
        self.matched.update(other.matched)
        self.unknown_fields.update(other.unknown_fields)
        self.file_warnings += other.file_warnings
        room = MAX_KEPT_REJECTIONS - len(self.rejections)
        self.rejections.extend(other.rejections[:max(room, 0)])

    @property
    def clean(self) -> bool:
        """Nothing to look at: every case read, every field good and known, nothing stopped."""
        return not (self.rejected or self.with_field_errors or self.with_rule_errors or self.unknown_fields
                    or self.file_warnings or self.interrupted)

    def text(self, lang: str = "en") -> str:
        from dsl.diagnostics import problem_text

        zh = lang == "zh"
        lines = [_t("head", zh, read=self.read, evaluated=self.evaluated, rejected=self.rejected)]
        if self.with_field_errors:
            lines.append(_t("field_errors", zh, n=self.with_field_errors))
        if self.with_rule_errors:
            lines.append(_t("rule_errors", zh, n=self.with_rule_errors))
        if self.unknown_fields:
            listed = ", ".join(f"{path} ({n})" for path, n in sorted(self.unknown_fields.items()))
            lines.append(_t("unknown", zh, paths=listed))
        if self.file_warnings:
            lines.append(_t("file_warnings", zh, n=self.file_warnings))
        for source, reason in self.rejections:
            lines.append(_t("rejected_line", zh, source=source, reason=problem_text(reason, lang)))
        if self.rejected > len(self.rejections):
            lines.append(_t("more_rejected", zh, n=self.rejected - len(self.rejections)))
        if self.matched:
            lines.append(_t("matches", zh))
            for (platform, rule), n in sorted(self.matched.items()):
                lines.append(f"  {platform}/{rule}: {n}")
        if self.interrupted:
            lines.append(_t("interrupted", zh, n=self.read))
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        return {"read": self.read, "evaluated": self.evaluated, "rejected": self.rejected,
                "with_field_errors": self.with_field_errors, "with_rule_errors": self.with_rule_errors,
                "unknown_fields": dict(sorted(self.unknown_fields.items())), "interrupted": self.interrupted,
                "file_warnings": self.file_warnings,
                "matched": {f"{p}/{r}": n for (p, r), n in sorted(self.matched.items())},
                "rejections": [{"source": s, "reason": str(r)} for s, r in self.rejections]}




def _t(key: str, zh: bool, **args: Any) -> str:
    from dsl.diagnostics import Phrase

    return Phrase("batch." + key, **args).label("zh" if zh else "en")


def _clock(seconds: float, zh: bool) -> str:
    seconds = max(0, int(seconds + 0.5))
    if seconds < 60:
        return f"{seconds} 秒" if zh else f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} 分 {seconds} 秒" if zh else f"{minutes} min {seconds} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} 小时 {minutes} 分" if zh else f"{hours} h {minutes} min"


class Progress:
    """A counter on stderr for long batches, only when stderr is a terminal. With the input's
    size and a way to ask how much of it was read (`position`), it shows the share done, an
    estimated total and the time left."""

    def __init__(self, stream: TextIO | None = None, every_seconds: float = 0.25, lang: str = "en",
                 total_bytes: int | None = None, position: Callable[[], int] | None = None):
        self.stream = stream or sys.stderr
        self.enabled = bool(getattr(self.stream, "isatty", lambda: False)())
        self.every = every_seconds
        self.last = time.monotonic()
        self.started = self.last
        self.shown = False
        self.zh = lang == "zh"
        self.total_bytes, self.position = total_bytes, position

    def tick(self, summary: Summary, force: bool = False) -> None:
        if not self.enabled or (summary.read % 100 and not force):
            return
        now = time.monotonic()
        if now - self.last < self.every or now - self.started < 1.0:
            return
        self.last = now
        self.stream.write("\r" + self.line(summary, now - self.started) + " ")
        self.stream.flush()
        self.shown = True

    def line(self, summary: Summary, elapsed: float) -> str:
        rate = summary.read / max(elapsed, 1e-9)
        done = self.position() if self.position is not None and self.total_bytes else 0
        if done and self.total_bytes:
            share = min(done / self.total_bytes, 1.0)
            total = max(summary.read, int(summary.read / share)) if share else summary.read
            left = _clock(elapsed * (1 - share) / share, self.zh) if share else "?"
            return _t("progress_total", self.zh, read=summary.read, total=total, percent=share * 100, rate=rate,
                      left=left, rejected=summary.rejected)
        return _t("progress", self.zh, read=summary.read, rate=rate, rejected=summary.rejected)

    def clear(self) -> None:
        """Take the progress line off the screen (before a report line, and at the end)."""
        if self.shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self.shown = False

    def close(self) -> None:
        self.clear()


class Reporter:
    """Writes report lines to stderr: a line with a key is written once (an unknown field is
    named once per file, not per case), and never onto the progress line."""

    def __init__(self, write: Callable[[str], None], progress: Progress | None = None):
        self.write, self.progress = write, progress
        self.seen: set[Any] = set()

    def __call__(self, line: str, key: Any = None) -> None:
        if key is not None:
            if key in self.seen:
                return
            self.seen.add(key)
        if self.progress is not None:
            self.progress.clear()
        self.write(line)
