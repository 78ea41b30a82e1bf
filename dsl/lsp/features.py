"""What the server answers, computed from a document's text (no pygls here: the tests call
these directly too). Diagnostics are `rulebook check`'s own (`check_text`), formatting is
`rulebook fmt`'s (`format_text`); completion and hover read the vocabulary, the document's
parameters and the built-in functions, so the editor and the command line never disagree."""
from __future__ import annotations

import re
from typing import Any

from lsprotocol import types as lsp

from dsl.book.checking import check_text
from dsl.diagnostics import MESSAGES, Diagnostic
from dsl.lang.builtins import FUNCTIONS
from dsl.lang.vocabulary import Field, default_vocabulary
from dsl.lsp.positions import from_lsp, split_lines, to_lsp

_SEVERITY = {"error": lsp.DiagnosticSeverity.Error, "warning": lsp.DiagnosticSeverity.Warning}
_WORD = re.compile(r"[A-Za-z_][\w.]*")
_CODE = re.compile(r"\bE\d{3}\b")


def lsp_diagnostics(text: str, name: str, lang: str) -> list[lsp.Diagnostic]:
    """`rulebook check`'s problems of the text, in `lang`, at UTF-16 ranges. A `file:` URI
    is the file a shop overlay's relative `extends:` is read from."""
    lines = split_lines(text)
    return [_to_lsp(d, lines, lang) for d in check_text(text, name, path_of_uri(name))]


def path_of_uri(uri: str) -> str | None:
    """`file:///home/a/shops/acme.yaml` -> `/home/a/shops/acme.yaml`; None for another scheme."""
    from urllib.parse import unquote, urlparse

    parsed = urlparse(uri)
    if parsed.scheme != "file":
        return None
    path = unquote(parsed.path)
    return path[1:] if len(path) > 2 and path[0] == "/" and path[2] == ":" else path   # /C:/… on Windows


def _to_lsp(diag: Diagnostic, lines: list[str], lang: str) -> lsp.Diagnostic:
    span = diag.span
    if span is None:
        start = end = (0, 0)
    else:
        start, end = to_lsp(lines, span.line, span.col), to_lsp(lines, span.end_line, span.end_col)
    message = diag.message(lang)
    hint = diag.hint_text(lang)
    if hint:
        message += f" ({hint})"
    return lsp.Diagnostic(range=lsp.Range(lsp.Position(*start), lsp.Position(*end)), message=message,
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
    from dsl.book.loader import document_from_bytes, model_of

    try:
        doc = document_from_bytes(text.encode("utf-8", errors="replace"), "<lsp>")
        model, _ = model_of(doc)
        if model is not None:
            return {n: (p.value, p.type.label("en")) for n, p in model.params.items()}
        data = doc.data
    except Exception:                      # noqa: BLE001 - any broken text: no parameters known
        return {}
    section = data.get("parameters") if isinstance(data, dict) else None
    if not isinstance(section, dict):
        return {}
    return {str(n): ((p.get("value") if isinstance(p, dict) else p), "?") for n, p in section.items()}


def shown(value: Any) -> str:
    """A parameter's value as the author wrote it (a set of text in order, a decimal as digits)."""
    if isinstance(value, (set, frozenset)):
        return "[" + ", ".join(sorted(str(v) for v in value)) + "]"
    return str(value) if not isinstance(value, str) else repr(value)


def field_detail(f: Field) -> str:
    return f"{f.zh} / {f.en} ({f.type.label('en')})"


def hover(text: str, line: int, character: int, lang: str,
          diagnostics: list[lsp.Diagnostic]) -> lsp.Hover | None:
    """A field, a parameter, a function or an error code (its catalogue text) under the cursor,
    and the diagnostics whose range holds it (code and message, as `check` words them)."""
    lines = split_lines(text)
    row, col = from_lsp(lines, line, character)
    word = _word_at(lines[row], col)
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
        return f"**{word}** = `{shown(found[0])}` ({found[1]})" if found else None
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
