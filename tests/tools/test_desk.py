"""The after-sale desk features through the CLI: explanations, batches (JSON Lines / CSV),
diff, editor schema, CI formats and the timeline of deadlines."""
from __future__ import annotations

import csv
import io
import json
import re
import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from dsl import load_rulebook

from conftest import EXAMPLES, FIXTURES, RULEBOOK_HEAD, RULEBOOKS, ROOT, json_lines, rule_yaml

PLATFORMS = ["douyin", "kuaishou", "pinduoduo"]
SUMMARY_EN = re.compile(r"(\d+) case\(s\) read: (\d+) evaluated, (\d+) could not be read")
SUMMARY_ZH = re.compile(r"共读取 (\d+) 个案例：(\d+) 个已判定，(\d+) 个无法读取")
CSV_HEADER = ["case", "platform", "at", "rule", "matched", "action", "deadline", "due", "version", "error", "why"]
GITHUB = re.compile(r"^::error file=(?P<file>[^,]+),line=(?P<line>\d+),col=(?P<col>\d+),title=(?P<code>E\d{3})::\S")
BEIJING = "+08:00"




def example(name: str = "douyin-lightning-return.json") -> dict[str, Any]:
    return json.loads((EXAMPLES / name).read_text(encoding="utf-8"))


def lightning_case(case_id: str, paid: str = "199.00") -> dict[str, Any]:
    """The Douyin lightning-return example (matches at 199.00), with another id and amount."""
    case = example()
    case["id"] = case_id
    case["order"]["paid_amount"] = paid
    return case


def write_json(path: Path, case: Any) -> Path:
    path.write_text(json.dumps(case, ensure_ascii=False), encoding="utf-8")
    return path


def write_jsonl(path: Path, lines: list[Any]) -> Path:
    text = "\n".join(line if isinstance(line, str) else json.dumps(line, ensure_ascii=False) for line in lines)
    path.write_text(text + "\n", encoding="utf-8")
    return path


def result_of(obj: dict[str, Any], rule: str) -> dict[str, Any]:
    return next(r for r in obj["results"] if r["rule"] == rule)


def summary_counts(text: str, lang: str = "en") -> tuple[int, int, int]:
    found = (SUMMARY_EN if lang == "en" else SUMMARY_ZH).findall(text)
    assert len(found) == 1, text
    return tuple(int(n) for n in found[0])  # type: ignore[return-value]


def conditions_of(platform: str, rule: str) -> int:
    compiled = next(r for r in load_rulebook(platform).rules if r.rule.id == rule)
    return len(compiled.rule.versions[0].conditions)


# == explain ========================================================================================

PAID_329 = re.compile(r"order\.paid_amount = 329\.00 ≤ 300\.00\b.*✗\s*$")


@pytest.fixture
def case_329(tmp_path: Path) -> Path:
    return write_json(tmp_path / "c329.json", lightning_case("C329", "329.00"))


def test_explain_table_shows_value_bound_and_mark(invoke: Any, case_329: Path) -> None:
    result = invoke("eval", "-p", "douyin", case_329)
    assert result.exit_code == 0, result.stderr
    lines = [l for l in result.stdout.splitlines() if PAID_329.search(l)]
    assert len(lines) == 1, result.stdout
    assert "订单实付金额" in lines[0]          # the default language is Chinese
    assert "params.lightning_max_amount" in lines[0]


@pytest.mark.parametrize("lang, label, other", [
    ("zh", "订单实付金额", "paid amount"),
    ("en", "paid amount", "订单实付金额"),
], ids=["zh", "en"])
def test_explain_labels_follow_lang(invoke: Any, case_329: Path, lang: str, label: str, other: str) -> None:
    table = invoke("eval", "-p", "douyin", "--lang", lang, case_329)
    assert table.exit_code == 0, table.stderr
    [line] = [l for l in table.stdout.splitlines() if PAID_329.search(l)]
    assert f"{label} order.paid_amount = 329.00" in line and other not in line
    obj = json_lines(invoke("eval", "-p", "douyin", "--lang", lang, "--format", "json", case_329).stdout)[0]
    why = result_of(obj, "lightning_return")["why"]
    assert any(PAID_329.search(w) and w.startswith(label) for w in why), why


def test_explain_default_lang_is_zh(invoke: Any, case_329: Path) -> None:
    default = invoke("eval", "-p", "douyin", "--format", "json", case_329).stdout
    assert default == invoke("eval", "-p", "douyin", "--format", "json", "--lang", "zh", case_329).stdout
    assert default != invoke("eval", "-p", "douyin", "--format", "json", "--lang", "en", case_329).stdout


def test_explain_levels_for_a_rule_that_does_not_match(invoke: Any, case_329: Path) -> None:
    """The table and --explain show every condition with its value; JSON by default the deciding ones."""
    n = conditions_of("douyin", "lightning_return")
    full = json_lines(invoke("eval", "-p", "douyin", "--format", "json", "--explain", case_329).stdout)[0]
    why = result_of(full, "lightning_return")["why"]
    assert len(why) == n and sum(w.rstrip().endswith("✓") for w in why) == n - 1, why
    assert any(PAID_329.search(w) for w in why)
    brief = json_lines(invoke("eval", "-p", "douyin", "--format", "json", case_329).stdout)[0]
    assert [w for w in result_of(brief, "lightning_return")["why"]] == [w for w in why if PAID_329.search(w)]
    table = invoke("eval", "-p", "douyin", case_329).stdout
    section = table.split("lightning_return", 1)[1].split("repeat_aftersale", 1)[0]
    assert sum(line.rstrip().endswith("✓") for line in section.splitlines()) == n - 1, section


def test_explain_json_matched_rule_lists_every_condition(invoke: Any, tmp_path: Path) -> None:
    path = write_json(tmp_path / "c199.json", lightning_case("C199"))
    obj = json_lines(invoke("eval", "-p", "douyin", "--format", "json", "--lang", "en", path).stdout)[0]
    lightning = result_of(obj, "lightning_return")
    assert lightning["matched"] is True
    held = [w for w in lightning["why"] if w.rstrip().endswith("✓")]
    assert len(held) == conditions_of("douyin", "lightning_return"), lightning["why"]
    assert any("order.paid_amount = 199.00 ≤ 300.00" in w for w in held)
    assert not any(w.rstrip().endswith(("✗", "?")) for w in lightning["why"])


