"""The SQL backend on Spark (issue 15) decides as the Python engine does.

One local SparkSession serves the whole file (a JVM takes 10-20 s to start), its time zone
set to UTC: naive timestamps must still be read as Beijing time. Every example of the
fixture rulebooks, random rules over cases with bad values, and raw JSON values whose
kind matters (the text "true" is no flag, the text "12.30" is an amount, a number keeps
every digit) run with ANSI mode on and off: matched, action, deadline, due, version,
outputs and the fields an error hangs on are the Python engine's. Skipped without pyspark
(`pip install -e ".[test,spark]"`).
"""
from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any, Iterator

import pytest

from dsl import load_rulebook
from dsl.cases.inputs import InputError, loads
from dsl.engine.sql.duck import to_json_text
from dsl.tools.sqlexamples import decision_of, sql_differences

from conftest import FIXTURES, RULEBOOK_HEAD, rule_yaml, with_raw
from test_order_independence import AT, ATOMS, VALUES, spoiled, text

pytest.importorskip("pyspark")

from dsl.engine.sql.sparkrun import SparkRulebook  # noqa: E402 - after the skip

ANSI = "spark.sql.ansi.enabled"
LIGHTNING = FIXTURES / "examples" / "douyin-lightning-return.json"


@pytest.fixture(scope="module")
def spark(spark_session: Any) -> Iterator[Any]:
    s = spark_session
    s.conf.set("spark.sql.session.timeZone", "UTC")
    yield s
    s.conf.set("spark.sql.session.timeZone", "Asia/Shanghai")
    s.conf.unset(ANSI)


@pytest.fixture(scope="module")
def douyin() -> Any:
    return load_rulebook(FIXTURES / "rulebooks" / "douyin.yaml")


@pytest.mark.parametrize("name, ansi", [("douyin", "true"), ("kuaishou", "false"), ("pinduoduo", "true")])
def test_every_fixture_example_is_decided_alike_by_spark(spark: Any, name: str, ansi: str) -> None:
    spark.conf.set(ANSI, ansi)
    book = load_rulebook(FIXTURES / "rulebooks" / f"{name}.yaml")
    differences, cannot = sql_differences(book, "spark", runner=SparkRulebook, con=spark)
    assert cannot == []
    assert differences == {}
    assert sum(len(r.rule.examples) for r in book.rules) > 10


def _tree(rng: random.Random, depth: int = 2) -> Any:
    """A random condition, as test_order_independence's `trees` strategy draws them."""
    pick = rng.randrange(6) if depth else 0
    if pick <= 2:
        return rng.choice(ATOMS)
    if pick == 3:
        return rng.choice(["and", "or"]), [_tree(rng, depth - 1) for _ in range(rng.randint(2, 3))]
    if pick == 4:
        return "not", _tree(rng, depth - 1)
    return "if", tuple(_tree(rng, depth - 1) for _ in range(3))


def _random_rulebook(tmp: Path, rng: random.Random, rules: int) -> Any:
    body = ""
    for r in range(rules):
        when = "\n".join(f"- {json.dumps(text(_tree(rng)))}" for _ in range(rng.randint(1, 3)))
        rule = rule_yaml(f"r{r}", when, "deadline: aftersale.applied_at + params.window\n")
        body += rule.replace("    action: approve\n", f"    action:\n      - if: {json.dumps(text(_tree(rng, 1)))}\n"
                                                       f"        then: approve\n      - else: reject\n")
    path = tmp / "random.yaml"
    path.write_text(RULEBOOK_HEAD + body, encoding="utf-8")
    return load_rulebook(path)


@pytest.mark.parametrize("ansi", ["true", "false"])
def test_random_rules_and_bad_values_decide_alike(spark: Any, tmp_path: Path, ansi: str) -> None:
    spark.conf.set(ANSI, ansi)
    rng = random.Random(15 if ansi == "true" else 16)
    book = _random_rulebook(tmp_path, rng, rules=6)
    sql = SparkRulebook(book)
    assert sql.diagnostics == []
    paths = sorted(VALUES)
    docs = [spoiled([(rng.choice(paths), rng.randrange(10)) for _ in range(rng.randint(3, 8))]) for _ in range(60)]
    got = sql.decide_many([(to_json_text(d), AT) for d in docs], spark)
    for doc, case in zip(docs, got):
        parsed = book.parse(doc)
        for ri, rule in enumerate(book.rules):
            want = decision_of(book.evaluate_rule(rule, parsed.view, AT, lang="en"))
            assert case.decisions[ri] == want, (doc, rule.rule.versions[0].conditions)


