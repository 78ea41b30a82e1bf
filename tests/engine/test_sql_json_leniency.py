"""DuckDB's JSON parser is lenient where the Python reader is strict (issue 15, "bad input gets
the Python engine's answer, never a decision"): a line json.loads refuses must never be
decided by DuckDB. Each line below is a valid Douyin case (the lightning return example,
which matches) made malformed in one way; `eval --engine duckdb`, `diff --engine duckdb`
and `backtest` must say what the Python engine says of it.

Before the fix (reading.py `_LONG_OR_ODD`), a comma before `}` or `]` and `nan`/`inf`
written in any case but `NaN`/`Infinity` were read by DuckDB and decided.
"""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from conftest import EXAMPLES, FIXTURES, RULEBOOK_HEAD, rule_yaml, with_raw

duckdb = pytest.importorskip("duckdb")

BASE: dict[str, Any] = json.loads((EXAMPLES / "douyin-lightning-return.json").read_text(encoding="utf-8"))
TEXT = json.dumps(BASE, ensure_ascii=False)


def _at(path: str, raw: str) -> str:
    return with_raw(BASE, path, raw)


#: the lines the Python reader reads
DECIDED = ("valid", "look-alike in a string", "look-alikes after a comma", "escaped quote, then a look-alike",
           "long digits in a string, an amount as a number", "a backslash, then text like a surrogate")
#: name -> a line the Python reader refuses (or, for the last ones, reads)
LINES: dict[str, str] = {
    "trailing comma, document": TEXT[:-1] + ",}",
    "trailing comma and spaces": TEXT[:-1] + " ,\t }",
    "trailing comma, object": _at("shop", '{"return_address_count": 1, "shipping_address_count": 1, '
                                          '"return_equals_shipping": true,}'),
    "trailing comma, list": _at("shop.services", '["fast_refund",]'),
    "trailing comma, empty list": _at("shop.services", "[,]"),
    "nan": _at("order.paid_amount", "nan"),
    "NAN": _at("order.paid_amount", "NAN"),
    "-nan": _at("order.refunded_amount", "-nan"),
    "NaN": _at("order.paid_amount", "NaN"),
    "inf": _at("order.paid_amount", "inf"),
    "-Inf": _at("order.paid_amount", "-Inf"),
    "infinity": _at("order.aftersale_count", "infinity"),
    "-INFINITY in a list": _at("shop.services", "[-INFINITY]"),
    "Infinity": _at("order.paid_amount", "Infinity"),
    # refused by DuckDB too: kept here so a DuckDB upgrade that reads them is caught
    "block comment": TEXT[:-1] + " /* c */}",
    "line comment": TEXT + " // c",
    "text after the value": TEXT + " x",
    "two values": TEXT + TEXT,
    "single quotes": _at("order.paid_amount", "'199.00'"),
    "unquoted key": TEXT.replace('"now"', "now", 1),
    "leading zero": _at("order.aftersale_count", "00"),
    "plus sign": _at("order.aftersale_count", "+1"),
    "hex": _at("order.aftersale_count", "0x1"),
    "bare fraction": _at("order.aftersale_count", ".5"),
    "raw tab in a string": _at("aftersale.reason", '"dis\tlike"'),
    "raw control character": _at("aftersale.reason", '"dis\x01like"'),
    "bad escape": _at("aftersale.reason", '"\\x41"'),
    "byte-order mark inside": TEXT[:1] + "\ufeff" + TEXT[1:],
    "True": _at("buyer.credit_good", "True"),
    "key given twice": TEXT[:-1] + ', "now": "2026-11-04T21:30:00+08:00"}',
    "key given twice, deep": _at("shop", '{"return_address_count": 1, "shipping_address_count": 1, '
                                         '"return_equals_shipping": true, "return_equals_shipping": true}'),
    # read by both: text in a string that only looks like the above. The first was never an
    # alarm; the others were, until the search confirmed them outside the strings: the
    # printed query left such a case undecided and `--output FILE.parquet` left it out
    "look-alike in a string": _at("order.id", '"size,info: nan; -inf"'),
    "look-alikes after a comma": _at("order.id", '"a, } [Infinity] x: NaN, ]"'),
    "escaped quote, then a look-alike": _at("order.id", '"say \\", }"'),
    "long digits in a string, an amount as a number": with_raw(
        json.loads(_at("order.paid_amount", "199.00")), "order.id", '"a,12345678901234567"'),
    "a backslash, then text like a surrogate": _at("order.id", '"C:\\\\ud800"'),
    "valid": TEXT,
}


