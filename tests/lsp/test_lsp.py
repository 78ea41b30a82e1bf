"""`rulebook lsp` driven over stdio by pygls's own client, one server for the module: the
diagnostics are `rulebook check`'s at UTF-16 ranges, completion, hover and formatting answer
from the vocabulary and `rulebook fmt`, and no input stops the server."""
from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("pygls")

from lsprotocol import types as lsp  # noqa: E402

from dsl.tools.fmt import format_text  # noqa: E402
from lspclient import FIXTURE, Session, utf16, with_typo, session  # noqa: E402,F401,F811 - session: the fixture

def test_a_typo_is_diagnosed_at_its_utf16_range_with_the_did_you_mean(session: Session) -> None:
    text, row, line = with_typo()
    found = [d for d in session.open("file:///typo.yaml", text) if d.code == "E201"]
    assert len(found) == 1
    start = line.index("order.paid_amout")
    assert found[0].range == lsp.Range(lsp.Position(row, start), lsp.Position(row, start + len("order.paid_amout")))
    assert "did you mean 'order.paid_amount'" in found[0].message
    assert found[0].severity == lsp.DiagnosticSeverity.Error and found[0].source == "rulebook"


def test_chinese_text_and_an_emoji_before_it_on_the_line_shift_the_range_in_utf16(session: Session) -> None:
    text, row, line = with_typo('order.category != "鞋🥿" and ')
    found = [d for d in session.open("file:///wide.yaml", text) if d.code == "E201"]
    start = utf16(line[:line.index("order.paid_amout")])
    assert start == line.index("order.paid_amout") + 1          # the emoji is two units
    assert [(d.range.start.line, d.range.start.character, d.range.end.character) for d in found] == \
        [(row, start, start + len("order.paid_amout"))]


def test_completion_after_order_offers_fields_with_labels(session: Session) -> None:
    uri = "file:///complete.yaml"
    text, row, line = with_typo()
    session.open(uri, text)
    at = line.index("order.") + len("order.")
    items = {i.label: i for i in session.completion(uri, row, at)}
    assert "paid_amount" in items and "订单实付金额" in (items["paid_amount"].detail or "")
    assert "status" in items and "goods_kind" in items and "credit_good" not in items


def test_completion_of_params_enum_values_and_functions(session: Session) -> None:
    uri = "file:///values.yaml"
    lines = FIXTURE.split("\n")
    when = next(i for i, line in enumerate(lines) if line == "    when:")
    text = "\n".join(lines[:when + 1] + ['      - order.status == "', "      - params.", "      - da"] + lines[when + 1:])
    session.open(uri, text)
    values = {i.label: i.detail for i in session.completion(uri, when + 1, len('      - order.status == "'))}
    assert values["shipped"] == "已发货 / shipped"
    params = {i.label for i in session.completion(uri, when + 2, len("      - params."))}
    assert "lightning_max_amount" in params
    functions = {i.label: i.detail for i in session.completion(uri, when + 3, len("      - da"))}
    assert functions["days_between"].startswith("days_between(a: timestamp")


PROSE = """\
# 测试规则手册 — 注释 order.status == "
rulebook: demo
name: {zh: 演示, en: Demo}
description: |
  prose about order.
  and da
rules:
  - id: r1   # see order.
    name: {zh: 规则, en: Rule}
    description: >-
      prose about order.
    source: {seed: s.txt}
    when:
      - order.status == 'x#y'   # order.
      - >-
        order.paid_amount > 1
        and order.
      - |
        da
    action:
      - if: |
          order.
        then: approve
      - else: review
    deadline: |-
      da
    outputs:
      comp: >
        order.
    examples:
      - name: e
        case: {}
        expect:
          outputs:
            comp: |
              da
"""


def complete_at(text: str, row: int, column: int | None = None) -> set[str]:
    from dsl.lsp.complete import completion

    line = text.split("\n")[row]
    return {i.label for i in completion(text, row, len(line) if column is None else column)}


@pytest.mark.parametrize("row, column", [(0, None), (0, 2), (0, 5), (4, None), (5, None), (7, None), (10, None),
                                         (13, None), (35, None)],
                         ids=["comment-end", "comment-start", "comment-chinese", "description", "description-word",
                              "comment-after-key", "rule-description", "comment-after-expr", "example-output"])
def test_no_completion_in_a_comment_or_in_prose(row: int, column: int | None) -> None:
    assert complete_at(PROSE, row, column) == set()


