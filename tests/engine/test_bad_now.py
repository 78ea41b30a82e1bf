"""A case whose `now` is present but bad (QA pass 25): without `--at` it has no moment, so the
clock must not stand in for it. Every rule that reads the moment (a deadline's `due`, `now` in
a condition, an action, an output or what picks the version) is undecided with an error
naming `now`; the other rules decide as usual. `--at` replaces `now`: the field is still
reported (E402) but every rule decides. The Python, DuckDB and Spark engines agree."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from dsl import load_rulebook

from conftest import EXAMPLES, RULEBOOKS

DOUYIN = RULEBOOKS / "douyin.yaml"
BAD = "2026-11-07T24:00:00+08:00"


def _case(tmp: Path) -> Path:
    doc = json.loads((EXAMPLES / "douyin-reship-late.json").read_text(encoding="utf-8"))
    doc["now"] = BAD
    path = tmp / "badnow.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def _rules(stdout: str) -> dict[str, tuple[Any, ...]]:
    (line,) = stdout.splitlines()
    return {r["rule"]: (r["matched"], r["action"], r["deadline"], r["due"], r.get("error"))
            for r in json.loads(line)["results"]}


def _moment_rules() -> set[str]:
    return {r.id for r in load_rulebook(DOUYIN).model.rules if r.reads_moment}


def test_rules_reading_the_moment_are_undecided(invoke: Any, tmp_path: Path) -> None:
    out = invoke("eval", "-r", DOUYIN, _case(tmp_path), "--format", "jsonl", "--no-explain", "--lang", "en")
    assert out.exit_code == 1 and "E402" in out.stderr and "field now" in out.stderr
    rules = _rules(out.stdout)
    moment = _moment_rules()
    assert "reship_ship_timeout" in moment and "repeat_aftersale" not in moment
    for rid, (matched, _, deadline, due, error) in rules.items():
        if rid in moment:
            assert (matched, deadline, due) == (False, None, False) and "now" in error, rid
        else:
            assert error is None, rid
    assert rules["repeat_aftersale"][0] is True   # decided: it does not read the moment
    # the case has no moment, and says so: `at` was the clock's time (QA pass 26)
    assert json.loads(out.stdout)["at"] is None


@pytest.mark.parametrize("fmt", ["csv", "table"])
def test_no_moment_is_shown_as_none_in_csv_and_the_table(invoke: Any, tmp_path: Path, fmt: str) -> None:
    out = invoke("eval", "-r", DOUYIN, _case(tmp_path), "--format", fmt, "--lang", "en")
    if fmt == "csv":
        rows = out.stdout.splitlines()[1:]
        assert rows and all(row.split(",")[2] == "" for row in rows)
    else:
        assert "· douyin · at -" in out.stdout
    within = invoke("eval", "-r", DOUYIN, _case(tmp_path), "--format", "jsonl", "--within", "48h", "--lang", "en")
    assert within.stdout == "" and "Traceback" not in within.output


def test_the_table_says_it_too(invoke: Any, tmp_path: Path) -> None:
    out = invoke("eval", "-r", DOUYIN, _case(tmp_path), "--lang", "en")
    assert "OVERDUE" not in out.stdout and "timeline" not in out.stdout
    assert "cannot decide: bad value in now" in out.stdout


def test_at_replaces_a_bad_now(invoke: Any, tmp_path: Path) -> None:
    out = invoke("eval", "-r", DOUYIN, _case(tmp_path), "--format", "jsonl", "--no-explain", "--lang", "en",
                 "--at", "2026-11-09T09:00:00+08:00")
    assert "E402" in out.stderr
    rules = _rules(out.stdout)
    assert rules["reship_ship_timeout"][:4] == (True, "buyer_may_escalate", "2026-11-08T09:30:00+08:00", True)
    assert all(error is None for *_, error in rules.values())


def test_decide_gives_none_for_them(tmp_path: Path) -> None:
    book = load_rulebook(DOUYIN)
    doc = json.loads(_case(tmp_path).read_text(encoding="utf-8"))
    decided = dict(zip(book.rule_ids, book.decide(doc)))
    assert decided["reship_ship_timeout"][0] is None and decided["repeat_aftersale"][0] is True


def test_duckdb_agrees(invoke: Any, tmp_path: Path) -> None:
    pytest.importorskip("duckdb")
    args = ("eval", "-r", DOUYIN, _case(tmp_path), "--format", "jsonl", "--no-explain", "--lang", "en")
    assert _rules(invoke(*args, "--engine", "duckdb").stdout) == _rules(invoke(*args).stdout)


def test_spark_agrees(invoke: Any, spark_session: Any, tmp_path: Path) -> None:
    args = ("eval", "-r", DOUYIN, _case(tmp_path), "--format", "jsonl", "--no-explain", "--lang", "en")
    assert _rules(invoke(*args, "--engine", "spark").stdout) == _rules(invoke(*args).stdout)


@pytest.mark.parametrize("engine", ["python", "duckdb"])
def test_diff_cannot_decide_them_either(invoke: Any, tmp_path: Path, engine: str) -> None:
    """`diff --cases` passed the clock as `at` for a bad `now`: the Python engine decided the
    timer rules at the current time while DuckDB could not decide them."""
    pytest.importorskip("duckdb")
    cases = tmp_path / "cases.jsonl"
    cases.write_text(_case(tmp_path).read_text(encoding="utf-8").replace("\n", " ") + "\n", encoding="utf-8")
    other = tmp_path / "b.yaml"
    other.write_text(DOUYIN.read_text(encoding="utf-8").replace("value: 3.00", "value: 4.00", 1), encoding="utf-8")
    out = invoke("diff", DOUYIN, other, "--cases", cases, "--format", "jsonl", "--lang", "en", "--engine", engine)
    rows = {row["rule"]: row for row in map(json.loads, out.stdout.splitlines()) if "rule" in row}
    assert set(rows) == _moment_rules()
    assert "bad value in now" in rows["reship_ship_timeout"]["a"]["error"]


@pytest.mark.parametrize("engine", ["duckdb", "python"])
def test_backtest_counts_a_case_without_a_moment_in_no_month(invoke: Any, tmp_path: Path, engine: str) -> None:
    """Backtest put a case whose `now` is bad in the month of the clock (review of session 26);
    it has no moment: month `-`, said as such. `python`: a rule without an exact SQL form sends
    every case to the Python engine, which must count it the same."""
    pytest.importorskip("duckdb")
    text = DOUYIN.read_text(encoding="utf-8")
    assert "    value: 300.00" in text
    old, new = tmp_path / "old.yaml", tmp_path / "new.yaml"
    marker = "  - id: lightning_return\n"
    extra = "" if engine == "duckdb" else marker.replace("lightning_return", "divides") + \
        "    name: {zh: 除, en: divides}\n    source: {ref: x}\n    when: [order.paid_amount / 2 > 1]\n    action: approve\n"
    old.write_text(text.replace(marker, extra + marker, 1), encoding="utf-8")
    new.write_text(text.replace("    value: 300.00", "    value: 100.00", 1).replace(marker, extra + marker, 1),
                   encoding="utf-8")
    out = invoke("backtest", old, new, "--cases", _case(tmp_path), "--format", "json", "--lang", "en")
    months = json.loads(out.stdout)["months"]
    assert list(months) == ["-"] and months["-"]["cases"] == 1
    text_out = invoke("backtest", old, new, "--cases", _case(tmp_path), "--lang", "en").stdout
    assert "  - (no moment: no valid now and no --at): 1 case(s)" in text_out
