"""An amount written with more decimals than the money field it is compared with (E214).

A case's `"300.005"` is refused (E402: yuan are counted to the fen); the same digits in a
rule, `order.paid_amount <= 300.005` or `limit: 300.005` under `parameters:`, were taken
silently: `<=` then means `<= 300.00`, `==` never holds, and nobody knows whether 300.00
or 300.01 was meant. Every rulebook here is written by the test."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from dsl import check_rulebook
from dsl.book.checking import check_text
from dsl.book.quickfix import apply_edits, quick_fixes

from test_enum_parameters import book, check_says, found, place, shop, shop_rule, write


@pytest.mark.parametrize("condition", [
    "order.paid_amount <= 300.005",
    "300.005 >= order.paid_amount",
    "order.paid_amount == 300.005",
    "order.paid_amount != 300.005",
    "order.paid_amount in [100.00, 300.005]",
    "order.paid_amount not in [300.005]",
    "order.paid_amount == coalesce(order.refunded_amount, 300.005)",
    "order.paid_amount < (if order.domestic then 300.005 else 100)",
])
def test_a_literal_is_an_error_where_it_is_written(tmp_path: Path, condition: str) -> None:
    text = book("unused: 1", condition)
    assert found(write(tmp_path, text)) == [("E214", "demo.yaml", *place(text, "300.005"), "300.005")]


def test_the_message_names_the_field_and_offers_both_neighbours(tmp_path: Path) -> None:
    [diag] = check_rulebook(write(tmp_path, book("unused: 1", "order.paid_amount <= 300.005")))
    assert diag.message("en") == ("300.005 has 3 decimals, more than order.paid_amount holds (2): "
                                  "no case value can equal it")
    assert diag.message("zh") == "300.005 有 3 位小数，超过 order.paid_amount 的精度（2 位）：任何案例的值都不会等于它"
    assert diag.hint_text("en") == "write 300.00 or 300.01, whichever is meant"
    assert diag.hint_text("zh") == "请改为 300.00 或 300.01（按本意选择）"


def test_a_negative_amount_rounds_both_ways_too(tmp_path: Path) -> None:
    [diag] = check_rulebook(write(tmp_path, book("unused: 1", "order.paid_amount > -0.125")))
    assert diag.hint[1] == {"down": "-0.13", "up": "-0.12"}


@pytest.mark.parametrize("params, condition", [
    ("limit: 300.005", "order.paid_amount <= params.limit"),
    ("limit: {value: 300.005, zh: 上限, en: limit}", "params.limit > order.refunded_amount"),
    ("amounts: [100.00, 300.005]", "order.paid_amount in params.amounts"),
    ("amounts:\n  - 100.00\n  - 300.005", "order.paid_amount not in params.amounts"),
])
def test_a_parameter_is_an_error_at_its_value(tmp_path: Path, params: str, condition: str) -> None:
    text = book(params, condition)
    path = write(tmp_path, text)
    [diag] = check_rulebook(path)
    assert (diag.code, diag.span.line, diag.span.col, diag.args["value"]) == ("E214", *place(text, "300.005"), "300.005")
    use = place(text, "params.")
    assert f"(compared with params.{'limit' if 'limit' in params else 'amounts'} at {path}:{use[0]}:{use[1]})" \
        in diag.message("en")


def test_cli_check_says_it_at_file_line_col_and_exits_1(tmp_path: Path, invoke: Any) -> None:
    text = book("limit: 300.005", "order.paid_amount <= params.limit")
    check_says(invoke, write(tmp_path, text), text, "300.005", "E214",
               {"en": "write 300.00 or 300.01", "zh": "请改为 300.00 或 300.01"})


@pytest.mark.parametrize("params, conditions", [
    ("unused: 1", ["order.paid_amount <= 300.000", "order.paid_amount <= 300", "order.paid_amount < 300.5"]),
    # a rate is counted to four decimals
    ("unused: 1", ["shop.metrics.dispute_refund_rate <= 1.2345"]),
    ("rate: 1.2345", ["shop.metrics.dispute_refund_rate <= params.rate"]),
    # the finest field it is compared with sets what a parameter may hold
    ("rate: 1.234", ["shop.metrics.dispute_refund_rate <= params.rate", "order.paid_amount > params.rate"]),
    # arithmetic may need more decimals than any field: not held to a field
    ("unused: 1", ["order.paid_amount * 0.125 <= 10.00", "order.paid_amount - 0.005 > 1"]),
    ("share: 0.125", ["order.paid_amount * params.share <= 10.00", "order.paid_amount >= params.share"]),
    # compared with no field at all
    ("share: 0.125", ["params.share < 1"]),
], ids=["whole-and-zeros", "rate-literal", "rate-param", "finest-field", "arithmetic", "param-in-arithmetic",
        "no-field"])
def test_what_a_field_can_hold_stays_silent(tmp_path: Path, params: str, conditions: list[str]) -> None:
    assert check_rulebook(write(tmp_path, book(params, *conditions))) == []


@pytest.mark.parametrize("params, condition", [("limit: 300.005", "order.paid_amount <= params.limit"),
                                               ("unused: 1", "order.paid_amount <= 300.005")])
def test_the_workbench_and_language_server_see_it_and_offer_both_fixes(params: str, condition: str) -> None:
    text = book(params, condition)
    [diag] = check_text(text, "demo.yaml")
    assert (diag.code, diag.span.line, diag.span.col) == ("E214", *place(text, "300.005"))
    fixed = [apply_edits(text, fix.edits) for fix in quick_fixes(text, diag)]
    assert fixed == [text.replace("300.005", "300.00"), text.replace("300.005", "300.01")]
    assert all(check_text(f, "demo.yaml") == [] for f in fixed)


def test_an_overlay_override_is_checked_at_the_overlay(tmp_path: Path) -> None:
    path, text = shop(tmp_path, "parameters:\n  max_amount: 99.999\n" + shop_rule("order.paid_amount <= params.max_amount"))
    assert found(path) == [("E214", "shop.yaml", *place(text, "99.999"), "99.999")]