@pytest.mark.parametrize("row, column, expect", [
    (13, len("      - order.status == 'x#"), "days_between"),   # '#' in a quoted text is no comment
    (13, len("      - order."), "paid_amount"),
    (16, None, "paid_amount"), (18, None, "days_between"), (21, None, "paid_amount"),
    (25, None, "days_between"), (28, None, "paid_amount"),
], ids=["hash-in-text", "before-comment", "folded-when", "literal-when", "action-if", "deadline", "output"])
def test_expressions_in_block_scalars_still_complete(row: int, column: int | None, expect: str) -> None:
    assert expect in complete_at(PROSE, row, column)


def test_hover_on_a_field_a_parameter_and_a_diagnostic(session: Session) -> None:
    uri = "file:///hover.yaml"
    text, row, line = with_typo()
    session.open(uri, text)
    field_row = next(i for i, s in enumerate(text.split("\n")) if "order.status" in s)
    field_line = text.split("\n")[field_row]
    shown = session.hover(uri, field_row, field_line.index("order.status") + 8) or ""
    assert "订单状态" in shown and "order status" in shown and '"shipped"' in shown and "已发货" in shown
    param = session.hover(uri, row, line.index("params.") + 9) or ""
    assert "300.00" in param and "money" in param
    assert "**E201**: unknown field 'order.paid_amout'" in (session.hover(uri, row, line.index("paid_amout")) or "")
    comment = "# see E201 here"
    session.change(uri, text + "\n" + comment + "\n")
    assert session.hover(uri, len(text.split("\n")), comment.index("E201") + 1) == "**E201**: unknown field {name!r}"


def test_formatting_returns_what_rulebook_fmt_writes(session: Session) -> None:
    uri = "file:///fmt.yaml"
    messy = FIXTURE.replace("order.paid_amount <= params.lightning_max_amount",
                            "order.paid_amount<=params.lightning_max_amount", 1)
    session.open(uri, messy)
    edits = session.run(session.client.text_document_formatting_async(lsp.DocumentFormattingParams(
        text_document=lsp.TextDocumentIdentifier(uri=uri), options=lsp.FormattingOptions(tab_size=2, insert_spaces=True))))
    assert len(edits) == 1 and edits[0].new_text == format_text(messy).after
    assert edits[0].range.start == lsp.Position(0, 0)


def test_an_edit_that_breaks_and_repairs_the_yaml_recovers(session: Session) -> None:
    uri = "file:///edit.yaml"
    assert list(session.open(uri, FIXTURE)) == []
    broken = session.change(uri, FIXTURE.replace("parameters:", "parameters: [", 1))
    assert broken and all(d.severity == lsp.DiagnosticSeverity.Error for d in broken)
    assert list(session.change(uri, FIXTURE)) == []


def test_junk_never_stops_the_server(session: Session) -> None:
    uri = "file:///junk.yaml"
    assert session.open(uri, "\x00\x01\xff\ufffe: [\n\t{{{")                 # binary junk: errors, said
    huge = session.change(uri, "rulebook: x\n" + ("a" * 1000 + "\n") * 10_500)    # over 10 MB, not YAML
    assert huge and all(d.severity == lsp.DiagnosticSeverity.Error for d in huge)
    assert isinstance(session.completion(uri, 10**6, 10**6), list)           # past the end: an answer
    assert session.hover(uri, 10**6, 10**6) is None
    session.close(uri)
    session.close(uri)                                               # closed twice
    assert session.completion("file:///never-opened.yaml", 0, 0) == []
    text = with_typo()[0]
    assert [d.code for d in session.open("file:///after.yaml", text)] == ["E201"]   # still answering


def test_the_language_is_the_initialization_option_then_the_locale() -> None:
    from dsl.lsp.server import language_of

    def lang(options: Any, locale: str | None) -> str:
        return language_of(lsp.InitializeParams(capabilities=lsp.ClientCapabilities(),
                                                initialization_options=options, locale=locale))
    assert lang({"lang": "en"}, "zh-CN") == "en"
    assert lang(None, "zh-CN") == "zh" and lang(None, "en-US") == "en" and lang({"lang": "fr"}, None) == "zh"


def test_diagnostics_are_check_texts_in_the_chosen_language() -> None:
    from dsl.book.checking import check_text
    from dsl.lsp.features import lsp_diagnostics

    text, _, _ = with_typo()
    zh = lsp_diagnostics(text, "x.yaml", "zh")
    assert [d.code for d in zh] == [d.code for d in check_text(text, "x.yaml")]
    assert zh[0].message.startswith("未知字段 'order.paid_amout'")