@pytest.fixture
def batch(tmp_path: Path) -> Path:
    path = tmp_path / "lenient.jsonl"
    path.write_text("".join(line + "\n" for line in LINES.values()), encoding="utf-8")
    return path


@pytest.fixture
def newer(tmp_path: Path) -> Path:
    """The Douyin fixture with a lower lightning-return amount: the example (199.00) no longer
    matches, so a malformed line decided by mistake is a changed case."""
    text = (FIXTURES / "rulebooks" / "douyin.yaml").read_text(encoding="utf-8")
    assert "  lightning_max_amount:\n    value: 300.00" in text
    target = tmp_path / "douyin-new.yaml"
    target.write_text(text.replace("  lightning_max_amount:\n    value: 300.00", "  lightning_max_amount:\n    value: 100.00"),
                      encoding="utf-8")
    return target


@pytest.mark.parametrize("name", [n for n in LINES if n not in DECIDED])
def test_python_refuses_every_line_duckdb_must_not_decide(name: str) -> None:
    """The premise: each line is one the Python reader refuses (else the test proves nothing)."""
    from dsl.cases.inputs import loads

    with pytest.raises(ValueError):
        loads(LINES[name])


def test_eval_on_duckdb_says_what_the_python_engine_says(invoke: Any, batch: Path) -> None:
    command = ["eval", "-p", "douyin", batch, "--format", "jsonl", "--no-explain", "--lang", "en"]
    python, duck = invoke(*command), invoke(*command, "--engine", "duckdb")
    n = len(DECIDED)
    assert f"{len(LINES)} case(s) read: {n} evaluated, {len(LINES) - n} could not be read" in python.stderr
    assert (duck.stdout, duck.stderr, duck.exit_code) == (python.stdout, python.stderr, python.exit_code)


def test_diff_and_backtest_count_what_the_python_engine_counts(invoke: Any, batch: Path, newer: Path) -> None:
    common = ["douyin", newer, "--cases", batch, "--format", "json", "--lang", "en"]
    python = json.loads(invoke("diff", *common).stdout)["decisions"]
    duck = json.loads(invoke("diff", *common, "--engine", "duckdb").stdout)["decisions"]
    assert python["changed_cases"] == len(DECIDED) and python["rejected"] == len(LINES) - len(DECIDED)
    assert duck == python
    back = json.loads(invoke("backtest", *common).stdout)
    assert (back["cases"], back["rejected"], back["changed_cases"]) == (python["cases"], python["rejected"], len(DECIDED))


# -- the printed query: a document that is no case has its rows, with the reason ---------------

#: documents that are no case for other reasons than their JSON, and their reason
NO_CASE: dict[str, str] = {
    "[]": "not a case: a case is a JSON object",
    '{"id": "NO-ORDER"}': "not a case: 'order' is missing or not an object",
    _at("platform", '"kuaishou"'): "not a case of this rulebook: it names another platform",
}
MALFORMED = "not a case: malformed JSON, or JSON the Python engine refuses (rulebook eval on the document says why)"


def _printed(invoke: Any, *args: str) -> str:
    result = invoke("sql", "-p", "douyin", "--at", "2026-11-05T09:00", *args)
    assert result.exit_code == 0, result.stderr
    return result.stdout.split("\n", 1)[1].rstrip().rstrip(";")


def _expected_errors() -> list[str | None]:
    """Per document of LINES then NO_CASE: the reason its rows give (None: it is a case)."""
    return [None if name in DECIDED else MALFORMED for name in LINES] + list(NO_CASE.values())


