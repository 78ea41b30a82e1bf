"""What expressions mean at run time; the compiler and the reference interpreter must agree."""
from __future__ import annotations

import json
import tempfile
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dsl import DslError, load_rulebook
from dsl.book.analysis import never_true
from dsl.cases.document import parse_case
from dsl.engine.python.codegen import compile_expr
from dsl.lang.interpreter import Env, interpret
from dsl.lang.values import parse_timestamp
from dsl.lang.vocabulary import default_vocabulary

from conftest import AT, PARAM_VALUES, RULEBOOK_HEAD, check_text, full_view, typed_ok

ts = parse_timestamp
D = Decimal


def evaluate_all_ways(text: str, view: dict[str, Any], at: datetime = AT) -> tuple[Any, Any, Any]:
    """(compiled value, interpreted value, compiled truth form)."""
    typed = typed_ok(text)
    v = full_view(view)
    value = compile_expr(typed, PARAM_VALUES, "value")(v, at)
    truth = compile_expr(typed, PARAM_VALUES, "truth")(v, at)
    interpreted = interpret(typed, Env(v, PARAM_VALUES, at))
    return value, interpreted, truth


def same(a: Any, b: Any) -> bool:
    """Equal and of the same type (so 1 and Decimal('1'), or True and 1, differ)."""
    return type(a) is type(b) and a == b


def matches(actual: Any, expected: Any) -> bool:
    """The expected value: booleans and null exactly; numbers as exact numbers (never float)."""
    if expected is None or isinstance(expected, bool):
        return actual is expected
    if isinstance(expected, (int, Decimal)):
        return isinstance(actual, (int, Decimal)) and not isinstance(actual, bool) and actual == expected
    return same(actual, expected)


UNKNOWN = None

