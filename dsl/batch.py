"""Evaluate a stream of cases against rulebooks in constant memory, counting as it goes.

Every case read is either evaluated or rejected (so the counts always add up); a bad
line never stops the batch. Output goes to a sink one case at a time.
"""
from __future__ import annotations

import csv
import io
import json
import os
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Callable, Iterable, TextIO

from .caseio import CaseInput, LineBlock
from .report import case_table
from .results import CaseResult
from .runtime import CompiledRulebook
from .values import format_timestamp

MAX_KEPT_REJECTIONS = 100

CSV_COLUMNS = ["case", "platform", "at", "rule", "matched", "action", "deadline", "due", "version", "error", "why"]


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
    rejections: list[tuple[str, str]] = field(default_factory=list)

    def reject(self, source: str, reason: str) -> None:
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
        room = MAX_KEPT_REJECTIONS - len(self.rejections)
        self.rejections.extend(other.rejections[:max(room, 0)])

    @property
    def clean(self) -> bool:
        return not self.rejected and not self.with_field_errors and not self.with_rule_errors

    def text(self, lang: str = "en") -> str:
        zh = lang == "zh"
        head = (f"共读取 {self.read} 个案例：{self.evaluated} 个已判定，{self.rejected} 个被拒绝" if zh else
                f"{self.read} case(s) read: {self.evaluated} evaluated, {self.rejected} rejected")
        if self.with_field_errors:
            head += (f"（其中 {self.with_field_errors} 个有字段错误）" if zh else
                     f" ({self.with_field_errors} evaluated with field errors)")
        if self.with_rule_errors:
            head += (f"（{self.with_rule_errors} 个有规则求值错误）" if zh else
                     f" ({self.with_rule_errors} with a rule that failed to evaluate)")
        lines = [head]
        for source, reason in self.rejections:
            lines.append(f"  rejected {source}: {reason}")
        if self.rejected > len(self.rejections):
            lines.append(f"  ... and {self.rejected - len(self.rejections)} more rejected")
        if self.matched:
            lines.append("命中次数：" if zh else "matches per rule:")
            for (platform, rule), n in sorted(self.matched.items()):
                lines.append(f"  {platform}/{rule}: {n}")
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        return {"read": self.read, "evaluated": self.evaluated, "rejected": self.rejected,
                "with_field_errors": self.with_field_errors, "with_rule_errors": self.with_rule_errors,
                "matched": {f"{p}/{r}": n for (p, r), n in sorted(self.matched.items())},
                "rejections": [{"source": s, "reason": r} for s, r in self.rejections]}


class Sink:
    """Writes results in one format; `table` for people, `json`/`jsonl` and `csv` for programs."""

    def __init__(self, out: TextIO, fmt: str, explain: str = "failing", lang: str = "zh", header: bool = True):
        self.out, self.fmt, self.explain, self.lang = out, fmt, explain, lang
        self.csv = csv.writer(out, lineterminator="\n") if fmt == "csv" else None
        if self.csv is not None and header:
            self.csv.writerow(CSV_COLUMNS)

    def write(self, result: CaseResult, book: CompiledRulebook) -> None:
        if self.fmt == "table":
            names = {r.rule.id: r.rule.name("zh") + " / " + r.rule.name("en") for r in book.rules}
            self.out.write(case_table(result, names, self.explain, self.lang) + "\n\n")
        elif self.csv is not None:
            for r in result.results:
                self.csv.writerow([result.case, result.platform, format_timestamp(result.at), r.rule,
                                   str(r.matched).lower(), r.action or "", format_timestamp(r.deadline) if r.deadline else "",
                                   str(r.due).lower(), r.version or "", r.error or "",
                                   " | ".join(r.reasons(self.explain))])
        else:
            self.out.write(result.to_json(self.explain) + "\n")


