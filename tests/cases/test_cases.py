"""Case documents: values parsed exactly, every bad field named, and only its rules affected."""
from __future__ import annotations

import copy
import json
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from dsl import load_rulebook
from dsl.lang import ast
from dsl.cases.inputs import loads
from dsl.cases.document import parse_case
from dsl.lang.values import parse_timestamp
from dsl.lang.vocabulary import default_vocabulary

from conftest import EXAMPLES


def parsed(order: dict[str, Any] | None = None, **rest: Any) -> Any:
    doc = {"id": "C-1", "order": dict(order or {}), **rest}
    return parse_case(doc, default_vocabulary())


def problems(p: Any) -> dict[str, str]:
    return {x.path: x.detail for x in p.problems}


@pytest.fixture(scope="module")
def douyin() -> Any:
    return load_rulebook("douyin")


@pytest.fixture(scope="module")
def kuaishou() -> Any:
    return load_rulebook("kuaishou")


# -- money ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("raw, expected", [
    pytest.param("129.90", Decimal("129.90"), id="string"),
    pytest.param(" 129.90 ", Decimal("129.90"), id="string-with-spaces"),
    pytest.param(loads('{"x": 129.90}')["x"], Decimal("129.90"), id="json-number"),
    pytest.param(129, Decimal("129"), id="json-int"),
    pytest.param("0", Decimal("0"), id="zero"),
    pytest.param("300.00", Decimal("300.00"), id="keeps-scale"),
    pytest.param("1.230", Decimal("1.23"), id="trailing-zero-third-decimal"),
])
def test_money_values(raw: Any, expected: Decimal) -> None:
    p = parsed({"paid_amount": raw})
    assert problems(p) == {}
    value = p.view.get("order.paid_amount")
    assert isinstance(value, Decimal)
    assert value == expected


def test_json_numbers_are_read_as_decimal_not_float() -> None:
    doc = loads('{"order": {"paid_amount": 0.1}, "x": 0.30000000000000004}')
    assert isinstance(doc["order"]["paid_amount"], Decimal)
    assert str(doc["x"]) == "0.30000000000000004"


@pytest.mark.parametrize("text", ['{"a": NaN}', '{"a": Infinity}', '{"a": -Infinity}'], ids=["nan", "inf", "-inf"])
def test_json_nan_and_infinity_rejected(text: str) -> None:
    with pytest.raises(ValueError):
        loads(text)


@pytest.mark.parametrize("raw", [
    pytest.param("NaN", id="nan-text"),
    pytest.param("Infinity", id="infinity-text"),
    pytest.param(Decimal("NaN"), id="nan-decimal"),
    pytest.param(Decimal("Infinity"), id="infinity-decimal"),
    pytest.param("-1.00", id="negative"),
    pytest.param(-5, id="negative-int"),
    pytest.param("abc", id="abc"),
    pytest.param("", id="empty"),
    pytest.param("１２９.９０", id="fullwidth-digits"),
    pytest.param("1.234", id="three-decimals"),
    pytest.param("12.999", id="three-decimals-2"),
    pytest.param("1e3", id="exponent"),
    pytest.param("1,000.00", id="thousands-separator"),
    pytest.param("¥129.90", id="currency-sign"),
    pytest.param(True, id="bool"),
    pytest.param([1], id="list"),
])
def test_bad_money_rejected_naming_the_field(raw: Any) -> None:
    p = parsed({"paid_amount": raw})
    assert list(problems(p)) == ["order.paid_amount"]
    assert p.view.get("order.paid_amount") is None
    assert p.fatal is None


# -- timestamps --------------------------------------------------------------------------------------