CASES: list[tuple[str, str, dict[str, Any], Any]] = [
    # -- three-valued logic -------------------------------------------------------------------
    ("cmp-with-null-is-unknown", "order.paid_amount > 1", {}, UNKNOWN),
    ("eq-with-null-is-unknown", "order.paid_amount == 1", {}, UNKNOWN),
    ("neq-with-null-is-unknown", "order.paid_amount != 1", {}, UNKNOWN),
    ("not-unknown-is-unknown", "not (order.paid_amount > 1)", {}, UNKNOWN),
    ("not-null-bool-is-unknown", "not order.domestic", {}, UNKNOWN),
    ("unknown-and-false-is-false", "order.paid_amount > 1 and false", {}, False),
    ("false-and-unknown-is-false", "false and order.paid_amount > 1", {}, False),
    ("unknown-and-true-is-unknown", "order.paid_amount > 1 and true", {}, UNKNOWN),
    ("unknown-or-true-is-true", "order.paid_amount > 1 or true", {}, True),
    ("true-or-unknown-is-true", "true or order.paid_amount > 1", {}, True),
    ("unknown-or-false-is-unknown", "order.paid_amount > 1 or false", {}, UNKNOWN),
    ("unknown-and-field-false", "order.paid_amount > 1 and order.domestic", {"order.domestic": False}, False),
    ("not-not-unknown", "not not order.domestic", {}, UNKNOWN),
    ("in-with-null-is-unknown", "order.status in ['shipped']", {}, UNKNOWN),
    ("not-in-with-null-is-unknown", "order.status not in ['shipped']", {}, UNKNOWN),
    ("null-list-membership-is-unknown", "'x' in shop.services", {}, UNKNOWN),
    ("if-unknown-takes-else", "if order.domestic then 1 else 2", {}, 2),
    ("if-true-takes-then", "if order.domestic then 1 else 2", {"order.domestic": True}, 1),
    # -- testing for null ------------------------------------------------------------------------
    ("eq-null-true", "order.paid_amount == null", {}, True),
    ("eq-null-false", "order.paid_amount == null", {"order.paid_amount": D("1")}, False),
    ("neq-null-true", "order.paid_amount != null", {"order.paid_amount": D("1")}, True),
    ("neq-null-false", "order.paid_amount != null", {}, False),
    ("null-eq-field", "null == order.signed_at", {}, True),
    ("not-of-null-test", "not (order.signed_at == null)", {}, False),
    ("is-null", "is_null(order.signed_at)", {}, True),
    ("is-null-present", "is_null(order.signed_at)", {"order.signed_at": ts("2026-11-01T10:00:00")}, False),
    ("object-absent", "shop.auto_refund_policy == null", {}, True),
    # -- coalesce and null propagation -----------------------------------------------------------------
    ("coalesce-first-null", "coalesce(order.paid_amount, 5)", {}, 5),
    ("coalesce-first-present", "coalesce(order.paid_amount, 5)", {"order.paid_amount": D("1.50")}, D("1.50")),
    ("coalesce-all-null", "coalesce(order.paid_amount, order.refunded_amount)", {}, None),
    ("coalesce-in-comparison", "coalesce(order.aftersale_count, 0) < 5", {}, True),
    ("add-null", "order.paid_amount + 1", {}, None),
    ("sub-null", "order.paid_amount - order.refunded_amount", {"order.paid_amount": D("10")}, None),
    ("mul-null", "order.aftersale_count * 2", {}, None),
    ("neg-null", "-order.paid_amount", {}, None),
    ("ts-plus-null-duration", "order.signed_at + params.window", {}, None),
    ("days-between-null", "days_between(order.signed_at, now)", {}, None),
    ("len-null", "len(shop.services)", {}, None),
    ("min-skips-null", "min(order.paid_amount, 3)", {}, 3),
    ("max-skips-null", "max(order.paid_amount, 3)", {"order.paid_amount": D("4.5")}, D("4.5")),
    # -- division -------------------------------------------------------------------------------
    ("div-by-zero-literal", "1 / 0", {}, None),
    ("div-by-zero-param", "order.paid_amount / params.zero", {"order.paid_amount": D("1")}, None),
    ("div-by-zero-field", "order.paid_amount / order.aftersale_count",
     {"order.paid_amount": D("1"), "order.aftersale_count": 0}, None),
    ("div-by-zero-in-comparison", "order.paid_amount / order.aftersale_count > 1",
     {"order.paid_amount": D("1"), "order.aftersale_count": 0}, UNKNOWN),
    ("div-exact", "10 / 4", {}, D("2.5")),
    ("div-int-by-int-is-money", "order.aftersale_count / 2", {"order.aftersale_count": 3}, D("1.5")),
    # -- decimal exactness ----------------------------------------------------------------------
    ("point-one-plus-point-two", "0.1 + 0.2 == 0.3", {}, True),
    ("300.00-le-300", "300.00 <= 300", {}, True),
    ("300.00-eq-300", "300.00 == 300", {}, True),
    ("300.01-gt-param", "300.01 > params.max_amount", {}, True),
    ("field-le-param-boundary", "order.paid_amount <= params.max_amount", {"order.paid_amount": D("300.00")}, True),
    ("field-over-by-a-fen", "order.paid_amount <= params.max_amount", {"order.paid_amount": D("300.01")}, False),
    ("remaining", "order.paid_amount - order.refunded_amount",
     {"order.paid_amount": D("129.90"), "order.refunded_amount": D("29.95")}, D("99.95")),
    ("money-times-int", "order.paid_amount * 3", {"order.paid_amount": D("0.10")}, D("0.30")),
    ("sum-of-dimes", "0.1 + 0.1 + 0.1 - 0.3 == 0", {}, True),
    # -- calendar days in Beijing time ------------------------------------------------------------
    ("days-between-same-beijing-day", "days_between(order.signed_at, aftersale.applied_at)",
     {"order.signed_at": ts("2026-10-31T16:30:00Z"), "aftersale.applied_at": ts("2026-11-01T23:59:00+08:00")}, 0),
    ("days-between-across-beijing-midnight", "days_between(order.signed_at, aftersale.applied_at)",
     {"order.signed_at": ts("2026-10-31T15:30:00Z"), "aftersale.applied_at": ts("2026-11-01T00:10:00+08:00")}, 1),
    ("days-between-utc-same-day-beijing-next", "days_between(order.signed_at, aftersale.applied_at)",
     {"order.signed_at": ts("2026-11-01T10:00:00Z"), "aftersale.applied_at": ts("2026-11-01T17:00:00Z")}, 1),
    ("days-between-negative", "days_between(aftersale.applied_at, order.signed_at)",
     {"order.signed_at": ts("2026-11-01T10:00:00"), "aftersale.applied_at": ts("2026-11-08T23:59:00")}, -7),
    ("date-of-utc-evening", "date(order.signed_at)", {"order.signed_at": ts("2026-10-31T16:30:00Z")}, date(2026, 11, 1)),
    ("date-of-naive-is-beijing", "date(order.signed_at)", {"order.signed_at": ts("2026-10-31T23:30:00")},
     date(2026, 10, 31)),
    ("date-minus-date", "date(aftersale.applied_at) - date(order.signed_at)",
     {"order.signed_at": ts("2026-11-01T23:59:00"), "aftersale.applied_at": ts("2026-11-02T00:01:00")}, 1),
    ("date-plus-int", "date(order.signed_at) + 7", {"order.signed_at": ts("2026-11-01T10:00:00")}, date(2026, 11, 8)),
    ("date-literals", "2026-11-05 - 2026-11-01", {}, 4),
    ("naive-equals-beijing-offset", "order.signed_at == 2026-11-01T10:00:00+08:00",
     {"order.signed_at": ts("2026-11-01T10:00:00")}, True),
    ("utc-equals-beijing", "order.signed_at == 2026-11-01T02:00:00Z", {"order.signed_at": ts("2026-11-01T10:00:00")}, True),
    # -- durations -----------------------------------------------------------------------------
    ("ts-plus-duration", "aftersale.applied_at + params.window",
     {"aftersale.applied_at": ts("2026-11-05T09:00:00")}, ts("2026-11-07T09:00:00")),
    ("ts-minus-duration", "now - 30m", {}, ts("2026-11-05T08:30:00")),
    ("ts-minus-ts", "now - 2026-11-04T09:00:00", {}, timedelta(days=1)),
    ("compound-duration", "1d12h == 36h", {}, True),
    ("duration-times-int", "params.window * 2 == 4d", {}, True),
    ("duration-sum", "48h + 30m", {}, timedelta(hours=48, minutes=30)),
    ("duration-ratio", "48h / 2h", {}, D(24)),
    ("deadline-passed", "aftersale.applied_at + 48h <= now",
     {"aftersale.applied_at": ts("2026-11-03T09:00:00")}, True),
    ("deadline-not-yet", "aftersale.applied_at + 48h <= now",
     {"aftersale.applied_at": ts("2026-11-03T09:00:01")}, False),
    # -- membership and lists ---------------------------------------------------------------------
    ("in-param-list", "aftersale.reason in params.reasons", {"aftersale.reason": "dislike"}, True),
    ("not-in-param-list", "aftersale.reason not in params.reasons", {"aftersale.reason": "damaged"}, True),
    ("text-in-services", "'fast_refund' in shop.services", {"shop.services": ("fast_refund",)}, True),
    ("money-in-int-list", "order.paid_amount in [1, 2]", {"order.paid_amount": D("2.00")}, True),
    ("len-of-services", "len(shop.services)", {"shop.services": ("a", "b")}, 2),
]