class Progress:
    """A counter on stderr for long batches, only when stderr is a terminal."""

    def __init__(self, stream: TextIO | None = None, every_seconds: float = 0.25):
        self.stream = stream or sys.stderr
        self.enabled = bool(getattr(self.stream, "isatty", lambda: False)())
        self.every = every_seconds
        self.last = time.monotonic()
        self.started = self.last
        self.shown = False

    def tick(self, summary: Summary, force: bool = False) -> None:
        if not self.enabled or (summary.read % 100 and not force):
            return
        now = time.monotonic()
        if now - self.last < self.every or now - self.started < 1.0:
            return
        self.last = now
        rate = summary.read / max(now - self.started, 1e-9)
        self.stream.write(f"\r… {summary.read:,} cases ({rate:,.0f}/s), {summary.rejected} rejected ")
        self.stream.flush()
        self.shown = True

    def close(self) -> None:
        if self.shown:
            self.stream.write("\r" + " " * 60 + "\r")
            self.stream.flush()


def evaluate_one(item: CaseInput, books: list[CompiledRulebook], at: datetime | None, lang: str,
                 report: Callable[[str], None]) -> tuple[list[tuple[CompiledRulebook, CaseResult]], bool] | str:
    """One case against every rulebook: (results, had field errors), or the reason it was rejected."""
    if item.error:
        report(f"{item.source}: error E401: {item.error}")
        return item.error
    out: list[tuple[CompiledRulebook, CaseResult]] = []
    field_errors = False
    for i, book in enumerate(books):
        parsed = book.parse(item.doc, fallback_id=item.source)
        if parsed.fatal:
            who = "" if parsed.id == item.source else f"case {parsed.id}: "
            report(f"{item.source}: error E401: {who}{parsed.fatal}")
            return f"{who}{parsed.fatal}"
        result = book.evaluate(parsed, at, lang)
        if i == 0:
            for problem in parsed.problems:
                hint = f" ({problem.hint})" if problem.hint else ""
                report(f"{item.source}: error E402: case {parsed.id}: field {problem.path}: {problem.detail}{hint}")
        field_errors = field_errors or bool(parsed.problems)
        out.append((book, result))
    return out, field_errors


@dataclass
class BatchOptions:
    at: datetime | None = None
    within: timedelta | None = None
    lang: str = "zh"


def process(item: CaseInput, books: list[CompiledRulebook], sink: Sink, summary: Summary, options: BatchOptions,
            report: Callable[[str], None]) -> None:
    """One case: evaluate, count, and write the results that pass the `within` filter."""
    summary.read += 1
    done = evaluate_one(item, books, options.at, options.lang, report)
    if isinstance(done, str):
        summary.reject(item.source, done)
        return
    results, field_errors = done
    summary.evaluated += 1
    summary.with_field_errors += field_errors
    summary.with_rule_errors += any(r.error for _, result in results for r in result.results) and not field_errors
    for book, result in results:
        for r in result.results:
            if r.matched:
                summary.matched[(result.platform, r.rule)] += 1
        if options.within is not None and not any(e.deadline <= result.at + options.within for e in result.timeline):
            continue
        summary.shown += 1
        sink.write(result, book)


def run_batch(items: Iterable[CaseInput], books: list[CompiledRulebook], sink: Sink, at: datetime | None = None,
              within: timedelta | None = None, lang: str = "zh", report: Callable[[str], None] | None = None,
              progress: Progress | None = None) -> Summary:
    """Evaluate every case, write each result to `sink`, and return the counts."""
    summary = Summary()
    options = BatchOptions(at, within, lang)
    report = report or (lambda line: print(line, file=sys.stderr))
    for item in items:
        process(item, books, sink, summary, options, report)
        if progress is not None:
            progress.tick(summary)
    if progress is not None:
        progress.close()
    return summary


# -- several processes ----------------------------------------------------------------------

_WORKER: dict[str, Any] = {}


def _init_worker(paths: list[str], fmt: str, explain: str, options: BatchOptions,
                 encoding: tuple[str, str] | None) -> None:
    import signal

    from . import load_rulebook

    signal.signal(signal.SIGINT, signal.SIG_IGN)   # Ctrl-C is the parent's to handle (it stops the pool)
    _WORKER.update(books=[load_rulebook(p) for p in paths], fmt=fmt, explain=explain, options=options,
                   encoding=encoding)


