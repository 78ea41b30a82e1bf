"""`eval -o FILE`: the file's suffix chooses the format when --format is not given, and a
--format that contradicts it is a usage error (QA pass 25: `-o out.csv` wrote the text table,
`--format csv -o out.parquet` wrote CSV into a .parquet file, without a word)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from conftest import EXAMPLES, RULEBOOKS

DOUYIN = RULEBOOKS / "douyin.yaml"
CASE = EXAMPLES / "douyin-reship-late.json"


def _eval(invoke: Any, *args: Any) -> Any:
    return invoke("eval", "-r", DOUYIN, CASE, "--lang", "en", "--no-summary", *args)


@pytest.mark.parametrize("name", ["out.json", "out.jsonl", "OUT.NDJSON"])
def test_a_json_name_gets_json_lines(invoke: Any, tmp_path: Path, name: str) -> None:
    target = tmp_path / name
    assert _eval(invoke, "-o", target).exit_code == 0
    assert json.loads(target.read_text(encoding="utf-8"))["case"] == "DY-RS-0001"


def test_a_csv_name_gets_csv(invoke: Any, tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    assert _eval(invoke, "-o", target).exit_code == 0
    assert target.read_text(encoding="utf-8-sig").startswith("case,platform,at,rule,matched")


def test_another_name_gets_the_table(invoke: Any, tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    assert _eval(invoke, "-o", target).exit_code == 0
    assert "RULE" in target.read_text(encoding="utf-8")


@pytest.mark.parametrize("fmt, name", [("csv", "out.parquet"), ("table", "out.csv"), ("csv", "out.json"),
                                       ("jsonl", "out.csv")])
def test_a_contradiction_is_refused_and_the_file_kept(invoke: Any, tmp_path: Path, fmt: str, name: str) -> None:
    target = tmp_path / name
    target.write_bytes(b"earlier\n")
    out = _eval(invoke, "--format", fmt, "-o", target)
    assert out.exit_code == 2 and f"--format {fmt} contradicts --output's suffix" in out.stderr
    assert target.read_bytes() == b"earlier\n"


def test_parquet_needs_duckdb(invoke: Any, tmp_path: Path) -> None:
    out = _eval(invoke, "-o", tmp_path / "out.parquet")
    assert out.exit_code == 2 and "add --engine duckdb" in out.stderr
    assert not (tmp_path / "out.parquet").exists()


def test_parquet_by_duckdb(invoke: Any, tmp_path: Path) -> None:
    duckdb = pytest.importorskip("duckdb")
    target = tmp_path / "out.parquet"
    assert _eval(invoke, "-o", target, "--engine", "duckdb").exit_code == 0
    assert duckdb.connect().execute(f"SELECT count(*) FROM '{target}'").fetchone()[0] > 0


def test_the_message_in_chinese(invoke: Any, tmp_path: Path) -> None:
    out = invoke("eval", "-r", DOUYIN, CASE, "--format", "table", "-o", tmp_path / "a.csv")
    assert "矛盾" in out.stderr