@pytest.mark.parametrize("text, view, expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_semantics_compiled_and_interpreted(text: str, view: dict[str, Any], expected: Any) -> None:
    value, interpreted, truth = evaluate_all_ways(text, view)
    assert matches(value, expected), f"compiled: {value!r}"
    assert matches(interpreted, expected), f"interpreted: {interpreted!r}"
    assert same(value, interpreted), (value, interpreted)
    assert truth is (expected is True)


@pytest.mark.parametrize("text", ["1 / 3", "10 / 4", "0.1 * 3", "1 + 0.5", "coalesce(null, 2.5)", "300.00 - 0.01"])
def test_money_is_never_float(text: str) -> None:
    value, interpreted, _ = evaluate_all_ways(text, {})
    assert isinstance(value, Decimal) and isinstance(interpreted, Decimal)
    assert value == interpreted


@pytest.mark.parametrize("text, view", [
    ("min(1, 2.5)", {}),
    ("coalesce(order.paid_amount, 0)", {}),
], ids=["min-int-and-money", "coalesce-field-and-int"])
def test_money_typed_expression_evaluates_to_decimal(text: str, view: dict[str, Any]) -> None:
    """The checker types these as money; their value must be a Decimal too (JSON shows money as text)."""
    assert typed_ok(text).type.kind == "money"
    value, interpreted, _ = evaluate_all_ways(text, view)
    assert isinstance(value, Decimal), repr(value)
    assert isinstance(interpreted, Decimal), repr(interpreted)


def test_division_is_exact_to_the_context_precision() -> None:
    value, _, _ = evaluate_all_ways("1 / 3 * 3", {})
    assert value == Decimal("0.9999999999999999999999999999")


def test_list_field_equality_agrees_on_a_parsed_case() -> None:
    """A list field compared with a list literal: the compiled and interpreted forms agree."""
    parsed = parse_case({"id": "L", "order": {}, "shop": {"services": ["fast_refund"]}}, default_vocabulary())
    view = {p: parsed.view.get(p) for p in default_vocabulary().paths()}
    value, interpreted, truth = evaluate_all_ways("shop.services == ['fast_refund']", view)
    assert value is True
    assert interpreted is True
    assert truth is True


def test_naive_case_timestamp_is_beijing_time() -> None:
    parsed = parse_case({"id": "N", "order": {"signed_at": "2026-11-01T20:00:00"}}, default_vocabulary())
    signed = parsed.view.get("order.signed_at")
    assert signed == ts("2026-11-01T12:00:00Z")
    assert signed.utcoffset() == timedelta(hours=8)


# -- property: compiled == interpreted on random well-typed expressions ---------------------------

MONEY_LEAVES = ["order.paid_amount", "order.refunded_amount", "params.max_amount", "0", "1.50", "300.00", "0.01"]
INT_LEAVES = ["order.aftersale_count", "params.days", "params.zero", "1", "2", "5"]
BOOL_LEAVES = ["order.domestic", "buyer.credit_good", "params.flag", "true", "false"]
TS_LEAVES = ["order.paid_at", "order.signed_at", "aftersale.applied_at", "now", "2026-11-01T00:00:00"]
DUR_LEAVES = ["params.window", "48h", "30m", "1d12h"]


def numbers(depth: int) -> st.SearchStrategy[str]:
    leaf = st.sampled_from(MONEY_LEAVES + INT_LEAVES)
    if depth <= 0:
        return leaf
    sub = numbers(depth - 1)
    return st.one_of(
        leaf,
        st.tuples(sub, st.sampled_from(["+", "-", "*", "/"]), sub).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        sub.map(lambda a: f"(-{a})"),
        st.tuples(sub, sub).map(lambda t: f"coalesce({t[0]}, {t[1]})"),
        st.tuples(st.sampled_from(["min", "max"]), sub, sub).map(lambda t: f"{t[0]}({t[1]}, {t[2]})"),
        st.tuples(booleans(depth - 1), sub, sub).map(lambda t: f"(if {t[0]} then {t[1]} else {t[2]})"),
        st.tuples(timestamps(depth - 1), timestamps(depth - 1)).map(lambda t: f"days_between({t[0]}, {t[1]})"),
    )


def timestamps(depth: int) -> st.SearchStrategy[str]:
    leaf = st.sampled_from(TS_LEAVES)
    if depth <= 0:
        return leaf
    sub = timestamps(depth - 1)
    dur = st.sampled_from(DUR_LEAVES)
    return st.one_of(
        leaf,
        st.tuples(sub, st.sampled_from(["+", "-"]), dur).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        st.tuples(sub, sub).map(lambda t: f"coalesce({t[0]}, {t[1]})"),
        st.tuples(booleans(depth - 1), sub, sub).map(lambda t: f"(if {t[0]} then {t[1]} else {t[2]})"),
    )


def booleans(depth: int) -> st.SearchStrategy[str]:
    leaf = st.sampled_from(BOOL_LEAVES)
    if depth <= 0:
        return leaf
    sub = booleans(depth - 1)
    cmp = st.sampled_from(["==", "!=", "<", "<=", ">", ">="])
    return st.one_of(
        leaf,
        st.tuples(sub, st.sampled_from(["and", "or"]), sub).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        sub.map(lambda a: f"(not {a})"),
        st.tuples(numbers(depth - 1), cmp, numbers(depth - 1)).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        st.tuples(timestamps(depth - 1), cmp, timestamps(depth - 1)).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        st.tuples(numbers(depth - 1), st.sampled_from(["==", "!="])).map(lambda t: f"({t[0]} {t[1]} null)"),
        st.tuples(timestamps(depth - 1), st.sampled_from(["==", "!="])).map(lambda t: f"({t[0]} {t[1]} null)"),
        st.tuples(numbers(depth - 1), st.sampled_from(["in", "not in"])).map(lambda t: f"({t[0]} {t[1]} [0, 1, 1.50, 5])"),
        st.tuples(sub, st.sampled_from(["==", "!="]), sub).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        st.tuples(sub, sub, sub).map(lambda t: f"(if {t[0]} then {t[1]} else {t[2]})"),
        st.sampled_from(["is_null(order.paid_amount)", "is_null(order.signed_at)", "(order.domestic == null)"]),
    )


def maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), strategy)


