"""`rulebook sql --columns struct|flat` (issue 15): a table of cases held as nested structs or
as flat columns named by path is decided as the Python engine decides the same cases.

Tables are built here from fixture cases with bad values of every sort: a struct table whose
leaves are DuckDB JSON values (each keeps its JSON kind: the text "true", an amount with three
decimals, a number for a date) and its flat twin give exactly the rows of the JSON-column
query; a table of natively typed columns (DECIMAL, BIGINT, BOOLEAN, TIMESTAMP, TIMESTAMPTZ,
VARCHAR, DOUBLE) gives the decisions the Python engine makes on the documents `backtest`
reads from the same table written to Parquet, whatever the session time zone.
"""
from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest
from sqlglot import exp

from dsl import load_rulebook
from dsl.cases.inputs import loads
from dsl.engine.sql.dialect import dialect
from dsl.engine.sql.duck import SqlRulebook, connect, to_json_text
from dsl.engine.sql.query import QueryBuilder
from dsl.engine.sql.tables import TableReader, TableShape
from dsl.tools.sqlexamples import decision_of

from conftest import FIXTURES
from test_order_independence import AT, VALUES, spoiled

duckdb = pytest.importorskip("duckdb")


@pytest.fixture(scope="module")
def book() -> Any:
    return load_rulebook(FIXTURES / "rulebooks" / "douyin.yaml")


def bad_cases(n: int = 60) -> list[dict[str, Any]]:
    """The fixture case with some fields spoiled (good, null and bad values), seeded."""
    rng = random.Random(15)
    paths = sorted(VALUES)
    return [spoiled([(p, rng.randrange(7)) for p in rng.sample(paths, rng.randrange(1, 6))]) for _ in range(n)]


def query(book: Any, source: str, shape: TableShape | None, long: bool = True, d: str = "duckdb") -> str:
    reader = TableReader(dialect(d), book.vocabulary, shape) if shape else None
    builder = QueryBuilder(book.model, book.params, book.vocabulary, dialect(d), exp.to_table(source),
                           doc_column=None if shape else "doc", keep=("_row",), at=AT, read_with=reader)
    built = builder.build(long=long)
    assert built.diagnostics == []
    return built.sql(pretty=False)


def rows(con: Any, sql: str) -> list[tuple[Any, ...]]:
    return sorted(con.execute(sql).fetchall(), key=repr)


def leaves(vocabulary: Any) -> list[str]:
    return [p for p, f in vocabulary.fields.items() if f.type.kind != "object"]


def struct_select(vocabulary: Any, value: Any, prefix: str = "") -> list[tuple[str, str]]:
    """(key, SQL) of every field under `prefix`, objects as struct_pack (NULL when the
    document's value there is not an object)."""
    out = []
    for key in sorted(vocabulary.keys_under(prefix)):
        path = f"{prefix}.{key}" if prefix else key
        fld = vocabulary.fields[path]
        if fld.type.kind == "object":
            inner = ", ".join(f'"{k}" := {v}' for k, v in struct_select(vocabulary, value, path))
            out.append((key, f"CASE WHEN json_type(doc, '{_jp(path)}') = 'OBJECT' THEN struct_pack({inner}) END"))
        else:
            out.append((key, value(path)))
    return out


def _jp(path: str) -> str:
    return "$" + "".join(f'."{p}"' for p in path.split("."))


def json_tables(con: Any, book: Any, docs: list[dict[str, Any]]) -> None:
    """`jcases(_row, doc)`; `scases`: the same cases as structs of JSON leaves; `fcases` flat."""
    con.execute("CREATE OR REPLACE TABLE jcases (_row BIGINT, doc VARCHAR)")
    con.executemany("INSERT INTO jcases VALUES (?, ?)", [(i, to_json_text(d)) for i, d in enumerate(docs)])
    fields = struct_select(book.vocabulary, lambda p: f"json_extract(doc, '{_jp(p)}')")
    top = ", ".join(f'{v} AS "{k}"' for k, v in fields)
    con.execute(f"CREATE OR REPLACE TABLE scases AS SELECT _row, {top} FROM jcases")
    flat = ", ".join(f'{_dotted(p)} AS "{p}"' for p in leaves(book.vocabulary))
    con.execute(f"CREATE OR REPLACE TABLE fcases AS SELECT _row, {flat} FROM scases")


