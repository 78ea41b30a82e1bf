"""What the server answers, computed from a document's text (no pygls here: the tests call
these directly too). Diagnostics are `rulebook check`'s own (`check_text`: an adapter
mapping's as `check` checks a mapping file), formatting is `rulebook fmt`'s (`format_text`);
completion and hover read the vocabulary, the document's parameters and the built-in
functions, so the editor and the command line never disagree. In a mapping what only a
rulebook has (its keys, parameters, functions, inlay hints, formatting) answers nothing."""
from __future__ import annotations

import re
from collections import OrderedDict
from pathlib import Path
from typing import Any

from lsprotocol import types as lsp

from dsl.book.checking import check_text_model, may_extend
from dsl.book.model import Rulebook
from dsl.diagnostics import MESSAGES, Diagnostic
from dsl.lang.builtins import FUNCTIONS
from dsl.lang.vocabulary import Field, default_vocabulary
from dsl.lsp.positions import from_lsp, split_lines, to_lsp

_SEVERITY = {"error": lsp.DiagnosticSeverity.Error, "warning": lsp.DiagnosticSeverity.Warning}
_WORD = re.compile(r"[A-Za-z_][\w.]*")
_CODE = re.compile(r"\bE\d{3}\b")


_ANALYSED: OrderedDict[str, tuple[Rulebook | None, tuple[Diagnostic, ...]]] = OrderedDict()
_KEPT = 8


def analysed(text: str, name: str = "<lsp>") -> tuple[Rulebook | None, tuple[Diagnostic, ...]]:
    """`check_text` of a text and the model it built, kept for the few texts last seen: the
    diagnostics, the code actions, the inlay hints, completion and hover of parameters and a
    re-sent unchanged text share one check. Kept by text alone: `name` only fills the
    diagnostics' file, which no client is shown. `name` is the document's URI: a `file:` one
    is where a shop overlay's relative `extends:` is read from, and an overlay (whose answer
    depends on its base's file too) is checked afresh each time."""
    if may_extend(text):
        model, diags = check_text_model(text, name, path_of_uri(name))
        return model, tuple(diags)
    found = _ANALYSED.get(text)
    if found is None:
        model, diags = check_text_model(text, name, path_of_uri(name))
        found = _ANALYSED[text] = (model, tuple(diags))
        while len(_ANALYSED) > _KEPT:
            _ANALYSED.popitem(last=False)
    else:
        _ANALYSED.move_to_end(text)
    return found


def is_mapping_text(text: str, uri: str | None = None) -> bool:
    """Whether the text is an adapter mapping (dsl/book/filekind.py, as `rulebook check` tells
    it), read from the document's `file:` URI's folder when its `extends:` names a file."""
    from dsl.book.filekind import text_kind

    origin = path_of_uri(uri) if uri else None
    return text_kind(text, Path(origin) if origin else None) == "mapping"


def checked(text: str, name: str) -> tuple[Diagnostic, ...]:
    """`rulebook check`'s diagnostics of the text (computed once per text)."""
    return analysed(text, name)[1]


def lsp_diagnostics(text: str, name: str, lang: str) -> list[lsp.Diagnostic]:
    """`rulebook check`'s problems of the text, in `lang`, at UTF-16 ranges. A `file:` URI
    is the file a shop overlay's relative `extends:` is read from."""
    lines = split_lines(text)
    return [to_lsp_diagnostic(d, lines, lang) for d in checked(text, name)]


def path_of_uri(uri: str) -> str | None:
    """`file:///home/a/shops/acme.yaml` -> `/home/a/shops/acme.yaml`; None for another scheme."""
    from urllib.parse import unquote, urlparse

    parsed = urlparse(uri)
    if parsed.scheme != "file":
        return None
    path = unquote(parsed.path)
    return path[1:] if len(path) > 2 and path[0] == "/" and path[2] == ":" else path   # /C:/… on Windows


def lsp_range(lines: list[str], line: int, col: int, end_line: int, end_col: int) -> lsp.Range:
    """A loader range (1-based, code points, end exclusive) at UTF-16 positions."""
    return lsp.Range(lsp.Position(*to_lsp(lines, line, col)), lsp.Position(*to_lsp(lines, end_line, end_col)))


def to_lsp_diagnostic(diag: Diagnostic, lines: list[str], lang: str) -> lsp.Diagnostic:
    span = diag.span
    where = lsp_range(lines, span.line, span.col, span.end_line, span.end_col) if span else \
        lsp.Range(lsp.Position(0, 0), lsp.Position(0, 0))
    message = diag.message(lang)
    hint = diag.hint_text(lang)
    if hint:
        message += f" ({hint})"
    return lsp.Diagnostic(range=where, message=message,
                          severity=_SEVERITY.get(diag.severity, lsp.DiagnosticSeverity.Error),
                          code=diag.code, source="rulebook")