MONEY_VALUES = st.sampled_from([D("0"), D("0.01"), D("1.50"), D("129.90"), D("300.00"), D("300.01"), D("99999")])
TIME_VALUES = st.integers(min_value=-10 * 24 * 60, max_value=10 * 24 * 60).map(lambda m: AT + timedelta(minutes=m))

CASE_VIEWS = st.fixed_dictionaries({
    "order.paid_amount": maybe(MONEY_VALUES),
    "order.refunded_amount": maybe(MONEY_VALUES),
    "order.aftersale_count": maybe(st.integers(min_value=0, max_value=6)),
    "order.domestic": maybe(st.booleans()),
    "buyer.credit_good": maybe(st.booleans()),
    "order.paid_at": maybe(TIME_VALUES),
    "order.signed_at": maybe(TIME_VALUES),
    "aftersale.applied_at": maybe(TIME_VALUES),
})


def _outcome(fn: Any) -> tuple[str, Any]:
    try:
        return ("value", fn())
    except Exception as exc:  # noqa: BLE001 - both sides must fail the same way
        return ("raised", type(exc).__name__)


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.one_of(booleans(3), numbers(2), timestamps(2)), view=CASE_VIEWS, at=TIME_VALUES)
def test_compiled_agrees_with_interpreter(text: str, view: dict[str, Any], at: datetime) -> None:
    typed = typed_ok(text)
    v = full_view(view)
    compiled = _outcome(lambda: compile_expr(typed, PARAM_VALUES, "value")(v, at))
    interpreted = _outcome(lambda: interpret(typed, Env(v, PARAM_VALUES, at)))
    assert compiled[0] == interpreted[0], (compiled, interpreted)
    assert same(compiled[1], interpreted[1]), (compiled, interpreted)
    if typed.type.kind == "bool" and compiled[0] == "value":
        assert compiled[1] in (True, False, None)
        truth = compile_expr(typed, PARAM_VALUES, "truth")(v, at)
        assert truth is (compiled[1] is True)


