"""`rulebook lsp` and edits: quick fixes as code actions, incremental sync applied in UTF-16
units (Chinese one unit, an emoji two), and UTF-16 positions whatever encodings the client
offers. Driven over stdio, as an editor drives it."""
from __future__ import annotations

import asyncio

import pytest

pytest.importorskip("pygls")

from lsprotocol import types as lsp  # noqa: E402

from dsl.lsp.features import lsp_diagnostics  # noqa: E402
from lspclient import FIXTURE, Session, apply16, offset16, utf16, with_typo, session  # noqa: E402,F401,F811 - session: the fixture


def test_a_did_you_mean_is_a_preferred_quick_fix_that_cleans_the_file(session: Session) -> None:
    uri = "file:///fix.yaml"
    text, row, line = with_typo('order.category != "鞋🥿" and ')
    found = [d for d in session.open(uri, text) if d.code == "E201"]
    actions = session.code_actions(uri, found[0].range, found)
    assert [(a.title, a.kind, a.is_preferred) for a in actions] == \
        [("change 'order.paid_amout' to 'order.paid_amount'", lsp.CodeActionKind.QuickFix, True)]
    (edit,) = actions[0].edit.changes[uri]
    start = utf16(line[:line.index("order.paid_amout")])
    assert edit.range == lsp.Range(lsp.Position(row, start), lsp.Position(row, start + len("order.paid_amout")))
    fixed = apply16(text, [edit])
    assert fixed == text.replace("order.paid_amout", "order.paid_amount", 1)
    assert [d.code for d in session.change(uri, fixed) if d.code == "E201"] == []


def test_a_yaml11_boolean_offers_two_fixes_none_preferred(session: Session) -> None:
    uri = "file:///yes.yaml"
    text = FIXTURE.replace("\nparameters:\n", "\nparameters:\n  flag_word: yes\n", 1)
    assert text != FIXTURE
    found = [d for d in session.open(uri, text) if d.code == "E307"]
    actions = session.code_actions(uri, found[0].range, found)
    assert [(a.title, a.is_preferred) for a in actions] == [("quote it as text: 'yes'", False),
                                                             ("write the boolean true", False)]
    assert "  flag_word: 'yes'" in apply16(text, actions[0].edit.changes[uri])


def test_no_actions_away_from_the_diagnostics(session: Session) -> None:
    uri = "file:///away.yaml"
    text, row, _ = with_typo()
    session.open(uri, text)
    far = lsp.Range(lsp.Position(0, 0), lsp.Position(0, 3))
    assert session.code_actions(uri, far, []) == []


def test_incremental_edits_are_applied_in_utf16_units(session: Session) -> None:
    uri = "file:///incremental.yaml"
    row = next(i for i, line in enumerate(FIXTURE.split("\n")) if "- order.paid_amount <=" in line)
    line = FIXTURE.split("\n")[row]
    col = line.index("order.paid_amount")
    text = FIXTURE
    assert list(session.open(uri, text)) == []
    steps = [
        (row, col, row, col, 'order.category != "鞋🥿" and '),            # an emoji and Chinese before
        (row, col + utf16('order.category != "鞋🥿" and ') + len("order.paid_amou"),
         row, col + utf16('order.category != "鞋🥿" and ') + len("order.paid_amoun"), ""),   # the typo after them
    ]
    for a, b, c, d, new in steps:
        got = session.edit(uri, (a, b, c, d, new))
        text = text[:offset16(text, a, b)] + new + text[offset16(text, c, d):]
    assert 'order.category != "鞋🥿" and order.paid_amout <=' in text
    assert list(got) == lsp_diagnostics(text, uri, "en")
    assert [d.code for d in got] == ["E201"]
    emoji = utf16(line[:col]) + len('order.category != "鞋')
    both = session.edit(uri, (row, emoji, row, emoji + 2, ""),                  # the emoji (two units) goes
                        (row, emoji, row, emoji, "子"))          # a second change, on the text after the first
    text = text.replace("鞋🥿", "鞋子", 1)
    assert list(both) == lsp_diagnostics(text, uri, "en")
    whole = session.edit(uri, (row - 1, 0, row + 1, 0, "\n".join(FIXTURE.split("\n")[row - 1:row + 1]) + "\n"))
    assert list(whole) == []                                                         # a change across lines repairs it


