"""Case files as DuckDB relations (engine/sql/sources.py): each row becomes the document the
Python engine would read, and the SQL query decides it as the Python engine does.

JSON Lines keep their line numbers and skip blank lines; Parquet amounts stay exact (DECIMAL
as its digits; a DOUBLE amount is never decided), TIMESTAMP is Beijing wall time and
TIMESTAMPTZ the same instant whatever the session time zone; flat columns named by path nest.
"""
from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from dsl import load_rulebook
from sqlglot import exp

from dsl.engine.sql.dialect import dialect
from dsl.engine.sql.duck import connect
from dsl.engine.sql.query import QueryBuilder
from dsl.engine.sql.sources import SourceError, open_cases

from conftest import EXAMPLES, RULEBOOKS

duckdb = pytest.importorskip("duckdb")


@pytest.fixture(scope="module")
def book() -> Any:
    return load_rulebook(RULEBOOKS / "douyin.yaml")


def _docs(con: Any, name: str = "cases") -> list[tuple[int, Any]]:
    return [(row, json.loads(doc) if doc is not None else None)
            for row, doc in con.execute(f"SELECT _row, doc FROM {name} ORDER BY _row").fetchall()]


def test_json_lines_keep_their_numbers_and_skip_blank_lines(tmp_path: Path, book: Any) -> None:
    path = tmp_path / "cases.jsonl"
    path.write_bytes(b'\xef\xbb\xbf{"id": "a"}\n\n  \t \n{"id": "b"}\nnot json\n{"id": "c"}')
    con = connect()
    source = open_cases(con, str(path), "cases", book.vocabulary)
    assert source.kind == "jsonl"
    rows = con.execute("SELECT _row, _source, json_valid(doc) FROM cases ORDER BY _row").fetchall()
    assert rows == [(1, f"{path}:1", True), (4, f"{path}:4", True), (5, f"{path}:5", False), (6, f"{path}:6", True)]


def test_json_lines_with_carriage_returns_are_read_by_the_python_reader(tmp_path: Path, book: Any) -> None:
    """DuckDB's reader ends a line at a carriage return too; the Python reader does not (a
    CR between the tokens of one case is JSON whitespace), so such a file is the Python reader's."""
    path = tmp_path / "cases.jsonl"
    path.write_bytes(b'{"id": "a",\r "now": null}\r\n\r\n{"id": "b"}\r\n')
    con = connect()
    assert open_cases(con, str(path), "cases", book.vocabulary).kind == "python"
    assert [(row, doc["id"]) for row, doc in _docs(con)] == [(1, "a"), (2, "b")]
    assert [s for (s,) in con.execute("SELECT _source FROM cases ORDER BY _row").fetchall()] == [f"{path}:1", f"{path}:3"]


def test_json_lines_duckdb_cannot_decode_are_read_by_the_python_reader(tmp_path: Path, book: Any) -> None:
    path = tmp_path / "cases.jsonl"
    path.write_bytes(b'{"id": "a"}\n{"id": "\xff"}\n{"id": "c"}\n')
    con = connect()
    source = open_cases(con, str(path), "cases", book.vocabulary)
    assert source.kind == "python"
    rows = con.execute("SELECT _row, _source, doc IS NULL, _reject FROM cases ORDER BY _row").fetchall()
    assert [(r[1], r[2]) for r in rows] == [(f"{path}:1", False), (f"{path}:2", True), (f"{path}:3", False)]
    assert "UTF-8" in rows[1][3] or "utf" in rows[1][3].lower()


def _write_parquet(path: Path, select: str, zone: str = "Asia/Shanghai") -> None:
    con = duckdb.connect()
    con.execute(f"SET TimeZone = '{zone}'")
    con.execute(f"COPY ({select}) TO '{path}' (FORMAT parquet)")


