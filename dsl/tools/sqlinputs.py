"""`rulebook eval --engine duckdb` over Parquet, CSV and standard input, and its CSV output.

- Parquet: DuckDB reads the file through `cases/parquetfile.py`, the definition the Python
  engine reads Parquet with, so both see the same document per row. A row that is not
  clean comes back with its document, and the Python engine decides it from that text, as
  it does without --engine: the same messages, output and summary.
- Every other input (CSV, a JSON document or array, YAML, standard input): the Python
  reader reads it, with its own rules and messages (encodings, BOM, quoted cells over
  several lines, unknown columns, bad cells at file:line:column). Each case it gives is
  written to a temporary JSON Lines file and kept, as read, in a spool beside it; DuckDB
  decides the JSON Lines, and every case it does not write (not clean, or anything out of
  step) is handed back to the Python engine as the reader gave it. Memory stays flat.
- `--format csv`: a line DuckDB wrote (the JSON of `--format jsonl --no-explain`) becomes
  the rows `Sink` writes for the same case.
"""
from __future__ import annotations

import io
import json
import pickle
import tempfile
from pathlib import Path
from typing import Any, Iterator

from dsl.cases.inputs import CaseInput
from dsl.cases.parquetfile import open_parquet, parquet_case
from dsl.engine.sql.duck import connect, to_json_text
from dsl.tools.batch import CSV_COLUMNS, Decided, check_cells
from dsl.tools.batchcsv import CsvQuoter
from dsl.tools.decidedrun import DecidedRun
from dsl.tools.sqlruns import RowsFile, decided_items, spans

ROWS_AT_ONCE = 1000   # cases whose rows are read and cut at a time


def parquet_items(name: str, evaluator: Any) -> Iterator[Any]:
    """The cases of a Parquet file: `Decided` where DuckDB wrote the case, else the case
    (from the document DuckDB read) for the Python engine; first the notices about the
    file's columns, as the Python engine's reader gives them."""
    import duckdb

    from dsl.tools.sqlbatch import copy_rows

    with tempfile.TemporaryDirectory(prefix="rulebook-duckdb-") as tmp:
        con = connect()
        opened = open_parquet(con, name, evaluator.book.vocabulary)
        if isinstance(opened, CaseInput):
            yield opened
            return
        relation, notices = opened
        con.execute(f"CREATE TEMP VIEW cases AS SELECT _row, doc FROM ({relation})")
        rows_file = Path(tmp) / "rows.txt"
        try:
            copy_rows(con, evaluator, rows_file, Path(tmp), ["_matched", "_row", "coalesce(_line, '')",
                                                             "CASE WHEN _line IS NULL THEN doc ELSE '' END"])
        except duckdb.Error as exc:
            from dsl.cases.unreadable import unreadable

            yield CaseInput(name, error=unreadable(name, exc))
            return
        yield from notices
        with open(rows_file, "rb") as written:
            yield from _parquet_rows(name, RowsFile(written, 4))


def _parquet_rows(name: str, rows: RowsFile) -> Iterator[Any]:
    """Per row: runs of cases DuckDB wrote (`DecidedRun`), the others' documents as cases."""
    while True:
        masks, numbers, texts, docs = rows.take(ROWS_AT_ONCE)
        if not texts:
            return
        for i, j, decided in spans(texts, len(texts)):
            if decided:
                yield from decided_items(masks[i:j], texts[i:j], True)
            else:
                yield from (parquet_case(name, int(numbers[k]), docs[k].decode("utf-8")) for k in range(i, j))


def spooled_items(items: Iterator[Any], evaluator: Any) -> Iterator[Any]:
    """The cases the Python reader gives (`items`), decided by DuckDB where it can (see the
    module docstring); in their order, notices and unreadable cases in their places."""
    import duckdb

    from dsl.tools.sqlbatch import copy_jsonl

    with tempfile.TemporaryDirectory(prefix="rulebook-duckdb-") as tmp:
        docs, spool = Path(tmp) / "cases.jsonl", Path(tmp) / "spool.pickle"
        with open(docs, "wb") as doc_out, open(spool, "wb") as spool_out:
            for item in items:
                length = -1
                text = _json_line(item) if isinstance(item, CaseInput) and item.error is None else None
                if text is not None:
                    doc_out.write(text + b"\n")
                    length = len(text)
                pickle.dump((item, length), spool_out, protocol=pickle.HIGHEST_PROTOCOL)
        rows_file = Path(tmp) / "rows.txt"
        try:
            copy_jsonl(docs, evaluator, rows_file, Path(tmp))
            written = open(rows_file, "rb")   # noqa: SIM115 - closed below
        except duckdb.Error:
            written = io.BytesIO()   # DuckDB could not: the Python engine decides every case
        with written, open(spool, "rb") as spooled:
            yield from _merge(spooled, written)


