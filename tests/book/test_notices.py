"""Holiday notices (`notices:`): dated announcements that move the deadlines of timer rules.

Each notice covers the cases whose `window.by` timestamp is in [from, until) and has per
timer rule one effect (no_earlier_than, extend_by, pause). A bad notice is an error at its
file:line:col; the engines (Python, its interpreter, DuckDB) compute the moved deadline from
one tree; the explanation names the notice that moved a deadline, in zh and en.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from conftest import FIXTURES, ROOT, write_jsonl
from dsl import DslError, load_rulebook
from dsl.book.loader import load_model
from dsl.diagnostics import render

TIMERS = FIXTURES / "notices" / "timers.yaml"
EXAMPLE = ROOT / "examples" / "notices" / "spring-festival-2026.yaml"


def _case(**parts: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {"id": "n", "order": {"status": "completed", "paid_amount": "10.00"}}
    for key, value in parts.items():
        doc.setdefault(key, {}).update(value)
    return doc


def _deadline(rule: str, at: str = "2026-03-20T00:00:00+08:00", **parts: Any) -> str | None:
    result = load_rulebook(str(TIMERS)).evaluate(_case(**parts), at=at, lang="en")
    return result.result(rule).to_dict()["deadline"]


# -- the effects ------------------------------------------------------------------------

@pytest.mark.parametrize("paid, deadline", [
    ("2026-02-08T23:59:59+08:00", "2026-02-10T23:59:59+08:00"),   # before the window: 48 h
    ("2026-02-09T00:00:00+08:00", "2026-02-25T23:59:59+08:00"),   # first moment of the window
    ("2026-02-23T23:59:59+08:00", "2026-02-25T23:59:59+08:00"),   # last moment of the window
    ("2026-02-24T00:00:00+08:00", "2026-02-26T00:00:00+08:00"),   # until is exclusive
])
def test_no_earlier_than_moves_a_deadline_inside_the_window(paid: str, deadline: str) -> None:
    assert _deadline("ship_timeout", order={"status": "preparing", "paid_at": paid}) == deadline


def test_a_case_without_the_window_timestamp_keeps_its_deadline() -> None:
    # no paid_at: no deadline at all, and no notice invents one
    assert _deadline("ship_timeout", order={"status": "preparing"}) is None


def test_extend_by_and_two_notices_on_one_rule_apply_in_file_order() -> None:
    agreed = {"status": "merchant_agreed", "merchant_agreed_at": "2026-02-10T10:00:00+08:00"}
    # `longer` (+10d, applied from 02-01 on) and `paused` (+1d, applied before 02-24)
    assert _deadline("return_timeout", aftersale={**agreed, "applied_at": "2026-02-10T09:00:00+08:00"}) \
        == "2026-02-28T10:00:00+08:00"
    assert _deadline("return_timeout", aftersale={**agreed, "applied_at": "2026-01-10T09:00:00+08:00"}) \
        == "2026-02-18T10:00:00+08:00"
    assert _deadline("return_timeout", aftersale={**agreed, "applied_at": "2026-02-25T09:00:00+08:00"}) \
        == "2026-02-27T10:00:00+08:00"


@pytest.mark.parametrize("uploaded, deadline", [
    ("2026-02-01T10:00:00+08:00", "2026-02-08T10:00:00+08:00"),   # ends before the pause
    ("2026-02-08T00:00:00+08:00", "2026-02-15T00:00:00+08:00"),   # ends exactly as it starts: not moved
    ("2026-02-10T10:00:00+08:00", "2026-02-26T10:00:00+08:00"),   # runs into it: + 9 days
])
def test_pause_moves_a_deadline_after_its_start_by_its_length(uploaded: str, deadline: str) -> None:
    returned = {"status": "buyer_returned", "waybill_uploaded_at": uploaded, "applied_at": "2026-02-01T09:00:00+08:00"}
    assert _deadline("receipt_timeout", aftersale=returned) == deadline


def test_a_bad_window_timestamp_leaves_the_rule_undecided_not_unmoved() -> None:
    doc = _case(order={"status": "preparing", "paid_at": "2026-02-31T00:00:00+08:00"})
    result = load_rulebook(str(TIMERS)).evaluate(doc, at="2026-03-01T00:00:00+08:00", lang="en")
    assert result.result("ship_timeout").error and "order.paid_at" in result.result("ship_timeout").error


# -- explanations -----------------------------------------------------------------------

@pytest.mark.parametrize("lang, words", [
    ("en", "deadline moved by notice 'fixed_date' (Fixed ship-by date; 测试公告 A): no earlier than "
           "2026-02-25T23:59:59+08:00, 2026-02-12T09:00:00+08:00 → 2026-02-25T23:59:59+08:00"),
    ("zh", "期限由公告 'fixed_date'（固定发货日；测试公告 A）调整：不早于 2026-02-25T23:59:59+08:00，"
           "2026-02-12T09:00:00+08:00 → 2026-02-25T23:59:59+08:00"),
])
def test_the_explanation_names_the_notice_that_moved_the_deadline(lang: str, words: str) -> None:
    doc = _case(order={"status": "preparing", "paid_at": "2026-02-10T09:00:00+08:00"})
    result = load_rulebook(str(TIMERS)).evaluate(doc, at="2026-02-20T00:00:00+08:00", lang=lang)
    assert words in result.result("ship_timeout").why


def test_a_covered_case_whose_deadline_already_meets_the_notice_says_so() -> None:
    returned = {"status": "buyer_returned", "waybill_uploaded_at": "2026-02-01T10:00:00+08:00",
                "applied_at": "2026-02-01T09:00:00+08:00"}
    result = load_rulebook(str(TIMERS)).evaluate(_case(aftersale=returned), at="2026-02-02T00:00:00+08:00", lang="en")
    why = result.result("receipt_timeout").why
    assert any("notice 'paused'" in line and "already meets it" in line for line in why)
    assert not any("moved" in line for line in why)


def test_no_notice_line_outside_the_window() -> None:
    doc = _case(order={"status": "preparing", "paid_at": "2026-01-10T09:00:00+08:00"})
    result = load_rulebook(str(TIMERS)).evaluate(doc, at="2026-02-20T00:00:00+08:00", lang="en")
    assert not any("notice" in line for line in result.result("ship_timeout").why)


# -- the loader -------------------------------------------------------------------------

def _errors(tmp_path: Path, notice: str) -> list[Any]:
    text = TIMERS.read_text(encoding="utf-8")
    head, rules = text.split("rules:\n", 1)
    path = tmp_path / "bad.yaml"
    path.write_text(head.split("notices:\n")[0] + "notices:\n" + notice + "rules:\n" + rules, encoding="utf-8")
    _, diags = load_model(path)
    return [d for d in diags if d.severity == "error"]


NOTICE = """\
  - id: n1
    name: {zh: 公告, en: Notice}
    source: {ref: "公告"}
    window: {by: order.paid_at, from: 2026-02-09T00:00:00+08:00}
    effects:
