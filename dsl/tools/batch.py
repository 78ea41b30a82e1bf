"""Evaluate a stream of cases against rulebooks in constant memory, counting as it goes.

Every case read is either evaluated or rejected (so the counts always add up); a bad
line never stops the batch. Output goes to a sink one case at a time, each case in one
write, so an interrupted batch ends at a case boundary.
"""
from __future__ import annotations

import csv
import io
import json
import re
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Callable, Iterable, TextIO

from dsl.tools.batchcsv import CHECK_COLUMNS, CSV_COLUMNS, cell as _cell, check_cells
from dsl.tools.batchfast import FastLane, books_for_platform, fast_lane
from dsl.tools.decidedrun import DecidedRun, binary_target as _binary_target, take_run
from dsl.cases.inputs import CaseInput, FileNotice
from dsl.cases.readers import LineBlock
from dsl.diagnostics import Diagnostic, Phrase, render_line
from dsl.tools.report import case_table
from dsl.engine.results import CaseResult, RuleResult
from dsl.engine.python.runtime import CompiledRulebook
from dsl.tools.summary import Progress, Reporter, Summary
from dsl.limits import MAX_KEPT_REJECTIONS
from dsl.lang.values import format_timestamp

Report = Callable[..., None]   # report(line, key=None): one line for stderr; a keyed line is shown once


@dataclass(frozen=True)
class Decided:
    """A case another engine (the SQL one, sqlbatch.py) decided and wrote: its output line,
    and which rules matched (bit i: rule i of the one rulebook)."""

    text: str
    matched: int


def output_names(books: list[CompiledRulebook]) -> list[str]:
    """Every output any rule of these rulebooks can give (`compensation`), sorted: the CSV
    gets a column `outputs.NAME` for each."""
    names = {name for book in books for rule in book.model.rules for v in rule.versions for name, _ in v.outputs}
    return sorted(names)


class Sink:
    """Writes results in one format; `table` for people, `json`/`jsonl` and `csv` for programs.

    In CSV, `action`, `deadline` and the `outputs.*` columns are filled only for rules that
    matched (a filter on `action` then never picks a rule that did not apply); a BOM first,
    when asked, makes Excel read the file as UTF-8."""

    def __init__(self, out: TextIO, fmt: str, explain: str = "failing", lang: str = "zh", header: bool = True,
                 outputs: list[str] | None = None, bom: bool = False):
        self.out, self.fmt, self.explain, self.lang = out, fmt, explain, lang
        self.outputs = outputs or []
        self.lane: FastLane | None = None   # the fast lane for the rulebooks and options of `lane_for`
        self.lane_for: tuple[Any, Any] = (None, None)
        self.buffer = io.StringIO()
        self.csv = csv.writer(self.buffer, lineterminator="\n") if fmt == "csv" else None
        if self.csv is not None and header:
            self.csv.writerow(CSV_COLUMNS + [f"outputs.{name}" for name in self.outputs] + CHECK_COLUMNS)
            self.out.write(("\ufeff" if bom else "") + self._take())

    def _take(self) -> str:
        text = self.buffer.getvalue()
        self.buffer.seek(0)
        self.buffer.truncate()
        return text

    def write(self, result: CaseResult, book: CompiledRulebook, rules: set[str] | None = None) -> None:
        """One case's results (only the `rules` given, when given), in one write."""
        if self.fmt == "table":
            names = {r.rule.id: r.rule.name("zh") + " / " + r.rule.name("en") for r in book.rules}
            self.out.write(case_table(result, names, self.explain, self.lang) + "\n\n")
        elif self.csv is not None:
            for r in result.results:
                if rules is None or r.rule in rules:
                    self.csv.writerow(self._row(result, r))
            self.out.write(self._take())
        else:
            obj = result.to_dict(self.explain)
            if rules is not None:
                obj["results"] = [r for r in obj["results"] if r["rule"] in rules]
                obj["timeline"] = [e for e in obj["timeline"] if e["rule"] in rules]
            self.out.write(_dumps(obj) + "\n")

    def _row(self, result: CaseResult, r: RuleResult) -> list[str]:
        matched = r.matched and not r.error
        outputs = [_cell(r.outputs.get(name)) if matched else "" for name in self.outputs]
        return [result.case, result.platform, result.at_text or "", r.rule, str(r.matched).lower(),
                (r.action or "") if matched else "", format_timestamp(r.deadline) if r.deadline and matched else "",
                str(r.due).lower(), r.version or "", r.error or "", " | ".join(r.reasons(self.explain))] + outputs \
            + check_cells(r.deadline_check.to_dict() if r.deadline_check else None)


