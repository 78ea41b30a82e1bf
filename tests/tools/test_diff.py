"""`rulebook diff --cases` that can be trusted (issue 13, section 4): cases a rule cannot decide
are counted per side and shown, moves into or out of `error` are changes, every changed case
can be listed (`--format jsonl`, `--changes FILE`), and one file named twice is said plainly.

The rulebooks are written here: nothing depends on the shipped rulebooks' content."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

import dsl.book.locate

ROOT = Path(__file__).resolve().parents[2]

HEAD = """\
rulebook: demo
name: {zh: 演示, en: Demo}
parameters:
  max_amount: 300.00
rules:
  - id: small
    name: {zh: 小额, en: Small}
    source: {seed: s.txt}
    when:
      - order.paid_amount <= params.max_amount
"""
#: B's `small` also reads order.aftersale_count: a bad count makes it undecidable in B only.
B_EXTRA = "      - order.aftersale_count < 3\n"
TAIL = """\
    action: approve
"""


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def books(tmp_path: Path) -> tuple[Path, Path]:
    return write(tmp_path / "a.yaml", HEAD + TAIL), write(tmp_path / "b.yaml", HEAD + B_EXTRA + TAIL)


def case(case_id: str, amount: Any = "100.00", count: Any = 1) -> dict[str, Any]:
    return {"id": case_id, "order": {"paid_amount": amount, "aftersale_count": count}}


def jsonl(path: Path, lines: list[Any]) -> Path:
    return write(path, "".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines))


@pytest.fixture
def mixed(tmp_path: Path) -> Path:
    """OK1 same; COUNT: bad count (B cannot decide, A approves); AMOUNT: bad amount (neither
    decides); MANY: count 5 (B no longer matches); then two unreadable lines."""
    return jsonl(tmp_path / "cases.jsonl", [
        case("OK1"), case("COUNT", count="x"), case("AMOUNT", amount="abc"), case("MANY", count=5),
        "{not json", {"id": "NOORDER"},
    ])


def decisions(result: Any) -> dict[str, Any]:
    assert "Traceback" not in result.stderr
    return json.loads(result.stdout)["decisions"]


# -- undecidable cases, per side ------------------------------------------------------------

def test_undecidable_cases_are_counted_per_side(invoke: Any, books: tuple[Path, Path], mixed: Path) -> None:
    a, b = books
    result = invoke("diff", a, b, "--cases", mixed, "--format", "json")
    assert result.exit_code == 1
    d = decisions(result)
    assert (d["cases"], d["compared"], d["rejected"]) == (6, 4, 2)
    assert d["undecided"] == {"small": {"only_a": 0, "only_b": 1, "both": 1}}
    assert (d["changed_cases"], d["undecided_cases"]) == (2, 2)
    assert {(t["a"], t["b"], t["count"]) for t in d["transitions"]} == {("approve", "error", 1), ("approve", "no match", 1)}
    assert [e["case"] for e in d["undecided_examples"]["small"]] == ["COUNT", "AMOUNT"]


def test_out_of_error_is_a_change_and_the_side_flips(invoke: Any, books: tuple[Path, Path], mixed: Path) -> None:
    a, b = books
    d = decisions(invoke("diff", b, a, "--cases", mixed, "--format", "json"))
    assert d["undecided"] == {"small": {"only_a": 1, "only_b": 0, "both": 1}}
    assert {"rule": "small", "a": "error", "b": "approve", "count": 1} in d["transitions"]


def test_error_on_both_sides_is_counted_not_changed(invoke: Any, books: tuple[Path, Path], tmp_path: Path) -> None:
    """Rulebooks that differ only where a case is undecidable either way: nothing changes (exit 0
    apart from the structure), but the undecidable case is counted, not folded into 'no match'."""
    a, _ = books
    same = write(tmp_path / "same.yaml", HEAD + TAIL)
    cases = jsonl(tmp_path / "bad.jsonl", [case("AMOUNT", amount="abc")])
    result = invoke("diff", a, same, "--cases", cases, "--format", "json")
    assert result.exit_code == 0
    d = decisions(result)
    assert (d["changed_cases"], d["undecided_cases"], d["transitions"]) == (0, 1, [])
    assert d["undecided"] == {"small": {"only_a": 0, "only_b": 0, "both": 1}}


@pytest.mark.parametrize("command", ["diff", "backtest"])
def test_a_rejected_case_makes_no_change_unproven(invoke: Any, books: tuple[Path, Path], tmp_path: Path,
                                                   command: str) -> None:
    """Twin rulebooks over cases of which one cannot be read exited 0, "same", though that case
    was never compared: a CI gate on `diff --cases` passed on a history it had not read."""
    if command == "backtest":
        pytest.importorskip("duckdb")
    a, _ = books
    same = write(tmp_path / "same.yaml", HEAD + TAIL)
    good = [case("A1"), case("A2", amount="400.00")]
    clean = invoke(command, a, same, "--cases", jsonl(tmp_path / "clean.jsonl", good), "--format", "json")
    assert clean.exit_code == 0, clean.stderr
    mixed = jsonl(tmp_path / "mixed.jsonl", [*good, '{"id": "BROKEN", "order": {'])
    result = invoke(command, a, same, "--cases", mixed, "--format", "json")
    report = json.loads(result.stdout)
    counts = report["decisions"] if command == "diff" else report
    assert (counts["changed_cases"], counts["rejected"]) == (0, 1)
    assert result.exit_code == 1, result.stderr


def test_text_report_names_undecidable_and_rejected_cases(invoke: Any, books: tuple[Path, Path], mixed: Path) -> None:
    a, b = books
    result = invoke("diff", a, b, "--cases", mixed, "--lang", "en")
    assert result.exit_code == 1
    out = result.stdout
    assert "6 case(s) read: 4 compared, 2 rejected" in out
    assert "of the 4 compared: 2 with a changed decision, 2 with a rule that cannot decide" in out
    assert re.search(r"^\s+approve → cannot decide: 1$", out, re.M), out
    assert re.search(r"cannot decide \(a bad field\): 1 case\(s\) in both A and B, 0 only in A, 1 only in B", out), out
    assert re.search(rf"e\.g\. COUNT \({re.escape(str(mixed))}:2\): B: .*order\.aftersale_count", out), out
    assert re.search(rf"e\.g\. AMOUNT \({re.escape(str(mixed))}:3\): A and B: .*order\.paid_amount", out), out
    assert f"rejected {mixed}:5: malformed JSON" in out
    assert f"rejected {mixed}:6: case NOORDER: missing 'order'" in out


def test_report_follows_lang_zh_by_default(invoke: Any, books: tuple[Path, Path], mixed: Path) -> None:
    a, b = books
    out = invoke("diff", a, b, "--cases", mixed).stdout
    assert "共读取 6 个案例：比较 4 个，拒绝 2 个" in out
    assert re.search(r"approve → 无法判定：1$", out, re.M), out
    assert "A 和 B 都无法判定 1 个，仅 A 0 个，仅 B 1 个" in out
    assert "case(s)" not in out and "rejected" not in out


def test_a_changed_deadline_is_a_change(invoke: Any, tmp_path: Path) -> None:
    rule = HEAD + "    action: approve\n    deadline: order.paid_at + WINDOW\n"
    a, b = write(tmp_path / "a.yaml", rule.replace("WINDOW", "48h")), write(tmp_path / "b.yaml", rule.replace("WINDOW", "72h"))
    cases = jsonl(tmp_path / "c.jsonl", [{"id": "T", "order": {"paid_amount": "1.00", "paid_at": "2026-11-01T10:00:00+08:00"}}])
    result = invoke("diff", a, b, "--cases", cases, "--format", "json")
    d = decisions(result)
    assert d["transitions"] == [{"rule": "small", "a": "approve", "b": "approve", "count": 1}]
    [row] = d["examples"]["small"]
    assert (row["a"]["deadline"], row["b"]["deadline"]) == ("2026-11-03T10:00:00+08:00", "2026-11-04T10:00:00+08:00")
    text = invoke("diff", a, b, "--cases", cases, "--lang", "en").stdout
    assert "approve → approve: 1 (deadline or outputs differ)" in text


# -- every changed case ----------------------------------------------------------------------

@pytest.fixture
def many(tmp_path: Path) -> Path:
    """Eight cases flip (5 is the number of examples the report shows), one is bad, one rejected."""
    return jsonl(tmp_path / "many.jsonl", [case(f"F{i}", count=5) for i in range(8)]
                 + [case("OK"), case("COUNT", count="x"), "[]"])


def test_format_jsonl_lists_every_changed_case(invoke: Any, books: tuple[Path, Path], many: Path) -> None:
    a, b = books
    result = invoke("diff", a, b, "--cases", many, "--format", "jsonl", "--lang", "en")
    assert result.exit_code == 1
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    changed = [r for r in rows if r.get("changed")]
    assert [r["case"] for r in changed] == [f"F{i}" for i in range(8)] + ["COUNT"]
    first = changed[0]
    assert first["source"] == f"{many}:1" and first["rule"] == "small"
    assert first["a"] == {"matched": True, "action": "approve", "deadline": None, "outputs": {}, "error": None}
    assert first["b"] == {"matched": False, "action": None, "deadline": None, "outputs": {}, "error": None}
    assert "aftersale_count" in changed[-1]["b"]["error"] and changed[-1]["a"]["error"] is None
    assert rows[-1] == {"case": None, "source": f"{many}:11", "rejected": rows[-1]["rejected"]}
    assert "OK" not in [r["case"] for r in rows]
    # the report goes to stderr, so stdout is JSON Lines only
    assert "9 case(s) read" not in result.stdout and "11 case(s) read: 10 compared, 1 rejected" in result.stderr


def test_changes_file_has_the_same_rows(invoke: Any, books: tuple[Path, Path], many: Path, tmp_path: Path) -> None:
    a, b = books
    target = tmp_path / "out" / "changes.jsonl"
    target.parent.mkdir()
    result = invoke("diff", a, b, "--cases", many, "--changes", target, "--lang", "en")
    assert result.exit_code == 1
    assert "11 case(s) read" in result.stdout
    listed = invoke("diff", a, b, "--cases", many, "--format", "jsonl", "--lang", "en").stdout
    assert target.read_text(encoding="utf-8") == listed
    assert len(listed.splitlines()) == 10          # 8 flips, 1 undecidable, 1 rejected


@pytest.mark.parametrize("option", [["--format", "jsonl"], ["--changes", "x.jsonl"]])
def test_listing_changes_needs_cases(invoke: Any, books: tuple[Path, Path], option: list[str]) -> None:
    a, b = books
    result = invoke("diff", a, b, *option, "--lang", "en")
    assert result.exit_code == 2
    assert "--cases" in result.stderr and not Path("x.jsonl").exists()


# -- one file named twice ----------------------------------------------------------------------

#: rulebooks/demo.yaml of the temporary work folder below (not the repository's rulebooks/)
DEMO = str(Path("rulebooks") / "demo.yaml")
DEMO_AGAIN = str(Path("rulebooks") / ".." / "rulebooks" / "demo.yaml")


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working folder with rulebooks/demo.yaml, and no packaged copy of `demo`."""
    work = tmp_path / "work"
    write(work / "rulebooks" / "demo.yaml", HEAD + TAIL)
    monkeypatch.chdir(work)
    monkeypatch.setattr(dsl.book.locate, "packaged_rulebooks_dir", lambda: None)
    return work


