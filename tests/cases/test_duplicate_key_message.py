"""The message for a key given twice in a case reads naturally in Chinese (no stray space
between the place and 中) and in English, as `rulebook eval` shows it."""
from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main
from dsl.cases.inputs import InputError, loads


def test_duplicate_key_message_in_both_languages() -> None:
    with pytest.raises(InputError) as exc:
        loads('{"order": {"status": "completed", "status": "shipped"}}')
    assert exc.value.problem.label("zh") == "案例的同一个对象中，键 'status' 出现了两次；请只保留一个"
    assert exc.value.problem.label("en") == "key 'status' is given twice in an object of the case; keep one"


def test_eval_shows_the_zh_duplicate_key_message(tmp_path: Path) -> None:
    case = tmp_path / "dup.json"
    case.write_text('{"id": "x", "platform": "douyin", "order": {"status": "completed", "status": "shipped"}}\n',
                    encoding="utf-8")
    result = CliRunner().invoke(main, ["eval", "-p", "douyin", str(case), "--lang", "zh"])
    assert result.exit_code == 1
    assert "案例的同一个对象中，键 'status' 出现了两次；请只保留一个" in result.stderr
    assert "对象 中" not in result.stderr
