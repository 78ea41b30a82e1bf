"""The command line: exit codes (0 ok, 1 problems, 2 usage), stdout vs stderr, the eval JSON contract."""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from dsl import load_rulebook

from conftest import EXAMPLES, RULEBOOK_HEAD, RULEBOOKS, json_lines, rule_yaml

LOCATION = re.compile(r"[^\s:]+\.yaml:(\d+):(\d+)")
RESULT_KEYS = {"rule", "matched", "action", "deadline", "due", "why"}
ISO_BEIJING = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?\+08:00$")




def assert_contract(obj: dict[str, Any], platform: str) -> None:
    assert {"case", "platform", "at", "results"} <= set(obj)
    assert obj["platform"] == platform
    assert ISO_BEIJING.match(obj["at"]), obj["at"]
    assert obj["results"], "every rule appears in results"
    for r in obj["results"]:
        assert RESULT_KEYS <= set(r), r
        assert isinstance(r["matched"], bool) and isinstance(r["due"], bool)
        assert isinstance(r["why"], list) and all(isinstance(w, str) for w in r["why"])
        assert r["deadline"] is None or ISO_BEIJING.match(r["deadline"]), r["deadline"]
        assert r["action"] is None or isinstance(r["action"], str)
        if r["due"]:
            assert r["matched"] and r["deadline"] is not None and r["deadline"] <= obj["at"]


# -- check ---------------------------------------------------------------------------------------

def test_check_fixture_rulebooks(invoke: Any) -> None:
    result = invoke("check", RULEBOOKS)
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout.count(": ok") == 3


def test_check_bad_rulebook(invoke: Any, write_rulebook: Any) -> None:
    text = RULEBOOK_HEAD + rule_yaml(when="- order.ammount > 1\n- aftersale.reason == 'dislke'")
    path = write_rulebook(text)
    result = invoke("check", path)
    assert result.exit_code == 1
    locations = [(int(a), int(b)) for a, b in LOCATION.findall(result.stderr)]
    assert (11, 9) in locations and (12, 29) in locations
    assert "E201" in result.stderr and "E206" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert f"{path}:11:9" in result.stderr


def test_check_json_format(invoke: Any, write_rulebook: Any) -> None:
    path = write_rulebook(RULEBOOK_HEAD + rule_yaml(when="- order.ammount > 1"))
    result = invoke("check", "--format", "json", path)
    assert result.exit_code == 1
    diags = [d for d in json_lines(result.stdout) if "code" in d]
    assert [(d["code"], d["line"], d["col"]) for d in diags] == [("E201", 11, 9)]


def test_check_mixed_files_exit_1(invoke: Any, write_rulebook: Any) -> None:
    bad = write_rulebook(RULEBOOK_HEAD + rule_yaml(when="- (order.paid_amount > 1"), "bad.yaml")
    result = invoke("check", RULEBOOKS / "douyin.yaml", bad)
    assert result.exit_code == 1
    assert "E102" in result.stderr


@pytest.mark.parametrize("args", [
    ["check", "--format", "xml", "rulebooks"],
    ["check", "no/such/dir"],
    ["eval", "examples/douyin-lightning-return.json"],
    ["eval", "--platform", "douyin"],
    ["eval", "--platform", "douyin", "--format", "yaml", "examples/douyin-lightning-return.json"],
    ["eval", "--platform", "douyin", "no-such-case.json"],
    ["eval", "--platform", "douyin", "--at", "tomorrow", "examples/douyin-lightning-return.json"],
    ["eval", "--platform", "douyin", "--within", "6hours", "examples/douyin-lightning-return.json"],
    ["test", "--min-coverage", "150", "rulebooks"],
    ["frobnicate"],
], ids=["bad-format", "missing-path", "no-platform", "no-cases", "bad-eval-format", "missing-case-file",
        "bad-at", "bad-within", "coverage-over-100", "unknown-command"])
