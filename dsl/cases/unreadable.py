"""Why a case file cannot be read, in the catalog's words rather than the OS's or DuckDB's.

A folder given as a case file, a file that is no Parquet (or was cut short), a name that is
not there: each says so with what to do. The library's own sentence stays only as the
trailing detail of what the catalog does not know."""
from __future__ import annotations

import errno
import os
from typing import Final

from dsl.diagnostics import Phrase

# errno -> the catalog's words (also the command line's own OS errors, cli._os_error)
OS_ERRORS: Final = {errno.ENOENT: "cli.os_enoent", errno.EACCES: "cli.os_eacces", errno.ENOSPC: "cli.os_enospc",
                    errno.EISDIR: "cli.os_eisdir", errno.ENOTDIR: "cli.os_enotdir",
                    errno.EADDRINUSE: "cli.os_eaddrinuse"}
# words of DuckDB's message -> what is wrong with the file
_DUCKDB: Final = (("too small to be a Parquet file", "case.not_parquet"),
                  ("No magic bytes found", "case.not_parquet"),
                  ("Permission denied", "cli.os_eacces"))


def os_problem(exc: OSError, case_file: str | None = None) -> Phrase:
    """An OSError's reason: a folder given as `case_file` says to give the files in it; the
    common errors in the catalog's words; an uncommon one in the system's words."""
    if case_file is not None and exc.errno != errno.ENOENT and (exc.errno == errno.EISDIR or os.path.isdir(case_file)):
        return _folder(case_file)
    key = OS_ERRORS.get(exc.errno or 0)
    if key is not None:
        return Phrase(key)
    text = str(exc.strerror or exc)
    return Phrase("pair", en=text, zh=text)


def duckdb_problem(path: str, exc: Exception) -> Phrase:
    """Why DuckDB could not read the case file `path`: a folder, a missing file, no Parquet;
    else DuckDB's first line, after the catalog's words."""
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if os.path.isdir(path):
        return _folder(path)
    if "No files found that match" in text:
        return Phrase("cli.os_enoent")
    key = next((key for words, key in _DUCKDB if words in text), None)
    return Phrase(key) if key is not None else Phrase("case.duckdb_other", detail=text)


def unreadable(path: str, exc: Exception) -> Phrase:
    """`path: cannot be read as a table of cases: <why>` for a DuckDB error."""
    return Phrase("backtest.unreadable", path=path, detail=duckdb_problem(path, exc))


def _folder(path: str) -> Phrase:
    """A folder given as a case file: give its files (`d.parquet/*.parquet`, `exports/*.jsonl`)."""
    suffix = os.path.splitext(path.rstrip("/"))[1].lower()
    files = suffix if suffix in _CASE_SUFFIXES else ".jsonl"
    return Phrase("case.folder", path=path, files=f"{path.rstrip('/')}/*{files}")


_CASE_SUFFIXES: Final = (".jsonl", ".json", ".csv", ".yaml", ".yml", ".parquet", ".pq")
