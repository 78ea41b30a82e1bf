"""`rulebook backtest OLD NEW --cases`: what DuckDB counts is what the Python engine decides.

A fixture rulebook and an edited copy (a threshold lowered, a deadline window shortened, a
rule renamed) judge generated cases, each as of its own `now`, from JSON Lines (with bad
values and lines that are not cases) and from Parquet (nested structs and flat columns
named by path). The ground truth is the Python engine: `diff_decisions` (CompiledRulebook
.evaluate per case and rulebook) for the counts per rule, label pair, side that cannot
decide and rejected line, and the deadlines it gives for earlier/later.
"""
from __future__ import annotations

import json
import random
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from dsl import load_rulebook
from dsl.cases.readers import read_cases
from dsl.engine.python.runtime import bad_moment
from dsl.lang.values import SHANGHAI
from dsl.tools.backtest import backtest_files
from dsl.tools.diff import Row, diff_decisions

from conftest import EXAMPLES, RULEBOOKS  # noqa: F401 - invoke is a fixture

pytest.importorskip("duckdb")

CLOCK = datetime(2026, 12, 1, 12, 0, tzinfo=SHANGHAI)
AMOUNTS = ["99.00", "199.00", "250.00", "299.99", "300.00", "300.01", "450.00", "12.345", "abc", "-5"]
NOWS = ["2026-11-04T21:30:00+08:00", "2026-10-31T23:30:00+08:00", "2026-10-31T16:30:00Z", "2026-12-02 08:00:00",
        "2026-11-09T10:00:00+08:00", "2026-09-15T10:00:00+08:00", "2026-11-30T23:59:59+08:00", "2026-13-01T00:00:00"]


@pytest.fixture(scope="module")
def books(tmp_path_factory: Any) -> tuple[Path, Path]:
    """The fixture rulebook and a copy with a lower amount limit, a shorter merchant window and a renamed rule."""
    old = RULEBOOKS / "douyin.yaml"
    text = old.read_text(encoding="utf-8")
    lines = text.split("\n")
    window = next(i for i, line in enumerate(lines) if line.strip() == "reship_merchant_window:")
    assert lines[window + 1].strip() == "value: 48h"
    lines[window + 1] = lines[window + 1].replace("48h", "30h")
    text = "\n".join(lines).replace("    value: 300.00", "    value: 200.00", 1)
    text = text.replace("  - id: extend_receipt\n", "  - id: extend_receipt_v2\n", 1)
    assert text.count("value: 200.00") == 1 and "extend_receipt_v2" in text
    new = tmp_path_factory.mktemp("books") / "douyin-new.yaml"
    new.write_text(text, encoding="utf-8")
    return old, new


def _cases(n: int = 240, seed: int = 15, valid: bool = False) -> list[dict[str, Any]]:
    """Cases of the batch fixture with amounts, moments and application times varied (`valid`:
    only values the Python engine accepts)."""
    rng = random.Random(seed)
    amounts, nows = (AMOUNTS[:7], NOWS[:7]) if valid else (AMOUNTS, NOWS)
    applied = ["2026-11-03T09:00:00+08:00", "2026-11-07 09:00:00", "2026-11-08T01:00:00Z", "2026-11-07T24:00"]
    base = [json.loads(line) for line in (EXAMPLES / "batch.jsonl").read_text(encoding="utf-8").splitlines() if line]
    out = []
    for i in range(n):
        doc = json.loads(json.dumps(base[i % len(base)]))
        doc["id"] = f"C-{i:04d}"
        doc["now"] = rng.choice(nows) if rng.random() < 0.5 else doc["now"]
        order = doc.setdefault("order", {})
        if rng.random() < 0.7:
            order["paid_amount"] = rng.choice(amounts)
        aftersale = doc.get("aftersale") or {}
        if aftersale and rng.random() < 0.3:
            aftersale.update(type="reship", status="awaiting_merchant")
        if aftersale.get("applied_at") and rng.random() < 0.5:
            aftersale["applied_at"] = rng.choice(applied[:3] if valid else applied)
        out.append(doc)
    return out


