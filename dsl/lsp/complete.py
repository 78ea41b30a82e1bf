"""Completion: what may follow the text before the cursor. Where a key goes, the keys the
schema allows there (keys.py); field paths after `order.` and the other case roots (from the
vocabulary, with labels and type), parameters after `params.` (from the document), an enum
field's values inside quotes after `==`, `!=` or `in [`, and otherwise the built-in
functions with their signatures. In an adapter mapping only the field paths. Nothing in a
comment or in a block scalar of prose (`description: |`, prose.py)."""
from __future__ import annotations

import re

from lsprotocol import types as lsp

from dsl.lang.builtins import FUNCTIONS
from dsl.lang.vocabulary import default_vocabulary
from dsl.lsp.features import document_params, field_detail, is_mapping_text, shown
from dsl.lsp.keys import key_items
from dsl.lsp.positions import from_lsp, split_lines
from dsl.lsp.prose import block_scalar_at, holds_expression, in_comment

_ROOTS = ("order", "aftersale", "buyer", "shop")
_PATH = re.compile(r"\b((?:" + "|".join(_ROOTS) + r")(?:\.\w+)*)\.(\w*)$")
_PARAM = re.compile(r"\bparams\.(\w*)$")
_COMPARED = re.compile(r"\b([\w.]+)\s*(?:==|!=)\s*[\"'](\w*)$")
_IN_LIST = re.compile(r"\b([\w.]+)\s+in\s+\[[^\]]*[\"'](\w*)$")
_NAME = re.compile(r"(?<![\w.])(\w*)$")


def completion(text: str, line: int, character: int, lang: str = "zh", uri: str | None = None) -> list[lsp.CompletionItem]:
    """The items for the cursor at (line, character), UTF-16 as the client counts. In an
    adapter mapping (`uri`: where a relative `extends:` is read, to tell its kind) only case
    field paths: a rulebook's keys, parameters and functions mean nothing there."""
    lines = split_lines(text)
    row, col = from_lsp(lines, line, character)
    before = lines[row][:col]
    block = block_scalar_at(lines, row, before)
    if block is not None and not holds_expression(block) or block is None and in_comment(before):
        return []   # a description's prose, a comment: nothing there is a field or a function
    if is_mapping_text(text, uri):
        match = _PATH.search(before)
        return _fields(match, text) if match else []
    keys = key_items(lines, row, before, lang) if block is None else None
    if keys is not None:
        return keys
    for pattern, items in ((_PATH, _fields), (_PARAM, _params), (_COMPARED, _values), (_IN_LIST, _values)):
        match = pattern.search(before)
        if match:
            return items(match, text)
    return _functions() if _NAME.search(before) else []


def _fields(match: re.Match[str], text: str) -> list[lsp.CompletionItem]:
    return [lsp.CompletionItem(label=f.path.rpartition(".")[2], kind=lsp.CompletionItemKind.Field,
                               detail=field_detail(f), documentation=f.path)
            for f in default_vocabulary().children(match.group(1))]


def _params(match: re.Match[str], text: str) -> list[lsp.CompletionItem]:
    return [lsp.CompletionItem(label=name, kind=lsp.CompletionItemKind.Variable, detail=f"{kind} = {shown(value)}")
            for name, (value, kind) in document_params(text).items()]


def _values(match: re.Match[str], text: str) -> list[lsp.CompletionItem]:
    f = default_vocabulary().get(match.group(1))
    if f is None:
        return []
    return [lsp.CompletionItem(label=v, kind=lsp.CompletionItemKind.EnumMember, detail=f"{zh} / {en}")
            for v, zh, en in f.value_labels]


def _functions() -> list[lsp.CompletionItem]:
    return [lsp.CompletionItem(label=fn.name, kind=lsp.CompletionItemKind.Function, detail=fn.usage,
                               documentation=fn.doc) for fn in FUNCTIONS.values()]
