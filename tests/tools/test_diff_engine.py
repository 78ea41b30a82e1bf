"""`rulebook diff A B --cases F --engine duckdb` (issue 15) prints exactly what the Python diff
prints: the same text (zh and en), JSON, JSON Lines, `--changes` file, notices and exit code,
over cases with bad values, unreadable lines, cases that are no case, more changed cases than
the report shows, a CSV file, and the fixture rulebooks with a parameter moved.

The rulebooks and cases are written here or taken from tests/fixtures."""
from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES

pytest.importorskip("duckdb")

DEMO = """\
rulebook: demo
name: {{zh: 演示, en: Demo}}
parameters:
  max_amount: {amount}
rules:
  - id: small
    name: {{zh: 小额, en: Small}}
    source: {{seed: s.txt}}
    when:
      - order.paid_amount <= params.max_amount
{extra}    action: approve
  - id: timed
    name: {{zh: 限时, en: Timed}}
    source: {{seed: s.txt}}
    when:
      - order.paid_at != null
    action: remind
    deadline: order.paid_at + {days}
"""


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def jsonl(path: Path, lines: list[Any]) -> Path:
    return write(path, "".join((line if isinstance(line, str) else json.dumps(line, ensure_ascii=False)) + "\n"
                               for line in lines))


def case(case_id: str, amount: Any = "100.00", count: Any = 1, paid: Any = "2026-11-01T10:00:00+08:00") -> dict[str, Any]:
    return {"id": case_id, "now": "2026-11-03T10:00:00+08:00",
            "order": {"paid_amount": amount, "aftersale_count": count, "paid_at": paid}}


@pytest.fixture
def demo(tmp_path: Path) -> tuple[Path, Path]:
    a = write(tmp_path / "a.yaml", DEMO.format(amount="300.00", extra="", days="2d"))
    b = write(tmp_path / "b.yaml", DEMO.format(amount="150.00", extra="      - order.aftersale_count < 3\n", days="3d"))
    return a, b


def demo_cases(tmp_path: Path) -> Path:
    """Changes of every kind (more than the 5 examples a report shows), bad values on one side
    or both, a case without `now` or `id`, unreadable lines, a key given twice, no order."""
    lines: list[Any] = [case(f"F{i}", count=5) for i in range(7)] + [case(f"P{i}", amount="200.00") for i in range(3)]
    lines += [case("OK"), case("COUNT", count="x"), case("AMOUNT", amount="12.345"), case("BOTH", amount="abc", count="x"),
              case("PAID", paid="2026-11-01T10:00:00+08"), {k: v for k, v in case("NONOW").items() if k != "now"},
              {"order": {"paid_amount": "1.00"}, "now": "2026-11-03T10:00:00+08:00"},
              "{not json", {"id": "NOORDER"}, "[]", '{"id": "TWICE", "id": "x", "order": {}}', "",
              {"id": "UNKNOWN", "order": {"paid_amount": "1.00", "colour": "red"}, "now": "2026-11-03T10:00:00+08:00"}]
    return jsonl(tmp_path / "cases.jsonl", lines)


def same_output(invoke: Any, *args: Any) -> Any:
    """Run `diff` with each engine: the same stdout, stderr and exit code."""
    python = invoke("diff", *args)
    duck = invoke("diff", *args, "--engine", "duckdb")
    assert duck.stdout == python.stdout
    assert duck.stderr == python.stderr
    assert duck.exit_code == python.exit_code
    return python


@pytest.mark.parametrize("options", [["--lang", "en"], ["--lang", "zh"], ["--format", "json"],
                                     ["--format", "jsonl", "--lang", "en"]], ids=["en", "zh", "json", "jsonl"])
def test_demo_cases_give_the_same_report(invoke: Any, demo: tuple[Path, Path], tmp_path: Path, options: list[str]) -> None:
    a, b = demo
    result = same_output(invoke, a, b, "--cases", demo_cases(tmp_path), *options)
    assert result.exit_code == 1
    if options[-1] == "en":
        assert "cannot decide" in result.stdout + result.stderr and "and 2 more" not in result.stdout


def test_the_changes_file_is_the_same(invoke: Any, demo: tuple[Path, Path], tmp_path: Path) -> None:
    a, b = demo
    cases = demo_cases(tmp_path)
    invoke("diff", a, b, "--cases", cases, "--changes", tmp_path / "py.jsonl")
    invoke("diff", a, b, "--cases", cases, "--changes", tmp_path / "duck.jsonl", "--engine", "duckdb")
    text = (tmp_path / "py.jsonl").read_text(encoding="utf-8")
    assert text.count("\n") > 15
    assert (tmp_path / "duck.jsonl").read_text(encoding="utf-8") == text