def _jsonl(path: Path, docs: list[dict[str, Any]], extra: bool = True) -> Path:
    lines = [json.dumps(d, ensure_ascii=False) for d in docs]
    if extra:   # lines that are not cases, a blank one, a key given twice, an unknown key
        lines[3:3] = ["", "not json", "[1, 2]", '{"id": "no-order", "now": "2026-11-01T00:00:00+08:00"}']
        lines.append(lines[10][:-1] + ', "id": "twice"}')
        lines.append(lines[11][:-1] + ', "surplus": 1}')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _truth(old: Path, new: Path, path: Path) -> tuple[Any, list[Row], dict[str, str]]:
    """What the Python engine decides: diff's counts, its rows, and each case's month (Beijing time) by its place."""
    a, b = load_rulebook(old), load_rulebook(new)
    rows: list[Row] = []
    months: dict[str, str] = {}
    items = list(read_cases(str(path), a.vocabulary))
    for item in items:
        if item.error is None:
            parsed = a.parse(item.doc, item.source)
            if not parsed.fatal:   # a bad `now` is no moment: no month ("-"); a missing one, the clock's
                when = parsed.now or CLOCK
                months[item.source] = "-" if bad_moment(parsed, None) is not None else \
                    when.astimezone(SHANGHAI).strftime("%Y-%m")
    d = diff_decisions(a, b, items, at=None, lang="en", on_row=lambda r: rows.append(r) if isinstance(r, Row) else None)
    return d, rows, months


def _run(old: Path, new: Path, path: Path) -> tuple[Any, list[Any]]:
    changes: list[Any] = []
    result, diagnostics = backtest_files(load_rulebook(old), load_rulebook(new), (str(path),), None, CLOCK, "en",
                                         changes.append)
    assert diagnostics == []
    return result, changes


def _deadline_kind(row: Row) -> str | None:
    a, b = row.a, row.b
    if a is None or b is None or a.label != b.label or a.deadline == b.deadline:
        return None
    if a.deadline is None or b.deadline is None:
        return "deadline_added" if a.deadline is None else "deadline_removed"
    return "deadline_earlier" if b.deadline < a.deadline else "deadline_later"


def _assert_same(result: Any, changes: list[Any], truth: Any, rows: list[Row], months: dict[str, str]) -> None:
    assert (result.cases, result.judged, result.rejected) == (truth.cases, truth.compared, truth.rejected)
    assert (result.changed_cases, result.undecided_cases) == (truth.changed_cases, truth.undecided_cases)
    assert dict(result.per_rule) == dict(truth.per_rule)
    pairs: Counter[tuple[str, str, str]] = Counter()
    for (rule, _kind, a, b), n in result.transitions.items():
        pairs[(rule, a, b)] += n
    assert pairs == truth.transitions
    assert {r: dict(c) for r, c in result.undecided.items()} == {r: dict(c) for r, c in truth.undecided.items()}
    kinds = Counter((c.rule, c.transition) for c in changes if c.transition and c.transition.startswith("deadline"))
    assert kinds == Counter((r.rule, _deadline_kind(r)) for r in rows if r.changed and _deadline_kind(r))
    assert {(c.case, c.rule) for c in changes} == {(r.case, r.rule) for r in rows}
    per_month = Counter(months.values())
    assert {m: c["cases"] for m, c in result.months.items()} == dict(per_month)
    changed_months = Counter(months[source] for source in {r.source for r in rows if r.changed})
    assert {m: c["changed"] for m, c in result.months.items() if c["changed"]} == dict(changed_months)


def test_jsonl_backtest_counts_what_the_python_engine_decides(books: tuple[Path, Path], tmp_path: Path) -> None:
    old, new = books
    path = _jsonl(tmp_path / "history.jsonl", _cases())
    result, changes = _run(old, new, path)
    truth, rows, months = _truth(old, new, path)
    _assert_same(result, changes, truth, rows, months)
    assert result.rejected == 4 and truth.changed_cases > 10     # the test has something to check
    assert {k for _, k, _, _ in result.transitions} >= {"unmatched", "deadline_earlier"}
    assert result.undecided_cases > 0
    assert result.removed == ["extend_receipt"] and result.added == ["extend_receipt_v2"]
    assert len({m for m in result.months}) >= 3


