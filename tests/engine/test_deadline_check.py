"""`deadline_check`: the platform's own deadline (`aftersale.platform_deadline`) beside ours.

For each matched rule with a deadline the eval output says whether the platform's deadline
agrees with ours and by how much they differ (JSON, the table, CSV columns), in zh and en; a
disagreement is shown, never hidden. The SQL engines leave a case with a platform deadline
to the Python engine, so their output is the same bytes.
"""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

from conftest import FIXTURES, RULEBOOKS
from dsl import load_rulebook

CASES = FIXTURES / "deadline" / "cases.jsonl"
PDD = RULEBOOKS / "pinduoduo.yaml"


def _cases() -> dict[str, dict[str, Any]]:
    lines = CASES.read_text(encoding="utf-8").splitlines()
    return {doc["id"]: doc for doc in map(json.loads, lines)}


def _rule(case_id: str, rule: str, lang: str = "en") -> dict[str, Any]:
    result = load_rulebook(str(PDD)).evaluate(_cases()[case_id], lang=lang)
    return result.result(rule).to_dict()


def test_an_agreeing_platform_deadline_is_said_to_agree() -> None:
    check = _rule("agrees", "refund_only_merchant_timeout")["deadline_check"]
    assert check == {"platform": "2026-11-07T09:00:00+08:00", "ours": "2026-11-07T09:00:00+08:00",
                     "difference": "the same", "difference_seconds": 0, "agrees": True}


def test_a_later_platform_deadline_is_a_disagreement_with_its_size() -> None:
    check = _rule("later", "refund_only_merchant_timeout")["deadline_check"]
    assert check["agrees"] is False
    assert check["difference"] == "platform later by 3d"
    assert check["difference_seconds"] == 3 * 24 * 3600
    assert _rule("later", "refund_only_merchant_timeout", "zh")["deadline_check"]["difference"] == "平台晚 3d"


def test_a_shortened_platform_deadline_is_earlier() -> None:
    check = _rule("shortened", "return_refund_merchant_timeout")["deadline_check"]
    assert (check["platform"], check["ours"]) == ("2026-11-06T10:00:00+08:00", "2026-11-07T09:00:00+08:00")
    assert (check["difference"], check["agrees"]) == ("platform earlier by 23h", False)


def test_no_check_without_a_platform_deadline_or_without_a_matched_timer() -> None:
    assert "deadline_check" not in _rule("without", "refund_only_merchant_timeout")
    book = load_rulebook(str(PDD))
    result = book.evaluate(_cases()["no-timer"], lang="en")
    assert all("deadline_check" not in r.to_dict() for r in result.results)
    # a rule that matched without a deadline has nothing to compare
    assert "deadline_check" not in _rule("agrees", "refund_only_apply")


def test_a_bad_platform_deadline_is_an_error_of_the_case_not_a_check() -> None:
    doc = _cases()["later"]
    doc["aftersale"]["platform_deadline"] = "2026-13-45"
    result = load_rulebook(str(PDD)).evaluate(doc, lang="en")
    assert any("aftersale.platform_deadline" in e for e in result.errors)
    assert result.result("refund_only_merchant_timeout").deadline_check is None


def _eval(invoke: Any, *args: Any) -> str:
    result = invoke("eval", "-r", PDD, CASES, *args)
    assert result.exit_code == 0, result.stderr
    return result.stdout


@pytest.mark.parametrize("lang, words", [("en", "platform later by 3d"), ("zh", "平台晚 3d")])
def test_the_table_shows_the_disagreement(invoke: Any, lang: str, words: str) -> None:
    out = _eval(invoke, "--lang", lang)
    later = out[out.index("case later"):out.index("case shortened")]
    assert words in later and ("DIFFERS" in later or "不一致" in later)
    agrees = out[out.index("case agrees"):out.index("case later")]
    assert "2026-11-07T09:00:00+08:00: agrees" in agrees or "2026-11-07T09:00:00+08:00：一致" in agrees


def test_csv_adds_the_check_columns_after_the_outputs(invoke: Any) -> None:
    rows = list(csv.DictReader(io.StringIO(_eval(invoke, "--format", "csv", "--lang", "en"))))
    header = list(rows[0])
    assert header[-3:] == ["deadline_check.platform", "deadline_check.difference", "deadline_check.agrees"]
    assert header[:4] == ["case", "platform", "at", "rule"]
    row = next(r for r in rows if r["case"] == "shortened" and r["rule"] == "return_refund_merchant_timeout")
    assert (row["deadline_check.platform"], row["deadline_check.difference"], row["deadline_check.agrees"]) == \
        ("2026-11-06T10:00:00+08:00", "platform earlier by 23h", "false")
    other = next(r for r in rows if r["case"] == "without" and r["rule"] == "refund_only_merchant_timeout")
    assert other["deadline_check.agrees"] == ""


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_duckdb_writes_the_same_bytes(invoke: Any, fmt: str) -> None:
    pytest.importorskip("duckdb")
    args = ("--format", fmt, "--no-explain", "--lang", "en")
    assert _eval(invoke, *args, "--engine", "duckdb") == _eval(invoke, *args)