def test_explain_missing_value_is_unknown(invoke: Any, tmp_path: Path) -> None:
    case = lightning_case("MISSING")
    del case["order"]["paid_amount"]
    path = write_json(tmp_path / "missing.json", case)
    obj = json_lines(invoke("eval", "-p", "douyin", "--format", "json", "--lang", "en", path).stdout)[0]
    lightning = result_of(obj, "lightning_return")
    assert lightning["matched"] is False
    assert any("order.paid_amount = null" in w and w.rstrip().endswith("?") for w in lightning["why"]), lightning


@pytest.mark.parametrize("lang, prefix", [("en", "version v2"), ("zh", "版本 v2")], ids=["en", "zh"])
def test_explain_names_the_version(invoke: Any, lang: str, prefix: str) -> None:
    result = invoke("eval", "-p", "kuaishou", "--format", "json", "--lang", lang, EXAMPLES / "kuaishou-fast-refund.json")
    fast = result_of(json_lines(result.stdout)[0], "fast_refund")
    assert (fast["matched"], fast.get("version")) == (True, "v2")
    assert fast["why"][0].startswith(prefix) and "order.paid_at" in fast["why"][0], fast["why"]


@pytest.mark.parametrize("fmt", ["json", "jsonl"], ids=["json", "jsonl"])
def test_no_explain_gives_empty_why(invoke: Any, case_329: Path, fmt: str) -> None:
    result = invoke("eval", "-p", "all", "--no-explain", "--format", fmt, case_329)
    assert result.exit_code == 0, result.stderr
    objs = json_lines(result.stdout)
    assert len(objs) == len(PLATFORMS)
    assert all(r["why"] == [] for obj in objs for r in obj["results"])
    lightning = result_of(objs[0], "lightning_return")
    assert (lightning["matched"], lightning["action"]) == (False, "auto_approve")   # still decided


def test_no_explain_table_and_csv(invoke: Any, case_329: Path) -> None:
    table = invoke("eval", "-p", "douyin", "--no-explain", case_329)
    assert table.exit_code == 0
    assert "lightning_return" in table.stdout and "order.paid_amount =" not in table.stdout
    rows = list(csv.DictReader(io.StringIO(invoke("eval", "-p", "douyin", "--no-explain", "--format", "csv",
                                                  case_329).stdout)))
    assert rows and all(row["why"] == "" for row in rows)


# == batches ========================================================================================

GOOD_IDS = [f"G{i}" for i in range(6)]


@pytest.fixture
def mixed_batch(tmp_path: Path) -> Path:
    """6 good lines, 3 unreadable ones (bad JSON, not an object, no order) and one with a bad field."""
    bad_field = lightning_case("BADFIELD")
    bad_field["order"]["paid_amount"] = "abc"
    lines: list[Any] = [lightning_case(i) for i in GOOD_IDS]
    lines.insert(1, '{"id": "broken", "order": ')        # line 2
    lines.insert(3, "[1, 2, 3]")                          # line 4
    lines.insert(5, '{"id": "NOORDER"}')                  # line 6
    lines.insert(7, bad_field)                            # line 8
    return write_jsonl(tmp_path / "mixed.jsonl", lines)


BAD_LINES = [(2, "JSON"), (4, "object"), (6, "order"), (8, "order.paid_amount")]


def test_batch_malformed_lines_json(invoke: Any, mixed_batch: Path) -> None:
    result = invoke("eval", "-p", "douyin", "--format", "json", "--lang", "en", mixed_batch)
    assert result.exit_code == 1
    assert "Traceback" not in result.stderr
    objs = json_lines(result.stdout)                      # only results on stdout, in input order
    assert [o["case"] for o in objs] == GOOD_IDS[:4] + ["BADFIELD"] + GOOD_IDS[4:]
    assert [o["case"] for o in objs if result_of(o, "lightning_return")["matched"]] == GOOD_IDS
    assert "order.paid_amount" in result_of(objs[4], "lightning_return").get("error", "")
    errors = [l for l in result.stderr.splitlines() if l.startswith(f"{mixed_batch}:")]
    for line, reason in BAD_LINES:
        assert any(l.startswith(f"{mixed_batch}:{line}:") and reason in l for l in errors), (line, result.stderr)
    for good_line in (1, 3, 5, 7, 9, 10):
        assert not any(l.startswith(f"{mixed_batch}:{good_line}:") for l in errors), (good_line, result.stderr)
    read, evaluated, rejected = summary_counts(result.stderr)
    assert (read, evaluated, rejected) == (10, 7, 3) and read == evaluated + rejected
    assert re.search(r"^\s*douyin/lightning_return: 6$", result.stderr, re.M)
    assert not SUMMARY_EN.search(result.stdout)


@pytest.mark.parametrize("fmt, summary_on", [("json", "stderr"), ("csv", "stderr"), ("table", "stdout")],
                         ids=["json", "csv", "table"])
def test_batch_summary_stream(invoke: Any, mixed_batch: Path, fmt: str, summary_on: str) -> None:
    result = invoke("eval", "-p", "douyin", "--format", fmt, "--lang", "en", mixed_batch)
    assert result.exit_code == 1
    here, other = (result.stdout, result.stderr) if summary_on == "stdout" else (result.stderr, result.stdout)
    assert summary_counts(here) == (10, 7, 3)
    assert not SUMMARY_EN.search(other)
    assert f"{mixed_batch}:2:" in result.stderr and f"{mixed_batch}:8:" in result.stderr


def test_batch_summary_in_chinese(invoke: Any, mixed_batch: Path) -> None:
    result = invoke("eval", "-p", "douyin", "--format", "json", mixed_batch)
    assert summary_counts(result.stderr, "zh") == (10, 7, 3)


def test_batch_no_summary(invoke: Any, mixed_batch: Path) -> None:
    result = invoke("eval", "-p", "douyin", "--format", "json", "--lang", "en", "--no-summary", mixed_batch)
    assert result.exit_code == 1
    assert not SUMMARY_EN.search(result.stderr)
    assert f"{mixed_batch}:2:" in result.stderr


