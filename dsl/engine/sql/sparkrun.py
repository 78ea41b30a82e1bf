"""Running a rulebook's query on Spark: cases in, the decisions `decide` gives out, as duck.py
does for DuckDB.

pyspark is an optional extra (`pip install "rulebook[spark]"`); it is imported only when a
session is made. One session serves every call of a process (a JVM takes 10-20 s to start):
a local one (`local[2]`) by default, a cluster's with a master URL (`--spark-master`), or a
Spark Connect server's when a remote is given (`SPARK_REMOTE`, pyspark's own convention; no
Java is needed on this side then). Without pyspark, or without Java for a session of its
own, `SparkUnavailable` carries the catalogued reason and its fix: never a traceback.

Nothing depends on the session time zone or on ANSI mode (time is integer arithmetic,
every cast meets only text a pattern accepted; the tests run with the zone set to UTC); the
zone is pinned to Asia/Shanghai anyway on every session used, so a user's own look at the
data reads Beijing times. Whole-stage code generation is off: the Java it writes for a
rulebook's projection grows beyond the JVM's 64 KB a method (Spark then logs an error and
runs it without), and trying took seconds per query.
"""
from __future__ import annotations

import os
import shutil
import socket
import warnings
from datetime import datetime
from typing import Any, Iterable
from urllib.parse import urlsplit

from sqlglot import exp

from dsl.diagnostics import Phrase
from dsl.engine.sql import calendar as cal
from dsl.engine.sql.dialect import dialect
from dsl.engine.sql.duck import SqlCase, SqlRulebook, instant
from dsl.engine.sql.query import QueryBuilder

_SESSION: list[Any] = []
CASES_SCHEMA = "_row BIGINT, doc STRING, _at_in BIGINT"
ZONE = "Asia/Shanghai"
CONNECT_PORT = 15002   # Spark Connect's default port, as pyspark's client assumes it
# runtime settings (a Connect server takes these; the static ones are for a session made here)
_RUNTIME = {"spark.sql.session.timeZone": ZONE, "spark.sql.codegen.wholeStage": "false"}


class SparkUnavailable(RuntimeError):
    """No Spark session can be had here; `problem` says why and how to fix it (catalogued)."""

    def __init__(self, problem: Phrase):
        super().__init__(problem.label("en"))
        self.problem = problem


def _reachable(remote: str, timeout: float = 10.0) -> None:
    """Raise `SparkUnavailable` when nothing listens at the Connect address `sc://host:port/;…`."""
    url = urlsplit(remote.split("/;", 1)[0])
    if url.scheme != "sc" or not url.hostname:
        raise SparkUnavailable(Phrase("spark.bad_remote", where=remote))
    try:
        port = url.port or CONNECT_PORT
        socket.create_connection((url.hostname, port), timeout=timeout).close()
    except (OSError, ValueError) as exc:
        raise SparkUnavailable(Phrase("spark.unreachable", where=remote,
                                      detail=exc.strerror or str(exc) or type(exc).__name__)) from None


def session(master: str | None = None, remote: str | None = None) -> Any:
    """The process's SparkSession, made on first use: Spark Connect at `remote` (default: the
    environment's SPARK_REMOTE), else a session of its own on `master` (default local[2])."""
    if not _SESSION:
        remote = remote or os.environ.get("SPARK_REMOTE") or None
        try:
            from pyspark.sql import SparkSession
        except ImportError:
            raise SparkUnavailable(Phrase("spark.no_pyspark")) from None
        if remote is None and not _java():
            raise SparkUnavailable(Phrase("spark.no_java"))
        try:
            spark = _remote(SparkSession, remote) if remote is not None else _local(SparkSession, master)
        except SparkUnavailable:
            raise
        except Exception as exc:  # noqa: BLE001 - pyspark's errors have no common base: said, with the fix
            detail = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise SparkUnavailable(Phrase("spark.cannot_start", where=remote or master or "local[2]",
                                          detail=detail)) from None
        _SESSION.append(spark)
    return _SESSION[0]