def _dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False)


_SOURCE_FILE = re.compile(r"(?::[0-9]+(?::[0-9]+)?|\[[0-9]+\])$")


def source_file(source: str) -> str:
    """`cases.jsonl:3` -> `cases.jsonl` (a case's file, for what is said once per file)."""
    return _SOURCE_FILE.sub("", source)


def _said(source: str, code: str, lang: str, hint: Any = None, severity: str = "error", **args: Any) -> str:
    """The one line a batch prints about a case or a file: a Diagnostic, rendered in one place."""
    return render_line(Diagnostic(code, None, source, args, ("reason", {"reason": hint}) if hint else None,
                                  severity=severity), lang)


def evaluate_one(item: CaseInput, books: list[CompiledRulebook], at: datetime | None, lang: str,
                 report: Report) -> tuple[list[tuple[CompiledRulebook, CaseResult]], bool, list[str]] | Phrase:
    """One case against every rulebook it belongs to: (results, had field errors, unknown
    fields), or the reason it was rejected. A case that names its `platform` is evaluated
    only against that platform's rulebooks."""
    if item.error:
        report(_said(item.source, "E401", lang, detail=item.error))
        return item.error
    books = books_for_platform(item.doc, books)
    if isinstance(books, Phrase):
        report(_said(item.source, "E401", lang, detail=books))
        return books
    out: list[tuple[CompiledRulebook, CaseResult]] = []
    field_errors = False
    unknown: list[str] = []
    for i, book in enumerate(books):
        parsed = book.parse(item.doc, fallback_id=item.source)
        if parsed.fatal:
            reason = parsed.fatal if parsed.id == item.source else Phrase("case.case_problem", case=parsed.id, detail=parsed.fatal)
            report(_said(item.source, "E401", lang, detail=reason))
            return reason
        result = book.evaluate(parsed, at, lang)
        if i == 0:
            _report_fields(item, parsed, lang, report)
            unknown = parsed.unknown
        field_errors = field_errors or bool(parsed.problems)
        out.append((book, result))
    return out, field_errors, unknown


def _report_fields(item: CaseInput, parsed: Any, lang: str, report: Report) -> None:
    for problem in parsed.problems:
        report(_said(item.source, "E402", lang, problem.hint, case=parsed.id, path=problem.path, detail=problem.detail))
    report_unknown(item.source, parsed.id, parsed.unknown, parsed.vocabulary, lang, report)


def report_unknown(source: str, case: str, paths: list[str], vocabulary: Any, lang: str, report: Report) -> None:
    """Warning E405 for each unknown field of a case, with a did-you-mean: said once per file
    and path (a typo in an export repeats on every line), by eval, diff and backtest alike."""
    for path in paths:
        from dsl.text.suggest import did_you_mean   # only when there is something to suggest for

        meant = did_you_mean(path, vocabulary.paths()) if vocabulary else None
        hint = Phrase("case.hint_did_you_mean", suggestion=meant) if meant else None
        line = _said(source, "E405", lang, hint, "warning", case=case, path=path)
        report(line + " " + Phrase("case.once_per_file").label(lang), key=(source_file(source), path))


def report_notice(notice: FileNotice, lang: str, report: Report) -> None:
    """A problem of a whole file (a CSV column that names no field), said once. It is keyed
    like the per-case warning about the same field, so the cases do not repeat it (they
    still count it, as cases)."""
    key = (source_file(notice.source), notice.path) if notice.path else None
    report(_said(notice.source, notice.code, lang, notice.hint, notice.severity, detail=notice.problem), key=key)


@dataclass
class BatchOptions:
    at: datetime | None = None
    within: timedelta | None = None
    lang: str = "zh"