"""


@pytest.mark.parametrize("effects, code, words, line", [
    ("      ship_timout: {extend_by: 1d}\n", "E330", "no rule 'ship_timout'", 13),
    ("      no_timer: {extend_by: 1d}\n", "E330", "rule 'no_timer' has no deadline to move", 13),
    ("      ship_timeout: {extend_by: 1d, pause: {from: 2026-02-15, until: 2026-02-16}}\n", "E330",
     "exactly one of no_earlier_than, extend_by, pause (found: extend_by, pause)", 13),
    ("      ship_timeout: {extend_by: 10 days}\n", "E330", "'10 days' is not a duration", 13),
    ("      ship_timeout: {no_earlier_than: 2026-02-30}\n", "E106", "2026-02-30", 13),
    ("      ship_timeout: {pause: {from: 2026-02-16, until: 2026-02-15}}\n", "E330", "'until' must be after", 13),
    ("      ship_timeout: {extend: 1d}\n", "E306", "extend", 13),
])
def test_a_bad_effect_is_an_error_at_its_line(tmp_path: Path, effects: str, code: str, words: str, line: int) -> None:
    errors = _errors(tmp_path, NOTICE + effects)
    assert errors, "a bad notice must not load"
    first = errors[0]
    assert (first.code, first.span.line) == (code, line), [(d.code, d.span, d.message("en")) for d in errors]
    assert words in first.message("en")


def test_an_unknown_rule_gets_a_did_you_mean(tmp_path: Path) -> None:
    [error] = _errors(tmp_path, NOTICE + "      ship_timout: {extend_by: 1d}\n")
    assert error.hint_text("en") == "did you mean 'ship_timeout'?" and error.span.col == 7
    assert "bad.yaml:13:7: error E330" in render(error, "en")


@pytest.mark.parametrize("notice, code, words", [
    (NOTICE.replace("    source:", "    sauce: x\n    source:") + "      ship_timeout: {extend_by: 1d}\n", "E306", "sauce"),
    (NOTICE.replace("order.paid_at", "order.paid_amount") + "      ship_timeout: {extend_by: 1d}\n", "E207",
     "window.by"),
    (NOTICE.replace("order.paid_at", "order.payed_at") + "      ship_timeout: {extend_by: 1d}\n", "E201", "payed_at"),
    (NOTICE.replace("from: 2026-02-09T00:00:00+08:00", "from: 2026-02-09, until: 2026-02-01")
     + "      ship_timeout: {extend_by: 1d}\n", "E330", "'until' must be after its 'from'"),
    (NOTICE + "      ship_timeout: {extend_by: 1d}\n" + NOTICE + "      ship_timeout: {extend_by: 2d}\n", "E330",
     "used by another notice (first at line 8)"),
    (NOTICE.replace("    source: {ref: \"公告\"}\n", ""), "E302", "source"),
])
def test_a_bad_notice_is_reported_not_ignored(tmp_path: Path, notice: str, code: str, words: str) -> None:
    errors = _errors(tmp_path, notice)
    assert any(d.code == code and words in d.message("en") for d in errors), \
        [(d.code, d.message("en")) for d in errors]


@pytest.mark.parametrize("length", ["36526d", "100000000d", "1000000000d", "99999999999d"])
def test_extend_by_longer_than_a_rulebook_duration_may_be_is_an_error_at_its_value(tmp_path: Path, length: str) -> None:
    """It passed `check`, and `eval` then blamed the case's valid merchant_agreed_at for
    leaving the calendar. The bound is that of parameters and constants (E212): 100 years."""
    [error] = _errors(tmp_path, NOTICE + f"      ship_timeout: {{extend_by: {length}}}\n")
    assert (error.code, error.span.line, error.span.col) == ("E330", 13, 33)
    assert f"extend_by '{length}' is longer than 36525d (100 years)" in error.message("en")
    assert "36525d（100 年）" in error.message("zh")


def test_a_parameter_duration_longer_than_the_bound_is_e212_where_it_is_used(tmp_path: Path) -> None:
    text = TIMERS.read_text(encoding="utf-8").replace("return_window: 7d", "return_window: 100000000d")
    path = tmp_path / "p.yaml"
    path.write_text(text, encoding="utf-8")
    errors = [d for d in load_model(path)[1] if d.severity == "error"]
    # at both rules that read it; a notice naming such a rule is not told the rule has no deadline
    assert [(d.code, d.args["text"]) for d in errors] == [("E212", "params.return_window")] * 2, \
        [d.message("en") for d in errors]
    assert "longer than 36525d (100 years)" in errors[0].message("en")


def test_within_the_bound_a_notice_never_carries_a_deadline_out_of_the_calendar(tmp_path: Path) -> None:
    """With every duration at most 100 years, a moved deadline leaves the calendar only when
    the case's own date is within a century of year 9999: then that field is rightly named.
    A notice (or a parameter) cannot make a present-day case's valid field take the blame."""
    text = TIMERS.read_text(encoding="utf-8").replace("return_timeout: {extend_by: 10d}",
                                                      "return_timeout: {extend_by: 36525d}")
    path = tmp_path / "far.yaml"
    path.write_text(text, encoding="utf-8")
    book = load_rulebook(str(path), use_cache=False)
    agreed = {"status": "merchant_agreed", "merchant_agreed_at": "2026-02-10T10:00:00+08:00",
              "applied_at": "2026-02-10T09:00:00+08:00"}
    today = book.evaluate(_case(aftersale=agreed), at="2026-03-20T00:00:00+08:00", lang="en").result("return_timeout")
    assert (today.error, today.to_dict()["deadline"]) == (None, "2126-02-19T10:00:00+08:00")   # and `paused`'s 1d
    far = {**agreed, "merchant_agreed_at": "9950-02-10T10:00:00+08:00"}
    edge = book.evaluate(_case(aftersale=far), at="2026-03-20T00:00:00+08:00", lang="en").result("return_timeout")
    assert "aftersale.merchant_agreed_at" in edge.error and "leaves the calendar" in edge.error