def _work(chunk: list[CaseInput | LineBlock]) -> tuple[str | bytes, Summary, list[str]]:
    """Evaluate a chunk; the output comes back as text, or as bytes already encoded for the
    parent's stdout (encoding hundreds of megabytes is then the workers' share, not the
    parent's)."""
    out = io.StringIO()
    sink = Sink(out, _WORKER["fmt"], _WORKER["explain"], _WORKER["options"].lang, header=False)
    summary, reports = Summary(), []
    for item in chunk:
        for case in item.cases() if isinstance(item, LineBlock) else (item,):
            process(case, _WORKER["books"], sink, summary, _WORKER["options"], reports.append)
    text = out.getvalue()
    encoding = _WORKER["encoding"]
    return (text.encode(*encoding) if encoding else text), summary, reports


CHUNK_BYTES = 4 << 20


def _chunks(items: Iterable[CaseInput | LineBlock], size: int) -> Iterable[list[CaseInput | LineBlock]]:
    """Items grouped into chunks of about `size` cases (a block counts its lines), and of
    at most about CHUNK_BYTES of raw lines, so long lines do not make huge chunks."""
    chunk: list[CaseInput | LineBlock] = []
    weight = volume = 0
    for item in items:
        chunk.append(item)
        if isinstance(item, LineBlock):
            weight += item.lines
            volume += len(item.data)
        else:
            weight += 1
        if weight >= size or volume >= CHUNK_BYTES:
            yield chunk
            chunk, weight, volume = [], 0, 0
    if chunk:
        yield chunk


def _binary_target(out: TextIO) -> tuple[Any, tuple[str, str]] | None:
    """The byte stream under `out` and how to encode for it, when writing encoded bytes
    there is the same as writing text: a codec without state (no BOM per chunk, as
    utf-8-sig or utf-16 would write) and no newline translation (Windows)."""
    binary = getattr(out, "buffer", None)
    encoding, errors = getattr(out, "encoding", None), getattr(out, "errors", None) or "strict"
    if binary is None or not encoding or os.linesep != "\n":
        return None
    try:
        if "a".encode(encoding, errors) * 2 != "aa".encode(encoding, errors):
            return None
    except LookupError:
        return None
    return binary, (encoding, errors)


def run_parallel(items: Iterable[CaseInput | LineBlock], book_paths: list[str], sink: Sink, jobs: int,
                 options: BatchOptions, report: Callable[[str], None], progress: Progress | None = None,
                 chunk_size: int = 2000) -> Summary:
    """Like run_batch with `jobs` worker processes; output keeps the input order and memory
    stays bounded (at most 2 × jobs chunks in flight). The parent only reads, cuts and
    writes: JSON Lines reach the workers as raw blocks (`LineBlock`), and their output comes
    back encoded when the sink writes to a binary stream underneath."""
    import multiprocessing
    from collections import deque

    summary = Summary()
    target = _binary_target(sink.out)
    binary, encoding = target if target is not None else (None, None)
    if binary is not None:
        sink.out.flush()   # what the text layer holds (a CSV header) goes first
    context = multiprocessing.get_context("spawn" if sys.platform == "win32" else "fork")
    with context.Pool(jobs, _init_worker, (book_paths, sink.fmt, sink.explain, options, encoding)) as pool:
        pending: deque[Any] = deque()
        chunks = iter(_chunks(items, chunk_size))
        while True:
            while len(pending) < 2 * jobs:
                chunk = next(chunks, None)
                if chunk is None:
                    break
                pending.append(pool.apply_async(_work, (chunk,)))
            if not pending:
                break
            output, part, reports = pending.popleft().get()
            (binary if binary is not None else sink.out).write(output)
            for line in reports:
                report(line)
            summary.merge(part)
            if progress is not None:
                progress.tick(summary, force=True)
    if binary is not None:
        binary.flush()
    if progress is not None:
        progress.close()
    return summary


__all__ = ["Summary", "Sink", "Progress", "run_batch", "evaluate_one", "io"]