def _dotted(path: str) -> str:
    return ".".join(f'"{p}"' for p in path.split("."))


def test_struct_and_flat_tables_of_json_values_give_the_json_columns_rows(book: Any) -> None:
    docs = bad_cases()
    con = connect()
    json_tables(con, book, docs)
    want = rows(con, query(book, "jcases", None))
    assert len(want) > 100 and any(r[-1] for r in want) and any(r[3] is True for r in want)
    assert rows(con, query(book, "scases", TableShape("struct"))) == want
    assert rows(con, query(book, "fcases", TableShape("flat"))) == want


def test_struct_tables_of_json_values_decide_as_the_python_engine(book: Any) -> None:
    docs = bad_cases(30)
    con = connect()
    json_tables(con, book, docs)
    got = _decide(book, con, "scases", TableShape("struct"))
    for doc, case in zip(docs, got):
        parsed = book.parse(doc)
        want = tuple(decision_of(book.evaluate_rule(r, parsed.view, AT, lang="en")) for r in book.rules)
        assert case.decisions == want, doc


def _decide(book: Any, con: Any, source: str, shape: TableShape) -> list[Any]:
    """The wide query's rows as `CompiledRulebook.decide` tuples (duck.py's reading of them)."""
    sql = SqlRulebook.__new__(SqlRulebook)
    sql.book = book
    reader = TableReader(dialect("duckdb"), book.vocabulary, shape)
    sql.query = QueryBuilder(book.model, book.params, book.vocabulary, dialect("duckdb"), exp.to_table(source),
                             doc_column=None, keep=("_row",), at=AT, read_with=reader).build()
    return sql.fetch(con.execute(sql.query.sql(pretty=False)))


# Natively typed columns, one table a case (a column has one type): (kind, value) per path.
BASE_ROW: dict[str, tuple[str, Any]] = {
    "id": ("str", "T"), "now": ("wall", "2026-11-05 09:00:00"), "platform": ("str", "douyin"),
    "order.paid_amount": ("dec", ("199.00", "DECIMAL(18, 2)")), "order.refunded_amount": ("dec", ("0.00", "DECIMAL(18, 2)")),
    "order.status": ("str", "shipped"), "order.paid_at": ("instant", "2026-10-29 19:42:10+08:00"),
    "order.signed_at": ("instant", "2026-11-01 06:20:00+00:00"), "order.aftersale_count": ("int", 0),
    "order.domestic": ("bool", True), "order.special_goods": ("bool", False), "order.goods_kind": ("str", "physical"),
    "order.supports_7day_return": ("bool", True), "order.category": ("str", "apparel"),
    "aftersale.type": ("str", "return_refund"), "aftersale.reason": ("str", "dislike"),
    "aftersale.applied_at": ("wall", "2026-11-04 21:00:00"), "aftersale.status": ("str", "awaiting_merchant"),
    "buyer.credit_good": ("bool", True), "shop.services": ("list", ["fast_refund"]),
    "shop.return_address_count": ("int", 1), "shop.shipping_address_count": ("int", 1),
    "shop.return_equals_shipping": ("bool", False),
}
# what a typed column can hold wrongly: an amount of three decimals, one in a DOUBLE, a count
# in a DOUBLE, the text "true" for a flag; instants near a Beijing midnight, NULLs
VARIANTS: list[dict[str, tuple[str, Any]]] = [
    {},
    {"order.paid_amount": ("dec", ("129.905", "DECIMAL(18, 3)")), "order.supports_7day_return": ("str", "true"),
     "order.signed_at": ("instant", "2026-10-20 23:59:59.5+00:00"), "order.aftersale_count": ("dec", ("2.00", "DECIMAL(10, 2)"))},
    {"order.paid_amount": ("double", 99.5), "order.aftersale_count": ("double", 2.5)},
    {"order.paid_amount": ("dec", ("12345678901234567.89", "DECIMAL(38, 2)")), "order.refunded_amount": ("null", None),
     "order.status": ("null", None), "shop.services": ("list", [])},
    {"aftersale.applied_at": ("wall", "2026-10-27 08:59:59.999999"), "order.signed_at": ("instant", "2026-10-20 00:30:00-11:00"),
     "aftersale.type": ("str", "reship"), "order.domestic": ("str", "no")},
    {"order": ("null", None)},     # a NULL struct: not a case
]
ZONES = ["UTC", "America/Los_Angeles", "Asia/Shanghai"]


