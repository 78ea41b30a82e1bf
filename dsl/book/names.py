"""Names that must be unique within a rule: its versions' (E313: a result names the version
that decided) and its examples' (E314: `rulebook test` reports examples by name, and a shop
overlay's `base: NAME` picks one by it)."""
from __future__ import annotations

from typing import Any

from dsl.diagnostics import Phrase
from dsl.text.yamlload import Document, KeyPath


def check_version_names(doc: Document, path: KeyPath, rule_id: str, versions: list[Any]) -> None:
    """E313 at a version named as an earlier one: results name the version that decided."""
    for i, name, first in repeated_names(versions, "version"):
        earlier = doc.nearest_span(path + ("versions", first, "version"))
        doc.error("E313", doc.nearest_span(path + ("versions", i, "version")), ("version_names", {}),
                  name=name, id=rule_id, first_line=earlier.line if earlier else 0)


def check_example_names(doc: Document, path: KeyPath, rule_id: str, examples: list[Any]) -> None:
    """E314 at an example named as an earlier one of its rule: `rulebook test` reports it by
    name, and an overlay's `base: NAME` must find one example."""
    for i, name, first in repeated_names(examples, "name"):
        earlier = doc.nearest_span(path + ("examples", first, "name"))
        doc.error("E314", doc.nearest_span(path + ("examples", i, "name")), ("example_names", {}),
                  name=name, id=rule_id, first=Phrase("where.line", line=earlier.line if earlier else 0))


def repeated_names(items: list[Any], key: str) -> list[tuple[int, str, int]]:
    """(index, name, index of the first item so named) of each item whose `key` repeats an earlier one's."""
    first: dict[str, int] = {}
    out = []
    for i, raw in enumerate(items):
        name = raw.get(key) if isinstance(raw, dict) else None
        if not isinstance(name, (str, int)) or isinstance(name, bool):
            continue
        if str(name) in first:
            out.append((i, str(name), first[str(name)]))
        first.setdefault(str(name), i)
    return out