# -- property: what `rulebook check` calls never true (E209) is never true ---------------------

NULL_PRONE = ["(if params.flag then null else 1.50)", "(order.paid_amount / params.zero)", "(if order.domestic then null else null)"]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=booleans(3), swap=st.lists(st.sampled_from(NULL_PRONE), max_size=3), view=CASE_VIEWS, at=TIME_VALUES)
def test_a_condition_flagged_never_true_is_never_true(text: str, swap: list[str], view: dict[str, Any],
                                                      at: datetime) -> None:
    for part in swap:     # some number leaves become values that are null on every case
        text = text.replace("order.refunded_amount", part, 1) if "order.refunded_amount" in text \
            else text.replace("300.00", part, 1)
    typed, diags = check_text(text)
    if diags:
        return
    if never_true(typed, PARAM_VALUES) is not None:
        assert interpret(typed, Env(full_view(view), PARAM_VALUES, at)) is not True, text


@pytest.mark.parametrize("text", [
    "(if params.flag then null else 1.50) < order.paid_amount",
    "order.domestic and (order.paid_amount / params.zero) > 1",
    "not ((if order.domestic then null else null) == order.paid_amount)",
])
def test_never_true_finds_an_always_null_part(text: str) -> None:
    assert never_true(typed_ok(text), PARAM_VALUES) is not None


