"""An empty JSON Lines file, or one of blank lines only, is `E401: the file is empty` (exit 1),
as an empty .json or .csv is, in every engine and in `diff --cases` (QA pass 25): before, it
was "0 case(s) read", exit 0, so a failed export passed unnoticed."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from conftest import RULEBOOKS

DOUYIN = RULEBOOKS / "douyin.yaml"


@pytest.mark.parametrize("text", ["", "\n\n", " \r\n\t\n", "\ufeff\n"])
@pytest.mark.parametrize("engine", ["python", "duckdb"])
def test_empty_json_lines_is_an_error(invoke: Any, tmp_path: Path, text: str, engine: str) -> None:
    path = tmp_path / "cases.jsonl"
    path.write_bytes(text.encode("utf-8"))
    out = invoke("eval", "-r", DOUYIN, path, "--lang", "en", "--engine", engine, "--format", "jsonl", "--no-explain")
    assert out.exit_code == 1
    assert f"{path}: error E401: the file is empty" in out.stderr
    assert out.stdout == ""


def test_blank_lines_then_a_case_keep_the_line_number(invoke: Any, tmp_path: Path) -> None:
    path = tmp_path / "cases.jsonl"
    path.write_text('\n\n{"id": "A", "order": 1}\n', encoding="utf-8")
    out = invoke("eval", "-r", DOUYIN, path, "--lang", "en")
    assert f"{path}:3: error E401" in out.stderr


def test_diff_says_it_too(invoke: Any, tmp_path: Path) -> None:
    path = tmp_path / "cases.jsonl"
    path.write_text("\n", encoding="utf-8")
    for engine in ("python", "duckdb"):
        out = invoke("diff", DOUYIN, RULEBOOKS / "kuaishou.yaml", "--cases", path, "--lang", "en", "--engine", engine)
        assert "the file is empty" in out.stdout + out.stderr, engine
