"""workdays_between / add_workdays on the statutory calendar, with 调休 make-up days.

Spring Festival 2026: off from Sunday 02-15 to Monday 02-23, with Saturdays 02-14 and 02-28
worked. A year the calendar does not cover (2027 with chinesecalendar 1.11.0) is never
guessed: the rule is undecided with our own reason, a constant is a load error.
"""
from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from conftest import FIXTURES, check_text, run_compiled, run_interpreted, write_jsonl
from dsl import load_rulebook
from dsl.lang.values import parse_timestamp
from dsl.lang.workdays import NoCalendarError, add_workdays, is_workday, workdays_between

SHIP = FIXTURES / "workdays" / "ship.yaml"


def test_spring_festival_2026_with_its_two_worked_saturdays() -> None:
    assert is_workday(date(2026, 2, 14)) and is_workday(date(2026, 2, 28))          # 调休 Saturdays
    assert not any(is_workday(date(2026, 2, d)) for d in range(15, 24))             # 02-15 .. 02-23 off
    assert is_workday(date(2026, 2, 13)) and is_workday(date(2026, 2, 24))
    assert not is_workday(date(2026, 3, 1))                                         # an ordinary Sunday


@pytest.mark.parametrize("a, b, n", [
    ("2026-02-13", "2026-02-28", 6),     # 14, 24, 25, 26, 27, 28
    ("2026-02-13", "2026-02-23", 1),     # only the worked Saturday 02-14
    ("2026-02-14", "2026-02-23", 0),     # the whole holiday
    ("2026-02-28", "2026-02-13", -6),    # backwards
    ("2026-02-13", "2026-02-13", 0),
    ("2026-02-27", "2026-03-02", 2),     # 02-28 worked, 03-01 Sunday off, 03-02 Monday
])
def test_workdays_between_counts_like_days_between(a: str, b: str, n: int) -> None:
    assert workdays_between(date.fromisoformat(a), date.fromisoformat(b)) == n


def test_timestamps_count_by_their_day_in_beijing_time() -> None:
    # 2026-02-13T17:00Z is 02-14 01:00 in Beijing: from there to 02-24 is one workday
    assert workdays_between(parse_timestamp("2026-02-13T17:00:00Z"), date(2026, 2, 24)) == 1


@pytest.mark.parametrize("start, n, moved", [
    ("2026-02-13T10:00:00+08:00", 1, "2026-02-14T10:00:00+08:00"),
    ("2026-02-13T10:00:00+08:00", 2, "2026-02-24T10:00:00+08:00"),
    ("2026-02-13T10:00:00+08:00", 6, "2026-02-28T10:00:00+08:00"),
    ("2026-02-24T10:00:00+08:00", -1, "2026-02-14T10:00:00+08:00"),
    ("2026-02-18T10:00:00+08:00", 0, "2026-02-18T10:00:00+08:00"),
    ("2026-02-18T10:00:00+08:00", 1, "2026-02-24T10:00:00+08:00"),   # from inside the holiday
])
def test_add_workdays_keeps_the_time_of_day(start: str, n: int, moved: str) -> None:
    assert add_workdays(parse_timestamp(start), n) == parse_timestamp(moved)


def test_add_workdays_of_a_date_is_a_date() -> None:
    assert add_workdays(date(2026, 2, 13), 2) == date(2026, 2, 24)


@pytest.mark.parametrize("text, expected", [
    ("workdays_between(2026-02-13, 2026-02-28)", 6),
    ("add_workdays(2026-02-13T10:00:00+08:00, 2)", parse_timestamp("2026-02-24T10:00:00+08:00")),
    ("add_workdays(2026-02-13, 1)", date(2026, 2, 14)),
])
def test_the_generated_code_and_the_interpreter_agree(text: str, expected: Any) -> None:
    assert run_compiled(text) == expected == run_interpreted(text)


def test_null_gives_null() -> None:
    assert run_compiled("workdays_between(order.paid_at, now)", {"order.paid_at": None}) is None
    assert run_interpreted("add_workdays(order.paid_at, 3)", {"order.paid_at": None}) is None