def test_clean_jsonl_batch_exits_0(invoke: Any, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "clean.jsonl", [lightning_case(i) for i in GOOD_IDS])
    result = invoke("eval", "-p", "douyin", "--format", "json", "--lang", "en", path)
    assert result.exit_code == 0, result.stderr
    assert [o["case"] for o in json_lines(result.stdout)] == GOOD_IDS
    assert summary_counts(result.stderr) == (6, 6, 0)


# -- CSV input ---------------------------------------------------------------------------------------

CSV_COLUMNS_IN = ["id", "now", "order.status", "order.paid_amount", "order.refunded_amount", "order.paid_at",
                  "order.shipped_at", "order.signed_at", "order.goods_kind", "order.domestic", "order.category",
                  "order.supports_7day_return", "order.aftersale_count", "buyer.credit_good",
                  "shop.return_address_count", "shop.shipping_address_count", "shop.return_equals_shipping",
                  "shop.services", "aftersale.type", "aftersale.reason", "aftersale.status", "aftersale.applied_at"]
CSV_BASE = {"now": "2026-11-04T21:30:00+08:00", "order.status": "shipped", "order.paid_amount": "199.00",
            "order.refunded_amount": "0.00", "order.paid_at": "2026-10-29T19:42:10+08:00",
            "order.shipped_at": "2026-10-30T10:05:00+08:00", "order.signed_at": "2026-11-01T14:20:00+08:00",
            "order.goods_kind": "physical", "order.domestic": "true", "order.category": "apparel",
            "order.supports_7day_return": "true", "order.aftersale_count": "0", "buyer.credit_good": "true",
            "shop.return_address_count": "1", "shop.shipping_address_count": "1",
            "shop.return_equals_shipping": "true", "shop.services": "fast_refund", "aftersale.type": "return_refund",
            "aftersale.reason": "seven_day_no_reason", "aftersale.status": "awaiting_merchant",
            "aftersale.applied_at": "2026-11-04T21:30:00+08:00"}
FRESH = {"order.category": "fresh", "aftersale.type": "refund_only", "aftersale.reason": "spoiled",
         "aftersale.applied_at": "2026-11-02T10:00:00+08:00"}
# (id, changes, lightning_return matched, fresh_bad_claim matched)
CSV_ROWS = [
    ("CSV-OK", {}, True, False),
    ("CSV-329", {"order.paid_amount": "329.00"}, False, False),
    ("CSV-CREDIT-FALSE", {"buyer.credit_good": "false"}, False, False),
    ("CSV-FRESH-2-SERVICES", {**FRESH, "shop.services": "fast_refund;fresh_bad_claim"}, False, True),
    ("CSV-FRESH-1-SERVICE", {**FRESH, "shop.services": "fast_refund"}, False, False),
]


def write_csv(path: Path, rows: list[dict[str, str]], columns: list[str] = CSV_COLUMNS_IN) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, columns)
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture
def csv_cases(tmp_path: Path) -> Path:
    return write_csv(tmp_path / "cases.csv", [{**CSV_BASE, **changes, "id": cid} for cid, changes, _, _ in CSV_ROWS])


def test_csv_input_types(invoke: Any, csv_cases: Path) -> None:
    result = invoke("eval", "-p", "douyin", "--format", "json", "--lang", "en", csv_cases)
    assert result.exit_code == 0, result.stderr
    objs = json_lines(result.stdout)
    assert [o["case"] for o in objs] == [row[0] for row in CSV_ROWS]
    for obj, (cid, _, lightning, fresh) in zip(objs, CSV_ROWS):
        assert not any(r.get("error") for r in obj["results"]), obj
        assert result_of(obj, "lightning_return")["matched"] is lightning, cid
        assert result_of(obj, "fresh_bad_claim")["matched"] is fresh, cid
    assert any("buyer.credit_good = false" in w for w in result_of(objs[2], "lightning_return")["why"])
    assert any("order.paid_amount = 329.00 ≤ 300.00" in w for w in result_of(objs[1], "lightning_return")["why"])
    assert summary_counts(result.stderr) == (5, 5, 0)


