"""A key indented with full-width spaces (U+3000, what a Chinese input method types) is said
at its own line and column as E104 with the fix, not as a YAML indentation error a line later;
Chinese paragraphs indented with U+3000 inside a block of text are left alone."""
from __future__ import annotations

from pathlib import Path
from typing import Any

HEAD = ("rulebook: demo\nrules:\n  - id: r\n    name: {zh: 规则, en: rule}\n"
        "    source: {seed: x.txt, section: s}\n    when: order.paid_amount > 1\n")


def test_a_key_indented_with_ideographic_spaces_is_e104_at_its_line(invoke: Any, tmp_path: Path) -> None:
    book = tmp_path / "u.yaml"
    book.write_text(HEAD + "\u3000\u3000action: approve\n    examples: []\n", encoding="utf-8")
    english = invoke("check", book, "--lang", "en")
    assert english.exit_code == 1
    assert f"{book}:7:1: error E104" in english.stdout + english.stderr
    assert "IDEOGRAPHIC SPACE" in english.stdout + english.stderr
    assert "E300" not in english.stdout + english.stderr
    chinese = invoke("check", book)
    assert "E104" in chinese.stdout + chinese.stderr and "半角" in chinese.stdout + chinese.stderr


def test_a_paragraph_indented_with_ideographic_spaces_in_a_text_block_is_not_flagged(invoke: Any,
                                                                                      tmp_path: Path) -> None:
    book = tmp_path / "p.yaml"
    text = HEAD.replace("rules:\n", "description: |\n  \u3000\u3000本规则：适用于抖音\n  \u3000\u3000note: 第二段\nrules:\n") \
        + "    action: approve\n   bad: indentation\n"
    book.write_text(text, encoding="utf-8")
    result = invoke("check", book, "--lang", "en")
    assert result.exit_code == 1
    out = result.stdout + result.stderr
    assert "E104" not in out            # the paragraphs are text, not structure
    assert "E300" in out                # the real mistake is still the one said
