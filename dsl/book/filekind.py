"""Which kind of file `rulebook check` was given: a rulebook, an adapter mapping, or neither.

Decided from the top level of the YAML, in this order (docs/adapters.md says it to users):
a `rulebook:` key makes a rulebook, an `adapter:` key a mapping; else keys only one kind has
(`rules:`, `parameters:`, ... or `fields:`, `tables:`, `items:`, ...); else what an `extends:`
names (a shipped mapping, or a file that is a mapping: a mapping; a platform's rulebook, or a
file that is a rulebook: a rulebook, a shop overlay); else keys of both kinds make a rulebook
(its check names the others as unknown keys). An `extends:` naming nothing that exists, with
no key beside it that tells the kind, is read as a mapping's when it is close to a shipped
mapping's name (`douyin-aftersale-lst`: the mapping's E703 with did-you-mean); otherwise the
kind cannot be told (`unresolved`), and the one problem is said at the `extends:` value: the
file or the name it gives does not exist (not a rulebook missing its `rulebook:`). A file with
none of these is neither, said in one message rather than as a rulebook missing every key. (A
file that is not a mapping of keys at all, empty or a list or `{}`, gets the rulebook check's
one message, "a rulebook is a mapping with 'rulebook' and 'rules'; this file is empty", as it
always did.)

`origin` (here and below) is the file a relative `extends:` is read from: the document's own
file by default; for an editor's text, the file it is of (None: not in a file, where a
relative path cannot be read, as for a shop overlay's text).
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from dsl.book.locate import available_platforms, meant_platform
from dsl.book.schema import rulebook_schema
from dsl.cases.mapping import adapter_schema, names_a_path, shipped_names
from dsl.diagnostics import Diagnostic, Phrase, Span
from dsl.lang.vocabulary import default_vocabulary
from dsl.text.suggest import did_you_mean
from dsl.text.yamlload import Document

Kind = Literal["rulebook", "mapping", "neither", "unresolved"]
#: top-level keys both kinds have, or that say nothing about the kind (a mapping's `platform:` and `source:`)
_SHARED = frozenset({"extends", "description", "platform", "source"})
_RULEBOOK_LINE = re.compile(r"^rulebook[ \t]*:", re.MULTILINE)
_TOP_KEY = re.compile(r"^([A-Za-z_]\w*)[ \t]*:(?:[ \t]+([^#\n]*))?", re.MULTILINE)


@lru_cache(maxsize=1)
def kind_keys() -> tuple[frozenset[str], frozenset[str]]:
    """(the top-level keys only a rulebook has, those only a mapping has), from the two schemas."""
    return (frozenset(rulebook_schema()["properties"]) - _SHARED, frozenset(adapter_schema()["properties"]) - _SHARED)


def file_kind(doc: Document, seen: tuple[Path, ...] = (), origin: Path | None | Literal["file"] = "file") -> Kind:
    """The kind of a parsed file (see the module's docstring for the order of the tests).
    `origin`: where a relative `extends:` is read from, by default the document's own file."""
    return data_kind(doc.data, Path(doc.file) if origin == "file" else origin, seen)


def data_kind(data: Any, origin: Path | None, seen: tuple[Path, ...] = ()) -> Kind:
    """`file_kind` of a file's data (its top level: the keys decide, and `extends:`'s value)."""
    if not isinstance(data, dict) or not data:   # empty, a list, a value: the rulebook's check says so, as always
        return "rulebook"
    if "rulebook" in data:
        return "rulebook"
    if "adapter" in data:
        return "mapping"
    rulebook_keys, mapping_keys = kind_keys()
    keys = {str(key) for key in data}
    ours, theirs = keys & rulebook_keys, keys & mapping_keys
    if bool(ours) != bool(theirs):
        return "rulebook" if ours else "mapping"
    base = _base_kind(data.get("extends"), origin, seen)
    if base in ("rulebook", "mapping"):
        return base
    if ours:   # keys of both kinds: the rulebook's check names the others as unknown keys
        return "rulebook"
    if isinstance(data.get("extends"), str):
        if did_you_mean(data["extends"], shipped_names()):
            return "mapping"
        return "unresolved" if base == "missing" else "rulebook"
    return "neither"


def _base_kind(name: Any, file: Path | None, seen: tuple[Path, ...]) -> Kind | Literal["missing"] | None:
    """What an `extends:` names: a mapping, a rulebook, "missing" (no file or name of that
    name, or a relative path of a text in no file), or None (a file of neither kind, a cycle)."""
    if not isinstance(name, str) or not name:
        return None
    if name in shipped_names():
        return "mapping"
    if names_a_path(name):
        from dsl.book.loader import read_document

        if file is None and not Path(name).is_absolute():
            return "missing"
        path = Path(name) if Path(name).is_absolute() or file is None else file.parent / name
        if not path.is_file():
            return "missing"
        if path.resolve() in seen:
            return None
        kind = file_kind(read_document(path), seen + ((file.resolve(),) if file else ()))
        return None if kind in ("neither", "unresolved") else kind
    return "rulebook" if name in available_platforms() else "missing"


def is_mapping_file(path: Path) -> bool:
    """Whether the file is an adapter mapping (`file_kind`), for the commands that take rulebooks
    only (test, fmt, serve) to leave it out. A file with a top-level `rulebook:` line is a
    rulebook without being parsed here (those commands parse it anyway)."""
    from dsl.book.loader import read_document

    try:
        text = path.read_text(encoding="utf-8-sig", errors="replace")
    except OSError:
        return False   # the command says why it cannot read it
    return not _RULEBOOK_LINE.search(text) and file_kind(read_document(path)) == "mapping"


def text_kind(text: str, origin: Path | None = None) -> Kind:
    """The kind of a text open in an editor (`origin`: the file it is of), for the language
    server's features that only make sense for one kind (completion of a rulebook's keys and
    functions). A text with a top-level `rulebook:` line is a rulebook without being parsed:
    every keystroke in a rulebook asks."""
    if _RULEBOOK_LINE.search(text):
        return "rulebook"
    from dsl.book.loader import document_from_bytes

    doc = document_from_bytes(text.encode("utf-8", errors="replace"), "<text>")
    if doc.data is None and doc.diagnostics:   # mid-edit, no YAML: the top-level keys as written
        return data_kind({m.group(1): (m.group(2) or "").strip().strip("'\"") for m in _TOP_KEY.finditer(text)}, origin)
    return file_kind(doc, origin=origin)


def neither(doc: Document) -> Diagnostic:
    """The one message for a mapping of keys of neither kind: its keys, and what check reads."""
    keys = [str(key) for key in doc.data]
    case_keys = {path for path in default_vocabulary().fields if "." not in path}
    hint = ("check_case_document", {"file": doc.file}) if set(keys) <= case_keys else None
    span = doc.span_of((next(iter(doc.data)),), key=True) or Span(1, 1, 1, 2)
    return Diagnostic("E312", span, doc.file, {"found": Phrase("check.found_keys", keys=", ".join(keys))}, hint,
                      source_line=doc.line_text(span.line))


def unresolved(doc: Document, origin: Path | None) -> Diagnostic:
    """The one problem of a file whose kind only its `extends:` could tell, naming nothing that
    exists: E320 at the value, the file (or the name) that is not there, and why nothing else is
    said (the kind, and so the keys it needs, is the base's)."""
    from dsl.book.overlaysource import resolve_base

    written = str(doc.data["extends"])
    span = doc.span_of(("extends",)) or Span(1, 1, 1, 2)
    hint: tuple[str, dict[str, Any]] | None
    if origin is None and names_a_path(written) and not Path(written).is_absolute():
        detail, hint = Phrase("check.no_origin"), ("extends_name_only", {})
    elif names_a_path(written):
        _, detail, _ = resolve_base(written, origin)
        if detail is None:   # resolve_base found it after all (made meanwhile): say what file_kind saw
            detail = Phrase("overlay.no_file", path=written)
        hint = ("check_extends_alone", {})
    else:
        platforms, mappings = available_platforms(), shipped_names()
        detail = Phrase("check.no_base_named", platforms=", ".join(platforms), mappings=", ".join(mappings))
        meant = meant_platform(written, known=platforms) or did_you_mean(written, platforms + mappings)
        hint = ("did_you_mean", {"suggestion": meant}) if meant else None
    return Diagnostic("E320", span, doc.file, {"base": written, "detail": detail}, hint,
                      source_line=doc.line_text(span.line))


__all__ = ["Kind", "file_kind", "is_mapping_file", "kind_keys", "neither", "text_kind", "unresolved"]
