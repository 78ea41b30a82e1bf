"""`rulebook eval --engine duckdb --output FILE.parquet`: DuckDB writes one row per case and rule.

JSON Lines and Parquet files are read by DuckDB itself (Parquet through cases/parquetfile.py,
as every engine reads it); any other input (CSV, JSON, YAML, standard input) by the Python
reader, whose cases are spooled to a temporary JSON Lines file for DuckDB. What the readers
say about a file (a column that names no field, a row that is not a case) is reported, and
a case that could not be read is counted, never dropped without a word.
"""
from __future__ import annotations

import tempfile
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

from sqlglot import exp

from dsl.cases.inputs import CaseInput
from dsl.cases.parquetfile import PARQUET_SUFFIXES, open_parquet
from dsl.engine.sql.dialect import dialect
from dsl.engine.sql.duck import connect, lines_of, to_json_text
from dsl.engine.sql.query import QueryBuilder


def _lines(path: str) -> str:
    """Every line of a JSON Lines file as `doc` (blank ones are left out by the caller)."""
    return f"SELECT line AS doc FROM {lines_of(Path(path))}"


def _source(con: Any, name: str, book: Any, tmp: Path, reading: dict[str, Any], said: Any,
            adapter: Any = None) -> tuple[str | None, int]:
    """The relation of one input's documents and how many of its cases could not be read
    (said through `said(item)`, with the notices about the file). With an `adapter`, the
    file holds raw API payloads: the mapping's cases are spooled."""
    from dsl.cases.readers import read_cases
    from dsl.cases.adapt import adapted_cases

    suffix = "" if name == "-" else Path(name).suffix.lower()
    given = reading["input_format"]
    if adapter is not None:
        read_cases = partial(adapted_cases, adapter=adapter)   # noqa: F811 - the mapping's cases
    elif name != "-" and (given == "jsonl" or (given is None and suffix in (".jsonl", ".ndjson"))):
        return _lines(name), 0
    elif name != "-" and given is None and suffix in PARQUET_SUFFIXES:
        opened = open_parquet(con, name, book.vocabulary)
        if isinstance(opened, CaseInput):
            said(opened)
            return None, 1
        relation, notices = opened
        for notice in notices:
            said(notice)
        return f"SELECT doc FROM ({relation})", 0
    spool = tmp / f"input{len(list(tmp.iterdir()))}.jsonl"
    unread = 0
    with open(spool, "w", encoding="utf-8", newline="\n") as out:
        for item in read_cases(name, **reading):
            if isinstance(item, CaseInput) and item.error is None:
                out.write(to_json_text(item.doc) + "\n")
            else:
                said(item)
                unread += isinstance(item, CaseInput)
    return _lines(str(spool)), unread


def write_parquet(names: tuple[str, ...], book: Any, at: datetime | None, target: str, said: Any = None,
                  input_format: str | None = None, encoding: str | None = None,
                  adapter: Any = None) -> tuple[int, int, int, list[Any]]:
    """One row per case and rule (case_id, rule, matched, action, deadline, due, version,
    outputs, error, and the deadline check: platform_deadline, deadline_difference_seconds,
    deadline_agrees), written by DuckDB without a Python step per case. A case with a bad
    field has the SQL engine's answer: undecided rules with `error` naming the fields.
    Lines that are not cases give no rows. Returns (rows, rows with an error, cases that
    could not be read, diagnostics when the rulebook has no exact SQL form: then nothing
    is written). `said(item)`: a notice or a case that could not be read, to report."""
    from dsl.lang.values import SHANGHAI

    builder = QueryBuilder(book.model, book.params, book.vocabulary, dialect("duckdb"), exp.to_table("cases"),
                           at=at, clock=datetime.now(SHANGHAI), carry=("aftersale.platform_deadline",))
    query = builder.build(long=True)
    if query.diagnostics:
        return 0, 0, 0, query.diagnostics
    said = said or (lambda item: None)
    con = connect()
    reading = dict(vocabulary=book.vocabulary, input_format=input_format, encoding=encoding, notices=True)
    with tempfile.TemporaryDirectory(prefix="rulebook-duckdb-") as tmp:
        relations, unread = [], 0
        for name in names:
            relation, rejected = _source(con, name, book, Path(tmp), reading, said, adapter)
            unread += rejected
            if relation is not None:
                relations.append(relation)
        if not relations:
            relations.append("SELECT CAST(NULL AS VARCHAR) AS doc WHERE false")
        con.execute(f"CREATE TEMP VIEW cases AS SELECT doc FROM ({' UNION ALL '.join(relations)}) "
                    "WHERE trim(doc) <> ''")
        out = exp.Literal.string(target).sql(dialect="duckdb")
        rows = con.execute(f"COPY ({query.sql(pretty=False)}) TO {out} (FORMAT parquet)").fetchall()[0][0]
        # every case has one row per rule, a document that is no case none (query.py `_fatal`:
        # also JSON DuckDB reads and the Python reader refuses, reading.py `_unreadable`)
        documents = con.execute("SELECT count(*) FROM cases").fetchall()[0][0]
        unread += documents - rows // len(query.rules) if query.rules else 0
    undecided = con.execute(f"SELECT count(*) FROM read_parquet({out}) WHERE error IS NOT NULL").fetchall()[0][0]
    return rows, undecided, unread, []
