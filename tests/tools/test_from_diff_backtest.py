"""`rulebook diff --cases RAW --from MAPPING` and `rulebook backtest ... --from MAPPING`: raw
platform API responses are judged as the cases `rulebook adapt --from MAPPING` makes of them,
on the Python engine and on DuckDB, and every item the mapping rejects is reported with its
place and reason (never judged, never dropped without a word)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from conftest import FIXTURES

RAW = [FIXTURES / "payloads" / "douyin-aftersale-list-page.json",
       FIXTURES / "payloads" / "douyin-aftersale-list-items.jsonl"]
MAPPING = "douyin-aftersale-list"


@pytest.fixture
def newer(tmp_path: Path) -> Path:
    """The Douyin fixture with 'preparing' no longer a pre-shipment status: the adapted refund
    of an order being prepared changes decision."""
    text = (FIXTURES / "rulebooks" / "douyin.yaml").read_text(encoding="utf-8")
    assert "value: [pending_payment, preparing]" in text
    target = tmp_path / "douyin-new.yaml"
    target.write_text(text.replace("value: [pending_payment, preparing]", "value: [pending_payment]"), encoding="utf-8")
    return target


@pytest.fixture
def adapted(invoke: Any, tmp_path: Path) -> Path:
    """What `rulebook adapt` makes of the raw files: the cases --from must judge."""
    result = invoke("adapt", "--from", MAPPING, *RAW)
    assert result.exit_code == 1   # some items are rejected
    target = tmp_path / "adapted.jsonl"
    target.write_text(result.stdout, encoding="utf-8")
    return target


def _report(result: Any) -> dict[str, Any]:
    return json.loads(result.stdout)


@pytest.mark.parametrize("engine", ["python", "duckdb"])
def test_diff_from_judges_what_adapt_makes(invoke: Any, newer: Path, adapted: Path, engine: str) -> None:
    raw = invoke("diff", "douyin", newer, "--from", MAPPING, *[a for path in RAW for a in ("--cases", path)],
                 "--format", "json", "--engine", engine, "--lang", "en")
    cases = invoke("diff", "douyin", newer, "--cases", adapted, "--format", "json", "--engine", engine)
    assert raw.exit_code == cases.exit_code == 1, raw.stderr
    got, want = _report(raw)["decisions"], _report(cases)["decisions"]
    assert got["changed_cases"] == want["changed_cases"] == 1
    assert got["per_rule"] == want["per_rule"]
    assert want["rejected"] == 0 and got["cases"] == want["cases"] + got["rejected"] == 7
    reasons = " ".join(str(r) for r in got["rejections"])
    assert "douyin-aftersale-list-page.json#data.items[2]" in reasons and "unknown code 99" in reasons
    assert "douyin-aftersale-list-items.jsonl:3" in reasons and "epoch milliseconds" in reasons


def test_backtest_from_judges_what_adapt_makes(invoke: Any, newer: Path, adapted: Path) -> None:
    at = ["--at", "2026-11-02T10:00:00+08:00"]
    raw = invoke("backtest", "douyin", newer, "--from", MAPPING, *[a for path in RAW for a in ("--cases", path)],
                 *at, "--format", "json", "--lang", "en")
    cases = invoke("backtest", "douyin", newer, "--cases", adapted, *at, "--format", "json", "--lang", "en")
    assert raw.exit_code == cases.exit_code == 1, raw.stderr
    got, want = _report(raw), _report(cases)
    assert got["changed_cases"] == want["changed_cases"] == 1
    assert got["per_rule"] == want["per_rule"] and got["transitions"] == want["transitions"]
    assert want["rejected"] == 0 and got["cases"] == want["cases"] + got["rejected"] == 7
    text = json.dumps(got, ensure_ascii=False)
    assert "unknown code 99" in text and "epoch milliseconds" in text


def test_from_without_cases_or_with_a_bad_mapping_is_a_usage_error(invoke: Any, newer: Path, tmp_path: Path) -> None:
    alone = invoke("diff", "douyin", newer, "--from", MAPPING, "--lang", "en")
    assert alone.exit_code == 2 and "--from" in alone.stderr and "--cases" in alone.stderr
    zh = invoke("diff", "douyin", newer, "--from", MAPPING)
    assert zh.exit_code == 2 and "原始响应" in zh.stderr
    unknown = invoke("backtest", "douyin", newer, "--cases", RAW[0], "--from", "douyin-aftersale-lst", "--lang", "en")
    assert unknown.exit_code == 2 and "douyin-aftersale-list" in unknown.stderr   # the names it could be
    option = invoke("diff", "douyin", newer, "--cases", RAW[0], "--option", "x=1", "--lang", "en")
    assert option.exit_code == 2 and "--from" in option.stderr