def test_the_printed_query_gives_every_document_its_rows(invoke: Any) -> None:
    """The query dropped a document that is no case (`WHERE _fatal IS NULL`): 13 documents
    in, 9 case ids out. Now each has one row per rule, `error` saying why it is no case."""
    query = _printed(invoke, "--json-column", "payload", "--lang", "en")
    docs = list(LINES.values()) + list(NO_CASE)
    con = duckdb.connect()
    con.execute("CREATE TABLE cases (payload VARCHAR)")
    con.executemany("INSERT INTO cases VALUES (?)", [(doc,) for doc in docs])
    rules = [r[0] for r in con.execute(f"SELECT DISTINCT rule FROM ({query})").fetchall()]
    rows = con.execute(f"SELECT rule, matched, action, error FROM ({query})").fetchall()
    assert len(rules) > 1 and len(rows) == len(docs) * len(rules)
    said = Counter(r[3] for r in rows if r[3] is not None and r[3].startswith("not a case"))
    assert said == Counter({e: len(rules) for e in _expected_errors() if e is not None and e != MALFORMED}) + \
        Counter({MALFORMED: len(rules) * _expected_errors().count(MALFORMED)})
    assert all(r[1] is None and r[2] is None for r in rows if r[3] in said)   # undecided, as a bad field makes it


def test_the_reason_is_in_the_language_asked(invoke: Any) -> None:
    query = _printed(invoke, "--lang", "zh")
    con = duckdb.connect()
    con.execute("CREATE TABLE cases AS SELECT '{\"a\": 1,}' AS doc")
    assert {r[0] for r in con.execute(f"SELECT error FROM ({query})").fetchall()} == {
        "不是案例：JSON 格式错误，或是 Python 引擎拒绝的 JSON（对该文档运行 rulebook eval 可知原因）"}


def test_the_printed_spark_query_gives_every_document_its_rows(invoke: Any, spark_session: Any, tmp_path: Path) -> None:
    """The same query in Spark's dialect (the rows are built by the same code); a small
    rulebook: Spark's analyser needs gigabytes for the Douyin rulebook's 14-branch union."""
    book = tmp_path / "two.yaml"
    book.write_text(RULEBOOK_HEAD + rule_yaml("r1", "- order.paid_amount <= params.max_amount")
                    + rule_yaml("r2", "- order.domestic"), encoding="utf-8")
    result = invoke("sql", "-r", book, "--dialect", "spark", "--lang", "en", "--at", "2026-11-05T09:00")
    assert result.exit_code == 0, result.stderr
    query = result.stdout.split("\n", 1)[1].rstrip().rstrip(";")
    names = ["valid", "trailing comma, object", "block comment", "key given twice", "nan", "text after the value"]
    docs = [LINES[n] for n in names] + list(NO_CASE)
    spark_session.createDataFrame([(doc,) for doc in docs], "doc STRING").createOrReplaceTempView("cases")
    rows = [r.asDict() for r in spark_session.sql(query).collect()]
    assert len(rows) == len(docs) * 2
    said = Counter(r["error"] for r in rows if r["error"] is not None)
    assert said == Counter({MALFORMED: 2 * (len(names) - 1), **{e: 2 for e in NO_CASE.values()}})


def test_eval_to_parquet_counts_every_line_it_writes_no_rows_for(invoke: Any, batch: Path, tmp_path: Path) -> None:
    """`--output FILE.parquet` counted the lines that are no case by a test of its own, which
    took a trailing comma for a case: such a line had no rows and no word (exit 0 alone)."""
    out = tmp_path / "out.parquet"
    result = invoke("eval", "-p", "douyin", batch, "--engine", "duckdb", "--output", out, "--lang", "en")
    assert result.exit_code == 1, result.stderr
    rows, rules = duckdb.connect().execute(f"SELECT count(*), count(DISTINCT rule) FROM '{out}'").fetchone()
    assert f"{len(LINES) - rows // rules} line(s) were not cases" in result.stderr and rows // rules == len(DECIDED)
    one = tmp_path / "one.jsonl"
    one.write_text(LINES["trailing comma, document"] + "\n", encoding="utf-8")
    alone = invoke("eval", "-p", "douyin", one, "--engine", "duckdb", "--output", out, "--lang", "en")
    assert alone.exit_code == 1 and "1 line(s) were not cases" in alone.stderr
