"""The command line's own complaints are catalogued too (issue 14, section 7): a bad `--at`
or `--within` is E404 in the user's language, with the fix, and exits 2 (usage); the lines a
batch says about a case are Diagnostics rendered in one place."""
from __future__ import annotations

from typing import Any

from dsl.diagnostics import MESSAGES, Diagnostic, Phrase, render, render_line

EXAMPLE = "examples/douyin-lightning-return.json"


def test_bad_at_is_e404_in_chinese(invoke: Any) -> None:
    result = invoke("eval", "-p", "douyin", EXAMPLE, "--at", "昨天", "--lang", "zh")
    assert result.exit_code == 2
    assert "E404 无效的 --at 取值 '昨天'" in result.stderr
    assert "ISO 8601" in result.stderr and "2026-11-05T09:00:00+08:00" in result.stderr
    assert "bad --at" not in result.stderr


def test_bad_at_is_e404_in_english(invoke: Any) -> None:
    result = invoke("eval", "-p", "douyin", EXAMPLE, "--at", "2026-13-01", "--lang", "en")
    assert result.exit_code == 2
    assert "E404 bad --at value '2026-13-01'" in result.stderr
    assert "month" in result.stderr   # the calendar's reason, not a bare "invalid"


def test_bad_within_suggests_the_duration_in_chinese(invoke: Any) -> None:
    result = invoke("eval", "-p", "douyin", EXAMPLE, "--within", "7天", "--lang", "zh")
    assert result.exit_code == 2
    assert "E404 无效的 --within 取值 '7天'：不是时长；您是否想写 '7d'？" in result.stderr


def test_bad_within_without_a_guess_shows_the_form(invoke: Any) -> None:
    result = invoke("eval", "-p", "douyin", EXAMPLE, "--within", "soon", "--lang", "en")
    assert result.exit_code == 2
    assert "not a duration such as 6h, 2d, 30m" in result.stderr


def test_no_rulebook_named_is_said_in_chinese(invoke: Any) -> None:
    result = invoke("eval", EXAMPLE, "--lang", "zh")
    assert result.exit_code == 2
    assert "请指定规则手册：--platform 平台名 或 --rulebook 文件" in result.stderr


def test_a_batch_line_is_the_header_of_the_full_rendering_plus_its_hint() -> None:
    diag = Diagnostic("E402", None, "cases.jsonl:3", {"case": "A1", "path": "order.paid_amount", "detail": "x"},
                      ("reason", {"reason": Phrase("case.hint_amount", meant="5.0")}))
    for lang in ("en", "zh"):
        line = render_line(diag, lang)
        assert line.startswith(render(diag, lang).splitlines()[0])
        assert line.startswith("cases.jsonl:3: error E402: ")
        assert line.endswith(f"({diag.hint_text(lang)})")
    assert "5.0" in render_line(diag, "zh")


def test_every_code_a_batch_says_is_in_the_catalog() -> None:
    for code in ("E401", "E402", "E403", "E404", "E405", "E406"):
        en, zh = MESSAGES[code]
        assert en and zh


def test_an_unreadable_case_is_e401_in_chinese(invoke: Any, tmp_path: Any) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"id": "A1", "order": {}}\n{not json\n', encoding="utf-8")
    result = invoke("eval", "-p", "douyin", str(path), "--format", "jsonl", "--lang", "zh")
    assert result.exit_code == 1
    [line] = [x for x in result.stderr.splitlines() if "E401" in x]
    assert line.startswith(f"{path}:2: error E401: ")
    assert any("\u4e00" <= ch <= "\u9fff" for ch in line.split("E401: ")[1])