def formatting(text: str) -> list[lsp.TextEdit]:
    """The edit `rulebook fmt` would make: the whole document replaced, or nothing (clean
    already, or not formattable: its errors are the diagnostics). A BOM and CRLF line ends
    are kept, as `fmt` keeps them in a file."""
    from dsl.tools.fmt import format_text

    bom = "\ufeff" if text.startswith("\ufeff") else ""
    crlf = "\r\n" in text
    result = format_text(text[len(bom):].replace("\r\n", "\n"))
    if result.after is None:
        return []
    after = bom + (result.after.replace("\n", "\r\n") if crlf else result.after)
    if after == text:
        return []
    lines = split_lines(text)
    end = lsp.Position(len(lines) - 1, to_lsp(lines, len(lines), 1)[1])
    return [lsp.TextEdit(range=lsp.Range(lsp.Position(0, 0), end), new_text=after)]


def document_params(text: str) -> dict[str, tuple[Any, str]]:
    """name -> (value, type label) of the document's parameters; the model's types when the
    rulebook builds, else the raw YAML values (an author mid-edit still gets completion)."""
    from dsl.book.loader import document_from_bytes

    try:
        model, _ = analysed(text)
        if model is not None:
            return {n: (p.value, p.type.label("en")) for n, p in model.params.items()}
        data = document_from_bytes(text.encode("utf-8", errors="replace"), "<lsp>").data
    except Exception:                      # noqa: BLE001 - any broken text: no parameters known
        return {}
    section = data.get("parameters") if isinstance(data, dict) else None
    if not isinstance(section, dict):
        return {}
    return {str(n): ((p.get("value") if isinstance(p, dict) else p), "?") for n, p in section.items()}


def param_notes(text: str, name: str, lang: str) -> list[str]:
    """A parameter's label (in `lang`, the other after it) and description, as its long form
    (`{value: …, zh: …, en: …, description: …}`) gives them; nothing for the shorthand."""
    from dsl.book.loader import document_from_bytes

    try:
        data = document_from_bytes(text.encode("utf-8", errors="replace"), "<lsp>").data
        entry = data["parameters"][name]
    except Exception:                      # noqa: BLE001 - broken text or no such parameter: nothing to add
        return []
    if not isinstance(entry, dict):
        return []
    first, second = ("zh", "en") if lang == "zh" else ("en", "zh")
    labels = " / ".join(str(entry[k]) for k in (first, second) if entry.get(k))
    return [part for part in (labels, entry.get("description")) if isinstance(part, str) and part]


def shown(value: Any) -> str:
    """A parameter's value as the author wrote it (a set of text in order, a decimal as digits)."""
    if isinstance(value, (set, frozenset)):
        return "[" + ", ".join(sorted(str(v) for v in value)) + "]"
    return str(value) if not isinstance(value, str) else repr(value)


def field_detail(f: Field) -> str:
    return f"{f.zh} / {f.en} ({f.type.label('en')})"


def hover(text: str, line: int, character: int, lang: str,
          diagnostics: list[lsp.Diagnostic], uri: str | None = None) -> lsp.Hover | None:
    """A field, a parameter, a function or an error code (its catalogue text) under the cursor,
    and the diagnostics whose range holds it (code and message, as `check` words them). In
    an adapter mapping, fields and codes only (a word that names a rulebook's function or
    parameter means nothing there)."""
    lines = split_lines(text)
    row, col = from_lsp(lines, line, character)
    word = _word_at(lines[row], col)
    if word and is_mapping_text(text, uri) and default_vocabulary().get(word) is None and not _CODE.fullmatch(word):
        word = None
    parts = [_describe(word, text, lang) if word else None, _diagnostics_at(diagnostics, line, character)]
    value = "\n\n".join(p for p in parts if p)
    return lsp.Hover(contents=lsp.MarkupContent(kind=lsp.MarkupKind.Markdown, value=value)) if value else None


def _word_at(line: str, col: int) -> str | None:
    for match in _WORD.finditer(line):
        if match.start() <= col <= match.end():
            return match.group().rstrip(".")
    return None


def _describe(word: str, text: str, lang: str) -> str | None:
    vocab = default_vocabulary()
    if word.startswith("params."):
        found = document_params(text).get(word[len("params."):])
        if not found:
            return None
        notes = param_notes(text, word[len("params."):], lang)
        return f"**{word}** = `{shown(found[0])}` ({found[1]})" + "".join(f"\n\n{n}" for n in notes)
    f = vocab.get(word)
    if f is not None:
        out = [f"**{word}**: {field_detail(f)}"]
        out += [f"- `\"{v}\"`: {zh} / {en}" for v, zh, en in f.value_labels]
        return "\n".join(out)
    if word in FUNCTIONS:
        fn = FUNCTIONS[word]
        return f"`{fn.usage or fn.name}`\n\n{fn.doc}"
    if _CODE.fullmatch(word) and word in MESSAGES:
        return code_text(word, lang)
    return None


def code_text(code: str, lang: str) -> str:
    """An error code's catalogue text (its template, in `lang`)."""
    en, zh = MESSAGES[code]
    return f"**{code}**: {zh if lang == 'zh' else en}"


def _diagnostics_at(diagnostics: list[lsp.Diagnostic], line: int, character: int) -> str | None:
    def holds(r: lsp.Range) -> bool:
        return (r.start.line, r.start.character) <= (line, character) <= (r.end.line, r.end.character)

    found = [f"**{d.code}**: {d.message}" for d in diagnostics if holds(d.range)]   # rendered in the server's language
    return "\n\n".join(dict.fromkeys(found)) or None
