"""Running a rulebook's query on Spark (a local session by default): cases in, the decisions
`decide` gives out, as duck.py does for DuckDB.

pyspark is an optional extra (`pip install "rulebook[spark]"`); it is imported only when a
session is made. One local session (`local[2]`) serves every call of a process: a JVM
takes 10-20 s to start. Nothing depends on the session time zone or on ANSI mode (time is
integer arithmetic, every cast meets only text a pattern accepted); the session made here
pins Asia/Shanghai anyway, so a user's own look at the data reads Beijing times. It turns
whole-stage code generation off: the Java it writes for a rulebook's projection grows
beyond the JVM's 64 KB a method (Spark then logs an error and runs it without), and
trying took seconds per query.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Iterable

from sqlglot import exp

from dsl.engine.sql import calendar as cal
from dsl.engine.sql.dialect import dialect
from dsl.engine.sql.duck import SqlCase, SqlRulebook, instant
from dsl.engine.sql.query import QueryBuilder

_SESSION: list[Any] = []
CASES_SCHEMA = "_row BIGINT, doc STRING, _at_in BIGINT"


def session() -> Any:
    """The process's local SparkSession, made on first use."""
    if not _SESSION:
        from pyspark.sql import SparkSession

        spark = (SparkSession.builder.master("local[2]").appName("rulebook")
                 .config("spark.ui.enabled", "false")
                 .config("spark.sql.shuffle.partitions", "2")
                 .config("spark.sql.session.timeZone", "Asia/Shanghai")
                 .config("spark.sql.codegen.wholeStage", "false")
                 .config("spark.ui.showConsoleProgress", "false")
                 .getOrCreate())
        spark.sparkContext.setLogLevel("ERROR")
        _SESSION.append(spark)
    return _SESSION[0]


class SparkRulebook(SqlRulebook):
    """A compiled rulebook with its Spark query over a view `cases(_row, doc, _at_in)`."""

    def __init__(self, book: Any, source: str = "cases", clock: datetime | None = None,
                 at: datetime | None = None):
        self.book = book
        self.source = source
        builder = QueryBuilder(book.model, book.params, book.vocabulary, dialect("spark"), exp.to_table(source),
                               keep=("_row",), at=at, clock=clock, at_column="_at_in")
        self.query = builder.build()
        self.diagnostics = self.query.diagnostics

    def decide_many(self, docs: Iterable[tuple[str, datetime | None]], con: Any = None) -> list[SqlCase]:
        """Decide the JSON texts `docs` (each with its own moment, or None: the case's `now`);
        `con`: the SparkSession to use (default: this process's local one)."""
        spark = con or session()
        rows = [(i, doc, cal.micros(at) if at is not None else None) for i, (doc, at) in enumerate(docs)]
        spark.createDataFrame(rows, CASES_SCHEMA).createOrReplaceTempView(self.source)
        return self.fetch_rows(self.dataframe(spark).collect())

    def dataframe(self, spark: Any) -> Any:
        """The query as a DataFrame, its stages analysed one at a time as temporary views
        (`_rulebook_<stage>`): Spark's analyser resolves one common table expression per pass
        over the whole plan, and one statement of every stage took twice as long."""
        tree = self.query.tree.copy()
        stages = tree.args["with_"].expressions
        tree.set("with_", None)
        names = {stage.alias: f"_rulebook_{stage.alias}" for stage in stages}
        for stage in [*stages, tree]:
            for table in stage.find_all(exp.Table):
                if table.name in names:
                    table.set("this", exp.to_identifier(names[table.name]))
        for stage in stages:
            spark.sql(self.query.dialect.render(stage.this, pretty=False)).createOrReplaceTempView(names[stage.alias])
        return spark.sql(self.query.dialect.render(tree, pretty=False))

    def fetch_rows(self, rows: list[Any]) -> list[SqlCase]:
        out = []
        for row in rows:
            r = row.asDict()
            out.append(SqlCase(r["_row"], r["_id"], instant(r["_at"]), bool(r["_dirty"]), r["_fatal"],
                               tuple(self._decision(r, rc) for rc in self.query.rules)))
        out.sort(key=lambda c: c.row)
        return out
