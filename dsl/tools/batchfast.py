"""The batch's fast lane: a clean case, decided without reasons, written as JSON text or CSV rows.

`rulebook eval --format json/jsonl/csv --no-explain` spends most of its time per case on what
the answer does not need: a view that converts every field one by one to find none bad,
result objects, and json.dumps of a nested dict. For a case that the generated validator
finds clean (every field a value of its kind, every key known: nothing to report), the lane
calls each rulebook's generated `decide_or_raise` and writes the case's line (or its CSV
rows, batchcsv.py) from cached fragments: a rule's object depends only on its decision, and most decisions repeat. Any
other case (a bad or unknown field, no `order`, a platform not given, a rule that fails)
takes the exact path of batch.py, so the output is the same bytes either way
(tests/tools/test_batch_fast.py holds the two paths to each other, in JSON and in CSV).
"""
from __future__ import annotations

import json
from collections import Counter
from datetime import datetime
from typing import Any

from dsl.cases.converters import converters_for
from dsl.diagnostics import Phrase
from dsl.engine.deadlinecheck import PLATFORM_DEADLINE, DeadlineCheck, carries_platform_deadline
from dsl.engine.python.runtime import CompiledRulebook
from dsl.engine.results import identity_json
from dsl.tools.batchcsv import CsvRows
from dsl.tools.summary import Summary
from dsl.cases.validator import validator_for
from dsl.lang.values import SHANGHAI, format_timestamp, to_beijing, to_json

_MAX_KEPT = 4096   # distinct combinations of decisions kept per rulebook (most batches have far fewer)
_text = json.encoder.encode_basestring   # what json.dumps(..., ensure_ascii=False) writes for a str


def books_for_platform(doc: Any, books: list[CompiledRulebook]) -> list[CompiledRulebook] | Phrase:
    """The rulebooks a case is evaluated against: those of the `platform` it names, else all;
    the reason it is rejected when no rulebook is of that platform."""
    platform = doc.get("platform") if isinstance(doc, dict) else None
    if not isinstance(platform, str) or not platform.strip():
        return books
    chosen = [book for book in books if book.platform == platform.strip()]
    if chosen:
        return chosen
    from dsl.tools.platforms import platform_problem   # only for a case no rulebook is for

    return platform_problem(platform.strip(), books)


