"""`rulebook lsp` on an adapter mapping file (docs/adapters.md): the diagnostics are the ones
`rulebook check` prints for the saved file (same codes, words and hints, at UTF-16 ranges),
not a rulebook's cascade; what only a rulebook has (its keys, parameters, functions, inlay
hints, formatting) answers nothing, and no request on a mapping fails."""
from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("pygls")

from lsprotocol import types as lsp  # noqa: E402

from dsl.book.checking import check_file  # noqa: E402
from dsl.lsp.actions import code_actions  # noqa: E402
from dsl.lsp.complete import completion  # noqa: E402
from dsl.lsp.features import formatting, hover  # noqa: E402
from dsl.lsp.inlay import inlay_hints  # noqa: E402
from dsl.lsp.navigate import definition, references  # noqa: E402
from lspclient import Session, utf16, session  # noqa: E402,F401,F811 - session: the fixture

TYPO = "extends: douyin-aftersale-list\nfeilds:\n  order.status: null\n"
# an error after an emoji and CJK on its line: the ranges count UTF-16 units
WIDE = ("description: 抖音🥿 我的映射\nextends: douyin-aftersale-list\nfields:\n"
        "  order.goods_kind: {from: 商品🥿, convert: code, table: nope}\n")
MAPPING = "extends: douyin-aftersale-list\nfields:\n  order.status: {from: order_info.status, convert: code, table: order_status}\n"


def saved(folder: Path, text: str, name: str = "my-mapping.yaml") -> tuple[Path, str]:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path, path.resolve().as_uri()


def as_check_says(path: Path, text: str) -> list[tuple[str, tuple[int, int, int, int], str]]:
    """`rulebook check`'s diagnostics of the saved file that are in it, as the server must
    publish them: (code, UTF-16 range, message with its hint in brackets), worked out here by hand."""
    lines = text.split("\n")
    out = []
    for d in (d for d in check_file(path).diagnostics if d.file == str(path)):
        span = d.span
        start = utf16(lines[span.line - 1][:span.col - 1])
        end = utf16(lines[span.end_line - 1][:span.end_col - 1])
        hint = d.hint_text("en")
        out.append((d.code, (span.line - 1, start, span.end_line - 1, end),
                    d.message("en") + (f" ({hint})" if hint else "")))
    return out


def published(found: list[lsp.Diagnostic]) -> list[tuple[str, tuple[int, int, int, int], str]]:
    return [(str(d.code), (d.range.start.line, d.range.start.character, d.range.end.line, d.range.end.character),
             d.message) for d in found]


@pytest.mark.parametrize("text", [TYPO, WIDE], ids=["typo", "wide-characters"])
def test_a_mapping_gets_the_diagnostics_rulebook_check_prints(session: Session, tmp_path: Path, text: str) -> None:
    path, uri = saved(tmp_path, text)
    found = session.open(uri, text)
    assert published(found) == as_check_says(path, text)
    assert found and all(d.code in ("E701", "E702") for d in found)     # no "'rulebook' is missing", no E306
    assert all(d.source == "rulebook" and d.severity == lsp.DiagnosticSeverity.Error for d in found)


def test_the_wide_line_is_counted_in_utf16(session: Session, tmp_path: Path) -> None:
    _, uri = saved(tmp_path, WIDE)
    found = session.open(uri, WIDE)
    line = WIDE.split("\n")[3]
    table = next(d for d in found if "no table 'nope'" in d.message)
    start = utf16(line[:line.index("nope")])
    assert start == line.index("nope") + 1                               # the emoji is two units
    assert table.range == lsp.Range(lsp.Position(3, start), lsp.Position(3, start + 4))


def test_a_typo_fixed_in_the_editor_clears_the_mapping(session: Session, tmp_path: Path) -> None:
    _, uri = saved(tmp_path, TYPO)
    assert [d.code for d in session.open(uri, TYPO)] == ["E702"]
    assert list(session.change(uri, TYPO.replace("feilds", "fields").replace("order.status: null", "order.id: null"))) == []


