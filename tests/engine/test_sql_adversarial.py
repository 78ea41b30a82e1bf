"""An adversarial review of the SQL backend (issue 15): inputs chosen to make DuckDB and the
Python engine disagree, each batch decided by one DuckDB query.

The claim under test: for every rule the backend compiles and every case, `decide_many`
gives the Python engine's decision (matched, action, deadline, due, version, outputs of the
same type, an error on the same fields), or, only where SQL cannot hold a value exactly, an
undecided rule naming the field; `rulebook eval --engine duckdb` writes the same bytes.
Each test here failed before the fix named in its docstring.
"""
from __future__ import annotations

import copy
import json
import random
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from dsl import load_rulebook
from dsl.cases.inputs import loads
from dsl.engine.sql.duck import SqlRulebook, to_json_text
from dsl.tools.sqlexamples import decision_of

from conftest import AT, EXAMPLES, RULEBOOK_HEAD, rule_yaml, with_raw

pytest.importorskip("duckdb")

BASE: dict[str, Any] = json.loads((EXAMPLES / "douyin-lightning-return.json").read_text(encoding="utf-8"))


def _book(tmp: Path, rules: list[str | tuple[str, str]], head: str = RULEBOOK_HEAD) -> Any:
    """A rulebook of one rule per item: a condition, or (condition, more YAML of the rule)."""
    text = head
    for i, item in enumerate(rules):
        when, extra = (item, "") if isinstance(item, str) else item
        text += rule_yaml(f"r{i}", f"- {json.dumps(when)}", extra)
    path = tmp / f"adv-{random.random():.12f}.yaml"
    path.write_text(text, encoding="utf-8")
    return load_rulebook(path)


def _typed(decision: tuple[Any, ...]) -> tuple[Any, ...]:
    """A decision with the type of each output beside it (True == 1 in Python, not in JSON)."""
    outputs = decision[5]
    return decision + (tuple(type(o).__name__ for o in outputs) if outputs else None,)


def _differences(book: Any, lines: list[str], at: Any = AT, far: tuple[str, ...] = ()) -> list[Any]:
    """(line, rule, SQL decision, Python decision) wherever they differ; a fatal case must be
    fatal on both sides. `far`: fields whose value SQL may refuse to decide (undecided, naming
    the field) where the Python engine decides."""
    sql = SqlRulebook(book)
    assert sql.diagnostics == []
    got = sql.decide_many([(line, at) for line in lines])
    out = []
    for line, case in zip(lines, got):
        parsed = book.parse(loads(line))
        if parsed.fatal:
            if case.fatal is None:
                out.append((line, "fatal", case.decisions, parsed.fatal))
            continue
        for ri, rule in enumerate(book.rules):
            want = _typed(decision_of(book.evaluate_rule(rule, parsed.view, at or parsed.now, lang="en")))
            have = _typed(case.decisions[ri])
            if have != want and not (have[0] is None and have[6] in far):
                out.append((line, rule.rule.id, have, want))
    return out


def _with(path: str, raw_json: str, base: dict[str, Any] | None = None) -> str:
    """The base case with the field at `path` holding `raw_json` (JSON text, written as is)."""
    return with_raw(base or BASE, path, raw_json)


# -- values ----------------------------------------------------------------------------------

def test_a_number_whose_exponent_the_reader_rounds_away_is_never_decided(tmp_path: Path) -> None:
    """`1e-400` is not a whole number nor an amount of two decimals, but DuckDB reads it as the
    double 0.0: the count was decided as 0 (fields.py IMPRECISE_NUMBER: a three-digit exponent)."""
    book = _book(tmp_path, ["order.aftersale_count < 1", "order.aftersale_count == 0", "order.paid_amount < 1",
                            "shop.metrics.dispute_refund_rate == 0"])
    values = ["1e-400", "-1e-400", "1E-0400", "0.5e-330", "1e400", "1e2", "1E2", "1.0", "-0", "-0.0", "1e0", "10e-1",
              "0e5", "30e-1", "3", "2.5", "1e-2"]
    lines = [_with(path, v) for path in ("order.aftersale_count", "order.paid_amount", "shop.metrics.dispute_refund_rate")
             for v in values]
    far = ("order.aftersale_count", "order.paid_amount", "shop.metrics.dispute_refund_rate")
    assert _differences(book, lines, far=far) == []


