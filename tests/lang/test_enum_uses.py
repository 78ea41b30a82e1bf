"""The checker notes where a parameter stands in a literal's place next to a text field
(EnumUse: the rulebook then checks the parameter's values, tests/book/test_enum_parameters.py),
and checks a literal that is a branch of such a value (`coalesce`, `if … then … else`) as
it checks a literal written there directly (E206)."""
from __future__ import annotations

import pytest

from conftest import make_scope
from dsl.lang.checker import check_uses
from dsl.lang.parser import parse_expr
from dsl.lang.vocabulary import default_vocabulary

REASONS = default_vocabulary().fields["aftersale.reason"].type.values


def uses(text: str) -> list[tuple[str, str, frozenset[str] | None, int]]:
    _, diags, found = check_uses(parse_expr(text), make_scope())
    assert diags == [], [(d.code, d.args) for d in diags]
    return [(u.param, u.name, u.values, u.span.col) for u in found]


@pytest.mark.parametrize("text, expected", [
    ("aftersale.reason in params.reasons", [("reasons", "aftersale.reason", REASONS, 21)]),
    ("aftersale.reason not in params.reasons", [("reasons", "aftersale.reason", REASONS, 25)]),
    ("order.category in params.reasons", [("reasons", "order.category", None, 19)]),
    ("'x' in params.reasons", []),
    ("len(params.reasons) > 1", []),
    ("coalesce(aftersale.reason, 'other') in params.reasons",
     [("reasons", "coalesce(aftersale.reason, 'other')", REASONS, 40)]),
], ids=["in", "not-in", "free-text", "literal", "len", "computed-field"])
def test_where_a_parameter_meets_a_text_field(text: str, expected: list[tuple[object, ...]]) -> None:
    assert uses(text) == expected


@pytest.mark.parametrize("text, col", [
    ("aftersale.reason == coalesce(order.id, 'dislik')", 40),
    ("aftersale.reason == (if order.domestic then 'dislike' else 'dislik')", 60),
    ("aftersale.reason in [(if order.domestic then 'dislik' else 'other')]", 46),
], ids=["coalesce", "if-else", "in-list"])
def test_a_literal_branch_is_checked_against_the_enum(text: str, col: int) -> None:
    _, diags, _ = check_uses(parse_expr(text), make_scope())
    assert [(d.code, d.span.col, d.args["value"], d.hint) for d in diags] == \
        [("E206", col, "dislik", ("did_you_mean", {"suggestion": "dislike"}))]


def test_a_literal_branch_of_free_text_stays_free() -> None:
    _, diags, _ = check_uses(parse_expr("order.category == (if order.domestic then 'a' else 'b')"), make_scope())
    assert diags == []