@pytest.mark.parametrize("raw, expected", [
    pytest.param("2026-11-05T01:00:00Z", "2026-11-05T09:00:00+08:00", id="utc-z"),
    pytest.param("2026-11-05T09:00:00", "2026-11-05T09:00:00+08:00", id="naive-is-beijing"),
    pytest.param("2026-11-05T09:00:00+08:00", "2026-11-05T09:00:00+08:00", id="beijing"),
    pytest.param("2026-11-05T10:00:00+09:00", "2026-11-05T09:00:00+08:00", id="tokyo"),
    pytest.param("2026-11-04T16:30:00Z", "2026-11-05T00:30:00+08:00", id="utc-crosses-midnight"),
])
def test_timestamps(raw: str, expected: str) -> None:
    p = parsed({"paid_at": raw})
    assert problems(p) == {}
    value = p.view.get("order.paid_at")
    assert value == parse_timestamp(expected)
    assert value.utcoffset() == timedelta(hours=8)
    assert value.isoformat() == expected


@pytest.mark.parametrize("raw", [
    pytest.param("2026-13-45", id="month-13-date"),
    pytest.param("2026-13-45T00:00:00", id="month-13-timestamp"),
    pytest.param("2026-02-30T10:00:00+08:00", id="feb-30"),
    pytest.param("2026-11-05T25:00:00", id="hour-25"),
    pytest.param("yesterday", id="word"),
    pytest.param(1730768400, id="epoch-number"),
])
def test_bad_timestamp_rejected_naming_the_field(raw: Any) -> None:
    p = parsed({"signed_at": raw})
    assert list(problems(p)) == ["order.signed_at"]
    assert p.view.get("order.signed_at") is None


# -- other types --------------------------------------------------------------------------------------

@pytest.mark.parametrize("order, path", [
    pytest.param({"aftersale_count": "five"}, "order.aftersale_count", id="count-text"),
    pytest.param({"aftersale_count": 1.5}, "order.aftersale_count", id="count-fraction"),
    pytest.param({"aftersale_count": -1}, "order.aftersale_count", id="count-negative"),
    pytest.param({"aftersale_count": True}, "order.aftersale_count", id="count-bool"),
    pytest.param({"domestic": "yes"}, "order.domestic", id="bool-yes"),
    pytest.param({"domestic": "true"}, "order.domestic", id="bool-quoted-true"),
    pytest.param({"domestic": 1}, "order.domestic", id="bool-one"),
    pytest.param({"status": "shiped"}, "order.status", id="enum-typo"),
    pytest.param({"status": 3}, "order.status", id="enum-number"),
    pytest.param({"category": 5}, "order.category", id="text-number"),
])
def test_wrong_types_named(order: dict[str, Any], path: str) -> None:
    p = parsed(order)
    assert list(problems(p)) == [path]


def test_yaml11_word_gets_a_hint() -> None:
    p = parsed({"domestic": "yes"})
    assert p.problems[0].hint is not None and "true" in p.problems[0].hint


def test_enum_typo_gets_did_you_mean() -> None:
    p = parsed({"status": "shiped"})
    assert p.problems[0].hint is not None and "shipped" in p.problems[0].hint


def test_list_of_text_field() -> None:
    assert list(parsed(shop={"services": ["fast_refund", 3]}).problems)[0].path == "shop.services"
    assert parsed(shop={"services": "fast_refund"}).problems[0].path == "shop.services"
    assert tuple(parsed(shop={"services": ["a"]}).view.get("shop.services")) == ("a",)


def test_all_problems_of_a_case_reported() -> None:
    p = parsed({"paid_amount": "abc", "aftersale_count": "five", "signed_at": "2026-13-45"}, buyer={"credit_good": "no"})
    assert set(problems(p)) == {"order.paid_amount", "order.aftersale_count", "order.signed_at", "buyer.credit_good"}


def test_absent_and_null_fields_are_null() -> None:
    p = parsed({"paid_amount": None})
    assert problems(p) == {}
    assert p.view.get("order.paid_amount") is None
    assert p.view.get("aftersale.applied_at") is None
    assert p.view.get("shop.auto_refund_policy.max_amount") is None