class _Writer:
    """One rulebook's results of one case as the line `Sink.write` gives for explain "none"
    (CaseResult.to_dict without errors or warnings, json.dumps with ensure_ascii=False)."""

    def __init__(self, book: CompiledRulebook):
        self.book = book
        self.rule_ids = [rule.rule.id for rule in book.rules]
        # per rule: version name -> the names of that version's outputs
        self.versions = [{cv.version.name: [name for name, _ in cv.outputs] for cv in rule.versions}
                         for rule in book.rules]
        self.platform = book.platform
        self.label = book.model.label   # what the summary counts under: a shop overlay's own id
        self.head = identity_json(book.platform, book.overlay_id) + ', "at": '
        # per rule: decision -> (text, what to count)
        self.caches: list[dict[tuple[Any, ...], tuple[str, Any]]] = [{} for _ in book.rules]
        self.cache: dict[tuple[Any, ...], tuple[str, str | None]] = {}   # the same without the deadline
        # the decisions of all rules -> (the text after "at", what to count), when all are kept
        self.cases: dict[tuple[Any, ...], tuple[str, list[tuple[str, str]]]] = {}

    def line(self, case_json: str, at_json: str, decisions: tuple[tuple[Any, ...], ...],
             matched: Counter[tuple[str, str]], check: tuple[datetime, str] | None = None) -> str:
        """The case's line; each matched rule is counted in `matched`. A decision without
        deadline or outputs is looked up as it is (a tuple of a few values, most of which
        repeat from case to case). `check`: the case's platform deadline and the language of
        its `deadline_check` (only a line with a deadline has one, and such a line is never
        looked up whole)."""
        try:
            known_case = self.cases.get(decisions)
        except TypeError:   # an output that cannot be hashed (a list)
            known_case = None
        if known_case is not None:
            for key in known_case[1]:
                matched[key] += 1
            return '{"case": ' + case_json + self.head + at_json + known_case[0]
        parts, counted = [], []
        timeline: list[tuple[Any, ...]] = []
        caches = self.caches
        for i, d in enumerate(decisions):
            try:
                known = caches[i].get(d)
            except TypeError:   # an output that cannot be hashed (a list)
                known = None
            if known is None:
                known = self._text(i, d, timeline)
            parts.append(known[0] if check is None or d[2] is None or known[1] is None
                         else _checked(known[0], d[2], check))
            if known[1] is not None:
                counted.append(known[1])
                matched[known[1]] += 1
        tail = ', "results": [' + ", ".join(parts) + '], "timeline": [' + _timeline(timeline) + "]}\n"
        if len(self.cases) < _MAX_KEPT and all(d[2] is None and not d[5] for d in decisions):
            self.cases[decisions] = (tail, counted)   # no deadline, no outputs: the same text every time
        return '{"case": ' + case_json + self.head + at_json + tail

    def _text(self, i: int, d: tuple[Any, ...], timeline: list[tuple[Any, ...]]) -> tuple[str, tuple[str, str] | None]:
        """A rule's object not looked up: (its text, what to count when it matched). Kept when
        it has no deadline and no outputs, else made from the same object with its deadline
        cut out (kept per decision without the deadline)."""
        matched, action, deadline, due, version, outputs = d
        applies = version in self.versions[i]   # else: no version of the rule applies, not matched
        counted = (self.label, self.rule_ids[i]) if matched and applies else None
        if matched and applies and deadline is not None:
            timeline.append((deadline, self.rule_ids[i], action, due))
        if outputs:
            return self._dumps(i, d), counted
        if deadline is None:
            known = self.caches[i][d] = (self._dumps(i, d), counted)
            return known
        key = (i, matched, action, due, version)
        pieces = self.cache.get(key)
        if pieces is None:
            pieces = self.cache[key] = self._pieces(i, d)
        if pieces[1] is None:
            return pieces[0], counted
        return pieces[0] + '"' + format_timestamp(deadline) + '"' + pieces[1], counted

    def _pieces(self, i: int, d: tuple[Any, ...]) -> tuple[str, str | None]:
        """The rule's object as text, cut where its deadline goes (which differs per case):
        (before, after), or (all, None) when no deadline is shown."""
        if d[2] is None or d[4] not in self.versions[i]:
            return self._dumps(i, d), None
        marker = "\x00deadline\x00"
        before, _, after = self._dumps(i, d, marker).partition(_text(marker))
        return before, after

    def _dumps(self, i: int, d: tuple[Any, ...], deadline_text: str | None = None) -> str:
        """RuleResult.to_dict("none") of runtime's `_result`, as json.dumps writes it."""
        matched, action, deadline, due, version, outputs = d
        names = self.versions[i].get(version)
        if names is None:   # no version of the rule applies to the case
            obj: dict[str, Any] = {"rule": self.rule_ids[i], "matched": False, "action": None, "deadline": None,
                                   "due": False, "why": []}
            return json.dumps(obj, ensure_ascii=False)
        shown = deadline_text if deadline_text is not None else format_timestamp(deadline) if deadline else None
        obj = {"rule": self.rule_ids[i], "matched": matched, "action": action, "deadline": shown, "due": due, "why": []}
        if version is not None:
            obj["version"] = version
        out = dict(zip(names, outputs)) if outputs else {}
        if out:
            obj["outputs"] = {k: to_json(v) for k, v in out.items()}
        return json.dumps(obj, ensure_ascii=False)


def _checked(text: str, deadline: datetime, check: tuple[datetime, str]) -> str:
    """A matched rule's object with its `deadline_check` as its last key (RuleResult.to_dict)."""
    return text[:-1] + ', "deadline_check": ' + json.dumps(DeadlineCheck(check[0], deadline, check[1]).to_dict(),
                                                          ensure_ascii=False) + "}"


def _timeline(entries: list[tuple[Any, ...]]) -> str:
    """CaseResult.timeline as JSON: the matched rules with a deadline, soonest first."""
    if not entries:
        return ""
    entries.sort(key=lambda e: (e[0], e[1]))
    return ", ".join('{"deadline": "' + format_timestamp(deadline) + '", "rule": ' + _text(rule) + ', "action": '
                     + (_text(action) if action is not None else "null") + ', "due": '
                     + ('true, "state": "overdue"}' if due else 'false, "state": "pending"}')
                     for deadline, rule, action, due in entries)


