"""Rulebook files: YAML shapes, positions of every diagnostic, and collecting all errors."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import pytest

from dsl import DslError, check_rulebook, load_rulebook
from dsl.tools.examples import run_examples

from conftest import RULEBOOK_HEAD, rule_yaml

Write = Callable[..., Path]


def codes(diags: list[Any]) -> list[str]:
    return [d.code for d in diags]


def at(diag: Any) -> tuple[int, int]:
    assert diag.span is not None, diag
    return (diag.span.line, diag.span.col)


def only(diags: list[Any], code: str) -> Any:
    found = [d for d in diags if d.code == code]
    assert len(found) == 1, [(d.code, d.span, d.args) for d in diags]
    return found[0]


def line_of(text: str, needle: str) -> int:
    """1-based line of the first line containing `needle`."""
    for i, line in enumerate(text.split("\n"), start=1):
        if needle in line:
            return i
    raise AssertionError(needle)


def col_of(text: str, needle: str, within: str | None = None) -> int:
    line = text.split("\n")[line_of(text, within or needle) - 1]
    return line.index(needle) + 1


def test_valid_rulebook_has_no_diagnostics(write_rulebook: Write) -> None:
    path = write_rulebook(RULEBOOK_HEAD + rule_yaml())
    assert check_rulebook(path) == []
    book = load_rulebook(path)
    assert book.rule_ids == ["r1"]


@pytest.mark.parametrize("name", ["douyin", "kuaishou", "pinduoduo"])
def test_fixture_rulebooks_are_clean(name: str) -> None:
    assert [(d.code, d.span) for d in check_rulebook(name) if d.severity == "error"] == []


# -- YAML shape -------------------------------------------------------------------------------------

def test_duplicate_key_at_second_key(write_rulebook: Write) -> None:
    text = RULEBOOK_HEAD.replace("parameters:", "name: {zh: 另一个, en: Other}\nparameters:") + rule_yaml()
    diag = only(check_rulebook(write_rulebook(text)), "E301")
    assert at(diag) == (3, 1)
    assert diag.args["first_line"] == 2


def test_duplicate_key_inside_a_rule(write_rulebook: Write) -> None:
    text = RULEBOOK_HEAD + rule_yaml(extra="action: reject")
    diag = only(check_rulebook(write_rulebook(text)), "E301")
    assert at(diag) == (line_of(text, "action: reject"), 5)


def test_unknown_key_with_did_you_mean(write_rulebook: Write) -> None:
    text = RULEBOOK_HEAD + rule_yaml().replace("    when:", "    whne:")
    diags = check_rulebook(write_rulebook(text))
    diag = only(diags, "E306")
    assert at(diag) == (line_of(text, "whne:"), 5)
    assert diag.hint == ("did_you_mean", {"suggestion": "when"})


def test_unknown_top_level_key(write_rulebook: Write) -> None:
    text = RULEBOOK_HEAD.replace("parameters:", "parameter:") + rule_yaml().replace("params.max_amount", "300")
    diag = only(check_rulebook(write_rulebook(text)), "E306")
    assert at(diag) == (line_of(text, "parameter:"), 1)
    assert diag.hint is not None and diag.hint[1].get("suggestion") == "parameters"


def test_tabs_are_reported(write_rulebook: Write) -> None:
    text = RULEBOOK_HEAD + rule_yaml().replace("      - order", "\t  - order")
    diag = only(check_rulebook(write_rulebook(text)), "E308")
    assert diag.span is not None and diag.span.line == line_of(text, "\t")


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n"], ids=["empty", "blank-lines", "comment"])
def test_empty_file(write_rulebook: Write, text: str) -> None:
    diags = check_rulebook(write_rulebook(text))
    assert codes(diags) == ["E302"]
    with pytest.raises(DslError) as info:
        load_rulebook(write_rulebook(text))
    assert info.value.code == "E302"


@pytest.mark.parametrize("text", ["- a\n- b\n", "just text\n", "42\n"], ids=["list", "scalar-text", "scalar-int"])
def test_top_level_not_a_mapping(write_rulebook: Write, text: str) -> None:
    diags = check_rulebook(write_rulebook(text))
    assert codes(diags) == ["E302"]
    assert at(diags[0]) == (1, 1)


def test_yaml_syntax_error_is_located(write_rulebook: Write) -> None:
    text = RULEBOOK_HEAD + rule_yaml(when="- [unclosed")
    diags = check_rulebook(write_rulebook(text))
    assert codes(diags) == ["E300"]
    assert diags[0].span is not None and diags[0].span.line >= line_of(text, "[unclosed")


def test_duplicate_rule_id(write_rulebook: Write) -> None:
    text = RULEBOOK_HEAD + rule_yaml("same") + rule_yaml("same")
    diag = only(check_rulebook(write_rulebook(text)), "E303")
    second = [i for i, line in enumerate(text.split("\n"), 1) if "id: same" in line][1]
    assert at(diag) == (second, 9)
    assert diag.args["first_line"] == line_of(text, "id: same")


VERSIONED = """\
  - id: v
    name: {{zh: 规则, en: Rule}}
    source: {{seed: s.txt}}
    action: approve
    versions_by: order.paid_at
    versions:
      - version: v1
        {b1}
        when: order.paid_amount > 1
      - version: v2
        {b2}
        when: order.paid_amount > 2