def _json_line(item: CaseInput) -> bytes | None:
    """The case as one line of JSON for DuckDB, or None when it has no exact one (a value
    JSON cannot hold, text that is not Unicode): then the Python engine decides it."""
    try:
        return to_json_text(item.doc).encode("utf-8")
    except (TypeError, ValueError):   # UnicodeEncodeError is a ValueError
        return None


def _merge(spooled: Any, written: Any) -> Iterator[Any]:
    """The spooled items, each case replaced by DuckDB's line when it wrote one (consecutive
    ones as one `DecidedRun`); from the first row out of step with the cases (its length is
    checked) on, the Python engine decides the rest."""
    rows, run = RowsFile(written, 3), _Run()
    in_step = True
    while True:
        try:
            item, length = pickle.load(spooled)
        except EOFError:
            break
        masks, sizes, texts = rows.take(1) if in_step and length >= 0 else ([], [], [])
        if length >= 0 and not (texts and int(sizes[0]) == length):
            in_step = False   # no row for it, or not its row
        elif texts and texts[0]:
            yield from run.add(masks[0], texts[0])
            continue
        yield from run.flush()
        yield item
    yield from run.flush()


class _Run:
    """Consecutive cases DuckDB wrote, given on as one `DecidedRun` (at most ROWS_AT_ONCE)."""

    def __init__(self) -> None:
        self.masks: list[bytes] = []
        self.texts: list[bytes] = []

    def add(self, mask: bytes, text: bytes) -> Iterator[DecidedRun]:
        self.masks.append(mask)
        self.texts.append(text)
        if len(self.texts) >= ROWS_AT_ONCE:
            yield from self.flush()

    def flush(self) -> Iterator[Any]:
        if self.texts:
            yield from decided_items(self.masks, self.texts, True)
            self.masks, self.texts = [], []


class CsvLines:
    """`--format csv --no-explain` rows of a case DuckDB wrote as JSON Lines: what `Sink`
    writes for it (action, deadline and outputs only for rules that matched). A line's part
    from `"results"` on depends only on the case's decisions, which repeat: its rows' cells
    after the case's own three are made once per text and kept."""

    def __init__(self, outputs: list[str]):
        self.outputs = outputs
        self.quote = CsvQuoter()
        self.tails: dict[str, list[str]] = {}

    def __call__(self, item: Decided | DecidedRun) -> Decided | DecidedRun:
        lines = item.text.decode("utf-8") if isinstance(item.text, bytes) else item.text
        out = []
        for line in lines.split("\n")[:-1]:   # not splitlines: a JSON string may hold U+2028 as it is
            # the key "results" outside a string: inside one, its quotes would be escaped
            cut = line.index(', "results": [')
            head, tail = json.loads(line[:cut] + "}"), line[cut:]
            rows = self.tails.get(tail)
            if rows is None:
                rows = self._rows(json.loads("{" + tail[2:]))
                if len(self.tails) < _MAX_TAILS:
                    self.tails[tail] = rows
            start = self.quote([head["case"], head["platform"], head["at"]]) + ","
            out.extend(start + row for row in rows)
        text = "".join(out)
        return Decided(text, item.matched) if isinstance(item, Decided) else DecidedRun(text, item.cases, item.matched)

    def _rows(self, obj: dict[str, Any]) -> list[str]:
        """The CSV text of each rule's cells from `rule` on, with the line end."""
        return [self.quote(self._cells(r)) + "\n" for r in obj["results"]]

    def _cells(self, r: dict[str, Any]) -> list[str]:
        matched = bool(r["matched"]) and r.get("error") is None
        outputs = r.get("outputs") or {}
        cells = [_cell(outputs.get(name)) if matched else "" for name in self.outputs]
        row = [r["rule"], str(r["matched"]).lower(),
               (r["action"] or "") if matched else "", (r["deadline"] or "") if matched else "",
               str(r["due"]).lower(), r.get("version") or "", r.get("error") or "", ""]
        assert len(row) == len(CSV_COLUMNS) - 3
        return row + cells + check_cells(r.get("deadline_check"))


_MAX_TAILS = 4096   # distinct result texts kept (most batches have far fewer)


def _cell(value: Any) -> str:
    """batch._cell of the value the JSON holds (already what `to_json` gave)."""
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
