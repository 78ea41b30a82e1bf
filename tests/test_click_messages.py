"""click's own usage messages (a bad choice, a missing file, an unknown command or option) and
the command group's operating-system errors speak the language of --lang: Chinese by default,
English with `--lang en`, never click's English to a Chinese reader."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import click
import pytest

from dsl.phrases import PHRASES

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.parametrize("args, zh, en", [
    (["eval", "-p", "douyin", "x.jsonl", "--format", "xml"],
     ["错误：", "'xml' 不是 'table', 'json', 'jsonl', 'csv' 之一"], "Invalid value for '--format': 'xml' is not one of"),
    (["fmt", "nosuch.yaml"], ["路径 'nosuch.yaml' 不存在"], "Path 'nosuch.yaml' does not exist."),
    (["diff", "a", "b", "--cases", "nosuch.jsonl"], ["文件 'nosuch.jsonl' 不存在"], "File 'nosuch.jsonl' does not exist."),
    (["evl"], ["没有这个命令 'evl'", "您是否想写 'eval'"], "No such command 'evl'."),
    (["eval", "--formt", "csv", "x"], ["没有这个选项 '--formt'", "'--format'"], "No such option '--formt'."),
    (["eval", "-p", "douyin", "x", "--at"], ["选项 '--at' 需要一个值"], "Option '--at' requires an argument."),
    (["eval", "-p", "douyin", "x.jsonl", "--jobs", "abc"], ["'abc' 不是有效的整数范围"], "'abc' is not a valid integer range."),
    (["test", "--min-coverage", "abc"], ["'abc' 不是有效的数值范围"], "'abc' is not a valid float range."),
    (["serve", "--port", "abc"], ["'abc' 不是有效的整数范围"], "'abc' is not a valid integer range."),
], ids=["choice", "path", "file", "command", "option", "needs-value", "int-range", "float-range", "port"])
def test_usage_errors_in_the_language_asked_for(invoke: Any, args: list[str], zh: list[str], en: str) -> None:
    chinese = invoke(*args)
    assert chinese.exit_code == 2
    for part in zh:
        assert part in chinese.stderr, chinese.stderr
    assert "Error:" not in chinese.stderr and "Usage:" not in chinese.stderr
    english = invoke(*args, "--lang", "en") if args[-1] != "--at" else invoke(*args[:-1], "--lang", "en", "--at")
    assert english.exit_code == 2
    assert en in english.stderr and not CJK.search(english.stderr), english.stderr


def test_an_operating_system_error_in_the_language_asked_for(invoke: Any, tmp_path: Path) -> None:
    target = tmp_path / "no" / "such" / "dir" / "out.csv"
    case = tmp_path / "c.json"
    case.write_text('{"id": "A", "order": {"status": "shipped"}}', encoding="utf-8")
    chinese = invoke("eval", "-p", "douyin", case, "-o", target)
    assert chinese.exit_code == 2 and "没有这个文件或文件夹" in chinese.stderr and str(target) in chinese.stderr
    english = invoke("eval", "-p", "douyin", case, "-o", target, "--lang", "en")
    assert english.exit_code == 2 and "no such file or folder" in english.stderr and not CJK.search(english.stderr)


def test_a_broken_rulebook_under_lang_en_is_said_in_english(invoke: Any, tmp_path: Path) -> None:
    book = tmp_path / "broken.yaml"
    book.write_text("rulebook: demo\nrules:\n  - id: r\n    name: {zh: 规则, en: rule}\n    source: {seed: x.txt, section: s}\n"
                    "    when: order.paid_amount = 1\n    action: approve\n", encoding="utf-8")
    case = tmp_path / "c.json"
    case.write_text('{"id": "A", "order": {"status": "shipped"}}', encoding="utf-8")
    english = invoke("eval", "-r", book, case, "--lang", "en")
    assert english.exit_code == 1 and "E1" in english.stderr
    assert not CJK.search(english.stderr.replace("规则", "")), english.stderr   # the rulebook's own text aside


def test_every_click_message_of_the_catalog_is_one_click_says() -> None:
    """A newer click that rewords a message would leave our Chinese unused: caught here."""
    source = "".join(path.read_text(encoding="utf-8") for path in Path(click.__file__).parent.glob("*.py"))
    for key, (en, _) in PHRASES.items():
        if key.startswith("click."):
            assert f'"{en}"' in source, f"{key}: click no longer says {en!r}"
