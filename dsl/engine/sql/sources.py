"""Case files as a DuckDB relation `(_row, _source, doc, _reject)`: one row per case, the
document as JSON text, for the queries of query.py.

- JSON Lines: DuckDB reads every line in order (`_row` is the line number); blank lines
  are skipped as the Python reader skips them; a line that is not JSON gives a `doc` that
  `json_valid` rejects (the query's `_fatal`).
- Parquet: each row becomes a document with `to_json` (cases/parquetfile.py, the one
  definition both engines of `rulebook eval` read Parquet with too): nested structs stay
  nested, flat columns named by path are nested by path, DECIMAL amounts keep their
  digits, an amount in a DOUBLE column is not trusted (undecided, with a notice).
- Anything else (CSV, a JSON Lines file DuckDB cannot decode): the Python reader reads it,
  with its own rules and messages, into a temporary table; a case it rejects has `doc` NULL
  and the reason in `_reject`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from dsl.cases.parquetfile import PARQUET_SUFFIXES, SourceError, parquet_relation
from dsl.cases.parquetfile import sql_ident as _ident, sql_string as _string
from dsl.diagnostics import Phrase
from dsl.engine.sql.duck import lines_of
from dsl.limits import MAX_DEPTH

_JSONL: Final = (".jsonl", ".ndjson")
_PARQUET: Final = PARQUET_SUFFIXES
# a JSON escape of a UTF-16 surrogate: the Python reader refuses a lone one
_SURROGATE: Final = r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}"


@dataclass
class CaseSource:
    """A temporary view `name` of the cases of one file, and what was said about the file."""

    name: str
    path: str
    kind: str                                      # jsonl, parquet, python
    notices: list[tuple[str, Phrase]] = field(default_factory=list)   # (where, what)
    file_notices: list[Any] = field(default_factory=list)   # the Python reader's FileNotice objects (`diff` says them as `eval`)


def open_cases(con: Any, path: str, name: str, vocabulary: Any, lang: str = "zh", adapter: Any = None) -> CaseSource:
    """Create the view `name` over the cases of `path` (JSON Lines, Parquet, or what the Python
    reader reads); with an `adapter` (a mapping, cases/mapping.py) the file holds raw API
    payloads, which the Python adapter makes into cases."""
    from dsl.cases.readers import blank_file   # an empty file: the reader says so

    suffix = Path(path).suffix.lower()
    if adapter is not None:
        return python_cases(con, path, name, vocabulary, lang, adapter)
    if suffix in _PARQUET:
        source = CaseSource(name, path, "parquet")
        relation = parquet_relation(con, path, vocabulary, source.notices)
    elif suffix in _JSONL:
        source = CaseSource(name, path, "jsonl")
        relation = jsonl_relation(path)
        # DuckDB also ends a line at a carriage return, and bad UTF-8 aborts its reader: the Python reader reads those
        if _has_carriage_return(path) or blank_file(path) or not _decodes(con, relation):
            return python_cases(con, path, name, vocabulary, lang)
    else:
        return python_cases(con, path, name, vocabulary, lang)
    con.execute(f"CREATE OR REPLACE TEMP VIEW {_ident(name)} AS {relation}")
    return source


def jsonl_relation(path: str) -> str:
    """Every line of a JSON Lines file in order, numbered from 1; lines of JSON whitespace only
    are left out (the Python reader skips them), a byte-order mark on line 1 is dropped."""
    read = lines_of(path)
    numbered = f"SELECT row_number() OVER () AS _row, line FROM {read}"
    lines = f"SELECT _row, CASE WHEN _row = 1 AND starts_with(line, chr(65279)) THEN substr(line, 2) ELSE line END AS doc FROM ({numbered})"
    nesting = "length(doc) - length(replace(replace(doc, '[', ''), '{', ''))"
    suspect = f"regexp_matches(doc, '{_SURROGATE}') OR {nesting} > {MAX_DEPTH}"
    return (f"SELECT _row, {_string(path + ':')} || _row AS _source, doc, CAST(NULL AS VARCHAR) AS _reject, "
            f"{suspect} AS _suspect FROM ({lines}) "
            "WHERE doc IS NOT NULL AND NOT regexp_full_match(doc, '[ \\t\\r\\n]*')")


def _has_carriage_return(path: str) -> bool:
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 22), b""):
            if b"\r" in block:
                return True
    return False


def _decodes(con: Any, relation: str) -> bool:
    import duckdb

    try:
        con.execute(f"SELECT count(*) FROM ({relation})").fetchone()
    except duckdb.InvalidInputException:
        return False
    return True


def python_cases(con: Any, path: str, name: str, vocabulary: Any, lang: str = "zh", adapter: Any = None) -> CaseSource:
    """The cases as the Python reader reads them (its rules, its messages), in a temporary
    table; with an `adapter`, as the mapping makes them of the raw payloads the reader reads
    (an item the mapping rejects is a rejected case, with the adapter's reason)."""
    from dsl.cases.adapt import adapted_cases
    from dsl.cases.inputs import FileNotice
    from dsl.cases.readers import read_cases
    from dsl.diagnostics import problem_text
    from dsl.engine.sql.duck import to_json_text

    source = CaseSource(name, path, "python")
    con.execute(f"CREATE OR REPLACE TEMP TABLE {_ident(name)} (_row BIGINT, _source VARCHAR, doc VARCHAR, _reject VARCHAR, "
                f"_suspect BOOLEAN DEFAULT FALSE)")
    rows: list[tuple[int, str, str | None, str | None]] = []
    number = 0
    items = (read_cases(path, vocabulary=vocabulary, notices=True) if adapter is None
             else adapted_cases(path, adapter, vocabulary=vocabulary, notices=True))
    for item in items:
        if isinstance(item, FileNotice):
            source.notices.append((item.source, item.problem))
            source.file_notices.append(item)
            continue
        number += 1
        if item.error is not None:
            rows.append((number, item.source, None, problem_text(item.error, lang)))
        else:
            rows.append((number, item.source, to_json_text(item.doc), None))
        if len(rows) >= 10_000:
            _insert(con, name, rows)
    _insert(con, name, rows)
    return source


def _insert(con: Any, name: str, rows: list[tuple[int, str, str | None, str | None]]) -> None:
    if rows:
        con.executemany(f"INSERT INTO {_ident(name)} (_row, _source, doc, _reject) VALUES (?, ?, ?, ?)", rows)
        rows.clear()

__all__ = ["CaseSource", "SourceError", "jsonl_relation", "open_cases", "python_cases"]