@pytest.mark.parametrize("zone", ["UTC", "America/Los_Angeles", "Asia/Shanghai"])
def test_parquet_values_are_written_as_the_python_engine_reads_them(tmp_path: Path, book: Any, zone: str) -> None:
    path = tmp_path / "cases.parquet"
    _write_parquet(path, """SELECT 'P-1' AS id, TIMESTAMP '2026-11-04 21:30:00' AS now,
        {'paid_amount': 12345678901234567.89::DECIMAL(38, 2), 'signed_at': TIMESTAMPTZ '2026-11-01 14:20:00+08',
         'aftersale_count': 2::BIGINT} AS "order",
        TIMESTAMPTZ '2026-11-03 01:00:00+00' AS "aftersale.applied_at", 'reship' AS "aftersale.type",
        0.10::DECIMAL(10, 2) AS "shop.auto_refund_policy.max_amount", 'x' AS "aftersale.colour", 1 AS "备注" """)
    con = connect()
    con.execute(f"SET TimeZone = '{zone}'")
    source = open_cases(con, str(path), "cases", book.vocabulary)
    assert source.kind == "parquet"
    assert [(what.key, what.args["column"]) for _, what in source.notices] == [
        ("backtest.unknown_column", "aftersale.colour"), ("case.unread_column", "备注")]   # a notes column, as in CSV
    [(row, doc)] = _docs(con)
    assert row == 1 and "备注" not in doc   # its cells are not read, as the CSV reader leaves them
    assert doc["order"]["paid_amount"] == "12345678901234567.89"
    assert doc["shop"]["auto_refund_policy"]["max_amount"] == "0.10"
    assert doc["now"] == "2026-11-04 21:30:00"
    assert datetime.fromisoformat(doc["order"]["signed_at"]) == datetime.fromisoformat("2026-11-01T14:20:00+08:00")
    assert datetime.fromisoformat(doc["aftersale"]["applied_at"]) == datetime.fromisoformat("2026-11-03T09:00:00+08:00")
    assert doc["aftersale"]["type"] == "reship" and doc["order"]["aftersale_count"] == 2
    assert book.parse(doc).fatal is None


def _structure(vocabulary: Any, prefix: str, override: dict[str, str]) -> dict[str, Any]:
    """The case's shape as DuckDB types (amounts DECIMAL, moments text as given), for json_transform."""
    types = {"money": "DECIMAL(38, 4)", "int": "BIGINT", "bool": "BOOLEAN", "list": "VARCHAR[]"}
    out: dict[str, Any] = {}
    for key in sorted(vocabulary.keys_under(prefix)):
        path = f"{prefix}.{key}" if prefix else key
        kind = vocabulary.fields[path].type.kind
        out[key] = _structure(vocabulary, path, override) if kind == "object" else \
            override.get(path, types.get(kind, "VARCHAR"))
    return out


def test_a_double_amount_is_never_decided(tmp_path: Path, book: Any) -> None:
    """0.1 in a DOUBLE is not 0.1: the rule reading it cannot decide, and the file is told."""
    path = tmp_path / "cases.parquet"
    doc = json.loads((EXAMPLES / "douyin-lightning-return.json").read_text(encoding="utf-8"))
    con = connect()
    con.execute("CREATE TEMP TABLE d AS SELECT ? AS doc", [json.dumps(doc)])
    structure = json.dumps(_structure(book.vocabulary, "", {"order.paid_amount": "DOUBLE"}))
    con.execute(f"COPY (SELECT unnest(json_transform(doc, '{structure}')) FROM d) TO '{path}' (FORMAT parquet)")
    source = open_cases(con, str(path), "cases", book.vocabulary)
    assert [what.key for _, what in source.notices] == ["backtest.inexact_column"]
    [(_, written)] = _docs(con)
    assert written["order"]["paid_amount"] != 199 and not isinstance(written["order"]["paid_amount"], (int, float))
    builder = QueryBuilder(book.model, book.params, book.vocabulary, dialect("duckdb"), exp.to_table("cases"),
                           keep=("_row",))
    query = builder.build()
    row = dict(zip([c[0] for c in con.execute(query.sql(pretty=False)).description], con.fetchone()))
    k = [r.rule for r in query.rules].index("lightning_return")
    assert row[f"r{k}_matched"] is None and "order.paid_amount" in row[f"r{k}_error"]
    result = book.evaluate(book.parse(written), datetime.fromisoformat(doc["now"]), "en", validate=False)
    lightning = next(r for r in result.results if r.rule == "lightning_return")
    assert "order.paid_amount" in lightning.error


def test_a_struct_and_a_flat_column_for_one_path_is_an_error(tmp_path: Path, book: Any) -> None:
    path = tmp_path / "cases.parquet"
    _write_parquet(path, """SELECT {'paid_amount': 1.00::DECIMAL(10, 2)} AS "order", 'x' AS "order.status" """)
    with pytest.raises(SourceError) as caught:
        open_cases(connect(), str(path), "cases", book.vocabulary)
    assert caught.value.problem.key == "backtest.column_clash" and caught.value.problem.args["column"] == "order.status"


def test_a_file_that_is_not_parquet_is_a_clear_error(tmp_path: Path, book: Any) -> None:
    path = tmp_path / "cases.parquet"
    path.write_text("not parquet", encoding="utf-8")
    with pytest.raises(SourceError) as caught:
        open_cases(connect(), str(path), "cases", book.vocabulary)
    assert caught.value.problem.key == "backtest.unreadable"
