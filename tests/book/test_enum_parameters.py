"""A parameter's text values are checked against the enum of the field they are used with
(E213, at the value's own file:line:col), as a literal written in the expression is (E206):
`aftersale.reason in params.reasons` with `dislik` among the values would otherwise never
match, without a word. Every rulebook here is written by the test."""
from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest

from dsl import check_rulebook
from dsl.book.checking import check_text
from dsl.book.quickfix import apply_edits, quick_fixes


def book(params: str, *conditions: str, name: str = "demo") -> str:
    """A rulebook with `params` (YAML under `parameters:`) and one rule per condition."""
    rules = "".join(f"  - id: r{i}\n    name: {{zh: 规则, en: Rule}}\n    source: {{seed: s.txt}}\n"
                    f"    when:\n      - {cond}\n    action: approve\n" for i, cond in enumerate(conditions))
    return (f"rulebook: {name}\nname: {{zh: 演示, en: Demo}}\nparameters:\n"
            f"{textwrap.indent(textwrap.dedent(params).strip(), '  ')}\nrules:\n{rules}")


def write(tmp_path: Path, text: str, name: str = "demo.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def found(path: Path) -> list[tuple[str, str, int, int, str | None]]:
    """(code, file name, line, col, value) of every error of `rulebook check`."""
    return [(d.code, Path(d.file or "").name, d.span.line, d.span.col, d.args.get("value"))
            for d in check_rulebook(path) if d.severity == "error"]


def place(text: str, needle: str, line_has: str | None = None) -> tuple[int, int]:
    """1-based (line, col) of `needle` on the first line holding `line_has` (default: needle)."""
    for number, line in enumerate(text.split("\n"), start=1):
        if (line_has or needle) in line:
            return number, line.index(needle) + 1
    raise AssertionError(needle)


REASONS = "reasons: {value: [seven_day_no_reason, dislik, wrong_order], zh: 原因, en: reasons}"


# -- the typo is found, where it is written -----------------------------------------------------

def test_a_list_item_that_is_no_value_of_the_enum_is_an_error_at_the_item(tmp_path: Path) -> None:
    text = book(REASONS, "aftersale.reason in params.reasons")
    path = write(tmp_path, text)
    [diag] = [d for d in check_rulebook(path) if d.severity == "error"]
    line, col = place(text, "dislik")
    assert (diag.code, diag.file, diag.span.line, diag.span.col, diag.span.end_col) == \
        ("E213", str(path), line, col, col + len("dislik"))
    assert diag.args["param"] == "reasons" and diag.args["value"] == "dislik"
    use_line, use_col = place(text, "params.reasons")
    assert diag.args["at"] == f"{path}:{use_line}:{use_col}"     # where it is used
    assert diag.hint[0] == "enum_meant" and diag.hint[1]["suggestion"] == "dislike"
    assert "wrong_order" in diag.hint[1]["options"].split(", ")
    en, zh = diag.message("en"), diag.message("zh")
    assert "'dislik' in parameter 'reasons' is not a value of aftersale.reason" in en
    assert "参数 'reasons' 中的 'dislik' 不是 aftersale.reason 的取值" in zh
    assert "did you mean 'dislike'?" in diag.hint_text("en") and "您是否想写 'dislike'？" in diag.hint_text("zh")


@pytest.mark.parametrize("condition", [
    "aftersale.reason in params.reasons",
    "aftersale.reason not in params.reasons",
    "aftersale.reason in ['other', params.reasons_one]",
    "aftersale.reason == params.reason_one",
    "params.reason_one == aftersale.reason",
    "aftersale.reason != params.reason_one",
    "aftersale.reason == coalesce(params.reason_one, 'other')",
    "aftersale.reason == (if order.domestic then params.reason_one else 'other')",
], ids=["in", "not-in", "in-literal-list", "eq", "eq-reversed", "ne", "coalesce", "if-else"])
def test_every_place_a_literal_is_checked_checks_a_parameter(tmp_path: Path, condition: str) -> None:
    params = f"{REASONS}\nreason_one: dislik\nreasons_one: dislik"
    text = book(params, condition)
    used = "reasons" if "params.reasons " in condition + " " else ("reasons_one" if "reasons_one" in condition else "reason_one")
    line, col = place(text, "dislik", f"{used}:")
    assert found(write(tmp_path, text)) == [("E213", "demo.yaml", line, col, "dislik")]


def test_a_scalar_parameter_gets_the_same_check(tmp_path: Path) -> None:
    text = book("status: shiped", "order.status == params.status")
    line, col = place(text, "shiped")
    [diag] = check_rulebook(write(tmp_path, text))
    assert (diag.code, diag.span.line, diag.span.col, diag.hint[1]["suggestion"]) == ("E213", line, col, "shipped")


@pytest.mark.parametrize("written", ["已发货", "Shipped", "SHIPPED"])
def test_a_value_written_as_its_label_names_the_value_and_is_fixed(tmp_path: Path, written: str) -> None:
    text = book(f"status: {written}", "order.status == params.status")
    [diag] = check_text(text)
    assert diag.code == "E213" and diag.hint is not None and diag.hint[1]["suggestion"] == "shipped"
    if written == "已发货":
        assert diag.hint_text("en") == "did you mean 'shipped' (已发货)?"
        assert diag.hint_text("zh") == "您是否想写 'shipped'（已发货）？"
    [fix] = quick_fixes(text, diag)
    assert check_text(apply_edits(text, fix.edits)) == []


def test_a_value_with_nothing_close_lists_the_allowed_values(tmp_path: Path) -> None:
    [diag] = check_rulebook(write(tmp_path, book("kinds: [physical, xyzzy]", "order.goods_kind in params.kinds")))
    assert diag.hint == ("enum_values", {"name": "order.goods_kind", "options": "physical, virtual"})
    assert diag.hint_text("en") == "the values of order.goods_kind: physical, virtual"
    assert diag.hint_text("zh") == "order.goods_kind 的取值：physical, virtual"


def test_a_quoted_item_and_a_block_list_are_found_at_their_lines(tmp_path: Path) -> None:
    params = "reasons:\n  value:\n    - dislike\n    - 'wrong_ordr'\n    - \"spoild\""
    text = book(params, "aftersale.reason in params.reasons")
    assert found(write(tmp_path, text)) == [("E213", "demo.yaml", *place(text, "'wrong_ordr'"), "wrong_ordr"),
                                            ("E213", "demo.yaml", *place(text, '"spoild"'), "spoild")]


def test_one_error_per_item_however_many_rules_use_it(tmp_path: Path) -> None:
    text = book(REASONS, "aftersale.reason in params.reasons", "aftersale.reason not in params.reasons")
    errors = found(write(tmp_path, text))
    assert [e[0] for e in errors] == ["E213"]


def test_found_even_when_the_expression_has_another_error(tmp_path: Path) -> None:
    text = book(REASONS, "aftersale.reason in params.reasons and order.paid_amount > 'abc'")
    assert sorted(e[0] for e in found(write(tmp_path, text))) == ["E204", "E213"]


def check_says(invoke: Any, path: Path, text: str, needle: str, code: str, hints: dict[str, str]) -> None:
    """`rulebook check` exits 1 with `code` at `needle`'s file:line:col, and each language's hint."""
    line, col = place(text, needle)
    for lang, words in hints.items():
        result = invoke("check", path, "--lang", lang)
        assert result.exit_code == 1
        assert f"{path}:{line}:{col}: error {code}" in result.stderr and words in result.stderr


def test_cli_check_shows_file_line_col_and_exits_1(tmp_path: Path, invoke: Any) -> None:
    text = book(REASONS, "aftersale.reason in params.reasons")
    check_says(invoke, write(tmp_path, text), text, "dislik", "E213",
               {"en": "did you mean 'dislike'?", "zh": "您是否想写 'dislike'？"})


# -- what stays silent ----------------------------------------------------------------------------

@pytest.mark.parametrize("params, conditions", [
    ("reasons: [seven_day_no_reason, dislike, wrong_order]", ["aftersale.reason in params.reasons"]),
    ("status: preparing", ["order.status == params.status"]),
    # one list for two enums: each value is a value of one of them
    ("done: [closed, refunded, completed]", ["order.status in params.done", "aftersale.status in params.done"]),
    # an enum and free text: the free-text field may hold any text
    ("kinds: [dislike, fresh]", ["aftersale.reason in params.kinds", "order.category in params.kinds"]),
    ("service: fresh_claim", ["params.service in shop.services", "aftersale.reason == params.service"]),
    # free text only, or compared with literals and parameters only
    ("cats: [fresh, fruit]", ["order.category in params.cats"]),
    ("word: xyzzy", ["order.domestic or params.word == 'abc'", "order.domestic or params.word in ['a', 'b']"]),
    ("empty: []", ["aftersale.reason not in params.empty"]),
], ids=["valid-list", "valid-scalar", "two-enums", "enum-and-free-text", "service", "free-text", "literals", "empty"])
def test_valid_uses_stay_silent(tmp_path: Path, params: str, conditions: list[str]) -> None:
    assert check_rulebook(write(tmp_path, book(params, *conditions))) == []


def test_two_enums_report_a_value_of_neither_naming_both(tmp_path: Path) -> None:
    text = book("done: [closed, refundd]", "order.status in params.done", "aftersale.status in params.done")
    [diag] = check_rulebook(write(tmp_path, text))
    assert (diag.code, diag.args["value"], diag.hint[1]["suggestion"]) == ("E213", "refundd", "refunded")
    assert diag.args["name"].label("en") == "aftersale.status or order.status"
    assert diag.args["name"].label("zh") == "aftersale.status 或 order.status"


# -- editors: the same diagnostic, and a quick fix ------------------------------------------------

def test_the_workbench_and_language_server_see_it_and_fix_it(tmp_path: Path) -> None:
    text = book(REASONS, "aftersale.reason in params.reasons")
    [diag] = check_text(text, "demo.yaml")
    assert (diag.code, diag.span.line, diag.span.col) == ("E213", *place(text, "dislik"))
    [fix] = quick_fixes(text, diag)
    assert check_text(apply_edits(text, fix.edits), "demo.yaml") == []


# -- shop overlays ----------------------------------------------------------------------------------

BASE = book("reasons: [seven_day_no_reason, dislike]\nmax_amount: 300.00",
            "aftersale.reason in params.reasons", name="base")


def shop(tmp_path: Path, body: str) -> tuple[Path, str]:
    write(tmp_path, BASE, "base.yaml")
    text = "rulebook: shop\nextends: base.yaml\n" + textwrap.dedent(body)
    return write(tmp_path, text, "shop.yaml"), text


def shop_rule(condition: str) -> str:
    """An overlay's own rule with one condition."""
    return ("rules:\n  - id: shop_rule\n    name: {zh: 店铺, en: Shop}\n    source: {ref: 店铺规则}\n"
            f"    when: [{condition}]\n    action: manual_review\n")


def test_an_overlay_override_is_checked_at_the_overlay(tmp_path: Path) -> None:
    path, text = shop(tmp_path, "parameters:\n  reasons: [dislike, wrong_ordr]\n")
    assert found(path) == [("E213", "shop.yaml", *place(text, "wrong_ordr"), "wrong_ordr")]
    assert [d.code for d in check_text(text, "shop.yaml", path)] == ["E213"]


def test_a_new_parameter_used_by_the_overlay_is_checked(tmp_path: Path) -> None:
    path, text = shop(tmp_path, "new_parameters:\n  blocked: [shiped]\n" + shop_rule("order.status in params.blocked"))
    assert found(path) == [("E213", "shop.yaml", *place(text, "shiped"), "shiped")]


def test_the_overlay_use_widens_what_a_base_value_may_be(tmp_path: Path) -> None:
    path, _ = shop(tmp_path, "parameters:\n  reasons: [dislike, a_category]\n" + shop_rule("order.category in params.reasons"))
    assert found(path) == []      # free text now meets it too


def test_a_bad_value_in_the_base_is_shown_in_the_base_and_summed_up_at_extends(tmp_path: Path) -> None:
    write(tmp_path, BASE.replace("dislike]", "dislik]"), "base.yaml")
    text = "rulebook: shop\nextends: base.yaml\nparameters:\n  max_amount: 500.00\n"
    path = write(tmp_path, text, "shop.yaml")
    assert found(path) == [("E213", "base.yaml", *place(BASE, "dislike"), "dislik"), ("E327", "shop.yaml", 2, 10, None)]
    assert [d.code for d in check_text(text, "shop.yaml", path)] == ["E327"]    # an editor of the overlay