def test_usage_errors_exit_2(invoke: Any, args: list[str]) -> None:
    result = invoke(*args)
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert result.stdout == ""
    assert "Traceback" not in result.stderr


def test_unknown_platform_is_an_error_not_a_traceback(invoke: Any) -> None:
    result = invoke("eval", "--platform", "taobao", EXAMPLES / "douyin-lightning-return.json")
    assert result.exit_code in (1, 2)
    assert "taobao" in result.stderr
    assert "Traceback" not in result.stderr


# -- eval ------------------------------------------------------------------------------------------

def test_eval_json_contract(invoke: Any) -> None:
    result = invoke("eval", "--platform", "douyin", EXAMPLES / "douyin-lightning-return.json", "--format", "json")
    assert result.exit_code == 0, result.stderr
    objs = json_lines(result.stdout)
    assert len(objs) == 1
    obj = objs[0]
    assert_contract(obj, "douyin")
    assert obj["case"] == "DY-LR-0001"
    assert obj["at"] == "2026-11-04T21:30:00+08:00"           # the case's `now`
    assert [r["rule"] for r in obj["results"]] == load_rulebook("douyin").rule_ids
    lightning = next(r for r in obj["results"] if r["rule"] == "lightning_return")
    assert (lightning["matched"], lightning["action"], lightning["deadline"], lightning["due"]) == \
        (True, "auto_approve", None, False)
    assert lightning["why"]


@pytest.mark.parametrize("name, platform", [
    ("douyin-lightning-return.json", "douyin"),
    ("douyin-reship-late.json", "douyin"),
    ("kuaishou-custom-auto-refund.json", "kuaishou"),
    ("kuaishou-fast-refund.json", "kuaishou"),
    ("pinduoduo-refund-only.json", "pinduoduo"),
    ("pinduoduo-return-timeout.json", "pinduoduo"),
], ids=lambda v: v)
def test_eval_every_example_file(invoke: Any, name: str, platform: str) -> None:
    result = invoke("eval", "-p", platform, "--format", "json", EXAMPLES / name)
    assert result.exit_code == 0, result.stderr
    for obj in json_lines(result.stdout):
        assert_contract(obj, platform)


def test_eval_at_overrides_now(invoke: Any) -> None:
    case = EXAMPLES / "douyin-lightning-return.json"
    result = invoke("eval", "-p", "douyin", "--format", "json", "--at", "2026-12-01T08:00:00", case)
    assert result.exit_code == 0, result.stderr
    assert json_lines(result.stdout)[0]["at"] == "2026-12-01T08:00:00+08:00"
    utc = invoke("eval", "-p", "douyin", "--format", "json", "--at", "2026-12-01T00:00:00Z", case)
    assert json_lines(utc.stdout)[0]["at"] == "2026-12-01T08:00:00+08:00"


def test_eval_at_changes_due(invoke: Any, tmp_path: Path) -> None:
    """A timer rule is due exactly when its deadline is at or before `at`."""
    book = load_rulebook("douyin")
    case = json.loads((EXAMPLES / "douyin-reship-late.json").read_text(encoding="utf-8"))
    timers = [r for r in book.evaluate(case).results if r.matched and r.deadline is not None]
    assert timers, "the example case has a matched timer rule"
    deadline = timers[0].deadline
    path = tmp_path / "case.json"
    path.write_text(json.dumps(case), encoding="utf-8")
    for moment, due in ((deadline, True), (deadline.replace(microsecond=0) - __import__("datetime").timedelta(seconds=1),
                                           False)):
        result = invoke("eval", "-p", "douyin", "--format", "json", "--at", moment.isoformat(), path)
        row = next(r for r in json_lines(result.stdout)[0]["results"] if r["rule"] == timers[0].rule)
        assert row["due"] is due, (moment, row)


