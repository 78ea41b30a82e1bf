"""LSP positions (UTF-16 units, 0-based) against the loader's (code points, 1-based): the one
conversion, both ways, with Chinese text, emoji and positions past the end (clamped)."""
from __future__ import annotations

from dsl.lsp.positions import from_lsp, points_of, split_lines, to_lsp, units_of

LINE = "when: '退款🥿' and order.paid_amout > 1"


def test_a_chinese_character_is_one_unit_and_an_emoji_two() -> None:
    at = LINE.index("order")              # code points before `order`
    assert units_of(LINE, at) == at + 1   # one emoji: one extra unit
    assert units_of("退款x", 2) == 2
    assert points_of(LINE, at + 1) == at
    assert points_of("退款x", 2) == 2


def test_both_directions_round_trip_on_every_character() -> None:
    for index in range(len(LINE) + 1):
        assert points_of(LINE, units_of(LINE, index)) == index


def test_a_unit_inside_a_surrogate_pair_is_the_start_of_its_character() -> None:
    emoji_at = LINE.index("🥿")
    assert points_of(LINE, units_of(LINE, emoji_at) + 1) == emoji_at


def test_positions_past_the_end_are_clamped_never_raised() -> None:
    lines = split_lines("a: 1\r\nb: 退🥿\n")
    assert lines == ["a: 1", "b: 退🥿", ""]
    assert units_of("ab", 99) == 2 and points_of("ab", 99) == 2 and units_of("ab", -3) == 0
    assert to_lsp(lines, 2, 99) == (1, 6)           # past the line's end: its end (退 1 + 🥿 2)
    assert to_lsp(lines, 40, 1) == (2, 0)           # past the file's end: the file's end
    assert from_lsp(lines, 1, 99) == (1, 5)
    assert from_lsp(lines, 99, 99) == (2, 0)
    assert from_lsp(lines, -1, -1) == (0, 0)
    assert to_lsp([], 3, 3) == (0, 0) and from_lsp([], 3, 3) == (0, 0)


def test_loader_columns_are_one_based_code_points() -> None:
    lines = split_lines(LINE)
    col = LINE.index("order") + 1                   # as a Span gives it
    assert to_lsp(lines, 1, col) == (0, LINE.index("order") + 1)
