"""A case file that cannot be read is said in the catalog's words (QA pass 26): a Parquet file
cut short said DuckDB's `Invalid Input Error: File … too small to be a Parquet file`, a folder
named `d.parquet` said `No files found that match the pattern` and a folder `Is a directory`,
in English to a Chinese reader."""
from __future__ import annotations

import errno
from pathlib import Path
from typing import Any

import pytest

from dsl.cases.unreadable import duckdb_problem, os_problem

LIBRARY = ("Invalid Input Error", "IO Error", "Is a directory", "No files found", "too small", "magic bytes")


@pytest.mark.parametrize("content", [b"PAR1garbage", b"x" * 100, b""], ids=["too-small", "no-footer", "empty"])
@pytest.mark.parametrize("engine", ["python", "duckdb"])
def test_not_a_parquet_file(invoke: Any, tmp_path: Path, content: bytes, engine: str) -> None:
    path = tmp_path / "g.parquet"
    path.write_bytes(content)
    zh = invoke("eval", "-p", "douyin", path, "--engine", engine, "--format", "jsonl", "--no-explain")
    assert zh.exit_code == 1 and "不是 Parquet 文件，或文件不完整" in zh.stderr, zh.stderr
    assert not [w for w in LIBRARY if w in zh.stderr], zh.stderr
    en = invoke("eval", "-p", "douyin", path, "--engine", engine, "--format", "jsonl", "--no-explain", "--lang", "en")
    assert "not a Parquet file, or one cut short" in en.stderr, en.stderr


@pytest.mark.parametrize("name, suffix", [("d.parquet", ".parquet"), ("somedir", ".jsonl")])
def test_a_folder_given_as_a_case_file(invoke: Any, tmp_path: Path, name: str, suffix: str) -> None:
    folder = tmp_path / name
    folder.mkdir()
    zh = invoke("eval", "-p", "douyin", folder)
    assert zh.exit_code == 1, zh.stderr
    assert f"{folder} 是文件夹，不是案例文件：请给出其中的文件（例如 {folder}/*{suffix}）" in zh.stderr, zh.stderr
    assert not [w for w in LIBRARY if w in zh.stderr], zh.stderr
    en = invoke("eval", "-p", "douyin", folder, "--lang", "en")
    assert f"{folder} is a folder, not a case file: give the files in it ({folder}/*{suffix}, say)" in en.stderr, en.stderr


def test_os_errors_use_the_catalog_and_keep_an_unknown_ones_words(tmp_path: Path) -> None:
    assert os_problem(OSError(errno.EACCES, "Permission denied")).label("zh") == "没有权限"
    assert os_problem(OSError(errno.ENOENT, "x"), str(tmp_path)).label("en") == "no such file or folder"
    assert os_problem(OSError(errno.EIO, "Input/output error")).label("zh") == "Input/output error"
    assert duckdb_problem("nothere.parquet", Exception('IO Error: No files found that match the pattern "x"')).key == "cli.os_enoent"
    odd = duckdb_problem("x.parquet", Exception("Invalid Error: don't know what type: \nmore"))
    assert odd.label("zh") == "DuckDB 无法读取：请检查文件是否完整、格式是否与扩展名相符（DuckDB 原文：Invalid Error: don't know what type: ）"
