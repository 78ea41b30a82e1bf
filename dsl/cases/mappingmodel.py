"""What a checked adapter mapping is (mapping.py reads and checks the files): its fields,
code tables and options, and where each piece of a merged file was written."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Final

from dsl.diagnostics import Diagnostic
from dsl.text.yamlload import Document, KeyPath

#: converter name -> the field kinds it may feed (None: any)
CONVERTERS: Final[dict[str, frozenset[str] | None]] = {
    "text": frozenset({"str"}), "int": frozenset({"int"}), "copy": None,
    "fen": frozenset({"money"}), "yuan": frozenset({"money"}),
    "epoch_s": frozenset({"timestamp"}), "epoch_ms": frozenset({"timestamp"}),
    "datetime": frozenset({"timestamp"}), "timestamp": frozenset({"timestamp"}),
    "code": frozenset({"str", "bool"}),
}
TIME_FORMATS: Final = ("epoch_s", "epoch_ms", "datetime")
TOP_KEYS: Final = ("id", "now", "platform")   # case keys outside the vocabulary's objects
_PATH: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\[(only|[0-9]+)\])?(\.[A-Za-z_][A-Za-z0-9_]*(\[(only|[0-9]+)\])?)*")


@dataclass(frozen=True)
class Reject:
    """A code the platform documents that no value of ours means: the item is rejected with this reason."""

    en: str
    zh: str


@dataclass(frozen=True)
class FieldSpec:
    """One case path and how an item gives it."""

    target: str
    source: str | None = None        # a path in the item; None with a constant `value`
    convert: str = "copy"
    table: str | None = None
    formats: tuple[str, ...] = ()
    value: Any = None
    required: bool = False
    zero_is_absent: bool = False


@dataclass(frozen=True)
class Mapping:
    """A checked mapping, its options resolved."""

    name: str
    file: str
    platform: str | None
    items: str | None
    item: str | None
    fields: tuple[FieldSpec, ...]
    tables: dict[str, dict[str, Any]]    # table -> code (text) -> value | Reject
    options: dict[str, str] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return self.name if self.name == self.file else f"{self.name} ({self.file})"


class MappingError(Exception):
    """The mapping cannot be used: every problem, located."""

    def __init__(self, diagnostics: list[Diagnostic]):
        super().__init__(f"{len(diagnostics)} problem(s)")
        self.diagnostics = diagnostics


@dataclass
class _Piece:
    """A merged value and where it was written (for messages after `extends:`)."""

    value: Any
    doc: Document
    path: KeyPath


def _at(at: tuple[Document, KeyPath] | None, code: str, key: bool = False, hint: Any = None, **args: Any) -> Diagnostic:
    """A diagnostic at a place of a document (the document's own list is not touched)."""
    assert at is not None
    doc, path = at
    span = doc.nearest_span(path, key=key)
    return Diagnostic(code, span, doc.file, args, hint, source_line=doc.line_text(span.line) if span else None)


def valid_path(text: str) -> bool:
    return _PATH.fullmatch(text) is not None


__all__ = ["CONVERTERS", "FieldSpec", "Mapping", "MappingError", "Reject", "TIME_FORMATS", "TOP_KEYS", "valid_path"]
