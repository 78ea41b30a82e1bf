"""`rulebook eval --engine spark`: cases decided by Spark SQL, written as the Python engine writes them.

The Python reader reads the case files (JSON Lines, JSON, CSV, YAML, standard input: what
`eval` reads), so every case is the same document for both engines, with the same source
name and the same rejections. A clean case (every field a value of its kind, every key
known: the fast lane's generated validator) is sent to Spark, in chunks of CHUNK cases (the
driver holds the output anyway; a cluster or a Spark Connect server needs no shared file
system); the query of `engine/sql/query.py` in the spark dialect decides every rule, and
where Spark agrees the case is clean (no rule hangs on a field, a case of this platform)
the fast lane's writer (batchfast._Writer) writes it from Spark's decisions: the bytes
`--engine python --no-explain` writes. Any other case goes to the Python engine as it was
read: the same output, messages and summary. Output keeps the input order.
"""
from __future__ import annotations

import json
from collections import Counter
from datetime import datetime
from decimal import Decimal
from typing import Any, Iterable, Iterator

from dsl.cases.inputs import CaseInput
from dsl.cases.validator import validator_for
from dsl.cases.converters import converters_for
from dsl.engine.deadlinecheck import PLATFORM_DEADLINE, carries_platform_deadline
from dsl.engine.sql.duck import SqlCase
from dsl.engine.sql.sparkrun import SparkRulebook
from dsl.lang.values import format_timestamp, to_beijing
from dsl.tools.batch import Decided
from dsl.tools.batchfast import _Writer

#: cases per Spark job: each job costs seconds of analysis and planning whatever its size
CHUNK = 20_000
_text = json.encoder.encode_basestring   # json.dumps(str, ensure_ascii=False)


class NotJson(TypeError):
    """A value JSON has no exact text for (a float, a date a YAML file gave): the Python engine's."""


def exact_json(value: Any) -> str:
    """A document as JSON text with every number exactly as read (a Decimal digit for digit:
    json.dumps would write it through a double). Raises NotJson for any other type."""
    if isinstance(value, str):
        return _text(value)
    if value is None:
        return "null"
    if value is True or value is False:
        return "true" if value else "false"
    if type(value) is int:
        return str(value)
    if isinstance(value, Decimal) and value.is_finite():
        return str(value)
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            raise NotJson(value)
        return "{" + ", ".join(_text(k) + ": " + exact_json(v) for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(exact_json(v) for v in value) + "]"
    raise NotJson(value)


class SparkEval:
    """One rulebook's eval on Spark: its query (every field checked, as eval reports every
    bad field) and the writer of a clean case's line."""

    def __init__(self, book: Any, at: datetime | None, clock: datetime, spark: Any, lang: str = "zh",
                 report: Any = None):
        self.book, self.spark, self.lang, self.report = book, spark, lang, report
        # which cases are clean is the generated validator's (the fast lane's: every field of
        # its kind, every key known), so Spark reads only the fields the rules read
        self.clean = validator_for(book.vocabulary)
        self.sql = SparkRulebook(book, clock=clock, at=at)
        self.diagnostics = self.sql.diagnostics
        self.writer = _Writer(book)
        self.theirs = converters_for(book.vocabulary).get(PLATFORM_DEADLINE)   # a clean case's platform deadline
        self.at_json = '"' + format_timestamp(to_beijing(at)) + '"' if at is not None else None

    def run(self, chunk: list[Any]) -> Iterator[Any]:
        """The items of `chunk` in order: `Decided` where Spark decided a clean case, else the item."""
        sent: dict[int, int] = {}      # position in the chunk -> row sent to Spark
        docs: list[tuple[str, None]] = []
        for k, item in enumerate(chunk):
            text = _sendable(item, self.clean)
            if text is not None:
                sent[k] = len(docs)
                docs.append((text, None))
        cases = self._decide(docs)
        if cases is None:
            yield from chunk
            return
        for k, item in enumerate(chunk):
            row = sent.get(k)
            line = self._line(item, cases[row]) if row is not None else None
            yield line if line is not None else item

    def _decide(self, docs: list[tuple[str, None]]) -> list[SqlCase] | None:
        """Spark's decisions, or None when its job fails (a lost cluster, memory): then the
        Python engine decides those cases, and that is said, once per chunk."""
        if not docs:
            return []
        try:
            return self.sql.decide_many(docs, self.spark)
        except Exception as exc:  # noqa: BLE001 - pyspark's errors have no common base; the cases are still decided
            from dsl.diagnostics import Phrase

            detail = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            if self.report is not None:
                said = Phrase("spark.job_failed", n=len(docs), detail=detail).label(self.lang)
                self.report("rulebook: warning: " + said)
            return None

    def _line(self, item: CaseInput, case: SqlCase) -> Decided | None:
        """The case's output when Spark decided it cleanly, else None (the Python engine's)."""
        if case.fatal is not None or case.dirty or case.at is None or any(d[6] is not None for d in case.decisions):
            return None
        case_id = item.doc.get("id")
        case_json = _text(case_id if case_id is not None else item.source)
        at_json = self.at_json or '"' + format_timestamp(case.at) + '"'
        decisions = tuple(d[:6] for d in case.decisions)
        versions = self.writer.versions
        matched = sum(1 << i for i, d in enumerate(decisions) if d[0] and d[4] in versions[i])
        theirs = self.theirs(item.doc) if self.theirs is not None and carries_platform_deadline(item.doc) else None
        check = (theirs, self.lang) if theirs is not None else None
        return Decided(self.writer.line(case_json, at_json, decisions, Counter(), check), matched)


def _sendable(item: Any, clean: Any) -> str | None:
    """The case's JSON text when Spark may decide it: a clean case (`clean(doc)`, with an
    `order`) whose id is text or absent, every value of a JSON type. Else None: nothing to
    send a case to Spark for whose fields the Python engine has to report anyway."""
    if not isinstance(item, CaseInput) or item.error is not None or not clean(item.doc) \
            or type(item.doc.get("order")) is not dict:
        return None
    case_id = item.doc.get("id")
    if case_id is not None and not isinstance(case_id, str):
        return None            # a number or a flag as id: reported by the Python engine
    try:
        return exact_json(item.doc)
    except (NotJson, RecursionError):
        return None


def spark_items(items: Iterable[Any], book: Any, at: datetime | None, clock: datetime, lang: str, report: Any,
                spark: Any, chunk: int = CHUNK) -> Iterator[Any]:
    """Every item of `items` (cases and file notices, in order), a clean case as `Decided`
    by Spark. A rulebook without an exact SQL form is said once (E601) and the Python
    engine does everything."""
    evaluator = SparkEval(book, at, clock, spark, lang, report)
    if evaluator.diagnostics:
        from dsl.tools.sqlbatch import say_python_fallback

        say_python_fallback(evaluator.diagnostics, lang, report)
        yield from items
        return
    pending: list[Any] = []
    count = 0
    for item in items:
        pending.append(item)
        count += isinstance(item, CaseInput)
        if count >= chunk:
            yield from evaluator.run(pending)
            pending, count = [], 0
    yield from evaluator.run(pending)