def _parquet(con: Any, path: Path, docs: list[dict[str, Any]], vocabulary: Any, flat: bool) -> None:
    """The cases as Parquet: amounts DECIMAL, moments TIMESTAMPTZ (`now` naive Beijing time),
    nested structs or (flat) one column per field path."""
    types = {"money": "DECIMAL(38, 4)", "int": "BIGINT", "bool": "BOOLEAN", "timestamp": "TIMESTAMPTZ",
             "list": "VARCHAR[]", "str": "VARCHAR"}

    def shape(prefix: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key in sorted(vocabulary.keys_under(prefix)):
            p = f"{prefix}.{key}" if prefix else key
            fld = vocabulary.fields[p]
            out[key] = shape(p) if fld.type.kind == "object" else types[fld.type.kind]
        return out

    structure = json.dumps(shape(""))
    con.execute("CREATE OR REPLACE TEMP TABLE docs (doc VARCHAR)")
    con.executemany("INSERT INTO docs VALUES (?)", [(json.dumps(d, ensure_ascii=False),) for d in docs])
    con.execute(f"CREATE OR REPLACE TEMP TABLE typed AS SELECT unnest(json_transform(doc, '{structure}')) FROM docs")
    con.execute("ALTER TABLE typed ALTER now TYPE TIMESTAMP USING (now AT TIME ZONE 'Asia/Shanghai')")
    if flat:
        leaves = [p for p, f in vocabulary.fields.items() if f.type.kind != "object"]
        select = ", ".join(f"{_path_expr(p)} AS \"{p}\"" for p in leaves)
        con.execute(f"COPY (SELECT {select} FROM typed) TO '{path}' (FORMAT parquet)")
    else:
        con.execute(f"COPY typed TO '{path}' (FORMAT parquet)")


def _path_expr(path: str) -> str:
    head, *rest = path.split(".")
    out = f'"{head}"'
    for part in rest:
        out = f"struct_extract({out}, '{part}')"
    return out


@pytest.mark.parametrize("flat", [False, True], ids=["nested", "flat"])
def test_parquet_backtest_counts_what_the_python_engine_decides(books: tuple[Path, Path], tmp_path: Path,
                                                                flat: bool) -> None:
    from dsl.engine.sql.duck import connect

    old, new = books
    a = load_rulebook(old)
    docs = _cases(seed=7, valid=True)
    con = connect()     # Beijing time: the naive texts of the cases become the same instants
    path = tmp_path / "history.parquet"
    _parquet(con, path, docs, a.vocabulary, flat)
    result, changes = _run(old, new, path)
    truth, rows, months = _truth(old, new, _jsonl(tmp_path / "same.jsonl", docs, extra=False))
    _assert_same(result, changes, truth, rows, months)
    assert truth.changed_cases > 5 and result.rejected == 0


def test_the_cli_writes_every_changed_case_and_counts_in_json(books: tuple[Path, Path], tmp_path: Path,
                                                              invoke: Any) -> None:
    old, new = books
    path = _jsonl(tmp_path / "history.jsonl", _cases(60))
    changes = tmp_path / "changes.jsonl"
    result = invoke("backtest", old, new, "--cases", path, "--format", "json", "--changes", changes)
    assert result.exit_code == 1, result.stderr
    report = json.loads(result.stdout)
    truth, rows, _ = _truth(old, new, path)
    listed = [json.loads(line) for line in changes.read_text(encoding="utf-8").splitlines()]
    assert {(x["case"], x["rule"]) for x in listed if x["transition"]} == {(r.case, r.rule) for r in rows if r.changed}
    assert report["changed_cases"] == truth.changed_cases and report["rejected"] == truth.rejected
    zh = invoke("backtest", old, new, "--cases", path, "--lang", "zh")
    assert "按案例时刻所在月份" in zh.stdout and "per month" not in zh.stdout
    copy = tmp_path / "douyin-copy.yaml"
    copy.write_text(old.read_text(encoding="utf-8"), encoding="utf-8")
    same = invoke("backtest", old, copy, "--cases", path, "--changes", changes)
    assert same.exit_code == 1 and "warning E405" in same.stderr and "'surplus'" in same.stderr   # nothing changes, but a case names an unknown field
    assert report["with_unknown_fields"] == 1 and report["unknown_fields"] == {"surplus": 1}
    assert all(json.loads(line)["transition"] is None for line in changes.read_text(encoding="utf-8").splitlines())


def test_a_rule_sql_cannot_compute_exactly_is_said_and_judged_by_the_python_engine(tmp_path: Path,
                                                                                   invoke: Any) -> None:
    from conftest import RULEBOOK_HEAD, rule_yaml

    old, new = tmp_path / "old.yaml", tmp_path / "new.yaml"
    old.write_text(RULEBOOK_HEAD + rule_yaml("r1", "- order.paid_amount > 100"), encoding="utf-8")
    new.write_text(RULEBOOK_HEAD + rule_yaml("r1", "- order.paid_amount / 3 > 100"), encoding="utf-8")
    path = _jsonl(tmp_path / "history.jsonl", _cases(80))
    result = invoke("backtest", old, new, "--cases", path, "--format", "json", "--lang", "en")
    assert "E601" in result.stderr and "Python engine" in result.stderr
    report = json.loads(result.stdout)
    truth, _, _ = _truth(old, new, path)
    assert truth.changed_cases > 0 and report["changed_cases"] == truth.changed_cases
    assert report["per_rule"] == dict(truth.per_rule) and report["rejected"] == truth.rejected


def test_rulebooks_reading_other_fields_are_judged_alike(tmp_path: Path) -> None:
    """NEW reads a field OLD does not: the two queries check their own fields (no shared stages)."""
    from conftest import RULEBOOK_HEAD, rule_yaml

    old, new = tmp_path / "old.yaml", tmp_path / "new.yaml"
    old.write_text(RULEBOOK_HEAD + rule_yaml("r1", "- order.paid_amount > 200"), encoding="utf-8")
    new.write_text(RULEBOOK_HEAD + rule_yaml("r1", "- order.paid_amount > 200\n- aftersale.applied_at < now"),
                   encoding="utf-8")
    path = _jsonl(tmp_path / "history.jsonl", _cases(120))
    result, changes = _run(old, new, path)
    truth, rows, months = _truth(old, new, path)
    _assert_same(result, changes, truth, rows, months)
    assert truth.changed_cases > 0 and truth.undecided_cases > 0
    from dsl.tools.backtest import Backtest

    assert "b_cased" in (Backtest(load_rulebook(old), load_rulebook(new), None, CLOCK).sql("cases") or "")


def _csv(path: Path, docs: list[dict[str, Any]], vocabulary: Any) -> Path:
    """The cases as a back-office export: one column per field path, lists joined with `,`."""
    import csv

    leaves = [p for p, f in vocabulary.fields.items() if f.type.kind != "object"]

    def cell(doc: dict[str, Any], p: str) -> str:
        value: Any = doc
        for part in p.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        if value is None:
            return ""
        if isinstance(value, bool):
            return "true" if value else "false"
        return ",".join(value) if isinstance(value, list) else str(value)

    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(leaves)
        writer.writerows([cell(d, p) for p in leaves] for d in docs)
    return path


def test_csv_backtest_reads_the_file_as_the_python_reader_does(books: tuple[Path, Path], tmp_path: Path) -> None:
    old, new = books
    path = _csv(tmp_path / "history.csv", _cases(150, seed=9), load_rulebook(old).vocabulary)
    result, changes = _run(old, new, path)
    truth, rows, months = _truth(old, new, path)
    _assert_same(result, changes, truth, rows, months)
    assert truth.changed_cases > 5 and truth.undecided_cases > 0


def test_at_judges_every_case_at_one_moment(books: tuple[Path, Path], tmp_path: Path) -> None:
    old, new = books
    path = _jsonl(tmp_path / "history.jsonl", _cases(100, seed=4))
    at = datetime(2026, 11, 8, 9, 0, tzinfo=SHANGHAI)
    result, _ = backtest_files(load_rulebook(old), load_rulebook(new), (str(path),), at, CLOCK, "en")
    a, b = load_rulebook(old), load_rulebook(new)
    truth = diff_decisions(a, b, read_cases(str(path), a.vocabulary), at=at, lang="en")
    assert (result.judged, result.changed_cases, result.undecided_cases) == \
        (truth.compared, truth.changed_cases, truth.undecided_cases)
    assert dict(result.per_rule) == dict(truth.per_rule) and list(result.months) == ["2026-11"]