@pytest.mark.parametrize("text, words", [
    ("workdays_between(order.paid_at, 3)", "argument 2 must be timestamp or date, not int"),
    ("add_workdays(order.paid_at, 1.5)", "argument 2 must be int"),
    ("add_workdays(order.paid_at)", "takes 2"),
])
def test_the_checker_types_the_calls(text: str, words: str) -> None:
    _, diags = check_text(text)
    assert diags and diags[0].code == "E205", diags
    assert words in diags[0].message("en")


def test_the_checker_gives_add_workdays_the_type_of_t() -> None:
    typed, _ = check_text("add_workdays(date(order.paid_at), 1)")
    assert typed.type.kind == "date"
    typed, _ = check_text("add_workdays(order.paid_at, 1)")
    assert typed.type.kind == "timestamp"


# -- 2027: no calendar yet ------------------------------------------------------------------

def test_a_year_the_calendar_lacks_is_our_own_error() -> None:
    with pytest.raises(NoCalendarError) as info:
        workdays_between(date(2026, 12, 30), date(2027, 1, 5))
    assert str(info.value) == "no statutory calendar for 2027 yet: update chinesecalendar (pip install -U chinesecalendar)"
    assert "尚无 2027 年的法定节假日安排" in info.value.phrase.label("zh")


def _eval(invoke: Any, tmp_path: Path, *args: str) -> tuple[Any, dict[str, Any]]:
    cases = tmp_path / "cases.jsonl"
    cases.write_text("\n".join(json.dumps(c) for c in [
        {"id": "feb", "now": "2026-02-20T09:00:00+08:00", "order": {"status": "preparing", "paid_at": "2026-02-13T10:00:00+08:00"}},
        {"id": "jan27", "now": "2027-01-04T09:00:00+08:00", "order": {"status": "preparing", "paid_at": "2026-12-30T10:00:00+08:00"}},
    ]) + "\n", encoding="utf-8")
    result = invoke("eval", "-r", SHIP, cases, "--format", "jsonl", *args)
    lines = {obj["case"]: obj["results"][0] for obj in map(json.loads, result.stdout.splitlines())}
    return result, lines


@pytest.mark.parametrize("lang, words", [
    ("en", "no statutory calendar for 2027 yet: update chinesecalendar"),
    ("zh", "尚无 2027 年的法定节假日安排：请更新 chinesecalendar"),
])
def test_a_case_in_2027_is_undecided_with_that_reason_never_a_crash(invoke: Any, tmp_path: Path, lang: str,
                                                                     words: str) -> None:
    result, rules = _eval(invoke, tmp_path, "--lang", lang)
    assert result.exit_code == 1            # a rule could not be decided: something to look at
    assert rules["feb"]["matched"] is True and rules["feb"]["deadline"] == "2026-02-25T10:00:00+08:00"
    assert rules["jan27"]["matched"] is False and words in rules["jan27"]["error"]
    assert "bad value" not in rules["jan27"]["error"] and "值有误" not in rules["jan27"]["error"]   # no bad value: a missing year


def test_a_constant_in_2027_is_a_load_error_at_its_place(tmp_path: Path) -> None:
    from dsl.book.loader import load_model

    text = SHIP.read_text(encoding="utf-8").replace(
        "      - workdays_between(order.paid_at, now) >= 1\n",
        "      - workdays_between(order.paid_at, now) >= 1\n      - order.paid_at < add_workdays(2027-01-04T00:00:00+08:00, 1)\n")
    path = tmp_path / "y2027.yaml"
    path.write_text(text, encoding="utf-8")
    _, diags = load_model(path)
    [error] = [d for d in diags if d.severity == "error"]
    assert (error.code, error.span.line, error.span.col) == ("E212", 13, 25)
    assert "no statutory calendar for 2027 yet" in error.message("en")


