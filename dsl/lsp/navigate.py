"""Go to definition and find references, within one rulebook and into the vocabulary.

What refers to what in a rulebook:
- `params.NAME` in any expression -> the key `NAME:` under `parameters:`;
- a field path (`order.paid_amount`) -> its entry in the package's `dsl/lang/vocabulary.yaml`
  (type, labels, allowed values); its references are its uses in this rulebook;
- an example's `expect: {version: v2}`, `{action: auto_approve}` and `{outputs: {NAME: …}}`
  -> the rule's own version name, action (or `then:`/`else:` alternative) and output key.
- a rule id named elsewhere -> the rule: a holiday notice's `effects: {RULE: …}`, and in a shop
  overlay `disable: [{rule: RULE}]`, a top-level example's `rule:` and a rule marked
  `override: true`; when the rule is not in this file, its definition is looked up in the
  overlay's bases (`extends:`, read from the document's `file:` URI as `rulebook check` reads it).

Positions are found on the YAML document's nodes (parameters, versions, actions, outputs)
and by a scan of the text for `params.` and field paths outside comments, so an author
mid-edit, whose rulebook does not build, still navigates."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from lsprotocol import types as lsp

from dsl.book.expectcheck import expected_names
from dsl.diagnostics import Span
from dsl.lang.vocabulary import default_vocabulary
from dsl.lsp.features import lsp_range
from dsl.lsp.positions import from_lsp, split_lines

_PARAM = re.compile(r"(?<![\w.])params\.([A-Za-z_]\w*)")
_FIELD = re.compile(r"(?<![\w.])((?:order|aftersale|buyer|shop)(?:\.[A-Za-z_]\w*)+)")
_COMMENT = re.compile(r"(?:^|\s)#.*$")
Symbol = tuple[str, str]          # (kind, name): ("param", "max_amount"), ("version", "0:v2"), ...


@dataclass
class Index:
    """Every definition and reference of a text, by symbol."""

    definitions: dict[Symbol, list[Span]] = field(default_factory=dict)
    references: dict[Symbol, list[Span]] = field(default_factory=dict)

    def add(self, table: dict[Symbol, list[Span]], symbol: Symbol, span: Span | None) -> None:
        if span is not None:
            table.setdefault(symbol, []).append(span)

    def at(self, line: int, col: int) -> Symbol | None:
        """The symbol whose definition or reference holds the 1-based (line, col)."""
        for table in (self.references, self.definitions):
            for symbol, spans in table.items():
                if any(s.line == line and s.col <= col <= s.end_col for s in spans):
                    return symbol
        return None


def definition(text: str, uri: str, line: int, character: int) -> list[lsp.Location]:
    """Where the symbol under the cursor (LSP position) is defined."""
    index, symbol = _symbol_at(text, line, character)
    if symbol is None:
        return []
    if symbol[0] == "field":
        place = _vocabulary_entry(symbol[1])
        return [place] if place else []
    if symbol[0] == "rule" and symbol not in index.definitions:
        return _in_bases(text, uri, symbol)
    return _locations(text, uri, index.definitions.get(symbol, []))


def _in_bases(text: str, uri: str, symbol: Symbol) -> list[lsp.Location]:
    """Where a shop overlay's base (or its base's base) defines the rule `symbol`."""
    from dsl.book.overlaysource import chain_sources
    from dsl.lsp.features import path_of_uri

    path = path_of_uri(uri)
    bases = chain_sources(text.encode("utf-8"), Path(path) if path else None) or []
    for file, content in bases:
        base_text = content.decode("utf-8", errors="replace")
        spans = index_of(base_text).definitions.get(symbol)
        if spans:
            return _locations(base_text, Path(file).resolve().as_uri(), spans)
    return []


def references(text: str, uri: str, line: int, character: int, declaration: bool) -> list[lsp.Location]:
    """Every use of the symbol under the cursor in this rulebook (and its definition if asked)."""
    index, symbol = _symbol_at(text, line, character)
    if symbol is None:
        return []
    spans = list(index.references.get(symbol, []))
    if declaration:
        spans = index.definitions.get(symbol, []) + spans
    return _locations(text, uri, spans)


def _symbol_at(text: str, line: int, character: int) -> tuple[Index, Symbol | None]:
    lines = split_lines(text)
    row, col = from_lsp(lines, line, character)
    index = index_of(text)
    return index, index.at(row + 1, col + 1)


def _locations(text: str, uri: str, spans: list[Span]) -> list[lsp.Location]:
    lines = split_lines(text)
    return [lsp.Location(uri=uri, range=lsp_range(lines, s.line, s.col, s.end_line, s.end_col))
            for s in sorted(spans, key=lambda s: (s.line, s.col))]


@lru_cache(maxsize=4)
def index_of(text: str) -> Index:
    """The definitions and references of a text (kept for the last few texts: a client asks
    for definition, references and highlights of one text in a row)."""
    index = Index()
    _scan(text, index)
    doc = _document(text)
    if doc is not None:
        _from_document(doc, index)
    return index


def _scan(text: str, index: Index) -> None:
    """`params.NAME` and field paths in the text, comments left out."""
    vocabulary = default_vocabulary()
    for number, line in enumerate(split_lines(text), start=1):
        code = _COMMENT.sub("", line) if "#" in line else line
        for match in _PARAM.finditer(code):
            index.add(index.references, ("param", match.group(1)), Span(number, match.start() + 1, number, match.end() + 1))
        for match in _FIELD.finditer(code):
            if vocabulary.get(match.group(1)) is not None:
                index.add(index.references, ("field", match.group(1)), Span(number, match.start() + 1, number, match.end() + 1))


def _document(text: str) -> Any:
    from dsl.book.loader import document_from_bytes

    try:
        doc = document_from_bytes(text.encode("utf-8", errors="replace"), "<lsp>")
    except Exception:                      # noqa: BLE001 - any broken text: only the scan's findings
        return None
    return doc if isinstance(doc.data, dict) else None


def _from_document(doc: Any, index: Index) -> None:
    data = doc.data
    params = data.get("parameters")
    for name in params if isinstance(params, dict) else ():
        index.add(index.definitions, ("param", str(name)), doc.span_of(("parameters", name), key=True))
    rules = data.get("rules")
    for i, rule in enumerate(rules if isinstance(rules, list) else ()):
        if isinstance(rule, dict):
            _rule(doc, index, ("rules", i), rule, i)
            if isinstance(rule.get("id"), str):   # an overlay's `override: true` redefines its base's rule
                table = index.references if "extends" in data and rule.get("override") is True else index.definitions
                index.add(table, ("rule", rule["id"]), doc.span_of(("rules", i, "id")))
    _rule_references(doc, index)


def _rule_references(doc: Any, index: Index) -> None:
    """Rule ids named outside their rule: notices' effects, an overlay's `disable:` and examples."""
    data = doc.data
    notices = data.get("notices")
    for n, notice in enumerate(notices if isinstance(notices, list) else ()):
        effects = notice.get("effects") if isinstance(notice, dict) else None
        for rule in effects if isinstance(effects, dict) else ():
            index.add(index.references, ("rule", str(rule)), doc.span_of(("notices", n, "effects", rule), key=True))
    for key in ("disable", "examples"):
        entries = data.get(key) if "extends" in data else None
        for k, entry in enumerate(entries if isinstance(entries, list) else ()):
            if isinstance(entry, dict) and isinstance(entry.get("rule"), str):
                index.add(index.references, ("rule", entry["rule"]), doc.span_of((key, k, "rule")))


def _rule(doc: Any, index: Index, path: tuple[Any, ...], rule: dict[str, Any], number: int) -> None:
    """A rule's versions, actions and outputs, and its examples' `expect` naming them."""
    versions = rule.get("versions") if isinstance(rule.get("versions"), list) else []
    holders = [(path, rule)] + [(path + ("versions", j), v) for j, v in enumerate(versions) if isinstance(v, dict)]
    for where, holder in holders:
        if "version" in holder:
            index.add(index.definitions, ("version", f"{number}:{holder['version']}"), doc.span_of(where + ("version",)))
        _actions(doc, index, where, holder.get("action"), number)
        outputs = holder.get("outputs")
        for name in outputs if isinstance(outputs, dict) else ():
            index.add(index.definitions, ("output", f"{number}:{name}"), doc.span_of(where + ("outputs", name), key=True))
    examples = rule.get("examples") if isinstance(rule.get("examples"), list) else []
    for k, example in enumerate(examples):
        expect = example.get("expect") if isinstance(example, dict) else None
        if not isinstance(expect, dict):
            continue
        for kind, name, at, key in expected_names(expect, path + ("examples", k, "expect")):
            index.add(index.references, (kind, f"{number}:{name}"), doc.span_of(at, key=key))


def _actions(doc: Any, index: Index, where: tuple[Any, ...], action: Any, number: int) -> None:
    if isinstance(action, str):
        index.add(index.definitions, ("action", f"{number}:{action}"), doc.span_of(where + ("action",)))
        return
    for a, alternative in enumerate(action if isinstance(action, list) else ()):
        for key in ("then", "else"):
            if isinstance(alternative, dict) and isinstance(alternative.get(key), str):
                index.add(index.definitions, ("action", f"{number}:{alternative[key]}"),
                          doc.span_of(where + ("action", a, key)))


def _vocabulary_entry(path: str) -> lsp.Location | None:
    """The line of `path` in the package's vocabulary.yaml, as a file location."""
    entries = _vocabulary_lines()
    if path not in entries:
        return None
    row, col = entries[path]
    place = lsp.Range(lsp.Position(row, col), lsp.Position(row, col + len(path)))
    return lsp.Location(uri=_vocabulary_file().as_uri(), range=place)


@lru_cache(maxsize=1)
def _vocabulary_file() -> Path:
    return Path(str(resources.files("dsl.lang").joinpath("vocabulary.yaml"))).resolve()


@lru_cache(maxsize=1)
def _vocabulary_lines() -> dict[str, tuple[int, int]]:
    """field path -> (0-based line, column) of its key in vocabulary.yaml (ASCII keys)."""
    out: dict[str, tuple[int, int]] = {}
    for row, line in enumerate(_vocabulary_file().read_text(encoding="utf-8").split("\n")):
        match = re.match(r"(\s*)([a-z_]+(?:\.[a-z_0-9]+)+):", line)
        if match:
            out.setdefault(match.group(2), (row, len(match.group(1))))
    return out