def literal(d: str, kind: str, value: Any) -> str:
    """A typed SQL value: DuckDB's TIMESTAMP is Spark's TIMESTAMP_NTZ, TIMESTAMPTZ Spark's TIMESTAMP."""
    duck = d == "duckdb"
    if kind == "dec":
        return f"CAST('{value[0]}' AS {value[1]})"
    if kind == "wall":
        return f"{'TIMESTAMP' if duck else 'TIMESTAMP_NTZ'} '{value}'"
    if kind == "instant":
        return f"{'TIMESTAMPTZ' if duck else 'TIMESTAMP'} '{value}'"
    if kind in ("int", "double"):
        return f"CAST({value} AS {kind.upper().replace('INT', 'BIGINT')})"
    if kind == "bool":
        return "true" if value else "false"
    if kind == "list":
        items = ", ".join(f"'{v}'" for v in value)
        return f"CAST([{items}] AS VARCHAR[])" if duck else f"CAST(array({items}) AS ARRAY<STRING>)"
    if kind == "null":
        return "CAST(NULL AS VARCHAR)" if duck else "CAST(NULL AS STRING)"
    return f"'{value}'"


def row_select(d: str, values: dict[str, tuple[str, Any]], n: int, nulls: tuple[str, ...] = ()) -> str:
    """`SELECT n AS _row, <columns>`: nested structs by path; the top-level structs `nulls` NULL."""
    tree: dict[str, Any] = {}
    for path, value in values.items():
        node = tree
        *parents, key = path.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[key] = value

    def sql(node: Any) -> str:
        if isinstance(node, tuple):
            return literal(d, *node)
        if d == "duckdb":
            return "struct_pack(" + ", ".join(f'"{k}" := {sql(v)}' for k, v in node.items()) + ")"
        return "named_struct(" + ", ".join(f"'{k}', {sql(v)}" for k, v in node.items()) + ")"
    def null(k: str, v: str) -> str:
        return f"CASE WHEN false THEN {v} END" if k in nulls else v
    quote = '"' if d == "duckdb" else "`"
    return f"SELECT {n} AS _row, " + ", ".join(f"{null(k, sql(v))} AS {quote}{k}{quote}" for k, v in tree.items())


def typed_rows(d: str) -> list[str]:
    out = []
    for n, variant in enumerate(VARIANTS):
        nulls = tuple(p for p, v in variant.items() if "." not in p and v == ("null", None))
        values = {**BASE_ROW, **{p: v for p, v in variant.items() if p not in nulls}, "id": ("str", f"T-{n}")}
        out.append(row_select(d, values, n, nulls))
    return out


def table_paths(con: Any, table: str) -> tuple[str, ...]:
    """The paths of a table's columns and struct fields (what `--columns-from` would list)."""
    def walk(prefix: str, typ: Any) -> list[str]:
        if typ.id != "struct":
            return [prefix]
        return [p for k, t in typ.children for p in walk(f"{prefix}.{k}", t)]
    rel = con.sql(f"SELECT * EXCLUDE (_row) FROM {table}")
    return tuple(p for name, typ in zip(rel.columns, rel.types) for p in walk(name, typ))