@pytest.mark.parametrize("path", ["order.paid_amount", "order.aftersale_count", "shop.metrics.dispute_refund_rate"])
def test_numbers_of_every_form_are_checked_as_the_python_engine_checks_them(tmp_path: Path, path: str) -> None:
    book = _book(tmp_path, [f"{path} > 2", f"{path} == 3", f"{path} < 0.5", f"is_null({path})"])
    values = ['"1.234"', '"1.230"', '"3.00"', '" 3 "', '"\\u00a03"', '"+3"', '"-0"', '"-0.00"', '"0150"', '"3."', '".5"',
              '"1e2"', '""', '"三"', '"３"', "150.000", "3.0000000000000000000001", "0.001", "0.0015", "0.00150",
              "99999999999999999999999999999", "18446744073709551616", "9007199254740993", "-1", "-3.00",
              "true", "null", "[]", "{}", "[3]", '{"v": 3}', "100.0001", "100.0000"]
    lines = [_with(path, v) for v in values]
    assert _differences(book, lines, far=(path,)) == []


def test_timestamps_of_every_form_are_read_as_the_python_engine_reads_them(tmp_path: Path) -> None:
    book = _book(tmp_path, [
        "aftersale.applied_at > order.signed_at", "aftersale.applied_at <= now",
        "days_between(order.signed_at, aftersale.applied_at) >= 3",
        ("aftersale.applied_at != null", "deadline: aftersale.applied_at + 48h\n"),
        ("true", "outputs:\n  t: aftersale.applied_at\n  d: date(aftersale.applied_at)\n")])
    values = [
        "2026-11-04T21:30:00Z", "2026-11-04T21:30:00z", "2026-11-04 21:30", "2026-11-04", "2026-11-04T21:30:00+0800",
        "2026-11-04T21:30:00.5+08:00", "2026-11-04T21:30:00.123456789Z", "2026-11-04T21:30:00.9999999Z",
        "2024-02-29T00:00", "2100-02-29T00:00", "2000-02-29T00:00", "1900-02-29T00:00", "0000-01-01T00:00",
        "0001-01-01T00:00", "0001-01-01T07:59:59", "0001-01-01T00:00Z", "0001-01-01T00:00-01:00",
        "0001-01-01T00:00+23:59", "9999-12-31T23:59:59", "9999-12-31T23:59:59-01:00", "9999-12-31T16:00Z",
        "9999-12-31T15:59:59Z", "2026-11-04T21:30:00+08", "2026-11-04T21:30:00+24:00", "2026-11-04T21:30:00+23:60",
        "2026-11-04T21:30:00-00:00", "2026-11-04T21:30:60", "2026-11-04T21:30:00.", "2026-11-04T21:30:00,5",
        " 2026-11-04T21:30:00\t", "2026-11-04T21", "2026-11-04T21:30:00 +08:00", "2026-1-04", "2026-11-04t21:30",
        "1969-12-31T23:59:59.999999Z", "2026-11-04T21:30:00-00:30", "2026-11-04T21:30:00+14:00", "２０２６-11-04",
        # the usual form, which DuckDB reads with try_strptime (dialect.py usual_instant): off the calendar too
        "2026-11-04T21:30:00+08:00", "2026-02-30T09:00:00+08:00", "2025-02-29T00:00:00Z", "2024-02-29T23:59:59+08:00",
        "2026-11-04T24:00:00+08:00", "2026-11-04T23:60:00Z", "2026-11-04T23:59:60+08:00", "2026-00-04T21:30:00+08:00",
        "2026-11-00T21:30:00Z", "2026-13-04T21:30:00+08:00", "9999-12-31T15:59:59Z", "9999-12-31T16:00:00Z",
        "9999-12-31T23:59:59+08:00", "1000-01-01T00:00:00+08:00", "0999-12-31T23:59:59Z", "0000-12-31T20:00:00Z",
        "1970-01-01T00:00:00Z", "1969-12-31T23:59:59+08:00", "2026-11-04T21:30:00+08:00 "]
    lines = [_with("aftersale.applied_at", json.dumps(v)) for v in values]
    assert _differences(book, lines) == []