# (field path, raw JSON text of its value): kinds a text reader would confuse, numbers a
# double would round, timestamps without an offset (Beijing time, the session being UTC)
RAW_VALUES = [
    ("order.domestic", 'true'), ("order.domestic", '"true"'), ("order.domestic", '1'), ("order.domestic", '{}'),
    ("order.paid_amount", '"12.30"'), ("order.paid_amount", '12.30'), ("order.paid_amount", '12345678901234567.89'),
    ("order.paid_amount", '0.1000000000000000055511151231257827'), ("order.paid_amount", '"1.234"'),
    ("order.paid_amount", '"1.230"'), ("order.paid_amount", '"+5"'), ("order.paid_amount", '"5."'),
    ("order.paid_amount", '-0'), ("order.paid_amount", '1e2'), ("order.paid_amount", '"１"'),
    ("order.paid_amount", '[1]'), ("order.paid_amount", '{"a": 1}'), ("order.paid_amount", '"12.30\\n"'),
    ("order.aftersale_count", '1.0'), ("order.aftersale_count", '"1"'), ("order.aftersale_count", '12345678901234567890'),
    ("order.status", '"shipped"'), ("order.status", '["shipped"]'), ("order.status", 'null'),
    ("aftersale.applied_at", '"2026-11-04 23:59:59"'), ("aftersale.applied_at", '"2026-11-01T24:00"'),
    ("aftersale.applied_at", '"2026/11/01"'), ("aftersale.applied_at", '"2026-11-01T10:00+08"'),
    ("aftersale.applied_at", '"  2026-11-01  "'), ("aftersale.applied_at", '"2026-11-01T10:00+0530"'),
    ("aftersale.applied_at", '"2026-11-05 10:00:00.1234567"'), ("order.signed_at", '"2026-10-28T16:30:00Z"'),
    ("shop.services", '["a", "b"]'), ("shop.services", '["a", 1]'), ("shop.services", '"a"'),
]


@pytest.mark.parametrize("ansi", ["true", "false"])
def test_raw_json_values_are_read_as_the_python_engine_reads_them(spark: Any, douyin: Any, ansi: str) -> None:
    spark.conf.set(ANSI, ansi)
    base = json.loads(LIGHTNING.read_text(encoding="utf-8"))
    texts = [with_raw(base, path, raw) for path, raw in RAW_VALUES]
    got = SparkRulebook(douyin).decide_many([(t, None) for t in texts], spark)
    for (path, raw), doc_text, case in zip(RAW_VALUES, texts, got):
        try:
            doc = loads(doc_text)
        except InputError:   # the Python engine refuses the document: never decided in SQL
            assert case.fatal is not None or case.dirty, raw
            continue
        parsed = douyin.parse(doc)
        for ri, rule in enumerate(douyin.rules):
            want = decision_of(douyin.evaluate_rule(rule, parsed.view, parsed.now, lang="en"))
            have = case.decisions[ri]
            # a value SQL cannot hold exactly is undecided there; never decided otherwise
            assert have == want or have[0] is None and path in (have[6] or ""), (path, raw, rule.rule.id)


UNREADABLE = [
    ("{", "json"), ('{"order": {}} x', "json"), ('{"order": {}}{"order": {}}', "json"), ("[1]", "not_object"),
    ('{"id": "a"}', "order"), ('{"order": 5}', "order"), ('{"order": {"paid_amount": NaN}}', "json"),
    ('{"order": {"status": "a\x01b"}}', "json"), ('{"order": {"status": "\\x"}}', "json"), ("", "json"),
    ('{"order": {"aftersale_count": 1234567890123456789012345678901}}', "json"), ("[" * 201 + "]" * 201, "json"),
    ('}{"order": {}', "json"), ('"x"', "not_object"), ('{"order": {"a": 1 "b": 2}}', "json"),
]


def test_documents_the_python_engine_cannot_read_are_not_decided(spark: Any, douyin: Any) -> None:
    got = SparkRulebook(douyin).decide_many([(doc_text, None) for doc_text, _ in UNREADABLE], spark)
    assert [case.fatal for case in got] == [fatal for _, fatal in UNREADABLE]
    for doc_text, _ in UNREADABLE:   # the Python engine cannot read them either
        try:
            assert douyin.parse(loads(doc_text)).fatal
        except ValueError:
            pass


