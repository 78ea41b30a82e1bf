"""The protocol side: a pygls 2 server over stdio, incremental document sync, positions in
UTF-16 whatever the client offers. Every handler is guarded: a failure is logged to stderr
and answered empty, so no input (broken YAML, binary junk, a huge document, a stale
position, a document closed twice) stops the server."""
from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from lsprotocol import types as lsp
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol
from pygls.protocol.language_server import lsp_method

from dsl.lsp.actions import code_actions
from dsl.lsp.complete import completion
from dsl.lsp.features import formatting, hover, lsp_diagnostics
from dsl.lsp.inlay import inlay_hints
from dsl.lsp.navigate import definition, references

log = logging.getLogger("rulebook.lsp")
T = TypeVar("T")


class Utf16Protocol(LanguageServerProtocol):
    """Positions in UTF-16, the encoding every client must support. pygls would otherwise pick
    the client's first offer (Neovim offers utf-8 first), and every conversion here, as the
    client's edits, counts UTF-16 units (dsl/lsp/positions.py)."""

    @lsp_method(lsp.INITIALIZE)
    def lsp_initialize(self, params: lsp.InitializeParams) -> Any:
        if params.capabilities.general is not None:
            params.capabilities.general.position_encodings = [lsp.PositionEncodingKind.Utf16]
        return (yield from super().lsp_initialize(params))


class RulebookServer(LanguageServer):
    """Keeps the language chosen at initialization and the last diagnostics of each document
    (hover shows the catalogue text of the ones under the cursor). The client sends only what
    changed (incremental sync); pygls applies it in UTF-16 units."""

    def __init__(self) -> None:
        super().__init__("rulebook", "1", text_document_sync_kind=lsp.TextDocumentSyncKind.Incremental,
                         protocol_cls=Utf16Protocol)
        self.lang = "zh"
        self.diagnostics: dict[str, list[lsp.Diagnostic]] = {}


def guarded(empty: Any) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """Answer `empty` (and log why) when a handler fails, instead of failing the request."""
    def wrap(handler: Callable[..., T]) -> Callable[..., T]:
        @functools.wraps(handler)
        def run(*args: Any) -> T:
            try:
                return handler(*args)
            except Exception:              # the server outlives any document
                log.exception("rulebook lsp: %s failed", handler.__name__)
                return empty
        return run
    return wrap


def language_of(params: lsp.InitializeParams) -> str:
    """zh or en: initializationOptions {"lang": ...} first, then the client's locale, else zh."""
    options = params.initialization_options
    if isinstance(options, dict) and options.get("lang") in ("zh", "en"):
        return str(options["lang"])
    if params.locale:
        return "zh" if params.locale.lower().startswith("zh") else "en"
    return "zh"


server = RulebookServer()


@server.feature(lsp.INITIALIZE)
@guarded(None)
def initialize(ls: RulebookServer, params: lsp.InitializeParams) -> None:
    ls.lang = language_of(params)


def _publish(ls: RulebookServer, uri: str) -> None:
    document = ls.workspace.get_text_document(uri)
    text = document.source
    try:
        found = lsp_diagnostics(text, uri, ls.lang)
    except Exception:                      # say nothing rather than die
        log.exception("rulebook lsp: checking %s failed", uri)
        found = []
    ls.diagnostics[uri] = found
    ls.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri=uri, diagnostics=found,
                                                                       version=document.version))


@server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)
@guarded(None)
def did_open(ls: RulebookServer, params: lsp.DidOpenTextDocumentParams) -> None:
    _publish(ls, params.text_document.uri)


@server.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)
async def did_change(ls: RulebookServer, params: lsp.DidChangeTextDocumentParams) -> None:
    """Check the text once the changes already waiting are applied: in a burst of keystrokes
    only the newest text is checked (a check costs ~100 ms; each stale one would delay the
    diagnostics the author sees)."""
    uri, version = params.text_document.uri, params.text_document.version
    await asyncio.sleep(0)                 # let pygls read the notifications already sent
    try:
        if ls.workspace.get_text_document(uri).version not in (None, version):
            return                         # a newer change came: its own handler checks
        _publish(ls, uri)
    except Exception:                      # the server outlives any document
        log.exception("rulebook lsp: did_change failed")


@server.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)
@guarded(None)
def did_close(ls: RulebookServer, params: lsp.DidCloseTextDocumentParams) -> None:
    ls.diagnostics.pop(params.text_document.uri, None)


def _text(ls: RulebookServer, uri: str) -> str:
    return ls.workspace.get_text_document(uri).source


@server.feature(lsp.TEXT_DOCUMENT_COMPLETION, lsp.CompletionOptions(trigger_characters=[".", '"', "'"]))
@guarded([])
def complete(ls: RulebookServer, params: lsp.CompletionParams) -> list[lsp.CompletionItem]:
    pos = params.position
    uri = params.text_document.uri
    return completion(_text(ls, uri), pos.line, pos.character, ls.lang, uri)


@server.feature(lsp.TEXT_DOCUMENT_HOVER)
@guarded(None)
def on_hover(ls: RulebookServer, params: lsp.HoverParams) -> lsp.Hover | None:
    uri, pos = params.text_document.uri, params.position
    return hover(_text(ls, uri), pos.line, pos.character, ls.lang, ls.diagnostics.get(uri, []), uri)


@server.feature(lsp.TEXT_DOCUMENT_FORMATTING)
@guarded([])
def on_format(ls: RulebookServer, params: lsp.DocumentFormattingParams) -> list[lsp.TextEdit]:
    return formatting(_text(ls, params.text_document.uri))


@server.feature(lsp.TEXT_DOCUMENT_CODE_ACTION, lsp.CodeActionOptions(code_action_kinds=[lsp.CodeActionKind.QuickFix]))
@guarded([])
def on_code_action(ls: RulebookServer, params: lsp.CodeActionParams) -> list[lsp.CodeAction]:
    only = params.context.only
    if only and not any(lsp.CodeActionKind.QuickFix.value.startswith(kind) for kind in only):
        return []                          # the client asked for other kinds (e.g. source actions on save)
    uri = params.text_document.uri
    return code_actions(_text(ls, uri), uri, params.range, ls.lang)


@server.feature(lsp.TEXT_DOCUMENT_INLAY_HINT)
@guarded([])
def on_inlay_hint(ls: RulebookServer, params: lsp.InlayHintParams) -> list[lsp.InlayHint]:
    uri, where = params.text_document.uri, params.range
    return inlay_hints(_text(ls, uri), ls.lang, where.start.line, where.end.line)


@server.feature(lsp.TEXT_DOCUMENT_DEFINITION)
@guarded([])
def on_definition(ls: RulebookServer, params: lsp.DefinitionParams) -> list[lsp.Location]:
    uri, pos = params.text_document.uri, params.position
    return definition(_text(ls, uri), uri, pos.line, pos.character)


@server.feature(lsp.TEXT_DOCUMENT_REFERENCES)
@guarded([])
def on_references(ls: RulebookServer, params: lsp.ReferenceParams) -> list[lsp.Location]:
    uri, pos = params.text_document.uri, params.position
    return references(_text(ls, uri), uri, pos.line, pos.character, params.context.include_declaration)


def run() -> None:
    """Serve over stdin/stdout until the client says exit."""
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    server.start_io()