def test_a_case_without_an_order_is_not_a_case(tmp_path: Path, invoke: Any) -> None:
    """`{}` and `{"id": "a"}` have no `order`: the Python engine rejects them (E401); DuckDB read
    the absent key's kind as NULL and decided every rule (query.py `_fatal`)."""
    book = _book(tmp_path, ["is_null(order.paid_amount)", "not order.domestic"])
    lines = ["{}", '{"id": "a"}', '{"order": null}', '{"order": []}', '{"id": "b", "order": {}}',
             '{"now": "2026-11-04T21:30:00+08:00", "order": {"status": "shipped"}}', "[]", '"x"']
    assert _differences(book, lines) == []
    path = tmp_path / "lines.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    command = ["eval", "-p", "douyin", path, "--format", "jsonl", "--no-explain", "--at", "2026-11-05T09:00"]
    python, duckdb = invoke(*command), invoke(*command, "--engine", "duckdb")
    assert (duckdb.stdout, duckdb.stderr, duckdb.exit_code) == (python.stdout, python.stderr, python.exit_code)


def test_objects_lists_enums_and_flags_that_are_not_what_the_field_takes(tmp_path: Path) -> None:
    book = _book(tmp_path, [
        "order.status == 'shipped'", "order.status in ['shipped', 'closed']", "buyer.credit_good", "not order.domestic",
        "'fast_refund' in shop.services", "len(shop.services) >= 1", "is_null(shop.auto_refund_policy)",
        "shop.auto_refund_policy.max_amount > 5", "is_null(shop.auto_refund_policy.max_amount)", "order.id == 'x'",
        ("true", "outputs:\n  c: order.category\n  o: shop.auto_refund_policy.daily_cap\n")])
    cases = {
        "order.status": ['"Shipped"', '" shipped"', '"发货"', "1", "true", "null", '["shipped"]', "{}", '""'],
        "buyer.credit_good": ['"true"', "1", "0", "null", "[true]", "{}"],
        "shop.services": ["[]", '["fast_refund"]', "[1]", '["a", 1]', "[null]", '["fast_refund", null]', "[[]]", "[{}]",
                          '"fast_refund"', "{}", "null", "[true]", '[" fast_refund"]', "[1.5]", '["a\\"b"]'],
        "shop.auto_refund_policy": ["{}", "null", "[]", '"x"', "1", '{"max_amount": "10.00"}', '{"max_amount": "0.50"}',
                                    '{"max_amount": "abc"}', '{"max_amount": null}', '{"daily_cap": 3}',
                                    '{"daily_cap": 3.5}', '{"daily_cap": 1e-400}'],
        "order.category": ['""', "null", "1", '"x\\ny"'],
        "buyer": ["[]", '"x"', "null", "{}"],
        "order.id": ["1", "null", "1.5"],
    }
    lines = [_with(path, v) for path, values in cases.items() for v in values]
    assert _differences(book, lines) == []


# -- expressions -----------------------------------------------------------------------------

def test_constants_equal_in_python_are_not_taken_for_one_another(tmp_path: Path) -> None:
    """Const(True) == Const(1) and Const(False) == Const(0) as IR nodes: the compiler's memo
    gave `if order.domestic then 1 else 0` the SQL of `true`, an output of `true` where the
    Python engine writes 1, or a query DuckDB refuses (exprs.py `bound`: the repr in the key)."""
    book = _book(tmp_path, ["order.domestic == true", "order.special_goods == false",
                            ("true", "outputs:\n  v: if order.domestic then 1 else 0\n"),
                            "order.aftersale_count + 1 > 0", "order.paid_amount >= 1.00",
                            ("true", "outputs:\n  w: if order.domestic then order.aftersale_count + 1 else 0\n")])
    assert _differences(book, [to_json_text(BASE), _with("order.domestic", "false")]) == []