def test_a_csv_file_gives_the_same_report_and_notices(invoke: Any, demo: tuple[Path, Path], tmp_path: Path) -> None:
    a, b = demo
    csv = write(tmp_path / "cases.csv", "id,now,order.paid_amount,order.aftersale_count,order.colour\n"
                "C1,2026-11-03T10:00:00+08:00,100.00,5,red\nC2,2026-11-03T10:00:00+08:00,x,1,\n"
                "C3,2026-11-03T10:00:00+08:00,200.00,1,\n")
    result = same_output(invoke, a, b, "--cases", csv, "--lang", "en")
    assert "order.colour" in result.stderr


def test_several_files_in_order(invoke: Any, demo: tuple[Path, Path], tmp_path: Path) -> None:
    a, b = demo
    first = jsonl(tmp_path / "one.jsonl", [case(f"A{i}", count=5) for i in range(4)])
    same_output(invoke, a, b, "--cases", first, "--cases", demo_cases(tmp_path), "--format", "jsonl", "--lang", "en")


def test_the_same_rulebooks_exit_0(invoke: Any, demo: tuple[Path, Path], tmp_path: Path) -> None:
    a, _ = demo
    twin = write(tmp_path / "twin.yaml", a.read_text(encoding="utf-8"))
    cases = jsonl(tmp_path / "ok.jsonl", [case("OK"), case("P", amount="200.00"), case("BAD", amount="x")])
    assert same_output(invoke, a, twin, "--cases", cases).exit_code == 0


# values a field may hold in a case: good ones, null and bad ones
SPOILS: dict[str, list[Any]] = {
    "order.paid_amount": ["129.90", "250.00", "abc", "12.345", True, None, "-3.00", 99.5],
    "order.signed_at": ["2026-10-30T11:03:00+08:00", "2026-13-45T00:00:00+08:00", "2026-11-01T10:00+08", 5, None],
    "order.status": ["shipped", "completed", "shipd", 7, None],
    "aftersale.reason": ["dislike", "quality_issue", "meh", None],
    "aftersale.applied_at": ["2026-11-03T09:00:00+08:00", "2026-11-08 10:00:00", "2026-02-30T00:00:00+08:00", None],
    "order.aftersale_count": [0, 5, "three", 2.5, "1", None],
    "buyer.credit_good": [True, False, "true", None],
}


def test_the_fixture_rulebooks_with_a_moved_parameter(invoke: Any, tmp_path: Path) -> None:
    """douyin.yaml against itself with the lightning return's amount and window moved, over the
    fixture batch and cases with bad values of every sort."""
    a = FIXTURES / "rulebooks" / "douyin.yaml"
    text = a.read_text(encoding="utf-8")
    moved = text.replace("  lightning_max_amount:\n    value: 300.00", "  lightning_max_amount:\n    value: 150.00")
    moved = moved.replace("  lightning_window_days:\n    value: 7", "  lightning_window_days:\n    value: 3")
    assert moved.count("value: 150.00") == 1 and moved.count("value: 3\n") >= 1
    b = write(tmp_path / "douyin-b.yaml", moved)
    batch = (FIXTURES / "examples" / "batch.jsonl").read_text(encoding="utf-8").splitlines()
    rng = random.Random(15)
    docs = []
    for i in range(40):
        doc = json.loads(batch[i % len(batch)])
        doc["id"] = f"{doc.get('id')}-{i}"
        for path in rng.sample(sorted(SPOILS), rng.randrange(1, 4)):
            group, key = path.split(".")
            doc.setdefault(group, {})[key] = rng.choice(SPOILS[path])
        docs.append(doc)
    cases = jsonl(tmp_path / "douyin.jsonl", batch + docs)
    result = same_output(invoke, a, b, "--cases", cases, "--lang", "en")
    assert result.exit_code == 1
    same_output(invoke, a, b, "--cases", cases, "--format", "jsonl")


def test_engine_without_cases_is_a_usage_error(invoke: Any, demo: tuple[Path, Path]) -> None:
    a, b = demo
    result = invoke("diff", a, b, "--engine", "duckdb", "--lang", "en")
    assert result.exit_code == 2 and "--cases" in result.stderr