def test_duckdb_gives_the_same_bytes_and_leaves_2027_to_the_python_engine(invoke: Any, tmp_path: Path) -> None:
    pytest.importorskip("duckdb")
    python, _ = _eval(invoke, tmp_path, "--no-explain")
    duck, rules = _eval(invoke, tmp_path, "--no-explain", "--engine", "duckdb")
    assert duck.stdout == python.stdout and duck.exit_code == python.exit_code == 1
    assert "E601" not in duck.stderr
    assert "尚无 2027 年的法定节假日安排" in rules["jan27"]["error"]   # --lang zh, the default


def test_the_fixture_rulebook_loads() -> None:
    assert load_rulebook(str(SHIP)).rule_ids == ["ship_timeout"]


# -- the SQL engines: the calendar as data ---------------------------------------------------

PROBE = FIXTURES / "workdays" / "probe.yaml"


def _probe_cases(tmp_path: Path, count: int = 400) -> Path:
    """Pairs of moments around Spring Festival 2026, the calendar's first and last days and
    beyond (2003, 2027), with step counts 0..40, as JSON Lines."""
    import random

    rng = random.Random(18)
    anchors = ["2026-02-13T23:30:00+08:00", "2026-02-14T00:10:00+08:00", "2026-02-23T12:00:00+08:00",
               "2026-12-28T09:00:00+08:00", "2004-01-01T08:00:00+08:00", "2003-12-30T09:00:00+08:00",
               "2026-09-30T18:00:00+08:00", "2027-01-02T09:00:00+08:00", "2015-06-01T16:30:00Z"]
    docs = []
    for i in range(count):
        a, b = (parse_timestamp(rng.choice(anchors)) for _ in range(2))
        a += timedelta(days=rng.choice([0, 1, -1, 7, -30]))
        docs.append({"id": f"p{i}", "now": "2026-06-01T00:00:00+08:00",
                     "order": {"paid_at": a.isoformat(), "aftersale_count": rng.choice([0, 1, 2, 5, 9, 40])},
                     "aftersale": {"applied_at": b.isoformat()}})
    return write_jsonl(tmp_path / "probe.jsonl", docs)


def test_duckdb_computes_the_workday_functions_with_the_same_bytes(invoke: Any, tmp_path: Path) -> None:
    pytest.importorskip("duckdb")
    cases = _probe_cases(tmp_path)
    args = ("eval", "-r", PROBE, cases, "--format", "jsonl", "--no-explain", "--lang", "en")
    python = invoke(*args)
    duck = invoke(*args, "--engine", "duckdb")
    assert "E601" not in duck.stderr
    assert duck.stdout == python.stdout
    assert '"between": 6' in invoke("eval", "-r", PROBE, "-", "--format", "jsonl", "--no-explain", "--engine", "duckdb",
                                    input=json.dumps({"order": {"paid_at": "2026-02-13T10:00:00+08:00",
                                                                "aftersale_count": 0},
                                                      "aftersale": {"applied_at": "2026-02-28T10:00:00+08:00"}})).stdout


def test_duckdb_decides_the_clean_cases_itself(tmp_path: Path) -> None:
    """Not a silent hand-over: the cases inside the calendar are written by DuckDB."""
    pytest.importorskip("duckdb")
    from dsl.tools.batch import Decided
    from dsl.tools.sqlbatch import SqlEval, sql_items
    from dsl.lang.values import SHANGHAI
    from datetime import datetime

    book = load_rulebook(str(PROBE))
    evaluator = SqlEval(book, None, datetime.now(SHANGHAI))
    assert not evaluator.diagnostics
    items = list(sql_items(str(_probe_cases(tmp_path, 60)), evaluator))
    assert sum(isinstance(i, Decided) for i in items) >= 20


def test_spark_computes_the_workday_functions_with_the_same_bytes(invoke: Any, tmp_path: Path,
                                                                  spark_session: Any) -> None:
    cases = _probe_cases(tmp_path, 120)
    args = ("eval", "-r", PROBE, cases, "--format", "jsonl", "--no-explain")
    assert invoke(*args, "--engine", "spark").stdout == invoke(*args).stdout