def test_eval_batch_with_malformed_lines(invoke: Any, tmp_path: Path) -> None:
    lines = (EXAMPLES / "batch.jsonl").read_text(encoding="utf-8").splitlines()[:3]
    lines.insert(1, '{"id": "broken", "order": ')
    lines.insert(3, "not json at all")
    path = tmp_path / "cases.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = invoke("eval", "-p", "douyin", "--format", "json", path)
    assert result.exit_code == 1
    objs = json_lines(result.stdout)
    assert len(objs) == 3
    for obj in objs:
        assert_contract(obj, "douyin")
    assert f"{path}:2" in result.stderr and f"{path}:4" in result.stderr
    assert f"{path}:1:" not in result.stderr and f"{path}:3:" not in result.stderr
    assert "Traceback" not in result.stderr


def test_eval_json_array(invoke: Any, tmp_path: Path) -> None:
    cases = [json.loads(line) for line in (EXAMPLES / "batch.jsonl").read_text(encoding="utf-8").splitlines()[:2]]
    path = tmp_path / "cases.json"
    path.write_text(json.dumps(cases), encoding="utf-8")
    result = invoke("eval", "-p", "douyin", "--format", "json", path)
    assert result.exit_code == 0, result.stderr
    assert [o["case"] for o in json_lines(result.stdout)] == [c["id"] for c in cases]


def test_eval_bad_field_names_case_and_field(invoke: Any, tmp_path: Path) -> None:
    case = json.loads((EXAMPLES / "douyin-lightning-return.json").read_text(encoding="utf-8"))
    case["order"]["paid_amount"] = "12.345"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(case), encoding="utf-8")
    result = invoke("eval", "-p", "douyin", "--format", "json", path)
    assert result.exit_code == 1
    assert "DY-LR-0001" in result.stderr and "order.paid_amount" in result.stderr
    obj = json_lines(result.stdout)[0]
    lightning = next(r for r in obj["results"] if r["rule"] == "lightning_return")
    assert lightning["matched"] is False and "order.paid_amount" in lightning.get("error", "")


def test_eval_case_without_order_is_rejected(invoke: Any, tmp_path: Path) -> None:
    path = tmp_path / "no-order.json"
    path.write_text('{"id": "NO-ORDER"}', encoding="utf-8")
    result = invoke("eval", "-p", "douyin", "--format", "json", path)
    assert result.exit_code == 1
    assert "order" in result.stderr
    assert json_lines(result.stdout) == []


def test_eval_within_filters(invoke: Any) -> None:
    batch = EXAMPLES / "batch.jsonl"
    everything = json_lines(invoke("eval", "-p", "douyin", "--format", "json", batch).stdout)
    result = invoke("eval", "-p", "douyin", "--format", "json", "--within", "6h", batch)
    assert result.exit_code == 0, result.stderr
    shown = json_lines(result.stdout)
    assert 0 < len(shown) < len(everything)
    from datetime import datetime, timedelta
    for obj in shown:
        at = datetime.fromisoformat(obj["at"])
        deadlines = [datetime.fromisoformat(r["deadline"]) for r in obj["results"] if r["matched"] and r["deadline"]]
        assert any(d <= at + timedelta(hours=6) for d in deadlines), obj["case"]
    hidden = [o for o in everything if o["case"] not in {s["case"] for s in shown}]
    for obj in hidden:
        at = datetime.fromisoformat(obj["at"])
        deadlines = [datetime.fromisoformat(r["deadline"]) for r in obj["results"] if r["matched"] and r["deadline"]]
        assert not any(d <= at + timedelta(hours=6) for d in deadlines), obj["case"]


def test_eval_table_output_goes_to_stdout(invoke: Any) -> None:
    result = invoke("eval", "-p", "douyin", EXAMPLES / "douyin-lightning-return.json")
    assert result.exit_code == 0
    assert "lightning_return" in result.stdout or "闪电退货" in result.stdout