def test_object_field_that_is_not_an_object() -> None:
    p = parsed(shop={"auto_refund_policy": 5})
    assert "shop.auto_refund_policy" in problems(p)


@pytest.mark.parametrize("doc, needle", [
    pytest.param([1, 2], "object", id="list"),
    pytest.param("text", "object", id="string"),
    pytest.param(None, "object", id="null"),
    pytest.param({"id": "X"}, "order", id="missing-order"),
    pytest.param({"id": "X", "order": None}, "order", id="null-order"),
    pytest.param({"id": "X", "order": [1]}, "order", id="order-a-list"),
])
def test_unreadable_case_is_fatal(doc: Any, needle: str) -> None:
    p = parse_case(doc, default_vocabulary(), "file.json:3")
    assert p.fatal is not None and needle in p.fatal


def test_case_id_falls_back_to_the_source() -> None:
    p = parse_case({"order": {}}, default_vocabulary(), "cases.jsonl:7")
    assert p.id == "cases.jsonl:7"


def test_unknown_case_fields_listed() -> None:
    p = parsed({"paid_amout": "1.00"})
    assert "order.paid_amout" in p.unknown


# -- a bad field affects only the rules that read it -----------------------------------------------

def reads(rule: Any) -> set[str]:
    """The case fields one rule's expressions read."""
    refs = [rule.versions_by] if rule.versions_by else []
    for v in rule.versions:
        refs += list(v.conditions) + [a.condition for a in v.actions if a.condition]
        refs += ([v.deadline] if v.deadline else []) + [o for _, o in v.outputs]
    return {n.dotted for ref in refs for n in ast.names(ref.tree)}


def test_bad_field_only_affects_rules_that_read_it(douyin: Any) -> None:
    case = json.loads((EXAMPLES / "douyin-lightning-return.json").read_text(encoding="utf-8"))
    case["order"]["paid_amount"] = "abc"
    result = douyin.evaluate(case)
    readers = {r.id for r in douyin.model.rules if "order.paid_amount" in reads(r)}
    assert readers and readers != {r.id for r in douyin.model.rules}
    for r in result.results:
        if r.rule in readers:
            assert r.error is not None and "order.paid_amount" in r.error, r.rule
            assert r.matched is False
        else:
            assert r.error is None, (r.rule, r.error)
    assert any("order.paid_amount" in e for e in result.errors)


def test_good_case_decides_every_rule(douyin: Any) -> None:
    case = json.loads((EXAMPLES / "douyin-lightning-return.json").read_text(encoding="utf-8"))
    result = douyin.evaluate(case)
    assert [r.rule for r in result.results] == douyin.rule_ids
    assert all(r.error is None for r in result.results)
    assert result.result("lightning_return").matched is True


@pytest.mark.parametrize("max_amount, ok, matched", [
    pytest.param("1.00", True, False, id="lowest-allowed"),
    pytest.param("500.00", True, True, id="in-range"),
    pytest.param("99999.00", True, True, id="highest-allowed"),
    pytest.param("0.50", False, False, id="below-1"),
    pytest.param("0", False, False, id="zero"),
    pytest.param("100000.00", False, False, id="above-99999"),
    pytest.param("abc", False, False, id="not-a-number"),
])
def test_kuaishou_auto_refund_limit_range(kuaishou: Any, max_amount: str, ok: bool, matched: bool) -> None:
    case = copy.deepcopy(kuaishou.model.base_case)
    case["order"]["paid_amount"] = "89.00"
    case["shop"]["auto_refund_policy"]["max_amount"] = max_amount
    result = kuaishou.evaluate(case)
    custom = result.result("custom_auto_refund")
    assert custom.matched is matched
    if ok:
        assert custom.error is None
    else:
        assert custom.error is not None and "shop.auto_refund_policy.max_amount" in custom.error
        assert any("shop.auto_refund_policy.max_amount" in e for e in result.errors)
    assert result.result("fast_refund").error is None
