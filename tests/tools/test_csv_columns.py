"""Session 25, csvcols: no CSV column is dropped without a word, in any command that reads
cases. A column named by a field's last part (`paid_amount`), a cell under a column without
a name, a file saved with `;` between its columns: each is said, and the run is not clean.
On the fixture rulebooks of tests/fixtures/desk2 (small and frozen)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from test_desk2 import GOOD_ROW as ROW, HEAD, in_fixtures, write   # noqa: F401 (in_fixtures: autouse, chdir)


def test_a_column_named_by_a_fields_last_part_is_a_warning_with_the_path(invoke: Any, tmp_path: Path) -> None:
    path = write(tmp_path / "nd.csv", HEAD.replace("order.paid_amount", "paid_amount") + "\n" + ROW + "\n")
    result = invoke("eval", "-p", "shopa", path, "--format", "jsonl", "--lang", "en")
    assert result.exit_code == 1, "the amount was not read: never a clean run"
    said = [line for line in result.stderr.splitlines() if "E406" in line]
    assert said == [f"{path}:1:3: warning E406: column 'paid_amount' names no field of the vocabulary: "
                    "its cells are not read (did you mean 'order.paid_amount'?)"]


def test_a_cell_under_a_column_without_a_name_is_said_once(invoke: Any, tmp_path: Path) -> None:
    text = HEAD + ",\n" + ROW + ",\n" + ROW.replace("C1", "C2") + ",SOMETHING\n" + ROW.replace("C1", "C3") + ",MORE\n"
    path = write(tmp_path / "blank.csv", text)
    result = invoke("eval", "-p", "shopa", path, "--format", "jsonl", "--lang", "en")
    assert result.exit_code == 1
    said = [line for line in result.stderr.splitlines() if "E406" in line]
    assert len(said) == 1 and said[0].startswith(f"{path}:3:9: warning E406: column 9 has no name")
    assert "warnings about whole files (cells not read): 1" in result.stderr   # counted in the summary
    assert len([json.loads(line) for line in result.stdout.splitlines()]) == 3   # every case still decided


def test_a_trailing_empty_column_without_data_is_not_said(invoke: Any, tmp_path: Path) -> None:
    path = write(tmp_path / "trail.csv", HEAD + ",\n" + ROW + ",\n")
    result = invoke("eval", "-p", "shopa", path, "--format", "jsonl", "--lang", "en")
    assert result.exit_code == 0, result.stderr
    assert "E406" not in result.stderr


def test_a_file_separated_by_semicolons_says_so(invoke: Any, tmp_path: Path) -> None:
    path = write(tmp_path / "semi.csv", HEAD.replace(",", ";") + "\n" + ROW.replace(",", ";") + "\n")
    result = invoke("eval", "-p", "shopa", path, "--format", "jsonl", "--lang", "en")
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if "E401" in line]
    assert len(errors) == 1 and errors[0].startswith(f"{path}:1: error E401:") and "';'" in errors[0]
    assert "comma-separated" in errors[0]
    assert "did you mean" not in result.stderr, "no guess from a header read as one column"


@pytest.mark.parametrize("engine", [(), ("--engine", "duckdb"), ("--engine", "duckdb", "--output", "out.parquet")])
def test_a_notes_column_leaves_every_engine_clean(invoke: Any, tmp_path: Path, engine: tuple[str, ...]) -> None:
    path = write(tmp_path / "notes.csv", HEAD + ",备注\n" + ROW + ",客户很急\n")
    more = tuple(str(tmp_path / a) if a.endswith(".parquet") else a for a in engine)
    fmt = () if "--output" in engine else ("--format", "jsonl")   # a .parquet output is its own format
    result = invoke("eval", "-p", "shopa", path, *fmt, "--no-explain", "--lang", "en", *more)
    assert result.exit_code == 0, result.stderr
    assert [line for line in result.stderr.splitlines() if "E406" in line] == [
        f"{path}:1:9: note E406: column '备注' names no field and resembles none: its cells are not read "
        "(a notes column is fine; a field is named by its path, such as order.paid_amount)"]