def test_csv_input_bad_rows(invoke: Any, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    rows = [{**CSV_BASE, "id": "R-OK-1"}, {**CSV_BASE, "id": "R-BAD-BOOL", "order.domestic": "maybe"},
            {**CSV_BASE, "id": "R-OK-2"}]
    write_csv(path, rows)
    with path.open("a", encoding="utf-8", newline="") as handle:     # line 5: too few cells
        handle.write("R-SHORT,2026-11-04T21:30:00+08:00,shipped\n")
    result = invoke("eval", "-p", "douyin", "--format", "json", "--lang", "en", path)
    assert result.exit_code == 1
    assert "Traceback" not in result.stderr
    assert [o["case"] for o in json_lines(result.stdout)] == ["R-OK-1", "R-BAD-BOOL", "R-OK-2"]
    assert any(l.startswith(f"{path}:3:") and "order.domestic" in l for l in result.stderr.splitlines()), result.stderr
    assert any(l.startswith(f"{path}:5:") for l in result.stderr.splitlines()), result.stderr
    assert summary_counts(result.stderr) == (4, 3, 1)


def test_jsonl_and_csv_in_one_run(invoke: Any, tmp_path: Path, csv_cases: Path) -> None:
    jsonl = write_jsonl(tmp_path / "more.jsonl", [lightning_case("J1"), lightning_case("J2", "400.00")])
    result = invoke("eval", "-p", "douyin", "--format", "json", "--lang", "en", jsonl, csv_cases)
    assert result.exit_code == 0, result.stderr
    assert [o["case"] for o in json_lines(result.stdout)] == ["J1", "J2"] + [row[0] for row in CSV_ROWS]
    assert summary_counts(result.stderr) == (7, 7, 0)
    assert re.search(r"^\s*douyin/lightning_return: 2$", result.stderr, re.M)


def _flatten(doc: dict[str, Any], prefix: str = "") -> dict[str, str]:
    """A case as a back-office CSV row: columns named by path, lists joined by ';'."""
    row: dict[str, str] = {}
    for key, value in doc.items():
        path = prefix + key
        if isinstance(value, dict):
            row.update(_flatten(value, path + "."))
        elif isinstance(value, list):
            row[path] = ";".join(value)
        elif isinstance(value, bool):
            row[path] = "true" if value else "false"
        else:
            row[path] = "" if value is None else str(value)
    return row


def test_csv_and_jsonl_give_the_same_decisions(invoke: Any, tmp_path: Path) -> None:
    cases = [json.loads(l) for l in (EXAMPLES / "batch.jsonl").read_text(encoding="utf-8").splitlines() if l.strip()]
    rows = [_flatten(c) for c in cases]
    columns = list(dict.fromkeys(k for row in rows for k in row))
    path = write_csv(tmp_path / "batch.csv", rows, columns)
    from_jsonl = invoke("eval", "-p", "all", "--format", "json", "--no-explain", EXAMPLES / "batch.jsonl")
    from_csv = invoke("eval", "-p", "all", "--format", "json", "--no-explain", path)
    assert from_csv.exit_code == from_jsonl.exit_code == 0, from_csv.stderr
    assert json_lines(from_csv.stdout) == json_lines(from_jsonl.stdout)


def test_csv_empty_optional_object_is_absent(invoke: Any, tmp_path: Path) -> None:
    """Empty shop.auto_refund_policy.* cells mean the shop has no policy, as in the JSON case."""
    case = example("kuaishou-custom-auto-refund.json")
    case["shop"].pop("auto_refund_policy", None)
    json_path = write_json(tmp_path / "no-policy.json", case)
    row = _flatten(case)
    row.update({"shop.auto_refund_policy.max_amount": "", "shop.auto_refund_policy.daily_cap": "",
                "shop.auto_refund_policy.used_today": ""})
    csv_path = write_csv(tmp_path / "no-policy.csv", [row], list(row))
    from_json = json_lines(invoke("eval", "-p", "kuaishou", "--format", "json", "--lang", "en", json_path).stdout)
    from_csv = json_lines(invoke("eval", "-p", "kuaishou", "--format", "json", "--lang", "en", csv_path).stdout)
    assert result_of(from_csv[0], "custom_auto_refund") == result_of(from_json[0], "custom_auto_refund")


@pytest.mark.parametrize("bad_at", [1, 2], ids=["first-line", "middle-line"])
def test_stdin_json_lines_with_a_bad_line(invoke: Any, bad_at: int) -> None:
    lines = [json.dumps(lightning_case("S1")), json.dumps(lightning_case("S2"))]
    lines.insert(bad_at - 1, '{"id": "broken", "order": ')
    result = invoke("eval", "-p", "douyin", "--format", "json", "--lang", "en", "-", input="\n".join(lines) + "\n")
    assert result.exit_code == 1
    assert [o["case"] for o in json_lines(result.stdout)] == ["S1", "S2"], result.stderr
    assert f"<stdin>:{bad_at}:" in result.stderr
    assert summary_counts(result.stderr) == (3, 2, 1)


# -- CSV output --------------------------------------------------------------------------------------

def test_csv_output_one_row_per_case_and_rule(invoke: Any, tmp_path: Path) -> None:
    cases = [lightning_case("O1"), lightning_case("O2", "329.00"), example("pinduoduo-refund-only.json")]
    path = write_jsonl(tmp_path / "three.jsonl", cases)
    result = invoke("eval", "-p", "all", "--format", "csv", "--lang", "en", path)
    assert result.exit_code == 0, result.stderr
    reader = csv.reader(io.StringIO(result.stdout))
    assert next(reader)[:len(CSV_HEADER)] == CSV_HEADER
    rows = [dict(zip(CSV_HEADER, row)) for row in reader]
    rules = {p: load_rulebook(p).rule_ids for p in PLATFORMS}
    assert len(rows) == len(cases) * sum(len(ids) for ids in rules.values())
    for case in cases:
        for platform, ids in rules.items():
            got = [r["rule"] for r in rows if r["case"] == case["id"] and r["platform"] == platform]
            assert got == ids, (case["id"], platform)
    assert all(r["matched"] in ("true", "false") and r["due"] in ("true", "false") for r in rows)
    assert all(r["at"].endswith(BEIJING) for r in rows)
    o1 = next(r for r in rows if r["case"] == "O1" and r["rule"] == "lightning_return")
    o2 = next(r for r in rows if r["case"] == "O2" and r["rule"] == "lightning_return")
    assert (o1["matched"], o1["action"], o1["deadline"]) == ("true", "auto_approve", "")
    assert o2["matched"] == "false" and "329.00 ≤ 300.00" in o2["why"]
    timer = next(r for r in rows if r["case"] == "PDD-RO-0001" and r["rule"] == "refund_only_merchant_timeout")
    assert (timer["matched"], timer["due"], timer["deadline"]) == ("true", "true", "2026-11-07T10:30:00+08:00")
    assert not SUMMARY_EN.search(result.stdout)


# -- several processes, and progress ------------------------------------------------------------------

@pytest.fixture(scope="module")
def big_batch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = (EXAMPLES / "batch.jsonl").read_text(encoding="utf-8").splitlines()
    lines: list[Any] = []
    for i in range(300):
        case = json.loads(source[i % len(source)])
        case["id"] = f"J{i:04d}-{case['id']}"
        lines.append(case)
    lines.insert(57, "{not json")
    lines.insert(200, '{"id": "NOORDER"}')
    return write_jsonl(tmp_path_factory.mktemp("big") / "big.jsonl", lines)


def run_cli(*args: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(ROOT / "cli.py"), *map(str, args)], cwd=FIXTURES, capture_output=True,
                          text=True, encoding="utf-8", timeout=120)