def test_a_key_given_twice_is_no_case_and_an_unknown_one_leaves_it_to_the_python_engine(spark: Any,
                                                                                       douyin: Any) -> None:
    base = LIGHTNING.read_text(encoding="utf-8")
    twice = base.replace('"order": {', '"order": {"status": "closed", ', 1)     # the Python reader refuses it
    unknown = base.replace('"order": {', '"order": {"colour": "red", ', 1)     # the Python engine warns
    got = SparkRulebook(douyin).decide_many([(base, None), (twice, None), (unknown, None)], spark)
    assert [c.fatal for c in got] == [None, "json", None]
    assert [c.dirty for c in got] == [False, False, True]


def test_the_printed_spark_query_runs_on_spark(spark: Any, tmp_path: Path, invoke: Any) -> None:
    path = tmp_path / "one.yaml"
    path.write_text(RULEBOOK_HEAD + rule_yaml("r1", "- order.paid_amount <= params.max_amount\n- order.domestic",
                                              "deadline: aftersale.applied_at + params.window\n"
                                              "outputs:\n  note: aftersale.id\n"), encoding="utf-8")
    result = invoke("sql", "--rulebook", path, "--dialect", "spark", "--json-column", "payload", "--table", "orders")
    assert result.exit_code == 0, result.stderr
    query = result.stdout.split("\n", 1)[1].strip().rstrip(";")
    doc = json.loads(LIGHTNING.read_text(encoding="utf-8"))
    doc["aftersale"]["applied_at"] = "2026-11-04 23:59:59"
    doc["aftersale"]["id"] = "已发货\n\"x\"\u001f\\u001F"
    spark.createDataFrame([(json.dumps(doc, ensure_ascii=False),)], "payload STRING").createOrReplaceTempView("orders")
    rows = [r.asDict() for r in spark.sql(query).collect()]
    assert [(r["case_id"], r["rule"], r["matched"], r["deadline"]) for r in rows] == [
        ("DY-LR-0001", "r1", True, "2026-11-06T23:59:59+08:00")]
    assert rows[0]["outputs"] == json.dumps({"note": doc["aftersale"]["id"]}, ensure_ascii=False)   # as eval writes it


def test_a_product_past_decimal_38_is_undecided_not_null(spark: Any, tmp_path: Path) -> None:
    """Without ANSI mode Spark gives NULL for a product DECIMAL(38) cannot hold: the rule
    would not match where the Python engine's exact product matches. SQL names the field."""
    path = tmp_path / "big.yaml"
    path.write_text(RULEBOOK_HEAD + rule_yaml("r1", "- order.paid_amount * 100000000000000000000 > 5"), encoding="utf-8")
    book = load_rulebook(path)
    doc = json.loads(LIGHTNING.read_text(encoding="utf-8"))
    doc["order"]["paid_amount"] = "100000000000000000000.00"
    assert book.decide(doc)[0][0] is True
    for ansi in ("false", "true"):
        spark.conf.set(ANSI, ansi)
        case = SparkRulebook(book).decide_many([(json.dumps(doc), None)], spark)[0]
        assert case.decisions[0][0] is None and case.decisions[0][6] == "order.paid_amount"


def test_a_product_spark_would_round_is_undecided(spark: Any, tmp_path: Path) -> None:
    """Spark types DECIMAL(38, 4) * DECIMAL(38, 4) as DECIMAL(38, 6): 1.2345 * 1.2345 would
    be 1.523990, not 1.52399025, and the rule would not match."""
    path = tmp_path / "rates.yaml"
    path.write_text(RULEBOOK_HEAD + rule_yaml(
        "r1", "- shop.metrics.dispute_refund_rate * shop.metrics.intervention_rate > 1.52399"), encoding="utf-8")
    book = load_rulebook(path)
    doc = json.loads(LIGHTNING.read_text(encoding="utf-8"))
    doc.setdefault("shop", {})["metrics"] = {"dispute_refund_rate": "1.2345", "intervention_rate": "1.2345"}
    other = json.loads(json.dumps(doc))
    other["shop"]["metrics"]["intervention_rate"] = "1.25"     # 4 + 2 decimals: exact in Spark
    assert [book.decide(d)[0][0] for d in (doc, other)] == [True, True]
    got = SparkRulebook(book).decide_many([(json.dumps(doc), None), (json.dumps(other), None)], spark)
    assert got[0].decisions[0][0] is None and "shop.metrics.intervention_rate" in got[0].decisions[0][6]
    assert got[1].decisions[0][0] is True
