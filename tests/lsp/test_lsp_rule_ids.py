"""Go to definition and find references for rule ids: a holiday notice's effects name a rule of
the same file; a shop overlay's `disable:`, top-level examples and `override: true` rules name
a rule of its base file, which the definition opens (read from the document's file: URI, as
`rulebook check` reads `extends:`)."""
from __future__ import annotations

import shutil
from pathlib import Path

from conftest import FIXTURES, ROOT
from dsl.lsp.navigate import definition, references

NOTICES = ROOT / "examples" / "notices" / "spring-festival-2026.yaml"
ACME = FIXTURES / "shops" / "acme.yaml"


def _at(text: str, needle: str, nth: int = 0) -> tuple[int, int]:
    """The LSP position (0-based line, character) of the nth `needle` (ASCII lines here)."""
    start = -1
    for _ in range(nth + 1):
        start = text.index(needle, start + 1)
    line = text.count("\n", 0, start)
    return line, start - (text.rfind("\n", 0, start) + 1)


def test_a_notices_effect_goes_to_its_rule_and_the_rule_lists_it() -> None:
    text = NOTICES.read_text(encoding="utf-8")
    uri = NOTICES.as_uri()
    line, char = _at(text, "ship_timeout: {no_earlier_than")
    [found] = definition(text, uri, line, char + 2)
    rule_line, _ = _at(text, "id: ship_timeout")
    assert found.uri == uri and found.range.start.line == rule_line
    used = references(text, uri, rule_line, _at(text, "id: ship_timeout")[1] + 5, declaration=False)
    assert [r.range.start.line for r in used] == [line]


def test_an_overlay_opens_its_bases_rule(tmp_path: Path) -> None:
    shutil.copy(FIXTURES / "rulebooks" / "douyin.yaml", tmp_path / "douyin.yaml")
    shop = tmp_path / "acme.yaml"
    text = ACME.read_text(encoding="utf-8").replace("extends: douyin", "extends: ./douyin.yaml")
    shop.write_text(text, encoding="utf-8")
    base = (tmp_path / "douyin.yaml").read_text(encoding="utf-8")
    line, char = _at(text, "rule: repeat_refund_notice")
    [found] = definition(text, shop.as_uri(), line, char + len("rule: ") + 1)
    assert found.uri == (tmp_path / "douyin.yaml").resolve().as_uri()
    assert found.range.start.line == _at(base, "id: repeat_refund_notice")[0]
    # an editor buffer that is no file knows no relative base: nothing, never an error
    assert definition(text, "untitled:Untitled-1", line, char + len("rule: ") + 1) == []


def test_overlay_keys_are_offered_to_an_overlay_only() -> None:
    from dsl.lsp.keys import key_items

    def top(text: str) -> set[str]:
        lines = text.split("\n")
        return {i.label for i in key_items(lines, len(lines) - 1, "", "en") or []}

    assert {"disable", "new_parameters", "examples"} <= top("rulebook: acme\nextends: douyin\n")
    assert not {"disable", "new_parameters", "examples"} & top("rulebook: demo\n")