@pytest.mark.parametrize("fmt", ["json", "csv"], ids=["json", "csv"])
def test_jobs_2_same_output_as_jobs_1(big_batch: Path, fmt: str) -> None:
    one = run_cli("eval", "-p", "all", "--format", fmt, "--lang", "en", "--jobs", "1", big_batch)
    two = run_cli("eval", "-p", "all", "--format", fmt, "--lang", "en", "--jobs", "2", big_batch)
    assert one.returncode == two.returncode == 1, (one.stderr[-2000:], two.stderr[-2000:])
    assert one.stdout == two.stdout
    assert len(one.stdout.splitlines()) > 300 * len(PLATFORMS) - 1
    assert summary_counts(one.stderr) == summary_counts(two.stderr) == (302, 300, 2)
    for proc in (one, two):
        assert f"{big_batch}:58:" in proc.stderr and f"{big_batch}:201:" in proc.stderr
        assert "\r" not in proc.stderr                  # no progress when stderr is a pipe
        assert "Traceback" not in proc.stderr


# == diff ===========================================================================================

@pytest.fixture
def douyin_500(tmp_path: Path) -> Path:
    text = (RULEBOOKS / "douyin.yaml").read_text(encoding="utf-8")
    changed = text.replace("  lightning_max_amount:\n    value: 300.00", "  lightning_max_amount:\n    value: 500.00", 1)
    assert changed != text
    path = tmp_path / "douyin.yaml"
    path.write_text(changed, encoding="utf-8")
    return path


@pytest.fixture
def amounts(tmp_path: Path) -> Path:
    """Two cases flip (400.00, 300.01), two do not (199.00 still matches, 600.00 still does not)."""
    return write_jsonl(tmp_path / "amounts.jsonl", [lightning_case("P199", "199.00"), lightning_case("P400", "400.00"),
                                                    lightning_case("P300.01", "300.01"), lightning_case("P600", "600.00")])


def test_diff_parameter_change(invoke: Any, douyin_500: Path) -> None:
    result = invoke("diff", RULEBOOKS / "douyin.yaml", douyin_500)
    assert result.exit_code == 1, result.stderr
    [line] = [l for l in result.stdout.splitlines() if "lightning_max_amount" in l]
    assert re.search(r"300\.00\s*→\s*500\.00", line), line
    assert "only in" not in result.stdout


def test_diff_identical_exits_0(invoke: Any, tmp_path: Path, amounts: Path) -> None:
    """Two files with the same content. (One file named twice is a usage error: tests/test_diff_i13.py.)"""
    a = RULEBOOKS / "douyin.yaml"
    other = tmp_path / "copy.yaml"
    other.write_text(a.read_text(encoding="utf-8"), encoding="utf-8")
    assert invoke("diff", a, other).exit_code == 0
    result = invoke("diff", a, other, "--cases", amounts, "--format", "json")
    assert result.exit_code == 0, result.stdout
    out = json.loads(result.stdout)
    assert (out["only_a"], out["only_b"], out["parameters"], out["rules"]) == ([], [], [], [])
    assert out["decisions"]["changed_cases"] == 0 and out["decisions"]["cases"] == 4


def test_diff_cases_counts_changed_decisions(invoke: Any, douyin_500: Path, amounts: Path) -> None:
    result = invoke("diff", RULEBOOKS / "douyin.yaml", douyin_500, "--cases", amounts, "--lang", "en")
    assert result.exit_code == 1
    out = result.stdout
    assert re.search(r"^\s*lightning_return: 2 case\(s\) change", out, re.M), out
    assert re.search(r"no match → auto_approve: 2$", out, re.M), out
    assert "P400" in out and "P300.01" in out
    assert "P199:" not in out and "P600:" not in out


def test_diff_json(invoke: Any, douyin_500: Path, amounts: Path) -> None:
    result = invoke("diff", RULEBOOKS / "douyin.yaml", douyin_500, "--cases", amounts, "--format", "json")
    assert result.exit_code == 1
    out = json.loads(result.stdout)
    assert set(out) == {"only_a", "only_b", "parameters", "rules", "decisions"}
    assert out["parameters"] == [{"name": "lightning_max_amount", "a": "300.00", "b": "500.00"}]
    assert (out["only_a"], out["only_b"], out["rules"]) == ([], [], [])
    decisions = out["decisions"]
    assert (decisions["cases"], decisions["rejected"], decisions["changed_cases"]) == (4, 0, 2)
    assert decisions["per_rule"] == {"lightning_return": 2}
    assert decisions["transitions"] == [{"rule": "lightning_return", "a": "no match", "b": "auto_approve", "count": 2}]
    without_cases = json.loads(invoke("diff", RULEBOOKS / "douyin.yaml", douyin_500, "--format", "json").stdout)
    assert {"only_a", "only_b", "parameters", "rules"} <= set(without_cases)


def test_diff_changed_condition(invoke: Any, tmp_path: Path) -> None:
    text = (RULEBOOKS / "douyin.yaml").read_text(encoding="utf-8")
    old = "      - order.paid_amount <= params.lightning_max_amount\n"
    assert text.count(old) == 1
    path = tmp_path / "douyin.yaml"
    path.write_text(text.replace(old, "      - order.paid_amount < params.lightning_max_amount\n"), encoding="utf-8")
    out = json.loads(invoke("diff", RULEBOOKS / "douyin.yaml", path, "--format", "json").stdout)
    assert [r["rule"] for r in out["rules"]] == ["lightning_return"]
    [change] = out["rules"][0]["changes"]
    assert "<=" in change["a"] and "<=" not in change["b"] and change["what"].startswith("when")


@pytest.mark.parametrize("a, b", [("no/such/douyin.yaml", "douyin"), ("douyin", "taobao")],
                         ids=["missing-file", "unknown-platform"])
def test_diff_missing_rulebook_is_not_a_difference(invoke: Any, a: str, b: str) -> None:
    """Exit 1 means "the rulebooks differ"; a rulebook that cannot be found is a usage error (2)."""
    result = invoke("diff", a, b)
    assert result.exit_code == 2, (result.exit_code, result.stderr)
    assert "Traceback" not in result.stderr


def test_diff_platforms_lists_rules_only_in_each(invoke: Any) -> None:
    douyin, kuaishou = load_rulebook("douyin").rule_ids, load_rulebook("kuaishou").rule_ids
    result = invoke("diff", "douyin", "kuaishou", "--lang", "en")
    assert result.exit_code == 1
    for rule in douyin:
        assert re.search(rf"^- rule {rule}\b.*douyin", result.stdout, re.M), rule
    for rule in kuaishou:
        assert re.search(rf"^\+ rule {rule}\b.*kuaishou", result.stdout, re.M), rule
    out = json.loads(invoke("diff", "douyin", "kuaishou", "--format", "json").stdout)
    assert (out["only_a"], out["only_b"]) == (douyin, kuaishou)