def _java() -> bool:
    """A `java` pyspark can start: JAVA_HOME's, else one on PATH (what spark-submit looks for)."""
    home = os.environ.get("JAVA_HOME")
    if home:
        return os.access(os.path.join(home, "bin", "java"), os.X_OK)
    return shutil.which("java") is not None


def _local(builder_of: Any, master: str | None) -> Any:
    """A session of its own. The JVM's own output (log4j's start-up lines, Java's warnings)
    goes to a log file, unlinked once started: stderr is eval's, and must be what the
    Python engine writes. A JVM that does not start leaves the log, named in the error."""
    import tempfile

    from pyspark import SparkConf, SparkContext
    from pyspark.java_gateway import launch_gateway

    conf = (SparkConf().setMaster(master or "local[2]").setAppName("rulebook")
            .set("spark.ui.enabled", "false").set("spark.sql.shuffle.partitions", "2")
            .set("spark.ui.showConsoleProgress", "false"))
    if (master or "local").startswith("local"):     # all in this process: listen on loopback only
        conf.set("spark.driver.host", "127.0.0.1").set("spark.driver.bindAddress", "127.0.0.1")
    for key, value in _RUNTIME.items():
        conf.set(key, value)
    with tempfile.NamedTemporaryFile(prefix="rulebook-spark-", suffix=".log", delete=False) as log:
        try:
            gateway = launch_gateway(conf, popen_kwargs={"stdout": log, "stderr": log})
        except Exception as exc:  # noqa: BLE001 - said by session() with the log's name
            raise RuntimeError(f"{(str(exc).strip().splitlines() or [''])[0]} (log: {log.name})") from None
    os.unlink(log.name)
    context = SparkContext(conf=conf, gateway=gateway)
    context.setLogLevel("ERROR")
    return builder_of(context)


def _remote(builder_of: Any, remote: str) -> Any:
    """A Spark Connect session. The address is tried first: pyspark's client retries an
    address nobody answers for minutes before it gives up, and a wrong SPARK_REMOTE must be
    said at once. pandas 3 makes pyspark warn on import (it supports pandas < 3): that
    warning is not eval's to print."""
    _reachable(remote)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        try:
            spark = builder_of.builder.remote(remote).getOrCreate()
        except ImportError as exc:   # pyspark without its Connect packages
            detail = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise SparkUnavailable(Phrase("spark.no_connect", detail=detail)) from None
    for key, value in _RUNTIME.items():
        spark.conf.set(key, value)
    return spark


class SparkRulebook(SqlRulebook):
    """A compiled rulebook with its Spark query over a view `cases(_row, doc, _at_in)`."""

    def __init__(self, book: Any, source: str = "cases", clock: datetime | None = None,
                 at: datetime | None = None, check_all: bool = False):
        self.book = book
        self.source = source
        builder = QueryBuilder(book.model, book.params, book.vocabulary, dialect("spark"), exp.to_table(source),
                               keep=("_row",), at=at, clock=clock, at_column="_at_in", check_all=check_all)
        self.query = builder.build()
        self.diagnostics = self.query.diagnostics

    def decide_many(self, docs: Iterable[tuple[str, datetime | None]], con: Any = None) -> list[SqlCase]:
        """Decide the JSON texts `docs` (each with its own moment, or None: the case's `now`);
        `con`: the SparkSession to use (default: this process's own, see `session`)."""
        spark = con or session()
        rows = [(i, doc, cal.micros(at) if at is not None else None) for i, (doc, at) in enumerate(docs)]
        spark.createDataFrame(rows, CASES_SCHEMA).createOrReplaceTempView(self.source)
        frame = self.dataframe(spark)
        return self.fetch_rows(frame.select(*[f"`{name}`" for name in self.columns()]).collect())

    def columns(self) -> list[str]:
        """The result columns the decisions are read from (not the documents: sending them
        back to Python would double what crosses over)."""
        out = ["_row", "_id", "_at", "_dirty", "_fatal"]
        for rc in self.query.rules:
            out += [rc.matched, rc.action, rc.deadline, rc.due, rc.version, rc.error]
            out += [f"{rc.prefix}_o{j}" for j in range(len(rc.outputs_kinds))]
        return out

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
