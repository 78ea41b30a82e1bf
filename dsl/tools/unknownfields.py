"""Cases that name fields the vocabulary does not know, counted and said as `eval` does, for
the commands that compare two rulebooks over cases (`diff`, both engines, and `backtest`).

A typo in an export (`paid_amout`) leaves the field missing: the rules decide without it.
`eval` says it (warning E405, once per file and path) and exits 1; a comparison that
stayed silent would report "nothing changes" about cases it never read right. The counts
go in the reports (`unknown_fields`, `with_unknown_fields`); the lines are said by the
caller after the run, through `batch.report_unknown` (the one renderer `eval` uses).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

from dsl.cases.inputs import FileNotice
from dsl.tools.batch import Report, report_notice, report_unknown, source_file

if TYPE_CHECKING:   # the DuckDB side is imported only by the commands that use it
    from dsl.engine.sql.sources import CaseSource


@dataclass
class UnknownFields:
    """Per path, the cases naming it; how many cases name any; the first case per file and
    path (what is said); the notices about whole files (a CSV column that names no field)."""

    per_path: Counter[str] = field(default_factory=Counter)
    cases: int = 0
    first: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)   # (file, path) -> (source, case)
    notices: list[FileNotice] = field(default_factory=list)

    def add(self, source: str, case: str, paths: list[str], cases: int = 1) -> None:
        """`cases` cases (from `source`, the first named `case`) that name the unknown `paths`."""
        if not paths or not cases:
            return
        self.cases += cases
        for path in paths:
            self.per_path[path] += cases
            self.first.setdefault((source_file(source), path), (source, case))

    def add_source(self, source: CaseSource, vocabulary: Any) -> None:
        """The notices about a file DuckDB opened: the Python reader's, or a Parquet file's."""
        from dsl.cases.parquetfile import parquet_notices

        self.notices += source.file_notices or parquet_notices(source.path, source.notices, vocabulary)

    @property
    def warned(self) -> bool:
        """Whether anything was said that makes the run not clean (exit 1, as `eval`)."""
        return bool(self.cases) or any(n.severity == "warning" for n in self.notices)

    def say(self, vocabulary: Any, lang: str, report: Report) -> None:
        """The file notices, then each unknown path once per file (not again after a notice about it)."""
        for notice in self.notices:
            report_notice(notice, lang, report)
        for (_, path), (source, case) in self.first.items():
            report_unknown(source, case, [path], vocabulary, lang, report)

    def lines(self, lang: str) -> list[str]:
        """The report's line about them (none when there are none), as `eval`'s summary lists them."""
        from dsl.diagnostics import Phrase

        if not self.cases:
            return []
        listed = ", ".join(f"{path} ({n})" for path, n in sorted(self.per_path.items()))
        return [Phrase("report.unknown_fields", cases=self.cases, paths=listed).label("zh" if lang == "zh" else "en")]

    def to_json(self) -> dict[str, Any]:
        return {"with_unknown_fields": self.cases, "unknown_fields": dict(sorted(self.per_path.items()))}


def scan(con: Any, source: CaseSource, book: Any, unknown: UnknownFields, dirty_only: bool,
         read_row: Callable[..., Any]) -> None:
    """Count the unknown fields of the cases DuckDB read from `source` (view `source.name`):
    the JSON Lines rows it flagged `_dirty` in table `bt` (`dirty_only`), else every row;
    a Parquet file's unknown columns are its notices, counted for each of its rows."""
    from dsl.cases.parquetfile import parquet_notices

    view = '"' + source.name.replace('"', '""') + '"'
    if source.kind == "parquet":
        paths = [n.path for n in parquet_notices(source.path, source.notices, book.vocabulary)
                 if n.path and book.vocabulary.get(n.path) is None]
        if paths:
            (rows,) = con.execute(f"SELECT count(*) FROM {view}").fetchone()
            unknown.add(f"{source.path}:1", f"{source.path}:1", paths, cases=rows)
        return
    where = "JOIN bt USING (_row) WHERE bt._dirty" if dirty_only else "WHERE TRUE"
    cursor = con.execute(f"SELECT c._row, c._source, c.doc FROM {view} c {where} AND c.doc IS NOT NULL "
                         "AND c._reject IS NULL ORDER BY c._row")
    while rows := cursor.fetchmany(4096):
        for row, name, doc in rows:
            item = read_row(source, row, name, doc, None)
            parsed = book.parse(item.doc, name) if item.error is None else None
            if parsed is not None and not parsed.fatal:
                unknown.add(name, parsed.id, parsed.validate().unknown)
