"""Type checking: one table of (expression, expected type | expected error code@col)."""
from __future__ import annotations

from typing import Any

import pytest

from dsl import parse_expr
from dsl.lang.checker import check_expr

# Valid expressions and their type (Type.__str__ / kind spelled out).
TYPED: list[tuple[str, str]] = [
    ("order.paid_amount <= 300", "bool"),
    ("order.paid_amount <= params.max_amount", "bool"),
    ("order.paid_amount - order.refunded_amount", "money"),
    ("order.aftersale_count + 1", "int"),
    ("order.aftersale_count * 2", "int"),
    ("1 + 2", "int"),
    ("1 / 2", "money"),
    ("order.aftersale_count / 2", "money"),
    ("1 * 2.5", "money"),
    ("1 + 0.5", "money"),
    ("-order.paid_amount", "money"),
    ("aftersale.applied_at - order.paid_at", "duration"),
    ("aftersale.applied_at + params.window", "timestamp"),
    ("params.window + aftersale.applied_at", "timestamp"),
    ("aftersale.applied_at - 48h", "timestamp"),
    ("now + 7d", "timestamp"),
    ("48h + 30m", "duration"),
    ("params.window * 2", "duration"),
    ("48h / 2h", "money"),
    ("date(now) - date(order.paid_at)", "int"),
    ("2026-01-02 - 2026-01-01", "int"),
    ("date(now) + 1", "date"),
    ("date(now) - 1", "date"),
    ("days_between(order.signed_at, aftersale.applied_at)", "int"),
    ("len(shop.services)", "int"),
    ("coalesce(order.paid_amount, 0)", "money"),
    ("coalesce(order.signed_at, now)", "timestamp"),
    ("min(1, 2.5)", "money"),
    ("max(order.paid_at, aftersale.applied_at)", "timestamp"),
    ("is_null(order.signed_at)", "bool"),
    ("is_null(shop.auto_refund_policy)", "bool"),
    ("now", "timestamp"),
    ("params.days", "int"),
    ("params.reasons", "list of text"),
    ("[1, 2.5]", "list of money"),
    ("'fast_refund' in shop.services", "bool"),
    ("aftersale.reason in params.reasons", "bool"),
    ("order.status not in ['closed', 'shipped']", "bool"),
    ("if order.domestic then 1 else 2.5", "money"),
    ("if order.domestic then order.signed_at else null", "timestamp"),
    ("order.signed_at == null", "bool"),
    ("null == order.signed_at", "bool"),
    ("shop.auto_refund_policy != null", "bool"),
    ("shop.auto_refund_policy.max_amount >= order.paid_amount", "bool"),
    ("order.paid_at < 2026-01-01T00:00:00", "bool"),
    ("aftersale.reason == 'dislike'", "bool"),
    ("order.category == 'anything'", "bool"),
    ("order.domestic and not buyer.credit_good or params.flag", "bool"),
    ("now >= params.cutover", "bool"),
]


@pytest.mark.parametrize("text, expected", TYPED, ids=[t for t, _ in TYPED])
def test_valid_expression_type(check: Any, text: str, expected: str) -> None:
    typed, diags = check(text)
    assert [(d.code, d.args) for d in diags] == []
    assert str(typed.type) == expected or typed.type.kind == expected


# (expression, code, column of the span start, end column or None)
ERRORS: list[tuple[str, str, int, int | None]] = [
    # E201 unknown field
    ("order.ammount > 1", "E201", 1, 14),
    ("ordr.status == 'shipped'", "E201", 1, 12),
    ("1 < shop.servics_count", "E201", 5, None),
    # E202 unknown parameter
    ("order.paid_amount <= params.max_amont", "E202", 22, 38),
    ("params.nothing_like_it", "E202", 1, None),
    # E203 unknown function
    ("lenn(shop.services)", "E203", 1, 20),
    ("today()", "E203", 1, None),
    # E204 type mismatches
    ("order.paid_amount == 'x'", "E204", 1, 25),
    ("aftersale.applied_at + 1", "E204", 1, 25),
    ("order.paid_amount < null", "E204", 1, 25),
    ("null >= 1", "E204", 1, None),
    ("order.paid_at > 5", "E204", 1, None),
    ("order.paid_at < 2026-01-01", "E204", 1, None),
    ("order.paid_amount + 1h", "E204", 1, None),
    ("if order.domestic then 1 else 'a'", "E204", 1, None),
    ("order.status in 5", "E204", 1, None),
    ("1 in ['a']", "E204", 1, None),
    ("order.domestic == 1", "E204", 1, None),
    # E205 wrong arity / argument kinds
    ("len()", "E205", 1, 6),
    ("len(shop.services, 1)", "E205", 1, None),
    ("days_between(order.paid_at)", "E205", 1, None),
    ("date(1)", "E205", 1, None),
    ("coalesce(order.paid_amount, 'x')", "E205", 1, None),
    # E206 unknown enum value
    ("aftersale.reason == 'dislke'", "E206", 21, 29),
    ("'dislke' == aftersale.reason", "E206", 1, 9),
    ("order.status == 'shiped'", "E206", 17, 25),
    ("order.status in ['shipped', 'clsed']", "E206", 29, 36),
    ("aftersale.type != 'refund'", "E206", 19, None),
    # E207 non-bool operand of a condition
    ("order.domestic and 1", "E207", 20, 21),
    ("not order.paid_amount", "E207", 5, None),
    ("1 or true", "E207", 1, 2),
    ("if 1 then 1 else 2", "E207", 4, 5),
    # E208 unary minus on a non-number
    ("-order.paid_at", "E208", 1, None),
    # E210 mixed list
    ("[1, 'a']", "E210", 5, 8),
    ("order.category in ['a', 1]", "E210", 25, None),
]