"""


@pytest.mark.parametrize("b1, b2, ok", [
    ("until: 2023-09-13T00:00:00+08:00", "from: 2023-09-13T00:00:00+08:00", True),
    ("until: 2023-09-14T00:00:00+08:00", "from: 2023-09-13T00:00:00+08:00", False),
    ("from: 2023-01-01T00:00:00+08:00", "from: 2023-09-13T00:00:00+08:00", False),
    ("from: 2023-09-13T00:00:00+08:00", "from: 2023-01-01T00:00:00+08:00\n        until: 2023-02-01T00:00:00+08:00",
     False),
    ("until: 2023-09-13T00:00:00+08:00", "until: 2024-01-01T00:00:00+08:00", False),
], ids=["adjacent-ok", "overlap", "open-ended-first", "out-of-order", "second-without-from"])
def test_versions_order_and_overlap(write_rulebook: Write, b1: str, b2: str, ok: bool) -> None:
    text = RULEBOOK_HEAD + VERSIONED.format(b1=b1, b2=b2)
    diags = check_rulebook(write_rulebook(text))
    if ok:
        assert diags == []
    else:
        diag = only(diags, "E304")
        assert diag.span is not None and diag.span.line == line_of(text, "version: v2")


def test_version_until_before_from(write_rulebook: Write) -> None:
    text = RULEBOOK_HEAD + VERSIONED.format(
        b1="from: 2023-09-13T00:00:00+08:00\n        until: 2023-01-01T00:00:00+08:00",
        b2="from: 2024-01-01T00:00:00+08:00")
    assert "E304" in codes(check_rulebook(write_rulebook(text)))


def test_a_version_name_used_twice_is_e313_at_the_second_naming_the_first(write_rulebook: Write) -> None:
    text = RULEBOOK_HEAD + VERSIONED.format(b1="until: 2023-09-13T00:00:00+08:00", b2="from: 2023-09-13T00:00:00+08:00")
    text = text.replace("version: v2", "version: v1")
    diag = only(check_rulebook(write_rulebook(text)), "E313")
    second = [i for i, line in enumerate(text.split("\n"), 1) if "version: v1" in line][1]
    assert at(diag) == (second, 18)
    assert diag.args["first_line"] == line_of(text, "version: v1") and diag.args["id"] == "v"
    assert "v1" in diag.message("en") and diag.hint_text("zh")


def test_version_chosen_by_time(write_rulebook: Write) -> None:
    text = RULEBOOK_HEAD + VERSIONED.format(b1="until: 2023-09-13T00:00:00+08:00", b2="from: 2023-09-13T00:00:00+08:00")
    book = load_rulebook(write_rulebook(text))
    case = {"id": "V", "order": {"paid_amount": "1.50", "paid_at": "2023-09-12T23:59:59+08:00"}}
    old = book.evaluate(case).result("v")
    assert (old.version, old.matched) == ("v1", True)
    case["order"]["paid_at"] = "2023-09-13T00:00:00+08:00"
    new = book.evaluate(case).result("v")
    assert (new.version, new.matched) == ("v2", False)


def test_deadline_must_be_a_timestamp(write_rulebook: Write) -> None:
    text = RULEBOOK_HEAD + rule_yaml(extra="deadline: order.paid_amount")
    diag = only(check_rulebook(write_rulebook(text)), "E207")
    assert at(diag) == (line_of(text, "deadline:"), col_of(text, "order.paid_amount", "deadline:"))


def test_when_must_be_bool(write_rulebook: Write) -> None:
    text = RULEBOOK_HEAD + rule_yaml(when="- order.paid_amount + 1")
    diag = only(check_rulebook(write_rulebook(text)), "E207")
    assert at(diag) == (line_of(text, "order.paid_amount + 1"), 9)


@pytest.mark.parametrize("value", ["48hours", "7 天", "300yuan"], ids=["48hours", "7-tian", "300yuan"])
def test_bad_parameter_value(write_rulebook: Write, value: str) -> None:
    text = RULEBOOK_HEAD.replace("window: 48h", f"window: {value}") + rule_yaml()
    diag = only(check_rulebook(write_rulebook(text)), "E305")
    assert at(diag) == (line_of(text, "window:"), 11)


@pytest.mark.parametrize("value, kind", [
    ("300.00", "money"), ("300", "int"), ("48h", "duration"), ("2023-09-13", "date"),
    ("2023-09-13T00:00:00+08:00", "timestamp"), ("true", "bool"), ("shipped", "str"), ("'48h'", "str"),
    ("[a, b]", "list"),
], ids=lambda v: v)
def test_parameter_literal_types(write_rulebook: Write, value: str, kind: str) -> None:
    text = RULEBOOK_HEAD.replace("window: 48h", f"window: {value}") + rule_yaml()
    book = load_rulebook(write_rulebook(text))
    assert book.model.params["window"].type.kind == kind


FAR_HEAD = RULEBOOK_HEAD.replace("  window: 48h\n", "  window: 48h\n  big: 1000000000\n"
                                  "  far: 9999-12-31T00:00:00+08:00\n  last_day: 9999-12-31\n")


@pytest.mark.parametrize("when, part", [
    ("order.paid_at + days(params.big) < now", "days(params.big)"),
    ("order.paid_at + days(1) < params.far + days(3)", "params.far + days(3)"),
    ("date(order.paid_at) < params.last_day + 3", "params.last_day + 3"),
    ("order.paid_at - params.window * params.big > now", "params.window * params.big"),
    ("days(params.big) > 1h", "days(params.big) > 1h"),
], ids=["days", "timestamp", "date", "duration-product", "whole-condition"])
def test_constant_out_of_range_is_an_error_where_it_stands(write_rulebook: Write, when: str, part: str) -> None:
    """A part that only parameters and literals decide, and that cannot be computed, would
    fail on every case: `check` and loading report it (they used to end in a traceback)."""
    text = FAR_HEAD + rule_yaml(when=f"- {when}")
    diag = only(check_rulebook(write_rulebook(text)), "E212")
    assert at(diag) == (line_of(text, when), 9 + when.index(part))
    assert diag.args["text"] == part and "out of range" in diag.args["detail"]
    with pytest.raises(DslError) as exc:
        load_rulebook(write_rulebook(text), use_cache=False)
    assert [d.code for d in exc.value.diagnostics] == ["E212"]


def test_numbers_longer_than_python_reads_are_errors_not_tracebacks(write_rulebook: Write) -> None:
    digits = "1" * 5000
    text = RULEBOOK_HEAD.replace("  window: 48h\n", f"  window: 48h\n  huge: {digits}\n") + rule_yaml(when=f"""
        - order.aftersale_count < {digits}
        - order.paid_at + 1{"0" * 5000}d < now
    """)
    diags = check_rulebook(write_rulebook(text))
    assert sorted((d.code, d.span.line) for d in diags) == [
        ("E103", line_of(text, "00d < now")), ("E110", line_of(text, "aftersale_count <")), ("E300", line_of(text, "huge:"))]


def test_money_parameter_is_exact(write_rulebook: Write) -> None:
    from decimal import Decimal
    book = load_rulebook(write_rulebook(RULEBOOK_HEAD + rule_yaml()))
    value = book.model.params["max_amount"].value
    assert isinstance(value, Decimal) and str(value) == "300.00"


@pytest.mark.parametrize("when", [
    "- order.status == 'shipped'\n- order.status == 'closed'",
    "- order.paid_amount <= 300\n- order.paid_amount > 500",
    "- order.domestic\n- not order.domestic",
    "- order.status in ['shipped', 'completed']\n- order.status == 'closed'",
    "- order.paid_amount > params.max_amount\n- order.paid_amount < 100",
    "- 1 > 2",
    "- order.paid_amount > 3 and params.max_amount < 100",
], ids=["status-twice", "amount-range", "flag-both", "in-and-eq", "param-bound", "constant-false", "and-false-item"])
def test_rule_that_can_never_match(write_rulebook: Write, when: str) -> None:
    text = RULEBOOK_HEAD + rule_yaml(when=when)
    diag = only(check_rulebook(write_rulebook(text)), "E209")
    last = when.split("\n")[-1][2:]
    assert at(diag) == (line_of(text, last), 9)


STRICT_HEAD = RULEBOOK_HEAD.replace("  window: 48h\n", "  window: 48h\n  strict: true\n")
ALWAYS_NULL = "(if params.strict then null else 5.00)"


@pytest.mark.parametrize("when", [
    f"- {ALWAYS_NULL} < order.paid_amount",
    f"- order.paid_amount == {ALWAYS_NULL}",
    f"- order.domestic and order.paid_amount + {ALWAYS_NULL} > 3",
    f"- not ({ALWAYS_NULL} < order.paid_amount)",
    f"- order.domestic\n- (if order.domestic then null else {ALWAYS_NULL}) <= order.paid_amount",
], ids=["compare", "equals-folded-null", "and-arithmetic", "not", "both-branches"])
def test_condition_on_an_always_null_value_can_never_match(write_rulebook: Write, when: str) -> None:
    text = STRICT_HEAD + rule_yaml(when=when)
    diag = only(check_rulebook(write_rulebook(text)), "E209")
    last = when.split("\n")[-1][2:]
    assert at(diag) == (line_of(text, last), 9)
    assert "is always null" in diag.args["detail"]


def test_null_literal_passed_on_is_named_with_the_way_to_test_for_null(write_rulebook: Write) -> None:
    text = STRICT_HEAD + rule_yaml(when="- days_between(order.signed_at, null) > 3")
    diag = only(check_rulebook(write_rulebook(text)), "E209")
    assert "is_null" in diag.args["detail"] and "'== null'" in diag.args["detail"]


@pytest.mark.parametrize("when", [
    f"- order.domestic or {ALWAYS_NULL} < order.paid_amount",
    f"- coalesce({ALWAYS_NULL}, order.paid_amount) > 3",
    "- order.paid_amount == null",
    f"- (if order.domestic then {ALWAYS_NULL} else 1.00) < order.paid_amount",
], ids=["or", "coalesce", "null-test", "one-branch"])
def test_null_that_does_not_decide_is_not_flagged(write_rulebook: Write, when: str) -> None:
    assert check_rulebook(write_rulebook(STRICT_HEAD + rule_yaml(when=when))) == []


@pytest.mark.parametrize("when", [
    "- order.status == 'shipped'\n- order.paid_amount <= 300",
    "- order.paid_amount > 100\n- order.paid_amount <= 300",
    "- order.paid_amount >= 300\n- order.paid_amount <= 300",
], ids=["different-fields", "range", "single-point"])
def test_satisfiable_rules_are_not_flagged(write_rulebook: Write, when: str) -> None:
    assert check_rulebook(write_rulebook(RULEBOOK_HEAD + rule_yaml(when=when))) == []


# -- YAML 1.1 traps, BOM, CRLF -------------------------------------------------------------------

@pytest.mark.parametrize("word", ["no", "yes", "on", "off", "No", "Y"])
def test_yaml11_boolean_words_are_rejected_where_they_stand(write_rulebook: Write, word: str) -> None:
    """`credit_good: no` is false to YAML 1.1 tools and text to YAML 1.2: never guessed, always E307."""
    extra = f"""\
    examples:
      - name: credit written as a YAML 1.1 word
        case: {{order: {{paid_amount: "10.00"}}, buyer: {{credit_good: {word}}}}}
        expect: {{matched: true}}
    """
    text = RULEBOOK_HEAD + rule_yaml(when="- order.paid_amount > 1", extra=extra)
    diags = check_rulebook(write_rulebook(text))
    diag = only(diags, "E307")
    assert at(diag) == (line_of(text, f"credit_good: {word}"), col_of(text, f"{word}}}}}"))
    assert diag.hint is not None and "'" + word + "'" in diag.hint[1]["quoted"]
    with pytest.raises(DslError) as err:
        load_rulebook(write_rulebook(text, "again.yaml"))
    assert err.value.code == "E307"


def test_yaml11_quoted_words_and_false_are_fine(write_rulebook: Write) -> None:
    extra = """\
    examples:
      - name: credit written as false
        case: {order: {paid_amount: "10.00"}, buyer: {credit_good: false}}
        expect: {matched: true}
      - name: a category that is the text no
        case: {order: {paid_amount: "10.00", category: 'no'}}
        expect: {matched: true}
    """
    book = load_rulebook(write_rulebook(RULEBOOK_HEAD + rule_yaml(when="- order.paid_amount > 1", extra=extra)))
    outcomes, _ = run_examples(book)
    assert [o.passed for o in outcomes] == [True, True], [o.differences for o in outcomes]


def test_yaml11_base_60_number_is_rejected_and_dates_stay_text(write_rulebook: Write) -> None:
    extra = """\
    examples:
      - name: text that YAML 1.1 reads as a number and a date
        case: {order: {paid_amount: "10.00", category: 1:30, id: 2023-09-13}}
        expect: {matched: true}
    """
    text = RULEBOOK_HEAD + rule_yaml(when="- order.id == '2023-09-13'", extra=extra)
    diag = only(check_rulebook(write_rulebook(text)), "E307")
    assert at(diag) == (line_of(text, "category: 1:30"), col_of(text, "1:30"))
    quoted = text.replace("category: 1:30", "category: '1:30'")
    book = load_rulebook(write_rulebook(quoted, "quoted.yaml"))
    outcomes, _ = run_examples(book)
    assert [o.passed for o in outcomes] == [True], [o.differences for o in outcomes]
    assert outcomes[0].example.case["order"] == {"paid_amount": "10.00", "category": "1:30", "id": "2023-09-13"}


def test_bom_is_accepted(write_rulebook: Write) -> None:
    path = write_rulebook(("\ufeff" + RULEBOOK_HEAD + rule_yaml()).encode("utf-8"))
    assert check_rulebook(path) == []


def test_crlf_is_accepted_and_positions_are_right(write_rulebook: Write) -> None:
    text = RULEBOOK_HEAD + rule_yaml(when="- order.paid_amount <= params.max_amont")
    path = write_rulebook(text.replace("\n", "\r\n").encode("utf-8"))
    diag = only(check_rulebook(path), "E202")
    assert at(diag) == (line_of(text, "max_amont"), col_of(text, "params.max_amont"))
    good = write_rulebook((RULEBOOK_HEAD + rule_yaml()).replace("\n", "\r\n").encode("utf-8"), "good.yaml")
    assert check_rulebook(good) == []


# -- expression positions mapped into the file ----------------------------------------------------

def test_position_in_plain_scalar(write_rulebook: Write) -> None:
    text = RULEBOOK_HEAD + rule_yaml(when="order.paid_amount <= params.max_amont")
    diag = only(check_rulebook(write_rulebook(text)), "E202")
    line = line_of(text, "max_amont")
    col = col_of(text, "params.max_amont")
    assert (diag.span.line, diag.span.col, diag.span.end_col) == (line, col, col + len("params.max_amont"))


def test_position_in_list_item(write_rulebook: Write) -> None:
    text = RULEBOOK_HEAD + rule_yaml(when="- order.paid_amount > 0\n- aftersale.reason == 'dislke'")
    diag = only(check_rulebook(write_rulebook(text)), "E206")
    assert at(diag) == (line_of(text, "dislke"), col_of(text, "'dislke'"))


def test_position_in_block_scalar(write_rulebook: Write) -> None:
    when = "- |\n  order.paid_amount <= 300 and\n    order.ammount > 1"
    text = RULEBOOK_HEAD + rule_yaml(when=when)
    diag = only(check_rulebook(write_rulebook(text)), "E201")
    col = col_of(text, "order.ammount")
    assert (diag.span.line, diag.span.col, diag.span.end_col) == (line_of(text, "order.ammount"), col, col + 13)


def test_position_of_syntax_error_in_block_scalar(write_rulebook: Write) -> None:
    when = "- |\n  order.paid_amount <= 300 and\n    order.domestic $ true"
    text = RULEBOOK_HEAD + rule_yaml(when=when)
    diag = only(check_rulebook(write_rulebook(text)), "E101")
    assert at(diag) == (line_of(text, "$"), col_of(text, "$"))


def test_position_of_fullwidth_character_in_file(write_rulebook: Write) -> None:
    text = RULEBOOK_HEAD + rule_yaml(when="- order.paid_amount ＜= 300")
    diag = only(check_rulebook(write_rulebook(text)), "E104")
    assert at(diag) == (line_of(text, "＜"), col_of(text, "＜"))


def test_position_in_double_quoted_scalar_points_into_the_scalar(write_rulebook: Write) -> None:
    text = RULEBOOK_HEAD + rule_yaml(when='- "order.paid_amount <= params.max_amont"')
    diag = only(check_rulebook(write_rulebook(text)), "E202")
    line = line_of(text, "max_amont")
    start, end = col_of(text, '"order'), col_of(text, 'max_amont"') + len("max_amont")
    assert diag.span.line == line
    assert start <= diag.span.col <= end


def test_position_in_quoted_scalar_with_escapes_points_at_scalar_start(write_rulebook: Write) -> None:
    when = "- \"order.paid_amount <= params.max_amont and order.category == '\\u0041'\""
    text = RULEBOOK_HEAD + rule_yaml(when=when)
    diag = only(check_rulebook(write_rulebook(text)), "E202")
    assert at(diag) == (line_of(text, "max_amont"), col_of(text, '"order'))


def test_every_error_of_a_file_in_one_run(write_rulebook: Write) -> None:
    when = "- order.ammount > 1\n- aftersale.reason == 'dislke'\n- foo(1)"
    text = RULEBOOK_HEAD + rule_yaml(when=when)
    diags = check_rulebook(write_rulebook(text))
    assert codes(diags) == ["E201", "E206", "E203"]
    assert [d.span.line for d in diags] == [line_of(text, "ammount"), line_of(text, "dislke"), line_of(text, "foo(")]


def test_errors_across_rules_and_parameters_in_one_run(write_rulebook: Write) -> None:
    text = (RULEBOOK_HEAD.replace("window: 48h", "window: 48hours")
            + rule_yaml("a", when="- order.ammount > 1")
            + rule_yaml("b", when="- (order.paid_amount > 1")
            + rule_yaml("c", extra="deadline: order.paid_amount"))
    diags = check_rulebook(write_rulebook(text))
    assert codes(diags) == ["E305", "E201", "E102", "E207"]
    with pytest.raises(DslError) as info:
        load_rulebook(write_rulebook(text, "again.yaml"))
    assert codes(info.value.diagnostics) == ["E305", "E201", "E102", "E207"]


def test_diagnostics_name_the_file(write_rulebook: Write) -> None:
    path = write_rulebook(RULEBOOK_HEAD + rule_yaml(when="- order.ammount > 1"), "named.yaml")
    diag = only(check_rulebook(path), "E201")
    assert diag.file is not None and diag.file.endswith("named.yaml")
    assert diag.source_line is not None and "order.ammount" in diag.source_line
