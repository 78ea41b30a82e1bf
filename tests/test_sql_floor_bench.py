"""bench/sql_floor.py measures a fair floor: the rows it writes have the names and types of the
rows of `rulebook sql`'s query, a row per case x rule, and its output lines have the number and
the keys of `rulebook eval --engine duckdb --no-explain`'s. If the real output changes shape,
these tests say the floor no longer measures it. Timings are the script's report, not asserted."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from conftest import ROOT

duckdb = pytest.importorskip("duckdb")

CASES = 60


@pytest.fixture(scope="module")
def bench() -> Any:
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import cases as case_gen
        import sql_floor
    finally:
        sys.path.remove(str(ROOT / "bench"))
    return case_gen, sql_floor


@pytest.fixture
def cases_file(bench: Any, tmp_path: Path) -> Path:
    path = tmp_path / "douyin.jsonl"
    bench[0].write_jsonl(str(path), CASES, 5)
    return path


def _floor(bench: Any, what: str, cases: Path, out: Path, rules: int) -> None:
    subprocess.run(bench[1].floor_cmd(what, str(cases), str(out), 1, rules), check=True,
                   capture_output=True, timeout=120)


def test_the_rows_floor_has_the_shape_of_the_query_rows(invoke: Any, bench: Any, cases_file: Path,
                                                        tmp_path: Path) -> None:
    printed = invoke("sql", "-p", "douyin")       # the fixture rulebook (cwd: FIXTURES)
    assert printed.exit_code == 0, printed.stderr
    query = printed.stdout.split("\n", 1)[1].rstrip().rstrip(";")
    con = duckdb.connect()
    con.execute(f"CREATE VIEW cases AS SELECT json::VARCHAR AS doc FROM read_json_objects('{cases_file}')")
    real = con.execute(f"SELECT * FROM ({query})")
    real_shape = [(d[0], str(d[1])) for d in real.description]
    real_rows = real.fetchall()
    rules = len({row[1] for row in real_rows})
    assert len(real_rows) == CASES * rules

    out = tmp_path / "floor.parquet"
    _floor(bench, "rows", cases_file, out, rules)
    floor = con.execute(f"SELECT * FROM read_parquet('{out}')")
    assert [(d[0], str(d[1])) for d in floor.description] == real_shape
    assert len(floor.fetchall()) == CASES * rules


def test_the_lines_floor_writes_a_line_a_case_with_the_cli_keys(invoke: Any, bench: Any, cases_file: Path,
                                                               tmp_path: Path) -> None:
    cli = invoke("eval", "-p", "douyin", cases_file, "--format", "jsonl", "--no-explain", "--no-summary")
    assert cli.exit_code == 0, cli.stderr
    real = [json.loads(line) for line in cli.stdout.splitlines()]

    out = tmp_path / "floor.jsonl"
    _floor(bench, "lines", cases_file, out, len(real[0]["results"]))
    floor = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(floor) == len(real) == CASES
    assert [list(doc) for doc in floor] == [list(doc) for doc in real]
    # a result's keys: the floor writes those every real result has (some add outputs, errors)
    common = set.intersection(*(set(r) for doc in real for r in doc["results"]))
    assert [[set(r) for r in doc["results"]] for doc in floor] == [[common] * len(doc["results"]) for doc in real]
    assert [doc["case"] for doc in floor] == [doc["case"] for doc in real]