def test_spark_writes_the_same_bytes(invoke: Any, spark_session: Any, tmp_path: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    import dsl.tools.sparkbatch
    from dsl.tools.batch import Decided

    seen: list[bool] = []
    run = dsl.tools.sparkbatch.SparkEval.run

    def counted(self: Any, chunk: list[Any]) -> Any:
        for item in run(self, chunk):
            seen.append(isinstance(item, Decided))
            yield item

    monkeypatch.setattr(dsl.tools.sparkbatch.SparkEval, "run", counted)
    args = ("eval", "-r", PDD, _many(tmp_path), "--format", "jsonl", "--no-explain", "--lang", "en")
    assert invoke(*args, "--engine", "spark").stdout == invoke(*args).stdout
    assert seen and all(seen)     # Spark decided every case; the writer added the checks


def test_json_lines_fast_path_gives_the_check(invoke: Any, tmp_path: Path) -> None:
    lines = [json.loads(line) for line in _eval(invoke, "--format", "jsonl", "--no-explain").splitlines()]
    by_case = {obj["case"]: obj for obj in lines}
    rule = next(r for r in by_case["later"]["results"] if r["rule"] == "refund_only_merchant_timeout")
    assert rule["deadline_check"]["agrees"] is False


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_fast_lane_writes_the_check_as_the_exact_path_does(invoke: Any, monkeypatch: pytest.MonkeyPatch,
                                                               lang: str, fmt: str) -> None:
    import dsl.tools.batch
    import dsl.tools.batchfast

    written: list[bool] = []
    run = dsl.tools.batchfast.FastLane.run

    def counted(self: Any, *args: Any) -> bool:
        written.append(run(self, *args))
        return written[-1]

    monkeypatch.setattr(dsl.tools.batchfast.FastLane, "run", counted)
    args = ("--format", fmt, "--no-explain", "--lang", lang)
    fast = _eval(invoke, *args)
    assert written and all(written)       # every case, platform deadline or not, took the fast lane
    with monkeypatch.context() as patch:
        patch.setattr(dsl.tools.batch, "fast_lane", lambda *a: None)
        exact = _eval(invoke, *args)
    assert fast == exact
    if fmt == "jsonl":
        assert '"deadline_check"' in fast
    else:   # a row whose deadline_check.agrees cell is filled
        assert any(line.endswith((",true", ",false")) for line in fast.splitlines()[1:])


_OFFSETS = [0, 1, 59, 60, 3600, 86400, 90000, 3 * 86400, 3 * 86400 + 1, 10 * 86400 + 3661, -75600, -1, -86400 * 4,
            0.5, -0.5, -1.25, 7 * 86400 + 0.000001]


def _many(tmp_path: Path) -> Path:
    """Refund-only cases awaiting the merchant, the platform's deadline at many distances from ours."""
    from datetime import timedelta

    from conftest import write_jsonl
    from dsl.lang.values import parse_timestamp

    ours = parse_timestamp("2026-11-07T09:00:00+08:00")
    docs = [{"id": f"d{i}", "now": "2026-11-06T09:00:00+08:00",
             "order": {"status": "completed", "paid_amount": "59.90"},
             "aftersale": {"type": "refund_only", "status": "awaiting_merchant", "applied_at": "2026-11-05T09:00:00+08:00",
                           "platform_deadline": (ours + timedelta(seconds=offset)).isoformat()}}
            for i, offset in enumerate(_OFFSETS)]
    return write_jsonl(tmp_path / "many.jsonl", docs)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_duckdb_writes_every_check_itself_with_the_same_bytes(invoke: Any, tmp_path: Path, lang: str) -> None:
    pytest.importorskip("duckdb")
    from datetime import datetime

    from dsl.lang.values import SHANGHAI
    from dsl.tools.batch import Decided
    from dsl.tools.sqlbatch import SqlEval, sql_items

    cases = _many(tmp_path)
    args = ("eval", "-r", PDD, cases, "--format", "jsonl", "--no-explain", "--lang", lang)
    python = invoke(*args)
    assert invoke(*args, "--engine", "duckdb").stdout == python.stdout
    assert "1d30m" not in python.stdout and ("10d1h1m1s" in python.stdout)
    evaluator = SqlEval(load_rulebook(str(PDD)), None, datetime.now(SHANGHAI), lang=lang)
    items = list(sql_items(str(cases), evaluator))
    assert len(items) == len(_OFFSETS) and all(isinstance(i, Decided) for i in items)   # none handed over


def test_duckdb_parquet_output_has_the_check_columns(invoke: Any, tmp_path: Path) -> None:
    duckdb = pytest.importorskip("duckdb")
    target = tmp_path / "out.parquet"
    result = invoke("eval", "-r", PDD, CASES, "--engine", "duckdb", "-o", target)
    assert result.exit_code == 0, result.stderr
    rows = duckdb.sql(f"SELECT case_id, rule, platform_deadline, deadline_difference_seconds, deadline_agrees "
                      f"FROM '{target}' WHERE platform_deadline IS NOT NULL ORDER BY case_id").fetchall()
    assert rows == [("agrees", "refund_only_merchant_timeout", "2026-11-07T09:00:00+08:00", 0, True),
                    ("later", "refund_only_merchant_timeout", "2026-11-10T09:00:00+08:00", 259200, False),
                    ("shortened", "return_refund_merchant_timeout", "2026-11-06T10:00:00+08:00", -82800, False)]