@pytest.mark.parametrize("a, b", [("demo", DEMO), (DEMO, "demo"), (DEMO, DEMO_AGAIN)])
def test_one_file_named_twice_is_said_plainly(invoke: Any, workdir: Path, a: str, b: str) -> None:
    result = invoke("diff", a, b, "--lang", "en")
    assert result.exit_code == 2, result.stdout
    assert "are the same file" in result.stderr
    assert str((workdir / "rulebooks" / "demo.yaml").resolve()) in result.stderr
    assert "git show HEAD:./rulebooks/demo.yaml" in result.stderr
    assert result.stdout == ""
    zh = invoke("diff", a, b)
    assert zh.exit_code == 2 and "是同一个文件" in zh.stderr


def test_a_name_given_twice_is_explained_once(invoke: Any, workdir: Path) -> None:
    result = invoke("diff", "demo", "demo", "--lang", "en")
    assert result.exit_code == 2
    assert result.stderr.count("the name 'demo' finds") == 1, result.stderr


def test_the_hint_for_a_file_outside_the_working_folder_is_a_git_command_that_works(
        invoke: Any, workdir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`HEAD:./x` is relative to git's working folder: for a file named by a path outside the
    current folder, the hint asks the file's own folder (`git -C DIR`), and running it prints
    the committed copy."""
    git = shutil.which("git")
    if git is None:
        pytest.skip("git is not installed")
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@t", "HOME": str(tmp_path), "PATH": os.environ.get("PATH", "")}
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "demo"]):
        subprocess.run([git, *args], cwd=workdir, env=env, check=True, capture_output=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    demo = str(workdir / "rulebooks" / "demo.yaml")
    result = invoke("diff", demo, demo, "--lang", "en")
    assert result.exit_code == 2
    command = re.search(r"`(git [^`]*) > before.yaml`", result.stderr)
    assert command is not None, result.stderr
    assert "HEAD:.//" not in command.group(1)
    shown = subprocess.run(command.group(1), shell=True, cwd=elsewhere, env=env, capture_output=True, text=True)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout == (workdir / "rulebooks" / "demo.yaml").read_text(encoding="utf-8")


def test_a_name_next_to_its_own_file_means_the_packaged_copy(invoke: Any, workdir: Path, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """Installed from a wheel, `demo` can mean the copy the package ships: compared, and said so."""
    packaged = tmp_path / "site" / "dsl" / "rulebooks"
    write(packaged / "demo.yaml", (HEAD + TAIL).replace("300.00", "500.00"))
    monkeypatch.setattr(dsl.book.locate, "packaged_rulebooks_dir", lambda: packaged)
    result = invoke("diff", "demo", DEMO, "--lang", "en")
    assert result.exit_code == 1, result.stderr
    assert re.search(r"max_amount: 500\.00\s+→\s+300\.00", result.stdout), result.stdout
    assert "packaged copy" in result.stderr and str(packaged / "demo.yaml") in result.stderr
