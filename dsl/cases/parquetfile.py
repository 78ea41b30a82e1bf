"""Parquet case files: one case document (JSON text) per row, read by DuckDB, for both engines.

Nested structs stay nested; flat columns named by path (`order.paid_amount`) are nested by
path, and an object whose flat columns are all NULL is absent (as the CSV reader reads the
same row). Values are written in the form the Python engine reads exactly: DECIMAL amounts as
their digits in text, TIMESTAMP (no zone) as Beijing wall time, TIMESTAMPTZ as the instant
with `+08:00` (whatever the session time zone; ±infinity as its text, a bad value). An amount held in a DOUBLE column is not
exact: it is written as a text no amount check accepts, so a rule reading it is undecided,
never decided on a rounded value, and the file gets a notice. A column that names no field is
said as the CSV reader says it (columns.py); a notes column is left out of the documents, as
the CSV reader leaves its cells. `parquet_relation` is the one
definition: `rulebook backtest` (engine/sql/sources.py), `rulebook eval` with the Python
engine (`read_parquet_cases`) and with `--engine duckdb` (tools/sqlbatch.py) all read
Parquet through it, so every engine sees the same documents.
"""
from __future__ import annotations

from typing import Any, Final, Iterator

from dsl.cases.inputs import CaseInput, FileNotice, InputError, loads
from dsl.cases.unreadable import unreadable
from dsl.diagnostics import Phrase
from dsl.limits import MAX_DEPTH

#: microseconds from UTC to Beijing time
_BJ_US: Final = 8 * 3600 * 1_000_000
#: the suffixes of Parquet files
PARQUET_SUFFIXES: Final = (".parquet", ".pq")
#: rows fetched from DuckDB at a time by the Python engine's reader
_FETCH: Final = 2048


class SourceError(ValueError):
    """A case file DuckDB cannot read as a table of cases; carries the catalogued reason."""

    def __init__(self, problem: Phrase):
        super().__init__(problem)
        self.problem = problem


def sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def sql_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def parquet_relation(con: Any, path: str, vocabulary: Any, notices: list[tuple[str, Phrase]]) -> str:
    """One document per row of a Parquet file (see the module docstring), numbered from 1."""
    import duckdb

    scan = f"read_parquet({sql_string(path)}, file_row_number=true)"
    try:
        rel = con.sql(f"SELECT * FROM read_parquet({sql_string(path)}) LIMIT 0")
    except duckdb.Error as exc:
        raise SourceError(unreadable(path, exc)) from None
    columns = list(zip(rel.columns, rel.types))
    if any(n == "file_row_number" for n, _ in columns):
        raise SourceError(Phrase("backtest.reserved_column", path=path, column="file_row_number"))
    tree = _path_tree(path, columns)
    writer = _Writer(vocabulary, path, notices)
    doc = f"to_json({writer.struct(tree, '')})"
    return (f"SELECT file_row_number + 1 AS _row, {sql_string(path + ':')} || (file_row_number + 1) AS _source, "
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


def _columns(tree: dict[str, Any]) -> Iterator[str]:
    """The names of the columns under a node of `_path_tree`."""
    for node in tree.values():
        if isinstance(node, dict):
            yield from _columns(node)
        else:
            yield node[0]


class _Writer:
    """SQL that turns a column's value into what to_json should write for the field at its path."""

    def __init__(self, vocabulary: Any, path: str, notices: list[tuple[str, Phrase]]):
        self.vocabulary = vocabulary
        self.fields = vocabulary.fields if vocabulary is not None else {}
        self.path, self.notices = path, notices
        self.unknown: list[str] = []

    def _known(self, at: str, column: str) -> bool:
        """Say once a column (or struct field) that names no case field: every rule ignores it.
        False for a column the CSV reader would not read either (a notes column such as 备注,
        a note): it is left out of the documents, as the CSV reader leaves its cells."""
        if not self.fields or at in self.fields or any(p.startswith(at + ".") for p in self.fields):
            return True
        if any(at.startswith(u + ".") for u in self.unknown):
            return True
        from dsl.cases.columns import unknown_column

        self.unknown.append(at)
        if unknown_column(at, self.path, self.vocabulary).severity == "note":
            self.notices.append((f"{self.path}: {column}", Phrase("case.unread_column", column=column)))
            return False
        self.notices.append((f"{self.path}: {column}", Phrase("backtest.unknown_column", column=column, field=at)))
        return True

    def struct(self, tree: dict[str, Any], prefix: str) -> str:
        parts = []
        for key, node in tree.items():
            at = f"{prefix}.{key}" if prefix else key
            if isinstance(node, dict):   # flat columns named by path: each said at its own path
                parts.append(f"{sql_ident(key)} := {self.struct(node, at)}")
            elif self._known(at, node[0]):
                parts.append(f"{sql_ident(key)} := {self.value(sql_ident(node[0]), node[1], at, node[0])}")
        packed = f"struct_pack({', '.join(parts)})" if parts else "json_object()"
        if not prefix:
            return packed
        # an object of flat columns all NULL is absent, as the CSV reader reads the same row
        empty = " AND ".join(f"{sql_ident(column)} IS NULL" for column in _columns(tree))
        return f"CASE WHEN {empty} THEN NULL ELSE {packed} END"

    def value(self, expr: str, typ: Any, at: str, column: str) -> str:
        kind = self._kind(at)
        tid = typ.id
        if tid == "struct":
            if kind in (None, "object"):   # a struct where a field of another kind is: its type is wrong (E402), not its name
                for k, _ in typ.children:
                    self._known(f"{at}.{k}", column)
            inner = ", ".join(f"{sql_ident(k)} := {self.value(f'struct_extract({expr}, {sql_string(k)})', t, f'{at}.{k}', column)}"
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
        if tid == "timestamp with time zone":   # ±infinity has no epoch: its text, which no time check accepts
            return (f"CASE WHEN NOT isfinite({expr}) THEN CAST({expr} AS VARCHAR) ELSE "
                    f"strftime(make_timestamp(epoch_us({expr}) + CAST({_BJ_US} AS BIGINT)), '%Y-%m-%dT%H:%M:%S.%f') "
                    "|| '+08:00' END")
        if tid.startswith("timestamp") or tid == "date":
            return f"CAST({expr} AS VARCHAR)"
        if kind == "money" and tid in ("tinyint", "smallint", "integer", "bigint", "hugeint", "utinyint",
                                       "usmallint", "uinteger", "ubigint", "uhugeint"):
            return f"CAST({expr} AS VARCHAR)"
        return expr

    def _kind(self, at: str) -> str | None:
        fld = self.fields.get(at)
        return fld.type.kind if fld is not None else None


def parquet_notices(path: str, notices: list[tuple[str, Phrase]], vocabulary: Any) -> list[FileNotice]:
    """What `parquet_relation` found about the columns, as the file notices eval says once
    (E406): a column that names no field is said as a CSV header's is (a warning with the
    field meant, keyed by its path so the per-case warning about it is not said again; a
    note for a notes column, whose cells are not read), the rest as warnings."""
    from dsl.cases.columns import unknown_column

    out = []
    for _, problem in notices:
        if problem.key in ("backtest.unknown_column", "case.unread_column"):
            out.append(unknown_column(problem.args.get("field", problem.args["column"]), path, vocabulary))
        else:
            out.append(FileNotice(path, "E406", problem, None, problem.args.get("field")))
    return out


def parquet_case(path: str, row: int, doc: str) -> CaseInput:
    """Row `row` (from 1) of a Parquet file as the case both engines read: the document
    parsed by the one JSON reader of case input (`loads`), or why it is not a case."""
    source = f"{path}:{row}"
    try:
        return CaseInput(source, loads(doc))
    except InputError as exc:
        return CaseInput(source, error=exc.problem)
    except RecursionError:
        return CaseInput(source, error=Phrase("case.too_deep", limit=MAX_DEPTH))
    except ValueError as exc:   # DuckDB's to_json gives JSON: not expected, but said, never raised
        return CaseInput(source, error=Phrase("case.json_plain", detail=str(exc)))


def open_parquet(con: Any, path: str, vocabulary: Any) -> tuple[str, list[FileNotice]] | CaseInput:
    """The relation `(_row, _source, doc, ...)` over a Parquet file and the notices about its
    columns, or the file as one case that could not be read (why, catalogued). Both engines
    of `rulebook eval` open Parquet here, so they say the same."""
    import duckdb

    notices: list[tuple[str, Phrase]] = []
    try:
        relation = parquet_relation(con, path, vocabulary, notices)
        con.execute(f"SELECT * FROM ({relation}) LIMIT 0")
    except SourceError as exc:
        return CaseInput(path, error=exc.problem)
    except duckdb.Error as exc:
        return CaseInput(path, error=unreadable(path, exc))
    return relation, parquet_notices(path, notices, vocabulary)


def read_parquet_cases(path: str, vocabulary: Any) -> Iterator[CaseInput | FileNotice]:
    """Every row of a Parquet file as a case, after the notices about its columns (the
    Python engine's reader: DuckDB gives the documents, Python decides them)."""
    try:
        import duckdb
    except ImportError:
        yield CaseInput(path, error=Phrase("case.parquet_needs_duckdb"))
        return
    con = duckdb.connect()
    con.execute("SET TimeZone = 'Asia/Shanghai'")
    opened = open_parquet(con, path, vocabulary)
    if isinstance(opened, CaseInput):
        yield opened
        return
    relation, notices = opened
    yield from notices
    cursor = con.execute(f"SELECT _row, doc FROM ({relation})")
    for rows in iter(lambda: cursor.fetchmany(_FETCH), []):
        for row, doc in rows:
            yield parquet_case(path, row, doc)
