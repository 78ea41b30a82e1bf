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


# Natively typed columns, with values a typed column can hold wrongly: an amount of three
# decimals, one in a DOUBLE, a count in a DOUBLE, the text "true" for a flag, instants and
# Beijing wall times, a NULL object.
TYPED = """SELECT * FROM (VALUES
  (1, 'T-1', {'paid_amount': 199.00::DECIMAL(18, 2), 'refunded_amount': 0::DECIMAL(18, 2), 'status': 'shipped',
   'signed_at': TIMESTAMPTZ '2026-11-01 06:20:00+00', 'aftersale_count': 0::BIGINT, 'domestic': true,
   'special_goods': false, 'goods_kind': 'physical', 'supports_7day_return': 'true'},
   {'type': 'return_refund', 'reason': 'dislike', 'applied_at': TIMESTAMP '2026-11-04 21:00:00', 'status': 'pending'},
   ['fast_refund']),
  (2, 'T-2', {'paid_amount': 129.905::DECIMAL(18, 3), 'refunded_amount': NULL, 'status': 'shipped',
   'signed_at': TIMESTAMPTZ '2026-10-20 23:59:59.5+08', 'aftersale_count': 2::BIGINT, 'domestic': true,
   'special_goods': NULL, 'goods_kind': 'physical', 'supports_7day_return': 'x'},
   {'type': 'reship', 'reason': 'quality_issue', 'applied_at': TIMESTAMP '2026-11-05 09:00:00', 'status': 'pending'},
   []),
  (3, 'T-3', NULL, {'type': 'reship', 'reason': 'dislike', 'applied_at': NULL, 'status': 'pending'}, NULL),
  (4, 'T-4', {'paid_amount': 12345678901234567.89::DECIMAL(38, 2), 'refunded_amount': 0::DECIMAL(18, 2),
   'status': 'completed', 'signed_at': NULL, 'aftersale_count': 1::BIGINT, 'domestic': false, 'special_goods': true,
   'goods_kind': 'physical', 'supports_7day_return': 'true'},
   {'type': 'return_refund', 'reason': 'seven_day_no_reason', 'applied_at': TIMESTAMP '2026-11-02 10:00:00',
    'status': 'pending'}, ['fast_refund', 'x'])
) AS t(_row, id, "order", aftersale, services)"""
DOUBLES = """SELECT 5 AS _row, 'T-5' AS id, {'paid_amount': 99.5::DOUBLE, 'refunded_amount': 0::DECIMAL(18, 2),
   'status': 'shipped', 'signed_at': TIMESTAMPTZ '2026-11-01 14:20:00+08', 'aftersale_count': 2.5::DOUBLE,
   'domestic': true, 'special_goods': false, 'goods_kind': 'physical', 'supports_7day_return': 'true'} AS "order",
   {'type': 'return_refund', 'reason': 'dislike', 'applied_at': TIMESTAMP '2026-11-03 10:00:00', 'status': 'pending'}
   AS aftersale, ['fast_refund'] AS services"""


def table_paths(con: Any, table: str) -> tuple[str, ...]:
    """The paths of a table's columns and struct fields (what `--columns-from` would list)."""
    def walk(prefix: str, typ: Any) -> list[str]:
        if typ.id != "struct":
            return [prefix]
        return [p for k, t in typ.children for p in walk(f"{prefix}.{k}", t)]
    rel = con.sql(f"SELECT * EXCLUDE (_row) FROM {table}")
    return tuple(p for name, typ in zip(rel.columns, rel.types) for p in walk(name, typ))


def typed_table(con: Any, zone: str) -> TableShape:
    con.execute(f"SET TimeZone = '{zone}'")
    con.execute(f"""CREATE OR REPLACE TABLE tcases AS SELECT _row, id, TIMESTAMP '2026-11-05 09:00:00' AS now,
        'douyin' AS platform, "order", aftersale, {{'credit_good': _row % 2 = 0}} AS buyer,
        {{'services': services, 'return_address_count': 1, 'shipping_address_count': 1,
          'return_equals_shipping': false}} AS shop FROM ({TYPED} UNION ALL BY NAME {DOUBLES})""")
    return TableShape("struct", table_paths(con, "tcases"))


@pytest.mark.parametrize("zone", ["UTC", "America/Los_Angeles", "Asia/Shanghai"])
def test_typed_columns_decide_as_the_python_engine_on_backtests_documents(tmp_path: Path, book: Any,
                                                                          zone: str) -> None:
    from dsl.engine.sql.sources import open_cases

    con = connect()
    shape = typed_table(con, zone)
    path = tmp_path / "cases.parquet"
    con.execute(f"COPY (SELECT * EXCLUDE (_row) FROM tcases ORDER BY _row) TO '{path}' (FORMAT parquet)")
    open_cases(con, str(path), "pcases", book.vocabulary)
    docs = [loads(d) for (d,) in con.execute("SELECT doc FROM pcases ORDER BY _row").fetchall()]
    got = _decide(book, con, "tcases", shape)
    decided = 0
    for doc, case in zip(docs, got):
        parsed = book.parse(doc)
        if parsed.fatal:
            assert case.fatal is not None
            continue
        want = tuple(decision_of(book.evaluate_rule(r, parsed.view, AT, lang="en")) for r in book.rules)
        assert case.decisions == want, doc
        decided += sum(d[0] is not None for d in want)
    assert decided > 10
    flat = ", ".join(f'{_dotted(p)} AS "{p}"' for p in shape.columns or () if "." in p)
    con.execute(f"CREATE OR REPLACE TABLE tflat AS SELECT _row, id, now, platform, {flat} FROM tcases")
    assert rows(con, query(book, "tflat", TableShape("flat", table_paths(con, "tflat")))) == \
        rows(con, query(book, "tcases", shape))


def test_an_amount_in_a_double_column_is_never_decided(book: Any) -> None:
    con = connect()
    shape = typed_table(con, "UTC")
    [case] = [c for c in _decide(book, con, "tcases", shape) if c.row == 5]
    errors = [d[-1] for d in case.decisions if d[-1]]
    assert any("order.paid_amount" in e for e in errors)
    assert all(d[0] is None for d in case.decisions if d[-1] and "order.paid_amount" in d[-1])


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
