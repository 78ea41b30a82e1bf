"""`POST /api/check` gives each diagnostic's quick fixes (issue 17): the contract the web UI
applies, the same fixes the language server offers as code actions."""
from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("starlette")
pytest.importorskip("httpx")

from dsl.book.checking import check_text  # noqa: E402
from dsl.book.quickfix import TextEdit, apply_edits  # noqa: E402
from webapp import client, make_client, served, worker  # noqa: E402,F401,F811 - fixtures

TEXT = """\
rulebook: demo
name: {zh: 演示, en: Demo}
rules:
  - id: small_refund
    name: {zh: 小额退款🎉, en: Small refund}
    source: {ref: demo}
    when:
      - order.paid_amont <= 100
      - order.status ＝= 'completed'
    action: auto_approve
"""


def test_check_gives_fixes_that_repair_the_text(client: Any) -> None:
    answer = client.post("/api/check", json={"text": TEXT, "lang": "en"})
    assert answer.status_code == 200
    found = answer.json()["diagnostics"]
    assert [d["code"] for d in found] == ["E201", "E104"]
    typo = next(d for d in found if d["code"] == "E201")
    assert typo["fixes"] == [{"title": "change 'order.paid_amont' to 'order.paid_amount'",
                              "edits": [{"line": 8, "col": 9, "end_line": 8, "end_col": 25,
                                         "new_text": "order.paid_amount"}]}]
    edits = [TextEdit(**e) for d in found for e in d["fixes"][0]["edits"]]
    assert check_text(apply_edits(TEXT, edits)) == []


def test_fix_titles_speak_the_language_asked(client: Any) -> None:
    found = client.post("/api/check", json={"text": TEXT, "lang": "zh"}).json()["diagnostics"]
    wide = next(d for d in found if d["code"] == "E104")
    assert wide["fixes"][0]["title"] == "将 '＝' 改为 '='"


def test_a_diagnostic_without_a_named_edit_has_no_fixes(client: Any) -> None:
    found = client.post("/api/check", json={"text": "rulebook: x\n", "lang": "en"}).json()["diagnostics"]
    assert found and all(d["fixes"] == [] for d in found)