@pytest.mark.parametrize("name, platform", [
    ("douyin-lightning-return.json", "douyin"),
    ("kuaishou-custom-auto-refund.json", "kuaishou"),
    ("pinduoduo-return-timeout.json", "pinduoduo"),
], ids=["douyin", "kuaishou", "pinduoduo"])
def test_library_matches_cli_json(invoke: Any, name: str, platform: str) -> None:
    path = EXAMPLES / name
    cli_obj = json_lines(invoke("eval", "-p", platform, "--format", "json", path).stdout)[0]
    case = json.loads(path.read_text(encoding="utf-8"), parse_float=__import__("decimal").Decimal)
    lib_obj = load_rulebook(platform).evaluate(case).to_dict()
    assert lib_obj["case"] == cli_obj["case"] and lib_obj["at"] == cli_obj["at"]
    strip = ("rule", "matched", "action", "deadline", "due")
    assert [{k: r[k] for k in strip} for r in lib_obj["results"]] == [{k: r[k] for k in strip} for r in cli_obj["results"]]
    assert [r["why"] for r in lib_obj["results"]] == [r["why"] for r in cli_obj["results"]]


# -- test ----------------------------------------------------------------------------------------

def test_test_fixture_rulebooks(invoke: Any) -> None:
    result = invoke("test", RULEBOOKS)
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "0 failed" in result.stdout


FAILING_EXAMPLE = """\
examples:
  - name: matches
    case: {order: {paid_amount: "10.00"}}
    expect: {matched: true}
  - name: wrongly expected to match
    case: {order: {paid_amount: "500.00"}}
    expect: {matched: true}
"""


def test_test_failing_example(invoke: Any, write_rulebook: Any) -> None:
    text = RULEBOOK_HEAD + rule_yaml(extra=FAILING_EXAMPLE)
    path = write_rulebook(text)
    result = invoke("test", path)
    assert result.exit_code == 1
    line = [i for i, l in enumerate(text.split("\n"), 1) if "wrongly expected" in l][0]
    assert f"{path}:{line}:" in result.stdout + result.stderr
    assert "matched" in result.stdout


def test_test_broken_rulebook_exit_1(invoke: Any, write_rulebook: Any) -> None:
    path = write_rulebook(RULEBOOK_HEAD + rule_yaml(when="- order.ammount > 1"))
    result = invoke("test", path)
    assert result.exit_code == 1
    assert "E201" in result.stderr and "Traceback" not in result.stderr


PASSING_PARTIAL = """\
examples:
  - name: matches
    case: {order: {paid_amount: "10.00"}}
    expect: {matched: true}
"""


@pytest.mark.parametrize("minimum, code", [("0", 0), ("10", 0), ("100", 1)], ids=["0", "10", "100"])
def test_min_coverage(invoke: Any, write_rulebook: Any, minimum: str, code: int) -> None:
    path = write_rulebook(RULEBOOK_HEAD + rule_yaml(extra=PASSING_PARTIAL))
    result = invoke("test", "--min-coverage", minimum, path)
    assert result.exit_code == code, result.stdout + result.stderr
    if code:
        assert "coverage" in result.stderr


def test_min_coverage_met_by_fixture_rulebooks(invoke: Any) -> None:
    assert invoke("test", "--min-coverage", "100", RULEBOOKS).exit_code == 0


@pytest.mark.parametrize("value", ["2026-13-45", "2026-13-45T00:00:00"], ids=["date", "timestamp"])
def test_eval_impossible_timestamp_is_a_field_error(invoke: Any, tmp_path: Path, value: str) -> None:
    case = json.loads((EXAMPLES / "douyin-lightning-return.json").read_text(encoding="utf-8"))
    case["order"]["signed_at"] = value
    path = tmp_path / "bad-time.json"
    path.write_text(json.dumps(case), encoding="utf-8")
    result = invoke("eval", "-p", "douyin", "--format", "json", path)
    assert "Traceback" not in result.stderr
    assert result.exit_code == 1
    assert "order.signed_at" in result.stderr