def test_a_reversed_window_hides_none_of_the_notices_other_errors(tmp_path: Path) -> None:
    """Every error of a notice in one run; `-1d` once (the shape check's E302), not twice."""
    notice = NOTICE.replace("from: 2026-02-09T00:00:00+08:00", "from: 2026-02-24T00:00:00+08:00, until: 2026-02-09") \
        + "      ship_timout: {no_earlier_than: 2026-02-25T23:59:59+08:00}\n" \
        + "      return_timeout: {extend_by: 10 days}\n" + "      receipt_timeout: {extend_by: -1d}\n"
    errors = _errors(tmp_path, notice)
    got = [(d.code, d.span.line, d.span.col) for d in errors]
    assert got == [("E330", 11, 13), ("E330", 13, 7), ("E330", 14, 35), ("E302", 15, 36)], \
        [(d.code, d.span, d.message("en")) for d in errors]
    assert "'until' must be after its 'from'" in errors[0].message("en")
    assert [errors[1].hint_text("en"), errors[2].hint_text("en")] == ["did you mean 'ship_timeout'?", "did you mean '10d'?"]


def test_a_rulebook_with_a_bad_notice_does_not_load(tmp_path: Path) -> None:
    text = TIMERS.read_text(encoding="utf-8").replace("ship_timeout: {no_earlier_than", "ship_timout: {no_earlier_than")
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DslError) as info:
        load_rulebook(str(path), use_cache=False)
    assert info.value.diagnostics[0].code == "E330"


