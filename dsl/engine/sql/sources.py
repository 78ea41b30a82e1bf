"""Case files as a DuckDB relation `(_row, _source, doc, _reject)`: one row per case, the
document as JSON text, for the queries of query.py.

- JSON Lines: DuckDB reads every line in order (`_row` is the line number); blank lines
  are skipped as the Python reader skips them; a line that is not JSON gives a `doc` that
  `json_valid` rejects (the query's `_fatal`).
- Parquet: each row becomes a document with `to_json`; nested structs stay nested, flat
  columns named by path (`order.paid_amount`) are nested by path. Values are written in the
  form the Python engine reads exactly: DECIMAL amounts as their digits in text, TIMESTAMP
  (no zone) as Beijing wall time, TIMESTAMPTZ as the instant with `+08:00` (whatever the
  session time zone). An amount held in a DOUBLE column is not exact: it is written as a
  text no amount check accepts, so a rule reading it is undecided, never decided on a
  rounded value, and the file gets a notice.
- Anything else (CSV, a JSON Lines file DuckDB cannot decode): the Python reader reads it,
  with its own rules and messages, into a temporary table; a case it rejects has `doc` NULL
  and the reason in `_reject`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from dsl.diagnostics import Phrase
from dsl.limits import MAX_DEPTH

#: microseconds from UTC to Beijing time
_BJ_US: Final = 8 * 3600 * 1_000_000
_JSONL: Final = (".jsonl", ".ndjson")
_PARQUET: Final = (".parquet", ".pq")
# a JSON escape of a UTF-16 surrogate: the Python reader refuses a lone one
_SURROGATE: Final = r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}"


class SourceError(ValueError):
    """A case file DuckDB cannot read as a table of cases; carries the catalogued reason."""

    def __init__(self, problem: Phrase):
        super().__init__(problem)
        self.problem = problem


@dataclass
class CaseSource:
    """A temporary view `name` of the cases of one file, and what was said about the file."""

    name: str
    path: str
    kind: str                                      # jsonl, parquet, python
    notices: list[tuple[str, Phrase]] = field(default_factory=list)   # (where, what)
    file_notices: list[Any] = field(default_factory=list)   # the Python reader's FileNotice objects (`diff` says them as `eval`)


def open_cases(con: Any, path: str, name: str, vocabulary: Any, lang: str = "zh") -> CaseSource:
    """Create the view `name` over the cases of `path` (JSON Lines, Parquet, or what the Python reader reads)."""
    suffix = Path(path).suffix.lower()
    if suffix in _PARQUET:
        source = CaseSource(name, path, "parquet")
        relation = parquet_relation(con, path, vocabulary, source.notices)
    elif suffix in _JSONL:
        source = CaseSource(name, path, "jsonl")
        relation = jsonl_relation(path)
        # DuckDB also ends a line at a carriage return, and bad UTF-8 aborts its reader: the Python reader reads those
        if _has_carriage_return(path) or not _decodes(con, relation):
            return python_cases(con, path, name, vocabulary, lang)
    else:
        return python_cases(con, path, name, vocabulary, lang)
    con.execute(f"CREATE OR REPLACE TEMP VIEW {_ident(name)} AS {relation}")
    return source


def _string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def jsonl_relation(path: str) -> str:
    """Every line of a JSON Lines file in order, numbered from 1; lines of JSON whitespace only
    are left out (the Python reader skips them), a byte-order mark on line 1 is dropped."""
    read = (f"read_csv({_string(path)}, columns={{'line': 'VARCHAR'}}, header=false, delim=chr(1), quote='', "
            "escape='', auto_detect=false, strict_mode=false, new_line='\\n', max_line_size=10485760)")
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


def parquet_relation(con: Any, path: str, vocabulary: Any, notices: list[tuple[str, Phrase]]) -> str:
    """One document per row of a Parquet file (see the module docstring), numbered from 1."""
    import duckdb

    scan = f"read_parquet({_string(path)}, file_row_number=true)"
    try:
        rel = con.sql(f"SELECT * FROM read_parquet({_string(path)}) LIMIT 0")
    except duckdb.Error as exc:
        raise SourceError(Phrase("backtest.unreadable", path=path, detail=str(exc).splitlines()[0])) from None
    columns = list(zip(rel.columns, rel.types))
    if any(n == "file_row_number" for n, _ in columns):
        raise SourceError(Phrase("backtest.reserved_column", path=path, column="file_row_number"))
    tree = _path_tree(path, columns)
    writer = _Writer(vocabulary, path, notices)
    doc = f"to_json({writer.struct(tree, '')})"
    return (f"SELECT file_row_number + 1 AS _row, {_string(path + ':')} || (file_row_number + 1) AS _source, "
            f"CAST({doc} AS VARCHAR) AS doc, CAST(NULL AS VARCHAR) AS _reject, FALSE AS _suspect FROM {scan}")


def _path_tree(path: str, columns: list[tuple[str, Any]]) -> dict[str, Any]:
    """Columns nested by the dots of their names: {key: subtree | (column, type)}."""
    tree: dict[str, Any] = {}
    for name, typ in columns:
        parts = name.split(".")
        node = tree
        for part in parts[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise SourceError(Phrase("backtest.column_clash", path=path, column=name))
        if parts[-1] in node:
            raise SourceError(Phrase("backtest.column_clash", path=path, column=name))
        node[parts[-1]] = (name, typ)
    return tree


class _Writer:
    """SQL that turns a column's value into what to_json should write for the field at its path."""

    def __init__(self, vocabulary: Any, path: str, notices: list[tuple[str, Phrase]]):
        self.fields = vocabulary.fields if vocabulary is not None else {}
        self.path, self.notices = path, notices
        self.unknown: list[str] = []

    def _known(self, at: str, column: str) -> None:
        """Say once a column (or struct field) that names no case field: every rule ignores it."""
        if not self.fields or at in self.fields or any(p.startswith(at + ".") for p in self.fields):
            return
        if any(at.startswith(u + ".") for u in self.unknown):
            return
        self.unknown.append(at)
        self.notices.append((f"{self.path}: {column}", Phrase("backtest.unknown_column", column=column, field=at)))

    def struct(self, tree: dict[str, Any], prefix: str) -> str:
        parts = []
        for key, node in tree.items():
            at = f"{prefix}.{key}" if prefix else key
            self._known(at, node[0] if isinstance(node, tuple) else at)
            value = self.struct(node, at) if isinstance(node, dict) else self.value(_ident(node[0]), node[1], at, node[0])
            parts.append(f"{_ident(key)} := {value}")
        return f"struct_pack({', '.join(parts)})"

    def value(self, expr: str, typ: Any, at: str, column: str) -> str:
        kind = self._kind(at)
        tid = typ.id
        if tid == "struct":
            for k, _ in typ.children:
                self._known(f"{at}.{k}", column)
            inner = ", ".join(f"{_ident(k)} := {self.value(f'struct_extract({expr}, {_string(k)})', t, f'{at}.{k}', column)}"
                              for k, t in typ.children)
            return f"CASE WHEN {expr} IS NULL THEN NULL ELSE struct_pack({inner}) END"
        if tid == "list":
            item = self.value("x", typ.child, at, column)
            return expr if item == "x" else f"list_transform({expr}, lambda x: {item})"
        if tid == "decimal":
            return f"CAST({expr} AS VARCHAR)" if kind == "money" else expr
        if tid in ("double", "float"):
            if kind != "money":
                return expr
            self.notices.append((f"{self.path}: {column}", Phrase("backtest.inexact_column", column=column, field=at)))
            return f"'inexact ' || CAST({expr} AS VARCHAR)"
        if tid == "timestamp with time zone":
            return (f"strftime(make_timestamp(epoch_us({expr}) + CAST({_BJ_US} AS BIGINT)), '%Y-%m-%dT%H:%M:%S.%f') "
                    "|| '+08:00'")
        if tid.startswith("timestamp") or tid == "date":
            return f"CAST({expr} AS VARCHAR)"
        if kind == "money" and tid in ("tinyint", "smallint", "integer", "bigint", "hugeint", "utinyint",
                                       "usmallint", "uinteger", "ubigint", "uhugeint"):
            return f"CAST({expr} AS VARCHAR)"
        return expr

    def _kind(self, at: str) -> str | None:
        fld = self.fields.get(at)
        return fld.type.kind if fld is not None else None


def python_cases(con: Any, path: str, name: str, vocabulary: Any, lang: str = "zh") -> CaseSource:
    """The cases as the Python reader reads them (its rules, its messages), in a temporary table."""
    from dsl.cases.inputs import FileNotice
    from dsl.cases.readers import read_cases
    from dsl.diagnostics import problem_text
    from dsl.engine.sql.duck import to_json_text

    source = CaseSource(name, path, "python")
    con.execute(f"CREATE OR REPLACE TEMP TABLE {_ident(name)} (_row BIGINT, _source VARCHAR, doc VARCHAR, _reject VARCHAR, "
                f"_suspect BOOLEAN DEFAULT FALSE)")
    rows: list[tuple[int, str, str | None, str | None]] = []
    number = 0
    for item in read_cases(path, vocabulary=vocabulary, notices=True):
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
