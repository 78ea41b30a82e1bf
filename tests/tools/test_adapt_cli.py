"""`rulebook adapt --from NAME` and `rulebook eval --from NAME` over raw platform payloads
(issue 18, part 1): what a user sees, exit codes, and every engine writing the same bytes."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from conftest import FIXTURES

PAYLOADS = FIXTURES / "payloads"
PAGE = PAYLOADS / "douyin-aftersale-list-page.json"
LINES = PAYLOADS / "douyin-aftersale-list-items.jsonl"
AT = "2026-11-04T10:00:00+08:00"


def test_adapt_prints_one_case_a_line_and_says_each_rejected_item_with_its_place(invoke: Any) -> None:
    result = invoke("adapt", "--from", "douyin-aftersale-list", PAGE, LINES, "--lang", "en")
    assert result.exit_code == 1
    docs = [json.loads(line) for line in result.stdout.splitlines()]
    assert [d["id"] for d in docs] == ["7000000000000000001", "7000000000000000002", "7000000000000000001"]
    assert docs[0]["aftersale"] == {"id": "7000000000000000001", "type": "return_refund", "status": "awaiting_merchant",
                                    "applied_at": "2026-11-03T10:00:00+08:00", "refund_amount": "129.90",
                                    "platform_deadline": "2026-11-05T10:00:00+08:00"}
    said = result.stderr.splitlines()
    assert said[0].startswith(f"{PAGE}#data.items[2]: error E401:") and "unknown code 99" in said[0]
    assert [line.split(": error")[0] for line in said[1:4]] == [f"{LINES}:2", f"{LINES}:3", f"{LINES}:4"]
    assert said[-1] == "3 case(s) made, 4 item(s) rejected"


def test_adapt_exits_0_when_every_item_is_mapped(invoke: Any) -> None:
    result = invoke("adapt", "--from", "kuaishou-refund-detail", PAYLOADS / "kuaishou-refund-detail.json")
    assert result.exit_code == 0 and json.loads(result.stdout)["aftersale"]["status"] == "buyer_returned"


def test_eval_from_judges_the_good_items_and_reports_every_bad_one(invoke: Any) -> None:
    result = invoke("eval", "-p", "douyin", "--from", "douyin-aftersale-list", PAGE, LINES, "--at", AT,
                    "--format", "jsonl", "--lang", "en")
    assert result.exit_code == 1
    assert [json.loads(line)["case"] for line in result.stdout.splitlines()] == [
        "7000000000000000001", "7000000000000000002", "7000000000000000001"]
    assert result.stderr.count("error E401") == 4 and "price protection" in result.stderr


def test_eval_from_exits_0_on_a_clean_page(invoke: Any) -> None:
    result = invoke("eval", "-p", "pinduoduo", "--from", "pinduoduo-refund-list", "--option", "refund_amount_unit=yuan",
                    "--option", "after_sales_type_codes=after_sales_type", PAYLOADS / "pinduoduo-refund-list-page.json",
                    "--at", AT, "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert len(result.stdout.splitlines()) == 2


def test_a_missing_disputed_option_stops_before_anything_is_read(invoke: Any) -> None:
    result = invoke("eval", "-p", "pinduoduo", "--from", "pinduoduo-refund-information",
                    PAYLOADS / "pinduoduo-refund-information.json", "--lang", "en")
    assert result.exit_code == 2 and result.stdout == ""
    assert "pinduoduo-refund-information.yaml:" in result.stderr and "E704" in result.stderr
    assert "--option refund_amount_unit=<fen|yuan>" in result.stderr


@pytest.mark.parametrize("args, words", [
    (("--option", "refund_amount_unit=fen"), "--from"),
    (("--from", "douyin-aftersale-list", "--option", "refund_amount_unit"), "NAME=VALUE"),
    (("--from", "douyin-aftersale-lst"), "douyin-aftersale-list"),
    (("--from", "douyin-aftersale-list", "--input-format", "csv"), "JSON"),
])
def test_usage_mistakes_are_said_with_exit_2(invoke: Any, args: tuple[str, ...], words: str) -> None:
    result = invoke("eval", "-p", "douyin", PAGE, *args, "--lang", "en")
    assert result.exit_code == 2 and words in result.stderr, result.stderr


def test_eval_from_a_users_mapping_file(invoke: Any, tmp_path: Path) -> None:
    mine = tmp_path / "mine.yaml"
    mine.write_text("extends: douyin-aftersale-list\ntables:\n  aftersale_status:\n    codes:\n      99: closed\n",
                    encoding="utf-8")
    result = invoke("eval", "-p", "douyin", "--from", mine, PAGE, "--at", AT, "--format", "jsonl")
    assert result.exit_code == 0, result.stderr
    assert len(result.stdout.splitlines()) == 3


def test_a_bad_users_mapping_is_said_at_its_line_and_column(invoke: Any, tmp_path: Path) -> None:
    mine = tmp_path / "mine.yaml"
    mine.write_text("extends: douyin-aftersale-list\nfields:\n  aftersale.staus: {from: x, convert: text}\n",
                    encoding="utf-8")
    result = invoke("adapt", "--from", mine, PAGE, "--lang", "en")
    assert result.exit_code == 2
    assert f"{mine}:3:3: error E701:" in result.stderr and "aftersale.status" in result.stderr


@pytest.mark.parametrize("extra", [("--engine", "duckdb"), ("--jobs", "2")], ids=["duckdb", "jobs"])
@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_every_engine_writes_the_python_engines_bytes(invoke: Any, extra: tuple[str, ...], fmt: str) -> None:
    if extra[0] == "--engine":
        pytest.importorskip("duckdb")
    args = ("eval", "-p", "douyin", "--from", "douyin-aftersale-list", PAGE, LINES, "--at", AT, "--format", fmt,
            "--no-explain")
    python, other = invoke(*args), invoke(*args, *extra)
    assert (other.exit_code, other.stdout, other.stderr) == (python.exit_code, python.stdout, python.stderr)
    assert python.exit_code == 1 and python.stdout


def test_duckdb_parquet_output_reads_through_the_mapping(invoke: Any, tmp_path: Path) -> None:
    duckdb = pytest.importorskip("duckdb")
    out = tmp_path / "out.parquet"
    result = invoke("eval", "-p", "douyin", "--from", "douyin-aftersale-list", PAGE, "--at", AT, "--engine", "duckdb",
                    "--output", out)
    assert result.exit_code == 1 and "unknown code 99" in result.stderr.replace("未知代码 99", "unknown code 99")
    cases = duckdb.connect().execute(f"SELECT count(DISTINCT case_id) FROM read_parquet('{out}')").fetchall()[0][0]
    assert cases == 2


def test_spark_writes_the_python_engines_bytes_from_raw_payloads(spark_session: Any, invoke: Any) -> None:
    args = ("eval", "-p", "douyin", "--from", "douyin-aftersale-list", PAGE, LINES, "--at", AT, "--format", "jsonl",
            "--no-explain")
    python, spark = invoke(*args), invoke(*args, "--engine", "spark")
    assert (spark.exit_code, spark.stdout, spark.stderr) == (python.exit_code, python.stdout, python.stderr)