# == editor support =================================================================================

def _yaml12_loader() -> type:
    """YAML as an editor's language server reads it: timestamps stay strings (YAML 1.2 core)."""
    class Loader(yaml.SafeLoader):
        pass
    Loader.yaml_implicit_resolvers = {
        key: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}
    return Loader


@pytest.fixture(scope="module")
def printed_schema() -> dict[str, Any]:
    from click.testing import CliRunner
    from cli import main

    result = CliRunner().invoke(main, ["schema"], catch_exceptions=False)
    assert result.exit_code == 0
    return json.loads(result.stdout)


def test_schema_is_a_json_schema(printed_schema: dict[str, Any]) -> None:
    import jsonschema

    assert "$schema" in printed_schema and "rules" in printed_schema["properties"]
    validator = jsonschema.validators.validator_for(printed_schema)
    validator.check_schema(printed_schema)


@pytest.mark.parametrize("loader", ["project", "yaml-1.2"])
@pytest.mark.parametrize("platform", PLATFORMS)
def test_fixture_rulebooks_validate_against_schema(printed_schema: dict[str, Any], platform: str, loader: str) -> None:
    import jsonschema

    text = (RULEBOOKS / f"{platform}.yaml").read_text(encoding="utf-8")
    if loader == "project":
        from dsl.text.yamlload import load_yaml
        data = load_yaml(text, f"{platform}.yaml").data
    else:
        data = yaml.load(text, Loader=_yaml12_loader())
    validator = jsonschema.validators.validator_for(printed_schema)(printed_schema)
    errors = [(list(e.absolute_path), e.message[:200]) for e in validator.iter_errors(data)]
    assert errors == []


def test_schema_flags_unknown_rule_key(printed_schema: dict[str, Any]) -> None:
    import jsonschema

    data = yaml.load(RULEBOOK_HEAD + rule_yaml(), Loader=_yaml12_loader())
    validator = jsonschema.validators.validator_for(printed_schema)(printed_schema)
    assert list(validator.iter_errors(data)) == []
    data["rules"][0]["whne"] = data["rules"][0].pop("when")
    assert list(validator.iter_errors(data)) != []


@pytest.mark.parametrize("platform", PLATFORMS)
def test_rulebook_first_line_points_at_schema(printed_schema: dict[str, Any], platform: str) -> None:
    path = RULEBOOKS / f"{platform}.yaml"
    first = path.read_text(encoding="utf-8").splitlines()[0]
    prefix = "# yaml-language-server: $schema="
    assert first.startswith(prefix), first
    target = (path.parent / first[len(prefix):].strip()).resolve()
    assert target.is_file(), target
    assert json.loads(target.read_text(encoding="utf-8")) == printed_schema   # the file editors use is current


# == CI integration =================================================================================

@pytest.fixture
def bad_rulebook(write_rulebook: Any) -> Path:
    return write_rulebook(RULEBOOK_HEAD + rule_yaml(when="- order.ammount > 1\n- aftersale.reason == 'dislke'"))


def test_check_github_annotations(invoke: Any, bad_rulebook: Path) -> None:
    result = invoke("check", "--format", "github", bad_rulebook)
    assert result.exit_code == 1
    lines = [l for l in result.stdout.splitlines() if l.startswith("::")]
    matches = [GITHUB.match(l) for l in lines]
    assert all(matches), lines
    assert {(m["file"], int(m["line"]), int(m["col"]), m["code"]) for m in matches} == {
        (str(bad_rulebook), 11, 9, "E201"), (str(bad_rulebook), 12, 29, "E206")}
    assert "Traceback" not in result.stderr


def test_check_github_clean_is_silent(invoke: Any) -> None:
    result = invoke("check", "--format", "github", RULEBOOKS)
    assert result.exit_code == 0, result.stdout
    assert "::error" not in result.stdout + result.stderr


def test_check_json_one_object_per_diagnostic(invoke: Any, bad_rulebook: Path) -> None:
    result = invoke("check", "--format", "json", bad_rulebook)
    assert result.exit_code == 1
    objs = json_lines(result.stdout)
    assert all(isinstance(o, dict) for o in objs)
    assert sorted((o["code"], o["line"], o["col"], o["file"]) for o in objs) == [
        ("E201", 11, 9, str(bad_rulebook)), ("E206", 12, 29, str(bad_rulebook))]
    assert all(o["severity"] == "error" and o["message"] for o in objs)


def test_pre_commit_hooks() -> None:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert isinstance(hooks, list)
    by_id = {h["id"]: h for h in hooks}
    assert {"rulebook-check", "rulebook-test"} <= set(by_id)
    for hook_id in ("rulebook-check", "rulebook-test"):
        hook = by_id[hook_id]
        assert hook["entry"].split()[0] == "rulebook"
        assert hook["entry"].split()[1] == hook_id.split("-")[1]
        assert {"name", "language"} <= set(hook)


# == timeline =======================================================================================

NOW = datetime.fromisoformat("2026-11-05T09:00:00+08:00")


def reship_awaiting(case_id: str, applied_at: datetime) -> dict[str, Any]:
    """A Douyin smart-home reship awaiting the merchant (auto-agree 48 h after applying)."""
    case = example("douyin-reship-late.json")
    case["id"] = case_id
    case["now"] = NOW.isoformat()
    case["aftersale"].update(status="awaiting_merchant", applied_at=applied_at.isoformat(), merchant_agreed_at=None)
    return case


@pytest.mark.parametrize("hours_after, state, due", [(47, "pending", False), (48, "overdue", True)],
                         ids=["pending", "overdue-at-deadline"])