def duck_typed(con: Any, n: int) -> TableShape:
    con.execute(f"CREATE OR REPLACE TABLE tcases AS {typed_rows('duckdb')[n]}")
    return TableShape("struct", table_paths(con, "tcases"))


def python_decisions(book: Any, con: Any, tmp_path: Path) -> tuple[Any, ...] | str:
    """The Python engine's decisions on the document `backtest` reads from `tcases` in Parquet."""
    from dsl.engine.sql.sources import open_cases

    path = tmp_path / "cases.parquet"
    con.execute(f"COPY (SELECT * EXCLUDE (_row) FROM tcases) TO '{path}' (FORMAT parquet)")
    open_cases(con, str(path), "pcases", book.vocabulary)
    [(doc,)] = con.execute("SELECT doc FROM pcases").fetchall()
    parsed = book.parse(loads(doc))
    if parsed.fatal:
        return "fatal"
    return tuple(decision_of(book.evaluate_rule(r, parsed.view, AT, lang="en")) for r in book.rules)


@pytest.mark.parametrize("n", range(len(VARIANTS)))
def test_typed_columns_decide_as_the_python_engine_on_backtests_documents(tmp_path: Path, book: Any, n: int) -> None:
    con = connect()
    con.execute(f"SET TimeZone = '{ZONES[n % len(ZONES)]}'")     # changes nothing
    shape = duck_typed(con, n)
    want = python_decisions(book, con, tmp_path)
    [case] = _decide(book, con, "tcases", shape)
    assert (case.decisions if case.fatal is None else "fatal") == want
    flat = ", ".join(f'{_dotted(p)} AS "{p}"' for p in shape.columns or ())
    con.execute(f"CREATE OR REPLACE TABLE tflat AS SELECT _row, {flat} FROM tcases")
    assert rows(con, query(book, "tflat", TableShape("flat", table_paths(con, "tflat")))) == \
        rows(con, query(book, "tcases", shape))


def test_typed_cases_decide_and_hang_where_they_should(book: Any) -> None:
    con = connect()
    decided = []
    for n in range(len(VARIANTS) - 1):
        [case] = _decide(book, con, "tcases", duck_typed(con, n))
        decided.append(case.decisions)
    errors = {n: {d[-1] for d in ds if d[-1]} for n, ds in enumerate(decided)}
    assert errors[0] == set() and sum(d[0] is True for d in decided[0]) >= 1
    assert any("order.paid_amount" in e for e in errors[1])     # three decimals
    assert any("order.paid_amount" in e for e in errors[2])     # an amount in a DOUBLE is never decided on
    assert any("order.aftersale_count" in e for e in errors[2])
    assert not any("order.paid_amount" in e for e in errors[3])  # 17 integer digits of a DECIMAL are exact


def test_a_missing_column_is_the_engines_error_naming_it(book: Any) -> None:
    con = connect()
    con.execute("""CREATE TABLE thin AS SELECT 1 AS _row, 'x' AS id, TIMESTAMP '2026-11-05 09:00:00' AS now,
                   {'paid_amount': 1::DECIMAL(18, 2)} AS "order" """)
    with pytest.raises(duckdb.BinderException, match="aftersale"):
        con.execute(query(book, "thin", TableShape("struct")))
    # listed: what is not listed is absent (as in a case without it), and the query runs
    listed = TableShape("struct", ("id", "now", "order.paid_amount"))
    doc = {"id": "x", "now": "2026-11-05 09:00:00", "order": {"paid_amount": "1.00"}}
    json_tables(con, book, [doc])
    assert rows(con, query(book, "thin", listed)) == [(1,) + r[1:] for r in rows(con, query(book, "jcases", None))]


