"""The test client of `rulebook lsp`: pygls's own LanguageClient on its own event loop,
talking over stdio to `python cli.py lsp` from this checkout (one server per test module)."""
from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types as lsp
from pygls.lsp.client import LanguageClient

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = (ROOT / "tests" / "fixtures" / "rulebooks" / "douyin.yaml").read_text(encoding="utf-8")
TIMEOUT = 30


class Session:
    """A client on its own event loop, talking to `python cli.py lsp` from this checkout."""

    def __init__(self, capabilities: lsp.ClientCapabilities | None = None) -> None:
        self.capabilities = capabilities or lsp.ClientCapabilities()
        self.loop = asyncio.new_event_loop()
        self.client = LanguageClient("rulebook-test", "1")
        self.published: dict[str, list[list[lsp.Diagnostic]]] = {}
        self.published_versions: dict[str, list[int | None]] = {}
        self.version = 0

        @self.client.feature(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def on_diagnostics(params: lsp.PublishDiagnosticsParams) -> None:
            self.published.setdefault(params.uri, []).append(params.diagnostics)
            self.published_versions.setdefault(params.uri, []).append(params.version)

    def run(self, coro: Any) -> Any:
        return self.loop.run_until_complete(asyncio.wait_for(coro, TIMEOUT))

    def start(self) -> None:
        env = dict(os.environ, PYTHONPATH=str(ROOT))     # this checkout's code; run beside the fixtures
        self.run(self.client.start_io(sys.executable, str(ROOT / "cli.py"), "lsp", env=env,
                                      cwd=str(ROOT / "tests" / "fixtures")))
        self.result = self.run(self.client.initialize_async(lsp.InitializeParams(
            capabilities=self.capabilities, initialization_options={"lang": "en"})))
        self.client.initialized(lsp.InitializedParams())

    def stop(self) -> None:
        try:
            self.run(self.client.shutdown_async(None))
            self.client.exit(None)
            self.run(self.client.stop())
        finally:
            self.loop.close()

    def diagnostics_after(self, uri: str, send: Any) -> list[lsp.Diagnostic]:
        """Send a notification and wait for the diagnostics it brings."""
        seen = len(self.published.get(uri, []))
        send()

        async def wait() -> list[lsp.Diagnostic]:
            while len(self.published.get(uri, [])) <= seen:
                await asyncio.sleep(0.02)
            return self.published[uri][-1]
        return self.run(wait())

    def open(self, uri: str, text: str) -> list[lsp.Diagnostic]:
        item = lsp.TextDocumentItem(uri=uri, language_id="yaml", version=1, text=text)
        return self.diagnostics_after(uri, lambda: self.client.text_document_did_open(
            lsp.DidOpenTextDocumentParams(text_document=item)))

    def change(self, uri: str, text: str) -> list[lsp.Diagnostic]:
        self.version += 1
        doc = lsp.VersionedTextDocumentIdentifier(uri=uri, version=self.version + 1)
        change = lsp.TextDocumentContentChangeWholeDocument(text=text)
        return self.diagnostics_after(uri, lambda: self.client.text_document_did_change(
            lsp.DidChangeTextDocumentParams(text_document=doc, content_changes=[change])))

    def close(self, uri: str) -> None:
        self.client.text_document_did_close(
            lsp.DidCloseTextDocumentParams(text_document=lsp.TextDocumentIdentifier(uri=uri)))

    def where(self, uri: str, line: int, character: int) -> dict[str, Any]:
        return {"text_document": lsp.TextDocumentIdentifier(uri=uri), "position": lsp.Position(line, character)}

    def completion(self, uri: str, line: int, character: int) -> list[lsp.CompletionItem]:
        found = self.run(self.client.text_document_completion_async(lsp.CompletionParams(**self.where(uri, line, character))))
        return list(found.items if isinstance(found, lsp.CompletionList) else found or [])

    def hover(self, uri: str, line: int, character: int) -> str | None:
        found = self.run(self.client.text_document_hover_async(lsp.HoverParams(**self.where(uri, line, character))))
        return found.contents.value if found else None

    def edit(self, uri: str, *changes: tuple[int, int, int, int, str]) -> list[lsp.Diagnostic]:
        """Incremental changes: (line, character, end_line, end_character, new text), UTF-16."""
        self.version += 1
        doc = lsp.VersionedTextDocumentIdentifier(uri=uri, version=self.version + 1)
        sent = [lsp.TextDocumentContentChangePartial(range=lsp.Range(lsp.Position(a, b), lsp.Position(c, d)), text=t)
                for a, b, c, d, t in changes]
        return self.diagnostics_after(uri, lambda: self.client.text_document_did_change(
            lsp.DidChangeTextDocumentParams(text_document=doc, content_changes=sent)))

    def code_actions(self, uri: str, where: lsp.Range, diagnostics: list[lsp.Diagnostic]) -> list[lsp.CodeAction]:
        found = self.run(self.client.text_document_code_action_async(lsp.CodeActionParams(
            text_document=lsp.TextDocumentIdentifier(uri=uri), range=where,
            context=lsp.CodeActionContext(diagnostics=diagnostics))))
        return [a for a in found or [] if isinstance(a, lsp.CodeAction)]

    def inlay_hints(self, uri: str, first: int = 0, last: int = 10**6) -> list[lsp.InlayHint]:
        found = self.run(self.client.text_document_inlay_hint_async(lsp.InlayHintParams(
            text_document=lsp.TextDocumentIdentifier(uri=uri),
            range=lsp.Range(lsp.Position(first, 0), lsp.Position(last, 0)))))
        return list(found or [])

    def definition(self, uri: str, line: int, character: int) -> list[lsp.Location]:
        found = self.run(self.client.text_document_definition_async(
            lsp.DefinitionParams(**self.where(uri, line, character))))
        return [found] if isinstance(found, lsp.Location) else list(found or [])

    def references(self, uri: str, line: int, character: int, declaration: bool = True) -> list[lsp.Location]:
        found = self.run(self.client.text_document_references_async(lsp.ReferenceParams(
            **self.where(uri, line, character), context=lsp.ReferenceContext(include_declaration=declaration))))
        return list(found or [])


@pytest.fixture(scope="module")
def session() -> Iterator[Session]:
    """One server for a test module (import this name into the module to use it)."""
    s = Session()
    s.start()
    try:
        yield s
    finally:
        s.stop()


def with_typo(prefix: str = "") -> tuple[str, int, str]:
    """The fixture with one `order.paid_amount` misspelt, `prefix` before it on its line."""
    lines = FIXTURE.split("\n")
    row = next(i for i, line in enumerate(lines) if "order.paid_amount" in line)
    lines[row] = lines[row].replace("order.paid_amount", prefix + "order.paid_amout", 1)
    return "\n".join(lines), row, lines[row]


def offset16(text: str, line: int, character: int) -> int:
    """The string index of an LSP position (UTF-16), computed apart from dsl/lsp/positions.py."""
    lines = text.split("\n")
    before = sum(len(s) + 1 for s in lines[:line])
    return before + len(lines[line].encode("utf-16-le")[:2 * character].decode("utf-16-le"))


def apply16(text: str, edits: list[lsp.TextEdit]) -> str:
    """The text after the client applies `edits` (UTF-16 ranges), last first."""
    for edit in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        r = edit.range
        text = text[:offset16(text, r.start.line, r.start.character)] + edit.new_text + \
            text[offset16(text, r.end.line, r.end.character):]
    return text


def utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2