@pytest.mark.parametrize("text, code, col, end_col", ERRORS, ids=[f"{c}:{t}" for t, c, _, _ in ERRORS])
def test_error_code_and_span(check: Any, text: str, code: str, col: int, end_col: int | None) -> None:
    _, diags = check(text)
    assert [d.code for d in diags] == [code]
    span = diags[0].span
    assert (span.line, span.col) == (1, col)
    if end_col is not None:
        assert span.end_col == end_col


@pytest.mark.parametrize("text", [
    "shop.auto_refund_policy > 1",
    "shop.auto_refund_policy == 1",
    "shop.auto_refund_policy != 0",
    "1 <= shop.auto_refund_policy",
], ids=lambda t: t)
def test_object_compared_with_a_number_is_E211(check: Any, text: str) -> None:
    _, diags = check(text)
    assert [d.code for d in diags] == ["E211"]
    assert diags[0].args.get("name") == "shop.auto_refund_policy"


@pytest.mark.parametrize("text, suggestion", [
    ("order.ammount > 1", "order.paid_amount"),
    ("order.paid_amout > 1", "order.paid_amount"),
    ("order.paid_amount <= params.max_amont", "params.max_amount"),
    ("lenn(shop.services)", "len"),
    ("aftersale.reason == 'dislke'", "dislike"),
    ("order.status == 'shiped'", "shipped"),
], ids=lambda v: v)
def test_did_you_mean(check: Any, text: str, suggestion: str) -> None:
    _, diags = check(text)
    assert len(diags) == 1
    hint = diags[0].hint
    assert hint is not None and hint[0] == "did_you_mean"
    assert hint[1]["suggestion"] == suggestion


@pytest.mark.parametrize("text", [
    "order.zzzzzzzz > 1",
    "aftersale.reason == 'qqqqqqqqqq'",
    "frobnicate(1)",
], ids=lambda t: t)
def test_no_nonsense_suggestion(check: Any, text: str) -> None:
    _, diags = check(text)
    assert len(diags) == 1
    assert diags[0].hint is None or diags[0].hint[0] != "did_you_mean"


@pytest.mark.parametrize("written", ["'已完成'", "'Completed '", "\"已完成\""])
def test_an_enum_value_written_as_its_label_names_the_value(check: Any, written: str) -> None:
    _, diags = check(f"order.status == {written}")
    [diag] = diags
    assert diag.code == "E206" and diag.hint is not None and diag.hint[1]["suggestion"] == "completed"
    if "已完成" in written:
        assert diag.hint_text("en") == "did you mean 'completed' (已完成)?"
        assert diag.hint_text("zh") == "您是否想写 'completed'（已完成）？"
    assert diag.message("zh").endswith("不是 order.status 的取值（枚举）")
    assert diag.message("en").endswith("is not a value of order.status (enum)")


def test_unknown_enum_value_lists_options_when_nothing_is_close(check: Any) -> None:
    _, diags = check("aftersale.reason == 'qqqqqqqqqq'")
    assert diags[0].code == "E206"
    assert diags[0].hint is not None and diags[0].hint[0] == "schema_enum"
    assert "dislike" in diags[0].hint[1]["options"]


def test_null_comparison_hint(check: Any) -> None:
    _, diags = check("order.signed_at < null")
    assert diags[0].code == "E204"
    assert diags[0].hint is not None and diags[0].hint[0] == "null_semantics"


def test_all_errors_collected(check: Any) -> None:
    _, diags = check("order.ammount > 1 and params.nope and lenn(1) > 0 and aftersale.reason == 'dislke'")
    assert sorted(d.code for d in diags) == ["E201", "E202", "E203", "E206"]


def test_type_error_names_both_types(check: Any) -> None:
    _, diags = check("order.paid_amount == 'x'")
    args = diags[0].args
    assert {str(args["left"]), str(args["right"])} == {"money", "text"}


def test_checker_does_not_mutate_the_parsed_tree(scope: Any) -> None:
    tree = parse_expr("order.paid_amount <= 300")
    typed, _ = check_expr(tree, scope)
    assert tree.type is None          # type: ignore[attr-defined]
    assert typed.type is not None     # type: ignore[attr-defined]
    assert typed.left.type.kind == "money"  # type: ignore[attr-defined]