def process(item: CaseInput | FileNotice, books: list[CompiledRulebook], sink: Sink, summary: Summary,
            options: BatchOptions, report: Report) -> None:
    """One case: evaluate, count, and write the results that pass the `within` filter."""
    if isinstance(item, FileNotice):
        report_notice(item, options.lang, report)
        summary.file_warnings += item.severity == "warning" and item.path is None
        if item.severity == "warning" and item.path is not None:   # counted with its cases, and said even with none
            summary.unknown_fields[item.path] += 0
        return
    if isinstance(item, Decided):   # decided and written by an SQL engine (sqlbatch.py): a run of one
        item = DecidedRun(item.text, 1, tuple(item.matched >> i & 1 for i in range(len(books[0].rule_ids))))
    if isinstance(item, DecidedRun):   # many such cases at once (decidedrun.py)
        take_run(item, books[0], summary, sink.out)
        return
    if sink.lane_for[0] is not books or sink.lane_for[1] is not options:
        sink.lane, sink.lane_for = fast_lane(books, sink.fmt, sink.explain, options.within, options.at,
                                               sink.outputs), (books, options)
    lane = sink.lane
    if lane is not None and item.error is None and lane.run(item.doc, item.source, summary, sink.out.write, sink.lang):
        return   # a clean case, decided and written (batchfast.py); anything else is done here
    summary.read += 1
    done = evaluate_one(item, books, options.at, options.lang, report)
    if isinstance(done, Phrase):
        summary.reject(item.source, done)
        return
    results, field_errors, unknown = done
    summary.evaluated += 1
    summary.with_field_errors += field_errors
    summary.with_rule_errors += any(r.error for _, result in results for r in result.results) and not field_errors
    for path in unknown:
        summary.unknown_fields[path] += 1
    for book, result in results:
        for r in result.results:
            if r.matched:
                summary.matched[(book.model.label, r.rule)] += 1   # a shop overlay's own id, not its platform
        rules = None
        if options.within is not None:
            limit = result.at + options.within if result.at is not None else None   # no moment: nothing is due
            rules = {e.rule for e in result.timeline if limit is not None and e.deadline <= limit}
            if not rules:
                continue
        summary.shown += 1
        sink.write(result, book, rules if sink.fmt != "table" else None)


def _reporter(report: Callable[[str], None] | None) -> Reporter:
    """A plain `report(line)` callable (or None: stderr) made into a Reporter."""
    if isinstance(report, Reporter):
        return report
    return Reporter(report or (lambda line: print(line, file=sys.stderr)))


class Interrupt:
    """Ctrl-C during a batch: noted, and acted on between two cases (never inside one)."""

    def __init__(self) -> None:
        self.requested = False

    def __enter__(self) -> Interrupt:
        import signal
        import threading

        self.previous = None
        if threading.current_thread() is threading.main_thread():
            self.previous = signal.signal(signal.SIGINT, self._note)
        return self

    def _note(self, signum: int, frame: Any) -> None:
        self.requested = True

    def __exit__(self, *exc: Any) -> None:
        import signal

        if self.previous is not None:
            signal.signal(signal.SIGINT, self.previous)


def run_batch(items: Iterable[CaseInput | FileNotice], books: list[CompiledRulebook], sink: Sink,
              at: datetime | None = None, within: timedelta | None = None, lang: str = "zh",
              report: Report | None = None, progress: Progress | None = None,
              interrupt: Interrupt | None = None) -> Summary:
    """Evaluate every case, write each result to `sink`, and return the counts."""
    summary = Summary()
    options = BatchOptions(at, within, lang)
    report = _reporter(report)
    for item in items:
        process(item, books, sink, summary, options, report)
        if progress is not None:   # a run moves the count by many: its own tick, not only at every 100th case
            progress.tick(summary, force=isinstance(item, DecidedRun))
        if interrupt is not None and interrupt.requested:
            summary.interrupted = True
            break
    if progress is not None:
        progress.close()
    return summary


# -- several processes ----------------------------------------------------------------------

_WORKER: dict[str, Any] = {}


def _init_worker(*setup: Any) -> None:
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)   # Ctrl-C is the parent's to handle (it stops the pool)
    _WORKER.update(_worker_state(setup, _INHERITED.pop("books", None)))


def _worker_state(setup: tuple[Any, ...], books: list[CompiledRulebook] | None = None) -> dict[str, Any]:
    """What a process needs to evaluate chunks (a worker's, or the parent's own share): the
    compiled rulebooks, loaded from their paths unless given, and the output options."""
    paths, fmt, explain, options, encoding, outputs = setup
    if books is None:
        from dsl.engine.python.loading import load_rulebook

        books = [load_rulebook(p) for p in paths]
    return dict(books=books, fmt=fmt, explain=explain, options=options, encoding=encoding, outputs=outputs)


# The parent's compiled rulebooks, handed to forked workers (they start with a copy of the
# parent's memory): a worker then begins at once instead of loading them again (~0.1 s each,
# the whole time with the parent idle). Spawned workers load them from their paths.
_INHERITED: dict[str, Any] = {}


def merge_chunk(summary: Summary, part: Summary, reports: list[tuple[str, Any]], report: Any,
                progress: Progress | None, interrupt: Any) -> bool:
    """A chunk's counts and messages, once its output is written (in input order); True when
    Ctrl-C was pressed: the output ends there, at a case boundary."""
    for line, key in reports:
        report(line, key)
    summary.merge(part)
    if progress is not None:
        progress.tick(summary, force=True)
    if interrupt is not None and interrupt.requested:
        summary.interrupted = True
        return True
    return False