# -- property: random rulebooks load, and `decide` agrees with the exact path -------------------

STATUS_CONDITIONS = [
    "order.status == 'shipped'", "order.status in ['shipped', 'closed']", "order.status != null",
    "order.status not in ['closed']", "(if params.flag then null else 'shipped') == order.status",
    "(if params.flag then true else order.status == 'closed')", "(order.status == 'closed' or order.domestic)",
    "(if order.status == 'completed' then order.domestic else (order.paid_amount > 1.50))",
]
rule_condition = st.one_of(booleans(2), st.sampled_from(STATUS_CONDITIONS),
                           st.tuples(st.sampled_from(STATUS_CONDITIONS), st.sampled_from(["and", "or"]), booleans(1))
                           .map(lambda t: f"({t[0]} {t[1]} {t[2]})"))
RAW_MONEY = st.sampled_from([None, "0.00", "1.50", "129.90", "300.00", "300.01", "7", "1.5e2", "-1", "abc", 12])
RAW_TIME = st.sampled_from([None, "2026-11-01T09:00:00+08:00", "2026-11-09T23:59:59Z", "2026-11-05T09:00:00",
                            "2026-11-05T09:00:00-05:00", "2026-13-01T00:00:00+08:00", "soon"])
RAW_ORDERS = st.fixed_dictionaries({
    "status": st.sampled_from([None, "shipped", "closed", "completed", "preparing", "nonsense", 3]),
    "paid_amount": RAW_MONEY, "refunded_amount": RAW_MONEY,
    "aftersale_count": st.sampled_from([None, 0, 2, 6, 7.0, -1, "2"]),
    "domestic": st.sampled_from([None, True, False, "yes"]),
    "paid_at": RAW_TIME, "signed_at": RAW_TIME,
})
RAW_CASES = st.fixed_dictionaries({
    "order": RAW_ORDERS,
    "buyer": st.fixed_dictionaries({"credit_good": st.sampled_from([None, True, False, 1])}),
    "aftersale": st.fixed_dictionaries({"applied_at": RAW_TIME}),
})
BOOK_DIR = Path(tempfile.mkdtemp(prefix="rulebook-books-"))
BOOK_HEAD = RULEBOOK_HEAD.replace("  window: 48h\n", "  window: 48h\n  days: 7\n  zero: 0\n  flag: true\n"
                                   "  reasons: [seven_day_no_reason, dislike, wrong_order]\n"
                                   "  cutover: 2023-09-13T00:00:00+08:00\n")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rules=st.lists(st.lists(rule_condition, min_size=1, max_size=3), min_size=1, max_size=5),
       cases=st.lists(RAW_CASES, min_size=1, max_size=8))
def test_random_rulebooks_load_and_decide_as_the_exact_path(rules: list[list[str]], cases: list[dict[str, Any]]) -> None:
    text = BOOK_HEAD + "".join(
        f"  - id: r{i}\n    name: {{zh: 规则, en: Rule}}\n    source: {{seed: s.txt}}\n    when:\n"
        + "".join(f"      - {json.dumps(c, ensure_ascii=False)}\n" for c in conds) + "    action: approve\n"
        for i, conds in enumerate(rules))
    path = BOOK_DIR / "random.yaml"
    path.write_text(text, encoding="utf-8")
    try:
        book = load_rulebook(path, use_cache=False)
    except DslError as exc:   # a random condition may be ill-typed: that is the checker's business
        assert all(d.code.startswith("E2") for d in exc.diagnostics), [(d.code, d.args) for d in exc.diagnostics]
        return
    at = AT
    for case in cases:
        fast = book.decide(case, at)
        exact = [book.evaluate_rule(rule, book.parse(case).view, at) for rule in book.rules]
        assert [(d[0], d[1]) for d in fast] == [(None if r.error else r.matched, r.action) for r in exact], (text, case)