def test_min_and_max_skip_nulls_as_the_python_engine_does(tmp_path: Path) -> None:
    """sqlglot renders exp.Least for DuckDB as null when any argument is null; `min`/`max`
    skip nulls (exprs.py `call`: least/greatest written as named)."""
    book = _book(tmp_path, ["min(order.paid_amount, order.refunded_amount) < 100",
                            "max(order.paid_amount, order.refunded_amount, 150) > 150",
                            "min(order.signed_at, order.paid_at) < now", "is_null(max(order.signed_at, order.paid_at))",
                            "max(order.aftersale_count, 2) == 2"])
    lines = [_with("order.refunded_amount", "null"), _with("order.paid_amount", "null"),
             _with("order.signed_at", "null", json.loads(_with("order.paid_at", "null"))),
             _with("order.refunded_amount", '"x"'), _with("order.aftersale_count", "null"), to_json_text(BASE)]
    assert _differences(book, lines) == []


# -- rules and the written output --------------------------------------------------------------

RULES = """\
  - id: versioned
    name: {zh: 规则, en: Rule}
    source: {seed: s.txt}
    action:
      - if: aftersale.reason == 'dislike'
        then: reject
      - if: order.paid_amount > 100
        then: approve
      - else: review
    versions_by: order.paid_at
    deadline: aftersale.applied_at + params.window
    outputs: {at: order.signed_at, cnt: order.aftersale_count}
    versions:
      - version: v1
        until: 2023-09-13T00:00:00+08:00
        when: [order.domestic]
      - version: v2
        from: 2023-09-13T00:00:00+08:00
        until: 2026-10-30T00:00:00+08:00
        when: [buyer.credit_good or order.domestic]
        action: v2act
        outputs: {at: aftersale.applied_at, k: order.status}
      - version: v3
        from: 2026-11-01T00:00:00+08:00
        when: [order.aftersale_count < 3]
        deadline: order.signed_at + 7d
  - id: alt
    name: {zh: 规则, en: Rule}
    source: {seed: s.txt}
    when: [order.status == 'shipped']
    action:
      - if: buyer.credit_good
        then: fast
      - if: order.paid_amount > 100 and order.domestic
        then: mid
      - if: is_null(order.signed_at)
        then: nosign
      - else: slow
    deadline: "if order.domestic then aftersale.applied_at + 1d else order.signed_at - 30d"
  - id: due
    name: {zh: 规则, en: Rule}
    source: {seed: s.txt}
    when: [not order.special_goods]
    action: x
    deadline: "max(aftersale.applied_at, order.paid_at) + 0s"
    outputs:
      s: order.status
      t: "if buyer.credit_good then null else order.signed_at"
      b: order.domestic and buyer.credit_good
      d: date(order.paid_at)
  - id: never
    name: {zh: 规则, en: Rule}
    source: {seed: s.txt}
    when: [order.aftersale_count > 1000]
    action: [{if: order.paid_amount > 100, then: a}, {else: b}]
    deadline: order.signed_at + 1d
    outputs: {v: order.signed_at}
"""


def _random_cases(count: int, seed: int) -> list[dict[str, Any]]:
    from test_order_independence import VALUES, spoiled

    values = {**VALUES, "order.paid_at": VALUES["order.paid_at"] + [
        "2023-09-13T00:00:00+08:00", "2023-09-12T23:59:59.999999+08:00", "2023-09-12T16:00:00Z", "0001-01-01T00:00"],
              "aftersale.applied_at": VALUES["aftersale.applied_at"] + ["0001-01-01T00:00", "9999-12-31T23:59:59"]}
    rng = random.Random(seed)
    cases = []
    for _ in range(count):
        changes = rng.sample(sorted(values), rng.randrange(0, 6))
        case = spoiled([])
        for path in changes:
            *parents, key = path.split(".")
            node = case
            for name in parents:
                node = node.setdefault(name, {})
            node[key] = rng.choice(values[path])
        cases.append(case)
    return cases