def test_timeline_douyin_reship_awaiting_merchant(invoke: Any, tmp_path: Path, hours_after: int, state: str,
                                                  due: bool) -> None:
    applied = NOW - timedelta(hours=hours_after)
    path = write_json(tmp_path / "reship.json", reship_awaiting("RS", applied))
    obj = json_lines(invoke("eval", "-p", "douyin", "--format", "json", path).stdout)[0]
    deadline = (applied + timedelta(hours=48)).isoformat()
    assert {"deadline": deadline, "rule": "reship_merchant_timeout", "action": "auto_agree", "due": due,
            "state": state} in obj["timeline"]
    matched_timers = {r["rule"] for r in obj["results"] if r["matched"] and r["deadline"]}
    assert {e["rule"] for e in obj["timeline"]} == matched_timers


@pytest.mark.parametrize("at, state", [("2026-11-07T10:29:59+08:00", "pending"), (None, "overdue")],
                         ids=["pending", "overdue"])
def test_timeline_pinduoduo_refund_only(invoke: Any, at: str | None, state: str) -> None:
    args = ["eval", "-p", "pinduoduo", "--format", "json", EXAMPLES / "pinduoduo-refund-only.json"]
    obj = json_lines(invoke(*args, *(["--at", at] if at else [])).stdout)[0]
    assert [(e["rule"], e["deadline"], e["state"]) for e in obj["timeline"]] == [
        ("refund_only_merchant_timeout", "2026-11-07T10:30:00+08:00", state)]


TWO_TIMERS = RULEBOOK_HEAD + rule_yaml(
    "late_timer", when="- aftersale.status == 'awaiting_merchant'", extra="deadline: aftersale.applied_at + params.window"
) + rule_yaml(
    "early_timer", when="- aftersale.status == 'awaiting_merchant'", extra="deadline: aftersale.applied_at + 24h"
) + rule_yaml(
    "no_match_timer", when="- aftersale.status == 'refunded'", extra="deadline: aftersale.applied_at + 1h"
) + rule_yaml("no_timer", when="- aftersale.status == 'awaiting_merchant'")


@pytest.fixture
def two_timers(write_rulebook: Any, tmp_path: Path) -> tuple[Path, Path]:
    book = write_rulebook(TWO_TIMERS, "timers.yaml")
    case = {"id": "T-1", "now": "2026-11-06T12:00:00+08:00",
            "order": {"paid_amount": "10.00"},
            "aftersale": {"type": "refund_only", "status": "awaiting_merchant", "applied_at": "2026-11-05T09:00:00+08:00"}}
    return book, write_json(tmp_path / "t1.json", case)


def test_timeline_several_timers_sorted(invoke: Any, two_timers: tuple[Path, Path]) -> None:
    book, case = two_timers
    result = invoke("eval", "-r", book, "--format", "json", case)
    assert result.exit_code == 0, result.stderr
    obj = json_lines(result.stdout)[0]
    assert [(e["rule"], e["deadline"], e["due"], e["state"]) for e in obj["timeline"]] == [
        ("early_timer", "2026-11-06T09:00:00+08:00", True, "overdue"),
        ("late_timer", "2026-11-07T09:00:00+08:00", False, "pending")]
    # results keep the rulebook's order; the timeline is soonest first
    assert [r["rule"] for r in obj["results"]] == ["late_timer", "early_timer", "no_match_timer", "no_timer"]


@pytest.mark.parametrize("lang, heading, overdue, pending", [
    ("en", "timeline", "OVERDUE", "pending"),
    ("zh", "时间线", "已到期", "待到期"),
], ids=["en", "zh"])
def test_timeline_table_section(invoke: Any, two_timers: tuple[Path, Path], lang: str, heading: str,
                                overdue: str, pending: str) -> None:
    book, case = two_timers
    result = invoke("eval", "-r", book, "--lang", lang, case)
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    start = next(i for i, l in enumerate(lines) if heading in l and l.rstrip().endswith(":"))
    section = [l for l in lines[start + 1:] if l.startswith("    ") and "+08:00" in l]
    assert len(section) == 2, lines[start:]
    assert "2026-11-06T09:00:00+08:00" in section[0] and overdue in section[0] and "early_timer" in section[0]
    assert "2026-11-07T09:00:00+08:00" in section[1] and pending in section[1] and "late_timer" in section[1]


def test_timeline_empty_without_timers(invoke: Any) -> None:
    result = invoke("eval", "-p", "douyin", "--format", "json", EXAMPLES / "douyin-lightning-return.json")
    assert json_lines(result.stdout)[0]["timeline"] == []
    table = invoke("eval", "-p", "douyin", "--lang", "en", EXAMPLES / "douyin-lightning-return.json")
    assert not any(l.strip() == "timeline:" for l in table.stdout.splitlines())


# -- --within -------------------------------------------------------------------------------------------

# (id, hours before NOW the reship was applied for; deadline = applied + 48 h) -> kept by --within 6h?
WITHIN = [
    ("DUE-IN-3H", 45, True),
    ("DUE-IN-EXACTLY-6H", 42, True),
    ("DUE-IN-6H-1M", 42 - 1 / 60, False),
    ("DUE-IN-18H", 30, False),
    ("OVERDUE", 50, True),
]


def test_within_keeps_cases_due_by_at_plus(invoke: Any, tmp_path: Path) -> None:
    cases: list[Any] = [reship_awaiting(cid, NOW - timedelta(hours=h)) for cid, h, _ in WITHIN]
    cases.append({**lightning_case("NO-TIMER"), "now": NOW.isoformat()})
    path = write_jsonl(tmp_path / "today.jsonl", cases)
    result = invoke("eval", "-p", "douyin", "--format", "json", "--lang", "en", "--within", "6h", path)
    assert result.exit_code == 0, result.stderr
    shown = json_lines(result.stdout)
    assert [o["case"] for o in shown] == [cid for cid, _, kept in WITHIN if kept]
    for obj in shown:
        assert obj["timeline"] and obj["timeline"][0]["deadline"] <= (NOW + timedelta(hours=6)).isoformat()
    assert summary_counts(result.stderr) == (6, 6, 0)      # every case is still read and counted
    assert re.search(r"^3 result\(s\) with a deadline due within 6h$", result.stderr, re.M), result.stderr


