"""Which kind of file `rulebook check` was given: a rulebook, an adapter mapping, or neither.

Decided from the top level of the YAML, in this order (docs/adapters.md says it to users):
a `rulebook:` key makes a rulebook, an `adapter:` key a mapping; else keys only one kind has
(`rules:`, `parameters:`, ... or `fields:`, `tables:`, `items:`, ...); else what an `extends:`
names (a shipped mapping, or a file that is a mapping: a mapping; a platform's rulebook, or a
file that is a rulebook: a rulebook, a shop overlay); else keys of both kinds make a rulebook
(its check names the others as unknown keys), and an `extends:` naming nothing that exists
is read as a mapping's when it is close to a shipped mapping's name (`douyin-aftersale-lst`),
as an overlay's otherwise. A file with none of these is neither, said in one message rather
than as a rulebook missing every key. (A file that is not a mapping of keys at all, empty or a
list or `{}`, gets the rulebook check's one message, "a rulebook is a mapping with 'rulebook' and
'rules'; this file is empty", as it always did.)
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from dsl.book.locate import available_platforms
from dsl.book.schema import rulebook_schema
from dsl.cases.mapping import adapter_schema, shipped_names
from dsl.diagnostics import Diagnostic, Phrase, Span
from dsl.lang.vocabulary import default_vocabulary
from dsl.text.suggest import did_you_mean
from dsl.text.yamlload import Document

Kind = Literal["rulebook", "mapping", "neither"]
#: top-level keys both kinds have, or that say nothing about the kind (a mapping's `platform:` and `source:`)
_SHARED = frozenset({"extends", "description", "platform", "source"})
_RULEBOOK_LINE = re.compile(r"^rulebook[ \t]*:", re.MULTILINE)


@lru_cache(maxsize=1)
def kind_keys() -> tuple[frozenset[str], frozenset[str]]:
    """(the top-level keys only a rulebook has, those only a mapping has), from the two schemas."""
    return (frozenset(rulebook_schema()["properties"]) - _SHARED, frozenset(adapter_schema()["properties"]) - _SHARED)


def file_kind(doc: Document, seen: tuple[Path, ...] = ()) -> Kind:
    """The kind of a parsed file (see the module's docstring for the order of the tests)."""
    data = doc.data
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
    base = _base_kind(data.get("extends"), Path(doc.file), seen)
    if base is not None:
        return base
    if ours:   # keys of both kinds: the rulebook's check names the others as unknown keys
        return "rulebook"
    if isinstance(data.get("extends"), str):
        return "mapping" if did_you_mean(data["extends"], shipped_names()) else "rulebook"
    return "neither"


def _base_kind(name: Any, file: Path, seen: tuple[Path, ...]) -> Kind | None:
    """What an `extends:` names: a mapping, a rulebook, or None (nothing that exists, or neither)."""
    if not isinstance(name, str) or not name:
        return None
    if name in shipped_names():
        return "mapping"
    if name.endswith((".yaml", ".yml")) or "/" in name or "\\" in name:
        from dsl.book.loader import read_document

        path = Path(name) if Path(name).is_absolute() else file.parent / name
        if not path.is_file() or path.resolve() in seen:
            return None
        kind = file_kind(read_document(path), seen + (file.resolve(),))
        return None if kind == "neither" else kind
    return "rulebook" if name in available_platforms() else None


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


def neither(doc: Document) -> Diagnostic:
    """The one message for a mapping of keys of neither kind: its keys, and what check reads."""
    keys = [str(key) for key in doc.data]
    case_keys = {path for path in default_vocabulary().fields if "." not in path}
    hint = ("check_case_document", {"file": doc.file}) if set(keys) <= case_keys else None
    span = doc.span_of((next(iter(doc.data)),), key=True) or Span(1, 1, 1, 2)
    return Diagnostic("E312", span, doc.file, {"found": Phrase("check.found_keys", keys=", ".join(keys))}, hint,
                      source_line=doc.line_text(span.line))


__all__ = ["Kind", "file_kind", "is_mapping_file", "kind_keys", "neither"]