def test_a_flat_object_whose_columns_are_all_null_is_null_as_the_csv_reader_makes_it() -> None:
    book = load_rulebook(FIXTURES / "rulebooks" / "kuaishou.yaml")
    base = json.loads((FIXTURES / "examples" / "kuaishou-custom-auto-refund.json").read_text(encoding="utf-8"))
    docs = [json.loads(json.dumps(base)) for _ in range(3)]
    docs[1]["shop"]["auto_refund_policy"] = None
    docs[2]["shop"]["auto_refund_policy"] = {"max_amount": None, "daily_cap": None, "used_today": None}
    con = connect()
    json_tables(con, book, docs)
    got = rows(con, query(book, "fcases", TableShape("flat")))
    # the third case's object of nulls is null in a flat table (a CSV row cannot say otherwise)
    want = rows(con, query(book, "jcases", None))
    assert [r for r in got if r[0] < 2] == [r for r in want if r[0] < 2]
    assert [r[1:] for r in got if r[0] == 2] == [r[1:] for r in got if r[0] == 1]
    assert [r[1:] for r in got if r[0] == 2] != [r[1:] for r in got if r[0] == 0]


def test_spark_reads_a_struct_table_as_the_python_engine_decides(tmp_path: Path, book: Any) -> None:
    """Spark's typed struct columns (TIMESTAMP an instant, TIMESTAMP_NTZ a wall time), in UTC
    with ANSI mode on: the decisions of the Python engine on the same cases."""
    pytest.importorskip("pyspark")
    from dsl.engine.sql.sparkrun import SparkRulebook, session

    spark = session()
    spark.conf.set("spark.sql.session.timeZone", "UTC")
    spark.conf.set("spark.sql.ansi.enabled", "true")
    try:
        for n in (1, 2):     # three decimals, a text flag, an instant near midnight; amounts in a DOUBLE
            con = connect()
            shape = duck_typed(con, n)
            want = python_decisions(book, con, tmp_path)
            spark.sql(typed_rows("spark")[n]).createOrReplaceTempView("tcases")
            runner = SparkRulebook.__new__(SparkRulebook)
            runner.book, runner.source = book, "tcases"
            reader = TableReader(dialect("spark"), book.vocabulary, shape)
            runner.query = QueryBuilder(book.model, book.params, book.vocabulary, dialect("spark"), exp.to_table("tcases"),
                                        doc_column=None, keep=("_row",), at=AT, read_with=reader).build()
            [case] = runner.fetch_rows(runner.dataframe(spark).collect())
            assert (case.decisions if case.fatal is None else "fatal") == want, n
    finally:
        spark.conf.set("spark.sql.session.timeZone", "Asia/Shanghai")
        spark.conf.unset("spark.sql.ansi.enabled")


def test_the_sql_command_prints_a_struct_or_flat_query(invoke: Any, tmp_path: Path) -> None:
    rulebook = FIXTURES / "rulebooks" / "douyin.yaml"
    listed = tmp_path / "columns.txt"
    listed.write_text("# exported header\nid,now,order.paid_amount,order.colour\n", encoding="utf-8")
    result = invoke("sql", "-r", rulebook, "--columns", "flat", "--columns-from", listed, "--dialect", "spark",
                    "--lang", "en")
    assert result.exit_code == 1                    # the query is printed, but a listed column names no field
    assert '`order.paid_amount`' in result.stdout and "`order.status`" not in result.stdout
    assert "warning E406: column 'order.colour'" in result.stderr          # said as the CSV reader says it
    header = result.stdout.splitlines()[1]
    assert header.startswith("-- the columns it reads (flat):") and "`order.paid_amount`" in header
    struct = invoke("sql", "-r", rulebook, "--columns", "struct")
    assert struct.exit_code == 0 and '"order"."paid_amount"' in struct.stdout


@pytest.mark.parametrize("args", [["--columns-from", "COLUMNS"], ["--columns", "flat", "--json-column", "d"]])
def test_options_of_another_form_are_usage_errors(invoke: Any, tmp_path: Path, args: list[str]) -> None:
    listed = tmp_path / "columns.txt"
    listed.write_text("id\n", encoding="utf-8")
    result = invoke("sql", "-r", FIXTURES / "rulebooks" / "douyin.yaml", *[listed if a == "COLUMNS" else a for a in args],
                    "--lang", "en")
    assert result.exit_code == 2 and "--columns" in result.stderr
