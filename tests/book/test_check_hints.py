"""Mistakes an operations person makes in a rulebook, said with the fix at their own place:
a key indented with full-width spaces (U+3000, what a Chinese input method types) is E104 at
its line, not an indentation error a line later (Chinese paragraphs in a text block are left
alone); a source path with [ ] inside { } gets "quote it"; `1e3` is said as the number to
write; `yes`/`no`/`是` for a flag as true/false; `rulebook test` of a rulebook that does not
load shows no coverage percentage."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

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


def test_a_bracketed_path_in_a_flow_mapping_gets_the_quoting_fix(invoke: Any, tmp_path: Path) -> None:
    """`{from: a[only].b}` (as a mapping file writes a source path): YAML reads `[` as a list;
    the hint says to quote the value, naming it, instead of 'close it with }'."""
    mapping = tmp_path / "m.yaml"
    mapping.write_text("adapter: my\nextends: douyin-aftersale-list\nfields:\n"
                       "  order.paid_amount: {from: order_info.related_order_info[only].pay_amount, convert: fen}\n",
                       encoding="utf-8")
    english = invoke("check", mapping, "--lang", "en")
    assert english.exit_code == 1
    out = english.stdout + english.stderr
    assert 'quote it, "order_info.related_order_info[only].pay_amount"' in out and "close it with" not in out
    chinese = invoke("check", mapping)
    assert "请给它加引号" in chinese.stdout + chinese.stderr
    quoted = mapping.read_text(encoding="utf-8").replace("from: order_info.related_order_info[only].pay_amount",
                                                         'from: "order_info.related_order_info[only].pay_amount"')
    mapping.write_text(quoted, encoding="utf-8")
    assert invoke("check", mapping, "--lang", "en").exit_code == 0   # the fix as said works


def _rule(tmp_path: Path, when: str) -> Path:
    book = tmp_path / "r.yaml"
    book.write_text(HEAD.replace("    when: order.paid_amount > 1\n", f"    when: {when}\n") + "    action: approve\n",
                    encoding="utf-8")
    return book


def test_a_number_in_scientific_notation_is_said_as_the_number_to_write(invoke: Any, tmp_path: Path) -> None:
    result = invoke("check", _rule(tmp_path, "order.paid_amount <= 1e3"), "--lang", "en")
    out = result.stdout + result.stderr
    assert result.exit_code == 1 and "E111" in out and ": 1000" in out and "duration" not in out


@pytest.mark.parametrize("word, meant", [("yes", "true"), ("no", "false"), ("是", "true")])
def test_a_yes_or_no_for_a_flag_is_said_as_true_or_false(invoke: Any, tmp_path: Path, word: str, meant: str) -> None:
    result = invoke("check", _rule(tmp_path, f"buyer.credit_good == {word}"), "--lang", "en")
    out = result.stdout + result.stderr
    assert result.exit_code == 1 and "E201" in out and f"did you mean {meant}?" in out


def test_rulebook_test_of_a_rulebook_that_does_not_load_shows_no_coverage_percentage(invoke: Any, tmp_path: Path) -> None:
    result = invoke("test", _rule(tmp_path, "order.paid_amount = 1"), "--lang", "en")
    out = result.stdout + result.stderr
    assert result.exit_code != 0 and "nothing to cover" in out and "100.0%" not in out


PARAMETER = ("rulebook: demo\nparameters:\n  max_amount:\n    value: 300.00\n    zh: 金额上限\n"
             "rules:\n  - id: r\n    name: {zh: 规则, en: rule}\n    source: {seed: x.txt}\n"
             "    when: order.paid_amount <= params.max_amount\n    action: approve\n")


@pytest.mark.parametrize("edit, line, col, hint", [
    (("    zh: 金额上限", "    zn: 金额上限"), 5, 5, "did you mean 'zh'?"),
    (("    zh: 金额上限", "    unit: yuan\n    zh: 金额上限"), 5, 5, "one of: description, en, value, zh"),
], ids=["mistyped", "extra"])
def test_a_stray_key_in_a_parameter_mapping_is_e306_at_that_key(invoke: Any, tmp_path: Path, edit: tuple[str, str],
                                                                line: int, col: int, hint: str) -> None:
    book = tmp_path / "p.yaml"
    book.write_text(PARAMETER.replace(*edit), encoding="utf-8")
    result = invoke("check", book, "--lang", "en")
    out = result.stdout + result.stderr
    assert result.exit_code == 1 and f"{book}:{line}:{col}: error E306: unknown key" in out, out
    assert hint in out and "E302" not in out


def test_a_parameter_mapping_without_value_says_value_is_missing(invoke: Any, tmp_path: Path) -> None:
    book = tmp_path / "p.yaml"
    book.write_text(PARAMETER.replace("    value: 300.00\n    zh:", "    zn:"), encoding="utf-8")
    result = invoke("check", book, "--lang", "en")
    out = result.stdout + result.stderr
    assert "E302" in out and "'value' is missing" in out and "value: 300.00" in out