def test_versions_alternatives_deadlines_and_outputs_are_decided_alike(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(RULEBOOK_HEAD + RULES, encoding="utf-8")
    book = load_rulebook(path)
    lines = [to_json_text(c) for c in _random_cases(300, 5)]
    assert _differences(book, lines) == []
    assert _differences(book, lines, at=None) == []


def test_eval_on_duckdb_writes_the_python_engines_bytes(invoke: Any, tmp_path: Path) -> None:
    """A null boolean output (`null and true`) was written `false` (exprs.py `json_text`);
    ids JSON escapes, platforms, cases without `now`, versions, equal deadlines."""
    path = tmp_path / "rules.yaml"
    path.write_text(RULEBOOK_HEAD + RULES, encoding="utf-8")
    rng = random.Random(11)
    ids: list[Any] = ["é", "中文", "a/b", "a\\b", 'a"b', "a\u2028b", "a\x7fb", "", " ", 12, 1.5, None, True, "a\tb", "😀"]
    lines = []
    for case in _random_cases(200, 7):
        pick = rng.randrange(len(ids) + 4)
        if pick < len(ids):
            if ids[pick] is None:
                case.pop("id", None)
            else:
                case["id"] = ids[pick]
        if rng.random() < 0.1:
            case["platform"] = rng.choice(["demo", "douyin", "", " demo "])
        lines.append(json.dumps(case, ensure_ascii=rng.random() < 0.3))
    lines.append(_with("order.domestic", "null", json.loads(_with("buyer.credit_good", "true"))))
    cases = tmp_path / "cases.jsonl"
    cases.write_text("\n".join(lines) + "\n", encoding="utf-8")
    command = ["eval", "-r", path, cases, "--format", "jsonl", "--no-explain", "--at", "2026-11-06T09:00"]
    python = invoke(*command)
    duckdb = invoke(*command, "--engine", "duckdb")
    assert '"b": null' in python.stdout
    assert (duckdb.stdout, duckdb.stderr, duckdb.exit_code) == (python.stdout, python.stderr, python.exit_code)


def test_text_outputs_and_times_are_written_as_json_dumps_writes_them(invoke: Any, tmp_path: Path) -> None:
    """DuckDB's to_json wrote `\\u001F` where json.dumps writes `\\u001f` (dialect.py
    `json_string`); text of every control character, times with fractions, years 1 and 9999."""
    path = tmp_path / "out.yaml"
    path.write_text(RULEBOOK_HEAD + rule_yaml("o", "- \"order.id != 'x'\"", (
        "deadline: aftersale.applied_at - 1h\noutputs:\n  c: order.category\n  t: order.signed_at\n"
        "  d: date(order.signed_at)\n  i: order.aftersale_count - 5\n  e: order.status\n"
        "  dd: days_between(order.signed_at, aftersale.applied_at)\n  dn: date(order.signed_at) - 3\n")), encoding="utf-8")
    texts = ["a\"b", "a\\b", "\\u001F\x1f", "\\\\\x1b\\", *(chr(c) for c in range(0x20)), "\u2028\u2029", "é😀", "\x7f",
             "</script>", "", " ", "\ufeff", "a/b"]
    stamps = ["2026-11-01T14:20:00.5+08:00", "2026-11-01T14:20:00.000001Z", "0001-01-01T00:00", "0001-01-01T10:00+01:00",
              "9999-12-31T23:59:59.999999", "2026-11-01T14:20:00.1234567", "2026-11-01", "1969-12-31T23:59:59.5Z",
              "1900-03-01T00:00", "2000-02-29T23:59:59.999999-12:00"]
    lines = []
    for i, text in enumerate(texts):
        case = copy.deepcopy(BASE)
        case["id"] = f"c{i}"
        case["order"].update(category=text, signed_at=stamps[i % len(stamps)], aftersale_count=[0, 10 ** 15, 7][i % 3])
        case["aftersale"]["applied_at"] = stamps[i * 7 % len(stamps)]
        lines.append(json.dumps(case, ensure_ascii=bool(i % 2)))
    cases = tmp_path / "cases.jsonl"
    cases.write_text("\n".join(lines) + "\n", encoding="utf-8")
    command = ["eval", "-r", path, cases, "--format", "jsonl", "--no-explain", "--at", "2026-11-06T09:00"]
    python = invoke(*command)
    duckdb = invoke(*command, "--engine", "duckdb")
    assert "\\u001f" in python.stdout
    assert (duckdb.stdout, duckdb.stderr, duckdb.exit_code) == (python.stdout, python.stderr, python.exit_code)


def test_null_in_a_list_of_fields_is_null(tmp_path: Path) -> None:
    """`order.category not in [order.status, 'x']` with a null category is null in the Python
    engine (semantics.strict) and does not hold; SQL's `coalesce(item = x, false)` made it
    true, a match (exprs.py `member`)."""
    head = RULEBOOK_HEAD.replace("rules:\n", "  none: []\n  some: ['x', apparel]\nrules:\n")
    rules = ["order.category not in [order.status, 'x']", "not (order.category in [order.status, 'x'])",
             "is_null(order.category in [order.status])", "order.category in [order.status, 'x']",
             "order.category not in shop.services", "is_null(order.category in shop.services)",
             "order.category not in ['a', 'b']", "order.status in [order.category, null]",
             "order.status not in [order.category]", "'x' not in [order.category]", "order.category not in params.none",
             "is_null(order.category in params.none)", "order.category not in params.some"]
    book = _book(tmp_path, rules, head)
    lines = [_with("order.category", v) for v in ["null", '"x"', '"shipped"', "1"]]
    lines += [_with("shop.services", v) for v in ["null", "[]", '["apparel"]', "[1]", "[null]", '["apparel", null]']]
    lines += [_with("order.status", v) for v in ["null", '"bad"']]
    assert _differences(book, lines) == []


def test_amounts_of_different_decimals_in_one_value_keep_their_decimals(tmp_path: Path) -> None:
    """DuckDB types DECIMAL(38, 4) with DECIMAL(38, 2) as DECIMAL(38, 2): `coalesce(rate,
    amount)` and `if … then rate else amount` rounded a rate of 0.0015 to 0.00 (exprs.py
    `common_scale`)."""
    book = _book(tmp_path, [
        "coalesce(shop.metrics.dispute_refund_rate, order.paid_amount) > 0.001",
        "max(shop.metrics.dispute_refund_rate, 0.00) > 0.001", "min(shop.metrics.dispute_refund_rate, 1.00) > 0.001",
        "(if order.domestic then shop.metrics.dispute_refund_rate else order.refunded_amount) > 0.001",
        "(if order.domestic then 0.5 else shop.metrics.dispute_refund_rate * order.paid_amount) > 0.001",
        "min(order.paid_amount * shop.metrics.dispute_refund_rate, 1.00) < 0.3", "coalesce(order.refunded_amount, 0) > 199.5",
        "(if order.domestic then 0 else order.paid_amount) < 199.5", "(if not order.domestic then 1 else order.aftersale_count) == 0"])
    base = json.loads(_with("order.refunded_amount", '"199.51"', json.loads(_with("order.paid_amount", '"199.49"'))))
    lines = [_with("shop.metrics", '{"dispute_refund_rate": "0.0015"}', base),
             _with("shop.metrics", '{"dispute_refund_rate": "0.0015"}', json.loads(_with("order.domestic", "false", base)))]
    assert _differences(book, lines) == []


def test_an_amount_computed_past_28_digits_is_not_decided_on_sqls_exact_value(tmp_path: Path) -> None:
    """Python's decimals round a sum, difference, product or negation to 28 significant
    digits; DuckDB's DECIMAL(38) is exact: `paid + refunded > 10**27` held in SQL and not in
    Python for 1000000000000000000000000000.01 (exprs.py: such a result is undecided)."""
    book = _book(tmp_path, [
        "order.paid_amount + order.refunded_amount > 1000000000000000000000000000",
        "order.paid_amount - order.refunded_amount > 1000000000000000000000000000",
        "-order.paid_amount < -1000000000000000000000000000", "coalesce(order.paid_amount, 0) > 1000000000000000000000000000",
        "order.paid_amount * order.paid_amount == 152415787532388345526596755677.5936",
        "order.paid_amount * order.refunded_amount == order.refunded_amount * order.paid_amount",
        "order.paid_amount + 0.0001 > 100", "-order.paid_amount == -199.49", "order.paid_amount - order.refunded_amount * 2 < 0"])
    base = json.loads(_with("order.refunded_amount", '"0.00"'))
    values = ['"1000000000000000000000000000.01"', '"12345678901234.56"', '"99999999999999.99"', '"199.49"',
              '"100000000000000000000000000000.01"', '"99999999999999999999999999.99"']
    lines = [_with("order.paid_amount", v, base) for v in values]
    assert _differences(book, lines, far=("order.paid_amount", "order.paid_amount, order.refunded_amount")) == []
    decided = SqlRulebook(book).decide_many([(lines[3], AT)])[0]
    assert all(d[0] is not None for d in decided.decisions)      # small amounts are decided


EXPRESSIONS = [
    "not (order.domestic and buyer.credit_good)", "not order.domestic and buyer.credit_good",
    "not (order.domestic or buyer.credit_good)", "(order.paid_amount > 100) == (order.aftersale_count > 2)",
    "(order.paid_amount > 100) != order.domestic", "-order.paid_amount < -100", "-(order.paid_amount - 300) > 0",
    "- -order.paid_amount > 100", "order.paid_amount - -5.00 > 200", "order.paid_amount * -1 < -150",
    "-order.aftersale_count == 0", "0 - order.aftersale_count < 0", "-params.neg > 0", "order.paid_amount > -params.neg",
    "-params.negi == 3", "order.aftersale_count - params.negi > 2", "-order.aftersale_count - -1 == 1",
    "not order.domestic == false", "(not order.domestic) == false", "not (order.paid_amount > 100) or buyer.credit_good",
    "is_null(order.signed_at) == false", "not is_null(order.signed_at) == true",
    "(order.domestic and buyer.credit_good) == (order.domestic or buyer.credit_good)",
    "order.paid_amount - 100 - 50 > 40", "order.paid_amount - (100 - 50) > 140", "order.aftersale_count - 1 - 1 == -2",
    "(order.status in ['shipped']) == (order.domestic)", "not order.status in ['shipped']",
    "not 'fast_refund' in shop.services", "-(if order.domestic then 1 else 2) == -1",
    "is_null(order.paid_amount) or order.paid_amount > 100", "order.paid_amount == null", "order.paid_amount != null",
    "(if order.domestic then order.paid_amount else order.refunded_amount) > 100",
    "(if buyer.credit_good then null else 5) == 5", "(if is_null(order.paid_amount) then true else order.paid_amount > 100)",
    "if order.domestic then buyer.credit_good else not buyer.credit_good",
    "if order.paid_amount > 100 then order.domestic else false",
    "coalesce(order.paid_amount, order.refunded_amount, 0) > 100",
    "coalesce(order.signed_at, order.paid_at) < aftersale.applied_at",
    "min(order.paid_amount, order.refunded_amount) < 100", "max(order.paid_amount, order.refunded_amount, 150) > 150",
    "max(order.signed_at, order.paid_at) > order.paid_at", "min(order.signed_at, now) < now",
    "aftersale.reason in [aftersale.reason, 'dislike']", "order.status in shop.services",
    "days_between(aftersale.applied_at, order.signed_at) < -3", "date(aftersale.applied_at) == date(now)",
    "aftersale.applied_at - order.signed_at <= 3d", "order.signed_at + days(order.aftersale_count) < now",
    "-(now - aftersale.applied_at) < 0s", "len(shop.services) > order.aftersale_count",
    "order.paid_amount * order.aftersale_count > 100", "(order.paid_amount - order.refunded_amount) * 2 > 300",
    "order.aftersale_count * 1h < 2h", "date(order.signed_at) + 7 >= date(now)", "order.paid_amount + 0 == 199.001",
    "(order.domestic or order.special_goods) and (buyer.credit_good or not order.domestic)",
    "is_null(if order.domestic then order.signed_at else null)",
]


@pytest.mark.parametrize("seed", [1, 2])
def test_many_expressions_over_cases_with_bad_values_decide_alike(tmp_path: Path, seed: int) -> None:
    """Operator precedence (unary minus, not, ==, is null), three-valued logic with undecided
    values, if with an undecided test, coalesce/min/max, lists, dates and durations."""
    head = RULEBOOK_HEAD.replace("rules:\n", "  neg: -5.00\n  negi: -3\nrules:\n")
    book = _book(tmp_path, EXPRESSIONS, head)
    lines = [to_json_text(c) for c in _random_cases(150, seed)]
    assert _differences(book, lines) == []


# Numbers of every scale: amounts (2 decimals), rates (4), counts, literals, null
NUMBERS = ["order.paid_amount", "order.refunded_amount", "shop.metrics.dispute_refund_rate", "shop.metrics.intervention_rate",
           "order.aftersale_count", "shop.auto_refund_policy.max_amount", "shop.auto_refund_policy.daily_cap", "0", "1",
           "2.5", "0.0015", "100", "-3", "0.01", "null", "params.max_amount"]
COMPARISONS = ["<", "<=", "==", "!=", ">", ">="]
NUMBER_VALUES = {
    "order.paid_amount": ['"199.49"', '"0.00"', '"0.01"', '"99999999999999.99"', "null", '"x"', "1.5", '"2.50"'],
    "order.refunded_amount": ['"0.00"', '"199.51"', '"2.5"', "null", "[]"],
    "order.aftersale_count": ["0", "1", "3", "null", "2.5", "99999999999999"],
    "shop.metrics": ['{"dispute_refund_rate": "0.0015", "intervention_rate": "2.5"}', '{"dispute_refund_rate": "0.0100"}',
                     '{"intervention_rate": "0.0001"}', "null", '{"dispute_refund_rate": "0.00151"}',
                     '{"dispute_refund_rate": 0.0015}'],
    "shop.auto_refund_policy": ['{"max_amount": "1.00", "daily_cap": 3}', '{"max_amount": "2.50", "daily_cap": 0}', "null"],
}


def _number(rng: random.Random, depth: int) -> str:
    if depth == 0 or rng.random() < 0.3:
        return rng.choice(NUMBERS)
    pick = rng.random()
    if pick < 0.3:
        return f"({_number(rng, depth - 1)} {rng.choice('+-*')} {_number(rng, depth - 1)})"
    if pick < 0.4:
        return f"-({_number(rng, depth - 1)})"
    if pick < 0.65:
        return f"{rng.choice(['coalesce', 'min', 'max'])}({_number(rng, depth - 1)}, {_number(rng, depth - 1)})"
    return f"(if {_condition(rng, depth - 1)} then {_number(rng, depth - 1)} else {_number(rng, depth - 1)})"


def _condition(rng: random.Random, depth: int) -> str:
    if depth == 0 or rng.random() < 0.3:
        return f"{rng.choice(NUMBERS[:7])} {rng.choice(COMPARISONS)} {rng.choice(NUMBERS)}"
    pick = rng.random()
    if pick < 0.45:
        return f"{_number(rng, depth - 1)} {rng.choice(COMPARISONS)} {_number(rng, depth - 1)}"
    if pick < 0.7:
        return f"({_condition(rng, depth - 1)} {rng.choice(['and', 'or'])} {_condition(rng, depth - 1)})"
    if pick < 0.85:
        return f"not ({_condition(rng, depth - 1)})"
    return f"is_null({_number(rng, depth - 1)})"


@settings(max_examples=8, deadline=None, phases=(Phase.explicit, Phase.reuse, Phase.generate),   # a seed: no shrinking
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.randoms(use_true_random=False))
def test_random_arithmetic_over_amounts_rates_and_counts_decides_alike(tmp_path: Path, rng: random.Random) -> None:
    """Random numeric conditions (every scale mixed in +, -, *, unary minus, if, coalesce,
    min, max) over cases with odd numbers: decided alike, or undecided on a named field
    where SQL cannot hold the Python engine's value exactly."""
    from dsl.engine.sql.duck import SqlRulebook as Sql

    conditions: list[str | tuple[str, str]] = []
    while len(conditions) < 12:
        text = _condition(rng, 3)
        try:
            book = _book(tmp_path, [text])
        except Exception:     # a random text the checker refuses (a type error): not a rule
            continue
        if not Sql(book).diagnostics:
            conditions.append(text)
    book = _book(tmp_path, conditions)
    lines = []
    for _ in range(40):
        doc = copy.deepcopy(BASE)
        for path, values in NUMBER_VALUES.items():
            if rng.random() < 0.7:
                doc = json.loads(_with(path, rng.choice(values), doc))
        lines.append(json.dumps(doc))
    differences = _differences(book, lines)
    # the only values SQL may refuse: products and sums of 14-digit numbers (past _MAX_FACTOR, or past
    # the 28 digits Python's decimals keep), undecided on the fields they read
    wrong = [d for d in differences if not (d[2][0] is None and d[2][6] and "99999999999999" in d[0])]
    assert wrong == [], [(conditions[int(d[1][1:])], d[2], d[3], d[0]) for d in wrong]
