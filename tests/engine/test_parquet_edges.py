"""A Parquet export and a CSV export of the same rows are the same cases, to both engines:
an object whose flat columns are all NULL is absent (an order without an after-sale), and a
TIMESTAMPTZ of ±infinity is a bad value, never a missing one (a rule would then decide on
"not signed")."""
from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import duckdb
import pytest

from conftest import FIXTURES

BOOK = FIXTURES / "rulebooks" / "douyin.yaml"
PLAIN = ["--no-explain", "--lang", "en", "--format", "jsonl"]
TIMES = ("now", "order.paid_at", "order.shipped_at", "order.signed_at", "aftersale.applied_at")
TYPES = {"order.paid_amount": "DECIMAL(12, 2)", "order.refunded_amount": "DECIMAL(12, 2)",
         "order.aftersale_count": "BIGINT", "order.domestic": "BOOLEAN", "buyer.credit_good": "BOOLEAN",
         **{column: "TIMESTAMPTZ" for column in TIMES}}


def _rows() -> list[dict[str, str]]:
    rows = []
    for i in range(24):
        row = {"id": f"P-{i}", "now": "2026-11-04T21:30:00+08:00", "order.status": ("shipped", "signed")[i % 2],
               "order.paid_amount": f"{100 + i * 37.5:.2f}", "order.refunded_amount": "0.00",
               "order.paid_at": "2026-10-29T19:42:10+08:00", "order.shipped_at": "2026-10-30T10:05:00+08:00",
               "order.signed_at": "" if i % 4 == 1 else "2026-11-01T14:20:00+08:00",
               "order.aftersale_count": str(i % 3), "order.domestic": "true", "buyer.credit_good": "true",
               "aftersale.type": ("refund_only", "return_refund", "reship")[i % 3],
               "aftersale.reason": "seven_day_no_reason", "aftersale.status": "awaiting_merchant",
               "aftersale.applied_at": "2026-11-04T20:00:00+08:00"}
        if i % 3 == 0:      # an order-level question: no after-sale, every column of it empty
            row.update({k: "" for k in row if k.startswith("aftersale.")})
        if i in (7, 8):     # a time no reader can place
            row["order.signed_at"] = ("infinity", "-infinity")[i - 7]
        rows.append(row)
    return rows


def _files(tmp_path: Path) -> tuple[Path, Path]:
    rows = _rows()
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    table = tmp_path / "export.csv"
    table.write_text(text.getvalue(), encoding="utf-8")
    parquet = tmp_path / "export.parquet"
    cast = ", ".join(f'CAST(NULLIF("{c}", \'\') AS {TYPES[c]}) AS "{c}"' if c in TYPES else f'NULLIF("{c}", \'\') AS "{c}"'
                     for c in rows[0])
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute(f"COPY (SELECT {cast} FROM read_csv('{table}', all_varchar=true, header=true)) "
                f"TO '{parquet}' (FORMAT parquet)")
    return table, parquet


@pytest.mark.parametrize("engine", [[], ["--engine", "duckdb"]], ids=["python", "duckdb"])
def test_a_parquet_export_is_the_csv_export_of_the_same_rows(invoke: Any, tmp_path: Path, engine: list[str]) -> None:
    table, parquet = _files(tmp_path)
    from_csv = invoke("eval", "-r", BOOK, table, *PLAIN)
    from_parquet = invoke("eval", "-r", BOOK, parquet, *PLAIN, *engine)
    assert from_parquet.stdout == from_csv.stdout
    assert from_parquet.exit_code == from_csv.exit_code == 1      # the two bad times are said
    lines = from_csv.stdout.splitlines()
    assert sum('"rule": "pre_shipment_options"' in line for line in lines) == len(lines)
    bad = [line for line in lines if line.startswith('{"case": "P-7"') or line.startswith('{"case": "P-8"')]
    assert len(bad) == 2 and all("order.signed_at" in line for line in bad)


def test_the_flat_columns_query_decides_the_parquet_rows_as_the_python_engine(tmp_path: Path) -> None:
    """`rulebook sql --columns flat` over the same table: the same decisions, row for row."""
    from dsl import load_rulebook
    from dsl.cases.readers import read_cases
    from dsl.engine.sql.duck import connect
    from dsl.engine.sql.tables import TableShape
    from dsl.tools.sqlexamples import decision_of
    from test_sql_tables import AT, _decide, table_paths

    _, parquet = _files(tmp_path)
    book = load_rulebook(BOOK)
    cases = [c for c in read_cases(str(parquet), vocabulary=book.vocabulary) if getattr(c, "doc", None) is not None]
    assert [c.doc["aftersale"] is None for c in cases] == [i % 3 == 0 for i in range(24)]
    assert cases[7].doc["order"]["signed_at"] == "infinity"
    want = []
    for case in cases:
        parsed = book.parse(case.doc)
        want.append(tuple(decision_of(book.evaluate_rule(r, parsed.view, AT, lang="en")) for r in book.rules))
    con = connect()
    con.execute(f"CREATE TABLE tflat AS SELECT file_row_number AS _row, * EXCLUDE (file_row_number) "
                f"FROM read_parquet('{parquet}', file_row_number=true)")
    got = sorted(_decide(book, con, "tflat", TableShape("flat", table_paths(con, "tflat"))), key=lambda c: c.row)
    assert [c.decisions for c in got] == want