def test_within_table(invoke: Any, tmp_path: Path) -> None:
    cases = [reship_awaiting("SOON", NOW - timedelta(hours=45)), reship_awaiting("LATER", NOW - timedelta(hours=30))]
    path = write_jsonl(tmp_path / "today.jsonl", cases)
    result = invoke("eval", "-p", "douyin", "--lang", "en", "--within", "6h", path)
    assert result.exit_code == 0, result.stderr
    assert "case SOON" in result.stdout and "case LATER" not in result.stdout
    assert "timeline:" in result.stdout


def _odd_jsonl(source: list[str]) -> bytes:
    """1,200-odd lines that cross block boundaries: a BOM, CRLF, blank lines, bad JSON, bad
    UTF-8, a line longer than the limit, a missing order, no final newline."""
    from dsl.cases.readers import MAX_LINE_CHARS

    lines: list[bytes] = []
    for i in range(1203):
        case = json.loads(source[i % len(source)])
        case["id"] = f"L{i:04d}"
        lines.append(json.dumps(case, ensure_ascii=False).encode("utf-8"))
    lines[0] = b"\xef\xbb\xbf" + lines[0]
    lines[3] += b"\r"
    for at in (498, 499, 999):
        lines[at] = b"   "
    lines[500] = b"{not json"
    lines[501] = b'{"id": "\xff\xfe"}'
    lines[700] = b'{"id": "' + b"x" * (MAX_LINE_CHARS + 10) + b'"}'
    lines[1000] = b'{"id": "NOORDER"}'
    return b"\n".join(lines)


@pytest.mark.parametrize("suffix", [".jsonl", ".json"])
def test_raw_line_blocks_read_as_the_lines_themselves(tmp_path: Path, suffix: str) -> None:
    """With --jobs, JSON Lines travel to the workers as raw blocks: read back out of the
    blocks, they are exactly the cases (and the problems, with their line numbers) that
    reading line by line gives."""
    from dsl.cases.readers import LineBlock, read_cases

    path = tmp_path / f"odd{suffix}"
    path.write_bytes(_odd_jsonl((EXAMPLES / "batch.jsonl").read_text(encoding="utf-8").splitlines()))
    direct = list(read_cases(str(path)))
    items = list(read_cases(str(path), raw_lines=True))
    assert sum(isinstance(item, LineBlock) for item in items) >= 3
    assert [case for item in items for case in (item.cases() if isinstance(item, LineBlock) else [item])] == direct
    errors = {c.source.rsplit(":", 1)[1]: c.error for c in direct if c.error}
    assert sorted(errors, key=int) == ["501", "502", "701"], errors
    assert "longer than" in errors["701"]
    assert len(direct) == 1203 - 3


def test_jobs_2_across_blocks_same_output_as_jobs_1(tmp_path: Path) -> None:
    path = tmp_path / "odd.jsonl"
    path.write_bytes(_odd_jsonl((EXAMPLES / "batch.jsonl").read_text(encoding="utf-8").splitlines()))
    args = ("eval", "-p", "douyin", "--format", "json", "--lang", "en", "--no-explain")
    one = run_cli(*args, "--jobs", "1", path)
    two = run_cli(*args, "--jobs", "2", path)
    assert one.returncode == two.returncode == 1
    assert one.stdout == two.stdout and one.stdout.count("\n") == 1200 - 4   # 3 unreadable, 1 without order
    assert one.stderr == two.stderr
    for line in (501, 502, 701, 1001):
        assert f"{path}:{line}: error" in two.stderr


def _many_cases(n: int) -> bytes:
    source = (EXAMPLES / "batch.jsonl").read_text(encoding="utf-8").splitlines()
    out = []
    for i in range(n):
        case = json.loads(source[i % len(source)])
        case["id"] = f"M{i:05d}"
        out.append(json.dumps(case, ensure_ascii=False))
    return ("\n".join(out) + "\n").encode("utf-8")


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "latin-1"])
def test_jobs_2_writes_what_the_text_layer_would(tmp_path: Path, encoding: str) -> None:
    """Workers encode their output for stdout only where that is the same as writing text:
    a codec that starts with a BOM would put one at the head of every chunk."""
    path = tmp_path / "many.jsonl"
    path.write_bytes(_many_cases(4500))   # three chunks
    env = {**os.environ, "PYTHONIOENCODING": encoding}
    runs = [subprocess.run([sys.executable, str(ROOT / "cli.py"), "eval", "-p", "douyin", "--format", "csv",
                            "--no-explain", "--jobs", jobs, str(path)], cwd=FIXTURES, capture_output=True, env=env, timeout=300)
            for jobs in ("1", "2")]
    assert runs[0].returncode == runs[1].returncode == 0, runs[1].stderr[-2000:]
    assert runs[0].stdout == runs[1].stdout
    text = runs[1].stdout.decode(encoding)   # a leading BOM is taken off; any other would stay
    assert text.count("\nM") == 4500 * 14 and "\ufeff" not in text


def test_blank_lines_after_a_standalone_first_line_are_counted(tmp_path: Path) -> None:
    """A `.json` file whose first line is a case by itself is read as JSON Lines: blank
    lines right after it still count in the line numbers of later problems."""
    from dsl.cases.readers import read_cases

    good = json.dumps(json.loads((EXAMPLES / "batch.jsonl").read_text(encoding="utf-8").splitlines()[0]))
    path = tmp_path / "pending.json"
    path.write_text(f"{good}\n\n  \n{{bad\n{good}\n{{bad2\n", encoding="utf-8")
    assert [c.source for c in read_cases(str(path)) if c.error] == [f"{path}:4", f"{path}:6"]
    proc = run_cli("eval", "-p", "douyin", "--lang", "en", "--jobs", "2", path)
    assert f"{path}:4: error E401" in proc.stderr and f"{path}:6: error E401" in proc.stderr


def test_chunks_for_workers_are_bounded_in_bytes_too() -> None:
    from dsl.tools.batch import CHUNK_BYTES, _chunks
    from dsl.cases.readers import LineBlock

    blocks = [LineBlock("x", i, b"y" * (1 << 20), 1) for i in range(40)]
    chunks = list(_chunks(blocks, 2000))
    assert len(chunks) == 40 // (CHUNK_BYTES >> 20)
    assert [b.start for chunk in chunks for b in chunk] == list(range(40))
