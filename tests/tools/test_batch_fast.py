"""The batch's fast lane (dsl/tools/batchfast.py) writes what the exact path writes, byte for byte.

`rulebook eval --format json/jsonl --no-explain` decides a clean case with the generated
`decide_or_raise` and writes its line from cached fragments; any other case goes the exact way.
Here the same batch of good and bad cases is run with the lane and without it (and with
reasons, whose lines must differ only in `why`): stdout, stderr, exit code and summary agree.
"""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

import dsl.tools.batch
import dsl.tools.batchfast
from conftest import EXAMPLES


def _set(case: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    case = json.loads(json.dumps(case))
    *parents, key = path.split(".")
    target = case
    for name in parents:
        target = target.setdefault(name, {}) if isinstance(target.get(name), dict) or target.get(name) is None else target
        if not isinstance(target, dict):
            return case
    target[key] = value
    return case


# (path, value): bad values, unusual good ones, unknown keys, rejected cases
_MUTATIONS: list[tuple[str, Any]] = [
    ("order.paid_amount", "5."), ("order.paid_amount", ".5"), ("order.paid_amount", "12.345"),
    ("order.paid_amount", 129.9), ("order.paid_amount", "129.90"), ("order.paid_amount", 300),
    ("order.refunded_amount", "abc"), ("order.signed_at", "2026-11-01T09:00:00Z"),
    ("order.signed_at", "2026-11-01T09:00:00"), ("order.signed_at", "2026-11-01T09:00:00-05:00"),
    ("order.signed_at", "2026-02-30T09:00:00+08:00"), ("order.signed_at", "9999-12-31T23:00:00Z"),
    ("order.aftersale_count", 3.0), ("order.aftersale_count", -1), ("order.aftersale_count", True),
    ("order.status", "SHIPPED"), ("order.paid_amout", "1.00"), ("order.domestic", "yes"),
    ("buyer", "vip"), ("buyer.extra", 1), ("shop.services", ["fast_refund", 3]),
    ("shop.auto_refund_policy", {"max_amount": "500.00", "daily_cap": 20, "used_today": 3}),
    ("shop.auto_refund_policy", {"max_amount": "500.00", "limit": 1}), ("shop.metrics", {"dispute_refund_rate": "5."}),
    ("aftersale.type", "reship"), ("aftersale.status", "merchant_agreed"), ("aftersale.applied_at", 5),
    ("id", 17), ("id", "id with \"quotes\" and 中文"), ("id", 'x, "results": [1], "at": "y"'), ("platform", "douyin"), ("platform", "taobao"),
    ("note", "unknown top-level key"), ("order", None), ("now", "2026-11-06T02:00:00Z"),
]


def _batch(tmp_path: Path) -> Path:
    """Every case of the fixtures' batch, then each mutation applied to some of them."""
    lines = (EXAMPLES / "batch.jsonl").read_text(encoding="utf-8").splitlines()
    cases = [json.loads(line) for line in lines if line.strip()]
    out = list(lines)
    for i, (path, value) in enumerate(_MUTATIONS):
        out.append(json.dumps(_set(cases[i % len(cases)], path, value), ensure_ascii=False))
    out.append('{"id": "twice", "order": {"status": "shipped", "status": "closed"}}')
    out.append('{"id": "long", "order": {"aftersale_count": 1234567890123456789012345678901}}')
    out.append("not json")
    target = tmp_path / "batch.jsonl"
    target.write_text("\n".join(out) + "\n", encoding="utf-8")
    return target


@pytest.fixture
def lane_calls(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """What the fast lane said for each case it was offered (True: it wrote the case)."""
    calls: list[bool] = []
    run = dsl.tools.batchfast.FastLane.run

    def counted(self: Any, *args: Any) -> bool:
        done = run(self, *args)
        calls.append(done)
        return done

    monkeypatch.setattr(dsl.tools.batchfast.FastLane, "run", counted)
    return calls


def _without_lane(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dsl.tools.batch, "fast_lane", lambda *args: None)


@pytest.mark.parametrize("args", [
    ["-p", "douyin"], ["-p", "all"], ["-p", "all", "--at", "2026-11-06T10:00:00+08:00"],
    ["-p", "douyin", "--lang", "en", "--format", "json"], ["-p", "all", "--format", "csv"],
    ["-p", "douyin", "--format", "csv", "--at", "2026-11-06T10:00:00+08:00", "--lang", "en"],
], ids=["douyin", "all", "all-at", "json-en", "csv-all", "csv-douyin-at"])
def test_the_fast_lane_writes_what_the_exact_path_writes(invoke: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                        lane_calls: list[bool], args: list[str]) -> None:
    path = _batch(tmp_path)
    command = ["eval", *args, path, "--no-explain"] + ([] if "--format" in args else ["--format", "jsonl"])
    fast = invoke(*command)
    assert True in lane_calls and False in lane_calls   # both paths were taken
    with monkeypatch.context() as patch:
        _without_lane(patch)
        exact = invoke(*command)
    assert fast.exit_code == exact.exit_code == 1   # the bad cases are reported
    assert fast.stdout == exact.stdout
    assert fast.stderr == exact.stderr   # the per-case reports and the summary


def test_the_fast_lane_differs_from_the_explained_output_only_in_the_reasons(invoke: Any, tmp_path: Path) -> None:
    path = _batch(tmp_path)
    fast = invoke("eval", "-p", "all", path, "--format", "jsonl", "--no-explain", "--no-summary")
    explained = invoke("eval", "-p", "all", path, "--format", "jsonl", "--explain", "--no-summary")
    fast_objs = [json.loads(line) for line in fast.stdout.splitlines()]
    explained_objs = [json.loads(line) for line in explained.stdout.splitlines()]
    assert len(fast_objs) == len(explained_objs) > 18
    assert any(r["why"] for obj in explained_objs for r in obj["results"])
    for obj in explained_objs:
        for r in obj["results"]:
            r["why"] = []
    assert fast_objs == explained_objs
    assert fast.stderr == explained.stderr


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_the_fast_lane_with_jobs_writes_the_same_bytes(invoke: Any, tmp_path: Path, fmt: str) -> None:
    path = _batch(tmp_path)
    one = invoke("eval", "-p", "all", path, "--format", fmt, "--no-explain")
    two = invoke("eval", "-p", "all", path, "--format", fmt, "--no-explain", "--jobs", "2")
    assert one.stdout == two.stdout and one.exit_code == two.exit_code
    assert one.stderr.splitlines()[-6:] == two.stderr.splitlines()[-6:]   # the summary


def test_the_lane_is_only_for_json_or_csv_without_reasons_or_window() -> None:
    from dsl import load_rulebook

    books = [load_rulebook("douyin")]
    assert dsl.tools.batchfast.fast_lane(books, "jsonl", "none", None, None) is not None
    assert dsl.tools.batchfast.fast_lane(books, "jsonl", "failing", None, None) is None
    assert dsl.tools.batchfast.fast_lane(books, "csv", "none", None, None) is not None
    assert dsl.tools.batchfast.fast_lane(books, "csv", "failing", None, None) is None
    assert dsl.tools.batchfast.fast_lane(books, "table", "none", None, None) is None
    assert dsl.tools.batchfast.fast_lane(books, "jsonl", "none", object(), None) is None


def _examples_batch(tmp_path: Path, platform: str) -> Path:
    """Every example case of a fixture rulebook (its own `at` as the case's `now`): rules that
    match with deadlines and outputs, in every version."""
    from dsl import load_rulebook
    from dsl.book.model import example_case

    model = load_rulebook(platform).model
    docs = []
    for rule in model.rules:
        for i, example in enumerate(rule.examples):
            doc = example_case(model, example)
            doc["id"] = f"{rule.id}#{i}"
            if example.at is not None:
                doc["now"] = example.at
            docs.append(doc)
    target = tmp_path / f"{platform}-examples.jsonl"
    target.write_text("".join(json.dumps(doc, ensure_ascii=False) + "\n" for doc in docs), encoding="utf-8")
    return target


@pytest.mark.parametrize("platform", ["douyin", "kuaishou", "pinduoduo"])
@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_the_fast_lane_writes_every_example_as_the_exact_path_does(invoke: Any, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch,
                                                                   lane_calls: list[bool], platform: str, fmt: str) -> None:
    path = _examples_batch(tmp_path, platform)
    command = ["eval", "-p", platform, path, "--format", fmt, "--no-explain"]
    fast = invoke(*command)
    assert lane_calls.count(True) > len(lane_calls) // 2   # most examples are clean cases
    with monkeypatch.context() as patch:
        _without_lane(patch)
        exact = invoke(*command)
    assert (fast.exit_code, fast.stdout, fast.stderr) == (exact.exit_code, exact.stdout, exact.stderr)
    if fmt == "csv" and platform != "kuaishou":   # rules with a deadline or outputs (Kuaishou's have none)
        header, *rows = csv.reader(io.StringIO(fast.stdout.lstrip("\ufeff")))
        filled = [i for i, name in enumerate(header) if name == "deadline" or name.startswith("outputs.")]
        assert any(row[i] for row in rows for i in filled)