def test_positions_are_utf16_even_when_the_client_offers_utf8_first() -> None:
    offers = lsp.ClientCapabilities(general=lsp.GeneralClientCapabilities(
        position_encodings=[lsp.PositionEncodingKind.Utf8, lsp.PositionEncodingKind.Utf32, lsp.PositionEncodingKind.Utf16]))
    s = Session(offers)
    s.start()
    try:
        assert s.result.capabilities.position_encoding == lsp.PositionEncodingKind.Utf16
        assert s.result.capabilities.text_document_sync.change == lsp.TextDocumentSyncKind.Incremental
        text, row, line = with_typo('order.category != "鞋🥿" and ')
        found = [d for d in s.open("file:///utf8.yaml", text) if d.code == "E201"]
        start = utf16(line[:line.index("order.paid_amout")])
        assert (found[0].range.start.line, found[0].range.start.character) == (row, start)
    finally:
        s.stop()


def test_a_burst_of_changes_ends_with_the_diagnostics_of_the_last_text(session: Session) -> None:
    uri = "file:///burst.yaml"
    _, row, line = with_typo()
    col = line.index("order.paid_amout") + len("order.paid_amount")     # just after the field in FIXTURE
    session.open(uri, FIXTURE)
    versions = []
    for n in range(13):                  # typed without waiting: `x` after the field, deleted, `x`, ...
        session.version += 1
        versions.append(session.version + 1)
        where = lsp.Range(lsp.Position(row, col), lsp.Position(row, col + 1 if n % 2 else col))
        session.client.text_document_did_change(lsp.DidChangeTextDocumentParams(
            text_document=lsp.VersionedTextDocumentIdentifier(uri=uri, version=versions[-1]),
            content_changes=[lsp.TextDocumentContentChangePartial(range=where, text="" if n % 2 else "x")]))

    async def last_version() -> list[lsp.Diagnostic]:
        while session.published_versions[uri][-1] != versions[-1]:
            await asyncio.sleep(0.02)
        return session.published[uri][-1]
    last = session.run(last_version())
    expected = FIXTURE.split("\n")
    expected[row] = expected[row][:col] + "x" + expected[row][col:]          # thirteen changes: the `x` stays
    assert [d.code for d in last] == ["E201"] and list(last) == lsp_diagnostics("\n".join(expected), uri, "en")
    assert set(session.published_versions[uri][1:]) <= set(versions)    # stale texts may be skipped, never invented


def test_only_other_kinds_asked_gets_no_quick_fixes(session: Session) -> None:
    uri = "file:///only.yaml"
    text, _, _ = with_typo()
    found = [d for d in session.open(uri, text) if d.code == "E201"]
    asked = lsp.CodeActionParams(text_document=lsp.TextDocumentIdentifier(uri=uri), range=found[0].range,
                                 context=lsp.CodeActionContext(diagnostics=found, only=[lsp.CodeActionKind.Source]))
    assert not session.run(session.client.text_document_code_action_async(asked))
    asked.context.only = [lsp.CodeActionKind.QuickFix]
    assert len(session.run(session.client.text_document_code_action_async(asked))) == 1


def test_a_change_to_a_document_never_opened_does_not_stop_the_server(session: Session) -> None:
    change = lsp.TextDocumentContentChangePartial(range=lsp.Range(lsp.Position(0, 0), lsp.Position(0, 0)), text="x")
    session.client.text_document_did_change(lsp.DidChangeTextDocumentParams(
        text_document=lsp.VersionedTextDocumentIdentifier(uri="file:///ghost.yaml", version=7), content_changes=[change]))
    text, _, _ = with_typo()
    assert [d.code for d in session.open("file:///after-ghost.yaml", text)] == ["E201"]