def _work(chunk: list[CaseInput | LineBlock | FileNotice],
          state: dict[str, Any] | None = None) -> tuple[str | bytes, Summary, list[tuple[str, Any]]]:
    """Evaluate a chunk; the output comes back as text, or as bytes already encoded for the
    parent's stdout (encoding hundreds of megabytes is then the workers' share, not the
    parent's). `state`: the worker's (_WORKER) unless the parent works a chunk itself."""
    state = _WORKER if state is None else state
    out = io.StringIO()
    sink = Sink(out, state["fmt"], state["explain"], state["options"].lang, header=False,
                outputs=state["outputs"])
    summary, reports = Summary(), []
    report = lambda line, key=None: reports.append((line, key))  # noqa: E731 - said by the parent, in order
    for item in chunk:
        for case in item.cases() if isinstance(item, LineBlock) else (item,):
            process(case, state["books"], sink, summary, state["options"], report)
    text = out.getvalue()
    encoding = state["encoding"]
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


def run_parallel(items: Iterable[CaseInput | LineBlock | FileNotice], book_paths: list[str], sink: Sink, jobs: int,
                 options: BatchOptions, report: Report, progress: Progress | None = None,
                 chunk_size: int = 2000, interrupt: Interrupt | None = None,
                 books: list[CompiledRulebook] | None = None) -> Summary:
    """Like run_batch in `jobs` processes (the parent and jobs - 1 workers); output keeps the
    input order and memory stays bounded (at most 2 × jobs chunks in flight). JSON Lines reach
    the workers as raw blocks (`LineBlock`), and their output comes back encoded when the sink
    writes to a binary stream underneath."""
    import multiprocessing

    summary = Summary()
    report = _reporter(report)
    target = _binary_target(sink.out)
    binary, encoding = target if target is not None else (None, None)
    if binary is not None:
        sink.out.flush()   # what the text layer holds (a CSV header) goes first
    context = multiprocessing.get_context("spawn" if sys.platform == "win32" else "fork")
    if books is not None and context.get_start_method() == "fork":
        _INHERITED["books"] = books
    try:
        setup = (book_paths, sink.fmt, sink.explain, options, encoding, sink.outputs)
        # The parent is one of the `jobs`: it evaluates every jobs-th chunk itself, between
        # reading and writing, so `--jobs 2` is two busy processes on two cores, not three,
        # and that share of the output never crosses a pipe.
        own = _worker_state(setup, books) if jobs > 1 else None
        if own is not None:
            from dsl.tools.batchpool import forkable, run_forked

            if forkable(context, binary):
                fast_lane(own["books"], sink.fmt, sink.explain, options.within, options.at, sink.outputs)   # compiled once, before the fork
                return run_forked(context, items, jobs, own, binary, summary, report, progress, interrupt)
        return _run_pool(context, items, sink, jobs, setup, own, report, progress, chunk_size, interrupt,
                         summary, binary)
    finally:
        _INHERITED.clear()   # a later batch in this process loads its own rulebooks


def _run_pool(context: Any, items: Iterable[Any], sink: Sink, jobs: int, setup: tuple[Any, ...],
              own: dict[str, Any] | None, report: Any,
              progress: Progress | None, chunk_size: int, interrupt: Interrupt | None, summary: Summary,
              binary: Any) -> Summary:
    from collections import deque

    with context.Pool(max(jobs - 1, 1), _init_worker, setup) as pool:
        pending: deque[Any] = deque()
        chunks = iter(_chunks(items, chunk_size))
        submitted = 0
        while True:
            while len(pending) < 2 * jobs:
                chunk = next(chunks, None)
                if chunk is None:
                    break
                submitted += 1
                if own is not None and submitted % jobs == 0:
                    pending.append(chunk)
                else:
                    pending.append(pool.apply_async(_work, (chunk,)))
            if not pending:
                break
            head = pending.popleft()
            output, part, reports = _work(head, own) if isinstance(head, list) else head.get()
            (binary if binary is not None else sink.out).write(output)
            if merge_chunk(summary, part, reports, report, progress, interrupt):
                break
    if binary is not None:
        binary.flush()
    if progress is not None:
        progress.close()
    return summary


__all__ = ["Summary", "Sink", "Progress", "Reporter", "Interrupt", "run_batch", "run_parallel", "evaluate_one",
           "MAX_KEPT_REJECTIONS"]