def test_the_schema_editors_use_knows_notices() -> None:
    from dsl.book.schema import rulebook_schema

    schema = rulebook_schema()
    assert "notices" in schema["properties"]
    assert set(schema["$defs"]["effect"]["properties"]) == {"no_earlier_than", "extend_by", "pause"}


# -- the shipped example and the SQL engine ----------------------------------------------

def test_the_documented_example_passes_its_own_examples(invoke: Any) -> None:
    result = invoke("test", EXAMPLE.parent, "--min-coverage", "100", "--lang", "en")
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "13/13 examples passed" in result.stdout


def test_the_documented_example_agrees_in_duckdb(invoke: Any) -> None:
    pytest.importorskip("duckdb")
    result = invoke("test", EXAMPLE.parent, "--engine", "duckdb", "--lang", "en")
    assert result.exit_code == 0, result.stdout + result.stderr


def _cases(tmp_path: Path) -> Path:
    base = {"order": {"status": "preparing", "paid_amount": "10.00"}}
    docs = []
    for i, paid in enumerate(["2026-02-08T09:00:00+08:00", "2026-02-10T09:00:00+08:00", None,
                              "2026-02-23T23:59:59+08:00"]):
        doc = json.loads(json.dumps(base))
        doc["id"] = f"c{i}"
        doc["now"] = "2026-02-20T09:00:00+08:00"
        if paid:
            doc["order"]["paid_at"] = paid
        docs.append(doc)
    returned = {"id": "r", "now": "2026-02-20T09:00:00+08:00", "order": {"status": "completed"},
                "aftersale": {"status": "buyer_returned", "waybill_uploaded_at": "2026-02-10T10:00:00+08:00",
                              "applied_at": "2026-02-01T09:00:00+08:00"}}
    return write_jsonl(tmp_path / "cases.jsonl", docs + [returned])


def test_eval_with_duckdb_gives_the_same_moved_deadlines(invoke: Any, tmp_path: Path) -> None:
    pytest.importorskip("duckdb")
    cases = _cases(tmp_path)
    args = ("eval", "-r", TIMERS, cases, "--format", "jsonl", "--no-explain")
    python = invoke(*args)
    assert python.exit_code == 0, python.stderr
    assert '"deadline": "2026-02-25T23:59:59+08:00"' in python.stdout
    assert invoke(*args, "--engine", "duckdb").stdout == python.stdout


def test_eval_with_spark_gives_the_same_moved_deadlines(invoke: Any, tmp_path: Path, spark_session: Any) -> None:
    cases = _cases(tmp_path)
    args = ("eval", "-r", TIMERS, cases, "--format", "jsonl", "--no-explain")
    assert invoke(*args, "--engine", "spark").stdout == invoke(*args).stdout
