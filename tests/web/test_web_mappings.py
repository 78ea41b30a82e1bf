"""The workbench's `POST /api/check` of an adapter mapping's text: the diagnostics `rulebook
check` prints for the same text saved (code, place, words, hint), not a rulebook's cascade;
a relative `extends:` is read beside the served file the text is `of`, and said to need a
file without it; a rulebook's text is answered as before."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("starlette")
pytest.importorskip("httpx")

from dsl.book.checking import check_file  # noqa: E402
from webapp import client, make_client, served, worker  # noqa: E402,F401 - fixtures

TYPO = "extends: douyin-aftersale-list\nfeilds:\n  order.status: null\n"
WIDE = ("description: 抖音🥿 我的映射\nextends: douyin-aftersale-list\nfields:\n"
        "  order.goods_kind: {from: 商品🥿, convert: code, table: nope}\n")
UNUSED = "extends: douyin-aftersale-list\ntables:\n  aftersale_stauts:\n    codes:\n      99: closed\n"
BASE = "adapter: base\nitems: data.items\nfields:\n  id: {from: id, convert: text, required: true}\n"


def said(answer: Any) -> list[tuple[Any, ...]]:
    return [(d["code"], d["line"], d["col"], d["end_line"], d["end_col"], d["message"], d["hint"])
            for d in answer.json()["diagnostics"]]


def check_says(path: Path, lang: str) -> list[tuple[Any, ...]]:
    """What `rulebook check` finds in the saved file, in the API's terms."""
    return [(d.code, d.span.line, d.span.col, d.span.end_line, d.span.end_col, d.message(lang), d.hint_text(lang))
            for d in check_file(path).diagnostics]


@pytest.mark.parametrize("text", [TYPO, WIDE, UNUSED], ids=["typo", "wide-characters", "unused-table"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_check_of_a_mapping_text_is_rulebook_checks_of_the_saved_file(client: Any, tmp_path: Path, text: str,
                                                                       lang: str) -> None:
    (tmp_path / "mine.yaml").write_text(text, encoding="utf-8")
    answer = client.post("/api/check", json={"text": text, "lang": lang})
    assert answer.status_code == 200
    assert said(answer) == check_says(tmp_path / "mine.yaml", lang)
    assert said(answer) and {d[0] for d in said(answer)} <= {"E701", "E702"}   # no E302 'rulebook' is missing


def test_the_unknown_key_is_said_at_its_place_in_chinese(client: Any) -> None:
    [found] = said(client.post("/api/check", json={"text": TYPO, "lang": "zh"}))
    assert found[:5] == ("E702", 2, 1, 2, 7)
    assert found[5].startswith("顶层：有未知的键 'feilds'（可用：adapter, description,")
    assert found[6] == "您是否想写 'fields'？"


def test_a_relative_extends_is_read_beside_the_served_file_the_text_is_of(client: Any, served: list[Path]) -> None:
    (served[0].parent / "base.yaml").write_text(BASE, encoding="utf-8")
    text = "extends: ./base.yaml\nfields:\n  aftersale.refund_amount: {from: amount, convert: fen}\n"
    assert said(client.post("/api/check", json={"text": text, "of": "douyin", "lang": "en"})) == []
    broken = text.replace("convert: fen", "convert: fne")
    [found] = said(client.post("/api/check", json={"text": broken, "of": "douyin", "lang": "en"}))
    assert found[0] == "E701" and found[1:3] == (3, broken.split("\n")[2].index("fne") + 1) and "'fne'" in found[5]


def test_without_a_file_a_relative_extends_cannot_be_read_and_says_so(client: Any) -> None:
    text = "extends: ./base.yaml\nfields:\n  order.status: null\n"
    [found] = said(client.post("/api/check", json={"text": text, "lang": "en"}))
    assert found[:5] == ("E703", 1, 10, 1, 21)
    assert found[5] == "a path is read relative to the file that extends, and this text is not in a file"
    assert "save it to use a path" in found[6]


def test_an_extends_of_nothing_alone_is_one_error(client: Any) -> None:
    [found] = said(client.post("/api/check", json={"text": "extends: ./nope.yaml\n", "of": "douyin", "lang": "en"}))
    assert found[:5] == ("E320", 1, 10, 1, 21)
    assert found[5].startswith("cannot extend './nope.yaml': no file ") and found[5].endswith("nope.yaml")


def test_a_file_of_neither_kind_is_one_message(client: Any) -> None:
    [found] = said(client.post("/api/check", json={"text": "title: notes\nowner: ops\n", "lang": "en"}))
    assert found[0] == "E312" and "its top-level keys are title, owner" in found[5]


def test_save_checks_a_mapping_as_a_mapping(client: Any) -> None:
    """A served rulebook's text replaced by a mapping's: the dry run's diagnostics are the mapping's."""
    answer = client.post("/api/save", json={"name": "douyin", "text": TYPO, "dry_run": True, "lang": "en"})
    assert answer.status_code == 200
    assert [d["code"] for d in answer.json()["diagnostics"]] == ["E702"]
