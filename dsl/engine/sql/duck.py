"""Running a rulebook's query on DuckDB (embedded): cases in, the decisions `decide` gives out.

`SqlRulebook(book).decide_many(docs)` gives, per case, the tuples of
`CompiledRulebook.decide` (matched, action, deadline, due, version, outputs) with `matched`
None where the rule is undecided, plus what the SQL engine found about the case: its id, the
moment it was judged at, whether it is `dirty` (a bad or unknown field: the Python engine
has things to report) and `fatal` (not a case at all). The session time zone is pinned to
Asia/Shanghai and nothing depends on it: time is integer arithmetic (calendar.py).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Final, Iterable

from sqlglot import exp

from dsl.engine.sql import calendar as cal
from dsl.engine.sql.dialect import dialect
from dsl.engine.sql.query import CompiledQuery, QueryBuilder
from dsl.lang.values import SHANGHAI

_EPOCH_BJ = datetime(1970, 1, 1, 8, 0, tzinfo=SHANGHAI)


@dataclass
class SqlCase:
    row: int
    id: str
    at: datetime | None
    dirty: bool
    fatal: str | None
    decisions: tuple[tuple[Any, ...], ...]


#: DuckDB's memory for one query: without a limit, a COPY of a million cases on two threads
#: held 1.8 GB (buffers kept to write rows in order); with it, 0.8 GB, spilling to disk if need be
MEMORY_LIMIT: Final = "1GB"
#: the longest line DuckDB reads of a JSON Lines file. Its reader holds 16 lines' worth per
#: buffer (160 MB at 10 MB), a buffer per thread and more in flight; a file with a longer
#: line fails there and is read by the Python engine (whose limit is MAX_LINE_CHARS)
MAX_SQL_LINE_BYTES: Final = 1024 * 1024


def connect() -> Any:
    import duckdb

    con = duckdb.connect()
    con.execute("SET TimeZone = 'Asia/Shanghai'")
    con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
    return con


def lines_of(path: str | Path) -> str:
    """The relation of a file's lines in order, one VARCHAR column `line`, nothing parsed:
    no quotes, no escapes, only a line feed ends a line (a CR before it stays in the line)."""
    return (f"read_csv({exp.Literal.string(str(path)).sql(dialect='duckdb')}, columns={{'line': 'VARCHAR'}}, "
            "header=false, delim=chr(1), quote='', escape='', auto_detect=false, strict_mode=false, "
            f"new_line='\\n', max_line_size={MAX_SQL_LINE_BYTES})")


def instant(us: int | None) -> datetime | None:
    return None if us is None else _EPOCH_BJ + timedelta(microseconds=us)


def python_value(kind: str, value: Any) -> Any:
    """A value of an output column as the Python engine holds it."""
    if value is None:
        return None
    match kind:
        case "timestamp":
            return instant(int(value))
        case "date":
            return cal.EPOCH + timedelta(days=int(value))
        case "duration":
            return timedelta(microseconds=int(value))
        case "int":
            return int(value)
        case "list":
            return tuple(value)
    return value


class SqlRulebook:
    """A compiled rulebook (`book`: its model, params and vocabulary are read) with its DuckDB
    query over a table `cases(_row, doc, _at_in)`."""

    def __init__(self, book: Any, source: str = "cases", clock: datetime | None = None,
                 at: datetime | None = None):
        self.book = book
        builder = QueryBuilder(book.model, book.params, book.vocabulary, dialect("duckdb"), exp.to_table(source),
                               keep=("_row",), at=at, clock=clock, at_column="_at_in")
        self.query: CompiledQuery = builder.build()
        self.diagnostics = self.query.diagnostics

    def decide_many(self, docs: Iterable[tuple[str, datetime | None]], con: Any = None) -> list[SqlCase]:
        """Decide the JSON texts `docs` (each with its own moment, or None: the case's `now`)."""
        con = con or connect()
        rows = [(i, doc, cal.micros(at) if at is not None else None) for i, (doc, at) in enumerate(docs)]
        con.execute("CREATE OR REPLACE TEMP TABLE cases (_row BIGINT, doc VARCHAR, _at_in BIGINT)")
        if rows:
            con.executemany("INSERT INTO cases VALUES (?, ?, ?)", rows)
        return self.fetch(con.execute(self.query.sql(pretty=False)))

    def fetch(self, cursor: Any) -> list[SqlCase]:
        names = [c[0] for c in cursor.description]
        out = []
        for row in cursor.fetchall():
            r = dict(zip(names, row))
            out.append(SqlCase(r["_row"], r["_id"], instant(r["_at"]), bool(r["_dirty"]), r["_fatal"],
                               tuple(self._decision(r, rc) for rc in self.query.rules)))
        out.sort(key=lambda c: c.row)
        return out

    def _decision(self, r: dict[str, Any], rc: Any) -> tuple[Any, ...]:
        matched = r[rc.matched]
        outputs = None
        if matched and rc.outputs_kinds:
            version = r[rc.version]
            names = self._version_outputs(rc.rule, version)
            values = {n: python_value(k, r[f"{rc.prefix}_o{j}"]) for j, (n, k) in enumerate(rc.outputs_kinds)}
            outputs = tuple(values[n] for n in names) or None
        return (matched, r[rc.action], instant(r[rc.deadline]), bool(r[rc.due]), r[rc.version], outputs,
                r[rc.error])

    def _version_outputs(self, rule: str, version: str | None) -> list[str]:
        names = self.query.versions[rule]
        return self.query.outputs[rule][names.index(version)] if version in names else []


def to_json_text(case: Any) -> str:
    """A case document as JSON text with exact numbers: `loads` of it gives the document
    back (Decimal('129.90') is written 129.90, never through a float: 12345678901234567.89
    keeps its digits). Times and dates are written as ISO 8601 text."""
    try:   # most documents hold no Decimal: json's C encoder writes them
        return json.dumps(case, ensure_ascii=False, default=_not_plain)
    except _NotPlain:
        parts: list[str] = []
        _exact(case, parts.append)
        return "".join(parts)


class _NotPlain(TypeError):
    """A value json.dumps cannot write exactly by itself."""


def _not_plain(value: Any) -> Any:
    raise _NotPlain(type(value).__name__)


def _exact(value: Any, out: Any) -> None:
    """`value` as json.dumps writes it (the same separators), a Decimal digit for digit."""
    from decimal import Decimal

    if isinstance(value, dict):
        out("{")
        for i, (key, item) in enumerate(value.items()):
            out((", " if i else "") + json.dumps(str(key), ensure_ascii=False) + ": ")
            _exact(item, out)
        out("}")
    elif isinstance(value, (list, tuple)):
        out("[")
        for i, item in enumerate(value):
            out(", " if i else "")
            _exact(item, out)
        out("]")
    elif isinstance(value, Decimal):
        text = str(value)
        if not value.is_finite():   # no reader gives one; text, which no number check accepts
            out(json.dumps(text))
        else:   # `1000` would come back an int: `1000E0` is Decimal('1000') again
            out(text if any(c in text for c in ".eE") else text + "E0")
    elif isinstance(value, (datetime, date)):
        out(json.dumps(value.isoformat()))
    else:
        out(json.dumps(value, ensure_ascii=False))
