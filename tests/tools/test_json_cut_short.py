"""A JSON text cut short (a truncated export line) is said as what it is: the column just
after its last character and that an object or list is not closed (QA pass 25: it was
"Expecting value (column 1)", the column counted past the line's newline)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from conftest import RULEBOOKS

DOUYIN = RULEBOOKS / "douyin.yaml"
LINES = ('{"id": "BROKEN", "order": {"status":\n'          # 36 characters
         '{"id": "L", "order": {"a": [1, 2\n'              # 32
         '{"id": "X2", "order": {"a": "1.00" "b": 2}}\n'   # a wrong text: json's own words and column
         '{"id": "S", "order": {"note": "a { [ \\" b",\n')  # brackets and quotes in a string are text


@pytest.mark.parametrize("engine", ["python", "duckdb"])
def test_json_lines(invoke: Any, tmp_path: Path, engine: str) -> None:
    path = tmp_path / "cut.jsonl"
    path.write_text(LINES, encoding="utf-8")
    err = invoke("eval", "-r", DOUYIN, path, "--lang", "en", "--engine", engine, "--format", "jsonl",
                 "--no-explain").stderr
    assert f"{path}:1: error E401: malformed JSON: the text ends at column 37 before an object ({{) is closed" in err
    assert f"{path}:2: error E401: malformed JSON: the text ends at column 33 before a list ([) is closed" in err
    assert f"{path}:3: error E401: malformed JSON: Expecting ',' delimiter (column 36)" in err
    assert f"{path}:4: error E401: malformed JSON: the text ends at column 44 before an object ({{) is closed" in err
    assert "column 1)" not in err


def test_a_json_document_names_its_last_line(invoke: Any, tmp_path: Path) -> None:
    path = tmp_path / "cut.json"
    path.write_text('{"id": "A",\n "order": {"status": "x"\n\n', encoding="utf-8")
    err = invoke("eval", "-r", DOUYIN, path).stderr
    assert f"{path}:2:25: error E401: JSON 格式错误：文本在第 25 列就结束了，对象（{{）尚未闭合" in err