class FastLane:
    """Decides and writes clean cases for a batch with fixed rulebooks and `at`."""

    def __init__(self, books: list[CompiledRulebook], at: datetime | None, csv_outputs: list[str] | None = None):
        """`csv_outputs`: CSV rows with these `outputs.*` columns instead of JSON lines."""
        vocabulary = books[0].vocabulary
        self.books = books
        self.clean = validator_for(vocabulary)
        self.now = converters_for(vocabulary)["now"] if "now" in vocabulary.fields else None
        # the platform's deadline of a clean case (deadlinecheck.py), converted when it has one
        self.theirs = converters_for(vocabulary).get(PLATFORM_DEADLINE)
        self.at = to_beijing(at) if at is not None else None
        self.at_json = '"' + format_timestamp(self.at) + '"' if self.at is not None else ""
        self.csv = csv_outputs is not None
        self.pairs: list[tuple[CompiledRulebook, Any]] = [
            (book, CsvRows(book, csv_outputs) if csv_outputs is not None else _Writer(book)) for book in books]
        self.last_now: tuple[Any, datetime, str] = (None, datetime.now(SHANGHAI), "")

    def run(self, doc: Any, source: str, summary: Summary, write: Any, lang: str = "zh") -> bool:
        """Decide and write one case, counting it in `summary`; False (nothing done) when the
        case is not for the fast lane. `lang`: that of a `deadline_check`'s difference."""
        if not self.clean(doc) or type(doc.get("order")) is not dict:   # no order: rejected (cases.open_case)
            return False
        pairs = self.pairs
        if doc.get("platform") is not None:
            books = books_for_platform(doc, self.books)
            if isinstance(books, Phrase):
                return False
            pairs = [pair for pair in pairs if pair[0] in books]
        moment, at_json = self._moment(doc)
        try:
            decided = [(writer, book.decide_or_raise(doc, moment)) for book, writer in pairs]
        except Exception:  # noqa: BLE001 - a rule that fails is reported by the exact path
            return False
        case_id = doc.get("id")
        case_id = case_id if case_id is not None else source
        summary.read += 1
        summary.evaluated += 1
        summary.shown += len(decided)
        matched = summary.matched
        check = (self.theirs(doc), lang) if self.theirs is not None and carries_platform_deadline(doc) else None
        if self.csv:
            case_cell, at_text = decided[0][0].case_cell(case_id), at_json[1:-1]
            write("".join(writer.rows(case_cell, at_text, decisions, matched, check) for writer, decisions in decided))
            return True
        case_json = _text(case_id)
        for writer, decisions in decided:
            write(writer.line(case_json, at_json, decisions, matched, check))
        return True

    def _moment(self, doc: dict[str, Any]) -> tuple[datetime, str]:
        """`--at`, else the case's `now` (converted once per distinct text), else the time now."""
        if self.at is not None:
            return self.at, self.at_json
        raw = doc.get("now")
        if raw is None or self.now is None:
            moment = datetime.now(SHANGHAI)
            return moment, '"' + format_timestamp(moment) + '"'
        last = self.last_now
        if raw != last[0]:
            moment = self.now(doc)
            last = self.last_now = (raw, moment, '"' + format_timestamp(moment) + '"')
        return last[1], last[2]


_LANES: dict[tuple[int, Any], FastLane] = {}


def fast_lane(books: list[CompiledRulebook], fmt: str, explain: str, within: Any, at: datetime | None,
              outputs: list[str] | None = None) -> FastLane | None:
    """The lane for a batch that writes JSON or CSV (with these `outputs.*` columns) without
    reasons and without a `--within` filter, over rulebooks of one vocabulary; None otherwise.
    Kept per list of rulebooks (a worker process is given its chunks one by one)."""
    if fmt == "table" or explain != "none" or within is not None or not books:
        return None
    vocabulary = books[0].vocabulary
    if any(book.vocabulary is not vocabulary and book.vocabulary.fields != vocabulary.fields for book in books):
        return None   # one validation must hold for every rulebook
    csv_outputs = (outputs or []) if fmt == "csv" else None
    key = (id(books), at, None if csv_outputs is None else tuple(csv_outputs))
    lane = _LANES.get(key)
    if lane is None or lane.books is not books:
        if len(_LANES) > 8:
            _LANES.clear()
        lane = _LANES[key] = FastLane(books, at, csv_outputs)
    return lane
