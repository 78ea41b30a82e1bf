"""Session 25, csvcols: `diff` (both engines) and `backtest` say what `eval` says about cases
that name fields the vocabulary does not know (E405 once per file and path, a CSV column
E406 with the field meant), count them in their reports, and exit 1: "nothing changes"
about cases that were not read right is not a clean answer. Fixture rulebooks of
tests/fixtures/desk2 (the same rulebook on both sides: any exit 1 is the unknown field's)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from test_desk2 import GOOD_ROW, HEAD, in_fixtures, write   # noqa: F401 (in_fixtures: autouse, chdir)

BOOK = str(Path("rulebooks") / "shopa.yaml")   # the desk2 fixture's own folder (cwd), not the shipped one
CASE = {"id": "C1", "now": "2026-11-05T09:00:00+08:00", "order": {"paid_amount": "100.00"},
        "aftersale": {"reason": "quality_issue", "type": "refund_only", "applied_at": "2026-11-05T08:00:00+08:00"},
        "buyer": {"credit_good": True}, "shop": {"services": ["fast_refund"]}}
COMMANDS = [("diff", "--engine", "python"), ("diff", "--engine", "duckdb"), ("backtest",)]


def typo_jsonl(tmp_path: Path) -> Path:
    bad = json.loads(json.dumps(CASE))
    bad["id"], bad["order"] = "T1", {"paid_amout": "100.00"}
    lines = [json.dumps(bad), json.dumps(CASE), json.dumps(dict(bad, id="T2"))]
    return write(tmp_path / "typo.jsonl", "\n".join(lines) + "\n")


def run(invoke: Any, command: tuple[str, ...], path: Path, *more: str) -> Any:
    copy = path.parent / "shopa-copy.yaml"   # B: the same rulebook in another file
    copy.write_text(Path(BOOK).read_text(encoding="utf-8"), encoding="utf-8")
    return invoke(command[0], BOOK, copy, "--cases", path, *command[1:], "--lang", "en", *more)


@pytest.mark.parametrize("command", COMMANDS)
def test_an_unknown_field_in_json_cases_is_said_once_counted_and_exits_1(invoke: Any, tmp_path: Path,
                                                                          command: tuple[str, ...]) -> None:
    path = typo_jsonl(tmp_path)
    result = run(invoke, command, path, "--format", "json")
    assert result.exit_code == 1, result.stderr
    said = [line for line in result.stderr.splitlines() if "E405" in line]
    assert said == [f"{path}:1: warning E405: case T1: unknown field 'order.paid_amout' "
                    "(did you mean 'order.paid_amount'?) (said once per file)"]
    report = json.loads(result.stdout)
    report = report.get("decisions", report)
    assert report["with_unknown_fields"] == 2 and report["unknown_fields"] == {"order.paid_amout": 2}
    text = run(invoke, command, path)
    assert "2 case(s) name fields not in the vocabulary, not read (cases): order.paid_amout (2)" in text.stdout


@pytest.mark.parametrize("command", COMMANDS)
def test_a_csv_column_naming_no_field_is_eval_s_warning(invoke: Any, tmp_path: Path, command: tuple[str, ...]) -> None:
    path = write(tmp_path / "label.csv", HEAD + ",订单实付金额\n" + GOOD_ROW + ",100.00\n")
    result = run(invoke, command, path)
    assert result.exit_code == 1, result.stderr
    said = [line for line in result.stderr.splitlines() if "订单实付金额" in line]
    assert said == [f"{path}:1:9: warning E406: column '订单实付金额' names no field of the vocabulary: "
                    "its cells are not read (did you mean 'order.paid_amount'?)"]
    assert "订单实付金额 (1)" in result.stdout


@pytest.mark.parametrize("command", COMMANDS)
def test_clean_cases_and_the_same_rulebook_exit_0(invoke: Any, tmp_path: Path, command: tuple[str, ...]) -> None:
    path = write(tmp_path / "clean.jsonl", json.dumps(CASE) + "\n")
    result = run(invoke, command, path)
    assert result.exit_code == 0, result.stderr
    assert "E40" not in result.stderr and "not in the vocabulary" not in result.stdout


@pytest.mark.parametrize("command", [("eval",), *COMMANDS])
def test_a_parquet_column_naming_no_field_is_said_with_the_field_meant(invoke: Any, tmp_path: Path,
                                                                       command: tuple[str, ...]) -> None:
    import duckdb

    csv_path = write(tmp_path / "label.csv", HEAD + ",订单实付金额\n" + GOOD_ROW + ",100.00\n")
    path = tmp_path / "label.parquet"
    duckdb.connect().execute(f"COPY (SELECT * FROM read_csv('{csv_path}', all_varchar=true)) TO '{path}' (FORMAT parquet)")
    result = (invoke("eval", "-p", "shopa", path, "--format", "jsonl", "--lang", "en") if command == ("eval",)
              else run(invoke, command, path))
    assert result.exit_code == 1
    said = [line for line in result.stderr.splitlines() if "订单实付金额" in line and "E406" in line]
    assert said == [f"{path}: warning E406: column '订单实付金额' names no field of the vocabulary: "
                    "its cells are not read (did you mean 'order.paid_amount'?)"]