def test_a_relative_extends_is_read_beside_the_file_and_a_broken_base_is_said_at_extends(session: Session,
                                                                                         tmp_path: Path) -> None:
    saved(tmp_path, "adapter: base\nfields:\n  aftersale.tpye: {from: type}\n", "base.yaml")
    text = "extends: ./base.yaml\n"
    path, uri = saved(tmp_path, text)
    found = session.open(uri, text)
    assert [(d.code, d.range) for d in found] == [("E701", lsp.Range(lsp.Position(0, 9), lsp.Position(0, 20)))]
    assert found[0].message.startswith("the base ./base.yaml has 1 error(s), the first at ")
    assert found[0].message.endswith("base.yaml:3:3: run rulebook check on it")
    # check prints the base's own error too, in the base file: the editor shows this file's
    # problems only, as for a shop overlay (E327)
    assert [d.file for d in check_file(path).diagnostics] == [str(tmp_path / "base.yaml"), str(path)]
    assert published(found) == as_check_says(path, text)


def test_an_extends_of_a_missing_file_alone_is_one_error_at_its_value(session: Session, tmp_path: Path) -> None:
    text = "extends: ./does-not-exist.yaml\n"
    _, uri = saved(tmp_path, text)
    found = session.open(uri, text)
    assert [(d.code, d.range) for d in found] == [("E320", lsp.Range(lsp.Position(0, 9), lsp.Position(0, 30)))]
    assert found[0].message.startswith("cannot extend './does-not-exist.yaml': no file ")


def test_hover_and_completion_on_a_mapping_answer_without_a_rulebooks_items(session: Session, tmp_path: Path) -> None:
    text = MAPPING + "  order.\n\nda"
    _, uri = saved(tmp_path, text)
    session.open(uri, text)
    shown = session.hover(uri, 2, 4)
    assert shown is not None and shown.startswith("**order.status**:")
    fields = {i.label for i in session.completion(uri, 3, len("  order."))}
    assert {"status", "paid_amount"} <= fields
    assert session.completion(uri, 4, 0) == []                 # no rulebook keys (rules:, parameters:, ...)
    assert session.completion(uri, 5, 2) == []                 # no rulebook functions (days_between, ...)
    assert session.inlay_hints(uri) == []


def test_every_feature_answers_a_mapping_without_failing() -> None:
    """Called directly (the server would log a failure and answer empty): nothing raises, and
    what a mapping has no use for is empty."""
    text = TYPO + "  order.\n"
    uri = "untitled:my-mapping"
    assert completion(text, 3, len("  order."), "en", uri)
    assert completion(text, 1, 0, "en", uri) == []
    assert hover(text, 0, 3, "en", [], uri) is None            # 'extends' names no field, function or parameter here
    assert inlay_hints(text, "en", 0, 10) == []
    assert formatting(text) == []                              # `rulebook fmt` formats rulebooks only
    whole = lsp.Range(lsp.Position(0, 0), lsp.Position(3, 0))
    assert all(a.kind == lsp.CodeActionKind.QuickFix for a in code_actions(text, uri, whole, "en"))
    assert definition(text, uri, 2, 4)[0].uri.endswith("vocabulary.yaml")   # order.status: into the vocabulary
    assert isinstance(references(text, uri, 2, 4, True), list)


def test_the_server_logs_no_failure_for_a_mapping(tmp_path: Path) -> None:
    """A handler that failed would be logged to stderr (and answered empty): none is."""
    s = Session()
    s.start()
    text = TYPO + "  order.\n"                  # mid-edit: no YAML (E300), still a mapping
    path, uri = saved(tmp_path, text)
    try:
        assert published(s.open(uri, text)) == as_check_says(path, text)
        s.hover(uri, 1, 2)
        s.hover(uri, 2, 4)
        s.completion(uri, 3, len("  order."))
        s.completion(uri, 1, 0)
        s.inlay_hints(uri)
        s.code_actions(uri, lsp.Range(lsp.Position(1, 0), lsp.Position(1, 6)), [])
        s.definition(uri, 2, 4)
        s.references(uri, 2, 4)
        s.run(s.client.text_document_formatting_async(lsp.DocumentFormattingParams(
            text_document=lsp.TextDocumentIdentifier(uri=uri), options=lsp.FormattingOptions(tab_size=2, insert_spaces=True))))
    finally:
        server = s.client._server
        s.run(s.client.shutdown_async(None))
        s.client.exit(None)
        logged = s.run(server.stderr.read()).decode("utf-8", "replace")
        s.run(s.client.stop())
        s.loop.close()
    assert "failed" not in logged and "Traceback" not in logged, logged
