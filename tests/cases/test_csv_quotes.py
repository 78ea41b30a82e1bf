"""A quote in a CSV file that is never closed, or closed lines later by another cell's quote,
swallows the rows below it: the row is refused at the quote (E401, file:line:column) and the
rows below are read. A quoted cell over several lines stays one cell. An encoding given with
--encoding that the text is not (UTF-16/32 without a BOM) is one error, never a traceback."""
from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest

from dsl.cases.readers import read_cases

HEAD = "id,order.paid_amount,order.category\n"


def _read(tmp_path: Path, text: str, encoding: str | None = None, raw: bytes | None = None) -> list[tuple[str, Any]]:
    path = tmp_path / "u.csv"
    path.write_bytes(raw if raw is not None else text.encode("utf-8"))
    return [(item.source.replace(str(path), "u.csv"), item.error.key if item.error else item.doc["id"])
            for item in read_cases(str(path), encoding=encoding)]


def test_a_quote_open_at_the_end_of_the_file_refuses_its_row_and_keeps_the_rows_below(tmp_path: Path) -> None:
    text = HEAD + 'C1,1.00,"apparel\nC2,2.00,food\nC3,3.00,food\n'
    assert _read(tmp_path, text) == [("u.csv:2:9", "case.csv_open_quote"), ("u.csv:3", "C2"), ("u.csv:4", "C3")]


def test_a_quote_open_on_the_last_line_is_said_too(tmp_path: Path) -> None:
    assert _read(tmp_path, HEAD + 'C1,1.00,"apparel') == [("u.csv:2:9", "case.csv_open_quote")]


def test_a_quote_closed_lines_later_by_another_cells_quote(tmp_path: Path) -> None:
    text = HEAD + 'C1,1.00,"apparel\r\nC2,2.00,food\r\nC3,3.00,"food"\r\nC4,4.00,"two\r\nlines"\r\n'
    rows = _read(tmp_path, text)
    assert rows == [("u.csv:2:9", "case.csv_stray_quote"), ("u.csv:3", "C2"), ("u.csv:4", "C3"), ("u.csv:6", "C4")]


def test_quoted_cells_over_several_lines_stay_one_cell(tmp_path: Path) -> None:
    text = HEAD + 'C1,1.00,"multi\nline ""quoted"", and a comma"\nC2,2.00,"x"\n"C3",3.00,"a\n\nb"\n'
    path = tmp_path / "u.csv"
    path.write_text(text, encoding="utf-8")
    items = list(read_cases(str(path)))
    assert [(i.source, i.error) for i in items] == [(f"{path}:3", None), (f"{path}:4", None), (f"{path}:7", None)]
    assert items[0].doc["order"]["category"] == 'multi\nline "quoted", and a comma'
    assert items[2].doc["order"]["category"] == "a\n\nb"


def test_padding_after_the_closing_quote_of_a_cell_over_several_lines_is_no_stray(tmp_path: Path) -> None:
    """`"line1\nline2" ,` (an export that pads cells) was refused as closed by a stray quote,
    and its last line read again as a row of one cell (review of session 26)."""
    text = HEAD + 'C1,1.00,"line1\nline2" \nC2,2.00,"a\nb"\t\nC3,3.00,x\n'
    path = tmp_path / "u.csv"
    path.write_text(text, encoding="utf-8")
    items = list(read_cases(str(path)))
    assert [(i.source, i.error) for i in items] == [(f"{path}:3", None), (f"{path}:5", None), (f"{path}:6", None)]
    assert items[0].doc["order"]["category"].rstrip() == "line1\nline2"


def test_a_cell_past_the_field_limit_is_refused_at_its_quote(tmp_path: Path) -> None:
    limit = csv.field_size_limit(64)
    try:
        text = HEAD + 'C1,1.00,"apparel\n' + "".join(f"C{i},1.00,{'x' * 20}\n" for i in range(2, 8))
        rows = _read(tmp_path, text)
    finally:
        csv.field_size_limit(limit)
    assert rows[0] == ("u.csv:2:9", "case.csv_quote_too_long")
    assert [r[1] for r in rows[1:]] == [f"C{i}" for i in range(2, 8)]


def test_a_header_with_a_quote_never_closed_refuses_the_file(tmp_path: Path) -> None:
    assert _read(tmp_path, 'id,"order.paid_amount\nC1,1.00\n') == [("u.csv:1:4", "case.csv_open_quote")]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32"])
def test_an_encoding_whose_bom_is_missing_is_one_error(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "a.csv"
    path.write_bytes(b"id,order.paid_amount\nC1,1.00\n")
    [item] = list(read_cases(str(path), encoding=encoding))
    assert item.source == f"{path}:1" and item.error is not None
    assert (item.error.key, item.error.args) == ("case.bad_encoding", {"encoding": encoding, "byte": 0})


def test_utf16_with_its_bom_is_read(tmp_path: Path) -> None:
    raw = (HEAD + "C1,1.00,food\n").encode("utf-16")
    assert _read(tmp_path, "", "utf-16", raw) == [("u.csv:2", "C1")]


def test_the_command_says_the_quote_and_decides_the_rows_below(invoke: Any, tmp_path: Path) -> None:
    path = tmp_path / "u.csv"
    path.write_text(HEAD + 'C1,1.00,"apparel\nC2,2.00,food\nC3,3.00,food\n', encoding="utf-8")
    for engine in ((), ("--engine", "duckdb")):
        result = invoke("eval", "-p", "douyin", path, "--format", "jsonl", "--no-explain", "--lang", "en", *engine)
        assert result.exit_code == 1
        assert f"{path}:2:9: error E401: the quote that opens this cell is never closed" in result.stderr
        assert [json.loads(line)["case"] for line in result.stdout.splitlines()] == ["C2", "C3"]
        assert '""' in result.stderr   # the fix: close it, or double a quote inside a cell


def test_the_command_says_a_missing_bom_without_a_traceback(invoke: Any, tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("id,order.paid_amount\nC1,1.00\n", encoding="utf-8")
    result = invoke("eval", "-p", "douyin", path, "--encoding", "utf-16", "--lang", "en")
    assert result.exit_code == 1
    assert f"{path}:1: error E401: the text is not utf-16 (byte 0)" in result.stderr
