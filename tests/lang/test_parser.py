"""Expression text -> AST: precedence, literals, and syntax errors with code and span."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest

from dsl import DslError, parse_expr
from dsl.lang import ast

BEIJING = timezone(timedelta(hours=8))


def shape(node: ast.Expr) -> Any:
    """The AST without spans, as nested tuples, so expected trees are short to write."""
    match node:
        case ast.Const(value=value):
            return value
        case ast.Name(path=path):
            return ".".join(path)
        case ast.ListExpr(items=items):
            return ["list", *(shape(i) for i in items)]
        case ast.Unary(op=op, operand=operand):
            return (op, shape(operand))
        case ast.Binary(op=op, left=left, right=right) | ast.Compare(op=op, left=left, right=right):
            return (op, shape(left), shape(right))
        case ast.Logical(op=op, items=items):
            return (op, *(shape(i) for i in items))
        case ast.Call(name=name, args=args):
            return ("call", name, *(shape(a) for a in args))
        case ast.Cond(test=test, then=then, orelse=orelse):
            return ("if", shape(test), shape(then), shape(orelse))
    raise TypeError(node)


# -- precedence -------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("1 + 2 * 3", ("+", 1, ("*", 2, 3))),
    ("1 * 2 + 3", ("+", ("*", 1, 2), 3)),
    ("(1 + 2) * 3", ("*", ("+", 1, 2), 3)),
    ("1 - 2 - 3", ("-", ("-", 1, 2), 3)),
    ("8 / 4 / 2", ("/", ("/", 8, 4), 2)),
    ("-1 - -2", ("-", ("-", 1), ("-", 2))),
    ("-a * b", ("*", ("-", "a"), "b")),
    ("a < 1 + 2", ("<", "a", ("+", 1, 2))),
    ("a + 1 <= b * 2", ("<=", ("+", "a", 1), ("*", "b", 2))),
    ("a or b and c", ("or", "a", ("and", "b", "c"))),
    ("a and b or c", ("or", ("and", "a", "b"), "c")),
    ("not a and b", ("and", ("not", "a"), "b")),
    ("not a or not b", ("or", ("not", "a"), ("not", "b"))),
    ("not a == 1", ("not", ("==", "a", 1))),
    ("not not a", ("not", ("not", "a"))),
    ("a and b and c", ("and", "a", "b", "c")),
    ("a or b or c", ("or", "a", "b", "c")),
    ("a == 1 and b != 2", ("and", ("==", "a", 1), ("!=", "b", 2))),
    ("if a then 1 else 2", ("if", "a", 1, 2)),
    ("if a or b then x + 1 else y", ("if", ("or", "a", "b"), ("+", "x", 1), "y")),
    ("if a then 1 else if b then 2 else 3", ("if", "a", 1, ("if", "b", 2, 3))),
    ("1 + (if a then 1 else 2)", ("+", 1, ("if", "a", 1, 2))),
], ids=lambda v: v if isinstance(v, str) else None)
def test_precedence(text: str, expected: Any) -> None:
    assert shape(parse_expr(text)) == expected


# -- literals -----------------------------------------------------------------------------------

@pytest.mark.parametrize("text, value", [
    pytest.param("0", 0, id="int-zero"),
    pytest.param("300", 300, id="int"),
    pytest.param("300.00", Decimal("300.00"), id="money"),
    pytest.param("0.1", Decimal("0.1"), id="money-0.1"),
    pytest.param("'text'", "text", id="single-quoted"),
    pytest.param('"text"', "text", id="double-quoted"),
    pytest.param("'闪电退货'", "闪电退货", id="single-quoted-chinese"),
    pytest.param('"不喜欢/不想要"', "不喜欢/不想要", id="double-quoted-chinese"),
    pytest.param("''", "", id="empty-text"),
    pytest.param(r"'it\'s'", "it's", id="escaped-quote"),
    pytest.param("true", True, id="true"),
    pytest.param("false", False, id="false"),
    pytest.param("null", None, id="null"),
    pytest.param("48h", timedelta(hours=48), id="duration-h"),
    pytest.param("7d", timedelta(days=7), id="duration-d"),
    pytest.param("30m", timedelta(minutes=30), id="duration-m"),
    pytest.param("1d12h", timedelta(days=1, hours=12), id="duration-compound"),
    pytest.param("2023-09-13", date(2023, 9, 13), id="date"),
    pytest.param("2023-09-13T00:00:00+08:00", datetime(2023, 9, 13, tzinfo=BEIJING), id="timestamp-offset"),
    pytest.param("2023-09-13T00:00:00", datetime(2023, 9, 13, tzinfo=BEIJING), id="timestamp-naive-is-beijing"),
    pytest.param("2023-09-12T16:00:00Z", datetime(2023, 9, 13, tzinfo=BEIJING), id="timestamp-utc"),
    pytest.param("2023-09-13T01:00:00+09:00", datetime(2023, 9, 13, tzinfo=BEIJING), id="timestamp-tokyo"),
])
def test_literal_values(text: str, value: Any) -> None:
    node = parse_expr(text)
    assert isinstance(node, ast.Const)
    assert node.value == value
    assert type(node.value) is type(value)


def test_money_literal_is_decimal_not_float() -> None:
    node = parse_expr("129.90")
    assert isinstance(node, ast.Const) and isinstance(node.value, Decimal)
    assert str(node.value) == "129.90"


@pytest.mark.parametrize("text", [
    "2023-09-13T00:00:00+08:00", "2023-09-13T00:00:00", "2023-09-12T16:00:00Z",
], ids=["offset", "naive", "utc"])
def test_timestamps_are_shown_in_beijing_time(text: str) -> None:
    node = parse_expr(text)
    assert isinstance(node, ast.Const)
    assert node.value.utcoffset() == timedelta(hours=8)
    assert (node.value.hour, node.value.day) == (0, 13)


@pytest.mark.parametrize("text, expected", [
    ("[]", ["list"]),
    ("[1, 2, 3]", ["list", 1, 2, 3]),
    ("[1, 2,]", ["list", 1, 2]),
    ("['a', \"b\"]", ["list", "a", "b"]),
    ("[[1], []]", ["list", ["list", 1], ["list"]]),
], ids=["empty", "ints", "trailing-comma", "texts", "nested"])
def test_lists(text: str, expected: Any) -> None:
    assert shape(parse_expr(text)) == expected


@pytest.mark.parametrize("text, expected", [
    ("x in [1, 2]", ("in", "x", ["list", 1, 2])),
    ("x not in [1, 2]", ("not in", "x", ["list", 1, 2])),
    ("'fast_refund' in shop.services", ("in", "fast_refund", "shop.services")),
    ("not x in y", ("not", ("in", "x", "y"))),
    ("aftersale.reason in params.reasons", ("in", "aftersale.reason", "params.reasons")),
], ids=["in", "not-in", "text-in-field", "not-of-in", "in-param"])
def test_membership(text: str, expected: Any) -> None:
    assert shape(parse_expr(text)) == expected


@pytest.mark.parametrize("text, expected", [
    ("now", "now"),
    ("order.paid_amount", "order.paid_amount"),
    ("shop.auto_refund_policy.max_amount", "shop.auto_refund_policy.max_amount"),
    ("len(shop.services)", ("call", "len", "shop.services")),
    ("days_between(order.signed_at, now)", ("call", "days_between", "order.signed_at", "now")),
    ("coalesce(a, b, 0)", ("call", "coalesce", "a", "b", 0)),
    ("f()", ("call", "f")),
    ("max(a, b) + 1", ("+", ("call", "max", "a", "b"), 1)),
], ids=["now", "field", "deep-field", "len", "days_between", "coalesce-3", "no-args", "call-in-sum"])
def test_names_and_calls(text: str, expected: Any) -> None:
    assert shape(parse_expr(text)) == expected


def test_spans_are_one_based_and_end_exclusive() -> None:
    node = parse_expr("order.paid_amount <= 300")
    assert isinstance(node, ast.Compare)
    assert (node.span.line, node.span.col, node.span.end_col) == (1, 1, 25)
    assert (node.left.span.col, node.left.span.end_col) == (1, 18)
    assert (node.right.span.col, node.right.span.end_col) == (22, 25)


def test_multiline_expression_spans() -> None:
    node = parse_expr("a and\n  b")
    assert isinstance(node, ast.Logical)
    assert (node.items[1].span.line, node.items[1].span.col) == (2, 3)


# -- syntax errors --------------------------------------------------------------------------------

def _error(text: str) -> DslError:
    with pytest.raises(DslError) as info:
        parse_expr(text)
    return info.value


def _span(err: DslError, i: int = 0) -> tuple[int, int]:
    span = err.diagnostics[i].span
    assert span is not None
    return (span.line, span.col)


@pytest.mark.parametrize("text, code, at", [
    pytest.param("a $ b", "E101", (1, 3), id="dollar"),
    pytest.param("a = 1", "E101", (1, 3), id="single-equals"),
    pytest.param("a && b", "E101", (1, 3), id="ampersands"),
    pytest.param("a\n  # b", "E101", (2, 3), id="second-line"),
    pytest.param("(1 + 2", "E102", (1, 6), id="missing-rparen"),
    pytest.param("len(shop.services", "E102", (1, 17), id="missing-rparen-call"),
    pytest.param("1 +", "E102", (1, 3), id="dangling-operator"),
    pytest.param("if a then 1", "E102", (1, 11), id="missing-else"),
    pytest.param("48hours", "E103", (1, 1), id="48hours"),
    pytest.param("aftersale.applied_at + 2days", "E103", (1, 24), id="2days"),
    pytest.param("'abc", "E105", (1, 1), id="unterminated-single"),
    pytest.param('x == "abc', "E105", (1, 6), id="unterminated-double"),
    pytest.param("2026-13-45", "E106", (1, 1), id="month-13"),
    pytest.param("now < 2026-02-30T00:00:00", "E106", (1, 7), id="feb-30"),
    pytest.param("", "E109", (1, 1), id="empty"),
    pytest.param("   \n  ", "E109", (1, 1), id="blank"),
])
def test_syntax_error_code_and_position(text: str, code: str, at: tuple[int, int]) -> None:
    err = _error(text)
    assert err.code == code
    assert _span(err) == at


def test_missing_paren_hint() -> None:
    err = _error("(1 + 2")
    assert err.diagnostics[0].hint is not None and err.diagnostics[0].hint[0] == "close_paren"


@pytest.mark.parametrize("text, meant", [
    pytest.param("48hours", "48h", id="48hours"),
    pytest.param("2days", "2d", id="2days"),
    pytest.param("30minutes", "30m", id="30minutes"),
    pytest.param("7天", "7d", id="7天"),
])
def test_bad_duration_hint_suggests_literal(text: str, meant: str) -> None:
    err = _error(text)
    diag = err.diagnostics[0]
    assert diag.code == "E103"
    assert diag.hint is not None and diag.hint[0] == "duration_meant"
    assert diag.hint[1]["meant"] == meant


def test_duration_with_space_and_chinese_unit_is_a_bad_duration() -> None:
    """`7 天` is what an IME produces for 7 days: a bad duration (E103) whose hint says 7d."""
    err = _error("aftersale.applied_at + 7 天")
    diag = err.diagnostics[0]
    assert diag.hint is not None and diag.hint[1].get("meant") == "7d"
    assert diag.code == "E103"
    assert _span(err) == (1, 24)


@pytest.mark.parametrize("text, positions, replacements", [
    pytest.param("a ＜＝ 1", [(1, 3), (1, 4)], ["<", "="], id="fullwidth-le"),
    pytest.param("order.paid_amount <= ３００", [(1, 22), (1, 23), (1, 24)], ["3", "0", "0"], id="fullwidth-digits"),
    pytest.param("len（shop.services）", [(1, 4), (1, 18)], ["(", ")"], id="fullwidth-parens"),
    pytest.param("x == “a”", [(1, 6), (1, 8)], ['"', '"'], id="curly-quotes"),
    pytest.param("max(1，2)", [(1, 6)], [","], id="fullwidth-comma"),
])
def test_fullwidth_characters_each_reported_with_ascii(text: str, positions: list[tuple[int, int]],
                                                       replacements: list[str]) -> None:
    err = _error(text)
    assert [d.code for d in err.diagnostics] == ["E104"] * len(positions)
    assert [_span(err, i) for i in range(len(positions))] == positions
    hints = [d.hint for d in err.diagnostics]
    assert all(h is not None and h[0] == "fullwidth" for h in hints)
    assert [h[1]["ascii"] for h in hints] == replacements  # type: ignore[index]


@pytest.mark.parametrize("text, col", [
    pytest.param("order.domestic\u200b", 15, id="zero-width-space"),
    pytest.param("a\u00a0== 1", 2, id="nbsp"),
    pytest.param("a ==\u3000 1", 5, id="ideographic-space"),
])
def test_invisible_characters_reported(text: str, col: int) -> None:
    err = _error(text)
    assert err.code == "E104"
    assert _span(err) == (1, col)
    hint = err.diagnostics[0].hint
    assert hint is not None and hint[0] in ("invisible", "fullwidth")


def test_fullwidth_inside_quotes_is_text() -> None:
    node = parse_expr("'３００（元）'")
    assert isinstance(node, ast.Const) and node.value == "３００（元）"


@pytest.mark.parametrize("text", [
    pytest.param("(" * 5000 + "1" + ")" * 5000, id="5000-parens"),
    pytest.param("not " * 5000 + "x", id="5000-not"),
    pytest.param("-" * 5000 + "1", id="5000-minus"),
    pytest.param("(" * 1000 + "1" + ")" * 1000, id="1000-parens-short-text"),
    pytest.param("not " * 2000 + "x", id="2000-not-short-text"),
    pytest.param("[" * 3000 + "]" * 3000, id="3000-lists"),
    pytest.param("1" + " + 1" * 2400, id="long-sum"),
])
def test_too_deep_is_a_diagnostic_not_a_recursion_error(text: str) -> None:
    try:
        parse_expr(text)
    except DslError as err:
        assert err.code == "E107"
        assert _span(err) == (1, 1)
    except RecursionError:  # pragma: no cover - the failure this test exists for
        pytest.fail("RecursionError escaped the parser")
    else:
        pytest.fail("a deeply nested expression was accepted")


def test_moderate_nesting_is_fine() -> None:
    assert shape(parse_expr("((((1))))")) == 1
    assert shape(parse_expr("not not not a")) == ("not", ("not", ("not", "a")))


def test_errors_are_collected_not_first_only() -> None:
    err = _error("a ＜ 1 and b ＞ 2")
    assert [d.code for d in err.diagnostics] == ["E104", "E104"]
