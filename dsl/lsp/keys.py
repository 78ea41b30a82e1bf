"""Completion of YAML keys: the keys of the rulebook, a rule, a version, an example, its
`expect`, a `source`, a parameter's long form, a bilingual name and an action's alternative,
as the shipped JSON Schema (dsl/book/rulebook.schema.json) allows them at the cursor.

Each item says what the key expects in the author's language (the `slot.` phrases `rulebook
check` uses in its messages), whether it is required, the schema's description and an
example (both from dsl/book/schema.py), so the editor and `check` describe a key alike.

Where the cursor is in the document is read from indentation (the text mid-edit is often no
valid YAML): the nearest less-indented key above is the parent, a `- ` marks a list item."""
from __future__ import annotations

import re
from typing import Any

from lsprotocol import types as lsp

from dsl.book.schema import rulebook_schema, slot_of
from dsl.diagnostics import Phrase

_AT_KEY = re.compile(r"^(\s*)(-\s+)?([A-Za-z_]*)$")
_LINE = re.compile(r"^(\s*)(-\s+)?(?:([A-Za-z_][\w.]*|\"[^\"]*\"|'[^']*')\s*:(?:\s|$))?")
# The schema definition of the mapping a path (its last segments) holds.
_HOLDS = ((("rules", "[]"), "rule"), (("versions", "[]"), "version"), (("examples", "[]"), "example"),
          (("expect",), "expect"), (("source",), "source"), (("action", "[]"), "action"), (("name",), "bilingual"))


def key_items(lines: list[str], row: int, before: str, lang: str) -> list[lsp.CompletionItem] | None:
    """The keys allowed where the cursor is, or None when the cursor is not where a key of
    the schema goes (a condition's list item: fields and functions are completed there)."""
    at = _AT_KEY.match(before)
    if at is None:
        return None
    column = len(at.group(1)) + len(at.group(2) or "")
    path = path_above(lines, row, column, len(at.group(1)) if at.group(2) else None)
    properties, required = _properties(path)
    if not properties:
        return None
    present = _siblings(lines, row, column, first=at.group(2) is not None) | _overlay_only(lines, path)
    return [_item(path, key, spec, key in required, lang) for key, spec in properties.items() if key not in present]


def _overlay_only(lines: list[str], path: tuple[Any, ...]) -> set[str]:
    """The keys only a shop overlay may use, when this rulebook extends nothing (there each
    is an error, E328): not offered."""
    from dsl.book.overlaykeys import RULE_KEYS, TOP_KEYS

    if any(line.startswith("extends:") for line in lines):
        return set()
    return set(TOP_KEYS) if path == () else set(RULE_KEYS)


def path_above(lines: list[str], row: int, column: int, dash: int | None) -> tuple[Any, ...]:
    """The key path of the mapping whose keys start at `column` on line `row`."""
    path: list[Any] = []
    level, in_list = column, False
    if dash is not None:
        path.append(0)
        level, in_list = dash, True
    for line in reversed(lines[:row]):
        m = _LINE.match(line)
        if m is None or not line.strip() or line.lstrip().startswith("#"):
            continue
        indent, dashed, key = len(m.group(1)), m.group(2), m.group(3)
        key_col = indent + len(dashed or "")
        if dashed and key and key_col == level and not in_list:
            path.append(0)                      # our mapping is this list item's
            level, in_list = indent, True
        elif key and (key_col < level or (in_list and key_col <= level and not dashed)):
            path.append(key.strip("'\""))
            level, in_list = key_col, False
            if dashed:
                path.append(0)
                level, in_list = indent, True
        elif dashed and in_list and indent == level:
            continue                            # another item of the same list
        if level == 0 and not in_list:
            break
    return tuple(reversed(path))


def _siblings(lines: list[str], row: int, column: int, first: bool) -> set[str]:
    """The keys already written in the cursor's mapping (same column, no shallower line
    between); `first`: the cursor starts a list item, so the lines above are another item's."""
    found: set[str] = set()
    for step in ((1,) if first else (-1, 1)):
        r = row + step
        while 0 <= r < len(lines):
            m = _LINE.match(lines[r])
            text = lines[r].strip()
            if m is not None and text and not text.startswith("#"):
                key_col = len(m.group(1)) + len(m.group(2) or "")
                if key_col < column or (m.group(2) and step == 1 and key_col == column):
                    break
                if key_col == column and m.group(3):
                    found.add(m.group(3).strip("'\""))
                if m.group(2) and key_col == column:
                    break                       # the item's first key: the mapping starts here
            r += step
    return found


def _properties(path: tuple[Any, ...]) -> tuple[dict[str, Any], set[str]]:
    """The schema's properties (and required keys) of the mapping at `path`."""
    schema = rulebook_schema()
    shape = [p if not isinstance(p, int) else "[]" for p in path]
    if len(shape) == 2 and shape[0] == "parameters":
        return _object_of(schema["$defs"]["parameter"], schema)
    name = next((held for tail, held in _HOLDS if tuple(shape[-len(tail):]) == tail), None)
    if name is None:
        return (schema.get("properties", {}), set(schema.get("required", []))) if not shape else ({}, set())
    return _object_of(schema["$defs"][name], schema)


def _object_of(definition: dict[str, Any], schema: dict[str, Any]) -> tuple[dict[str, Any], set[str]]:
    """The object form of a definition (a parameter's long form, an action's alternatives)."""
    for form in [definition, *definition.get("oneOf", [])]:
        form = form.get("items", form) if form.get("type") == "array" else form
        if "properties" in form:
            return form["properties"], set(form.get("required", []))
    return {}, set()


def _item(path: tuple[Any, ...], key: str, spec: dict[str, Any], required: bool, lang: str) -> lsp.CompletionItem:
    slot, example = slot_of(path + (key,))
    detail = Phrase(slot).label(lang) + (" " + Phrase("lsp.required").label(lang) if required else "")
    doc = [text for text in (_description(spec), f"`{example}`" if example else None) if text]
    return lsp.CompletionItem(label=key, kind=lsp.CompletionItemKind.Property, detail=detail, insert_text=f"{key}: ",
                              documentation=lsp.MarkupContent(kind=lsp.MarkupKind.Markdown, value="\n\n".join(doc)),
                              sort_text=("0" if required else "1") + key)


def _description(spec: dict[str, Any]) -> str | None:
    if "description" in spec:
        return str(spec["description"])
    ref = spec.get("$ref", "")
    if ref.startswith("#/$defs/"):
        return rulebook_schema()["$defs"].get(ref.rpartition("/")[2], {}).get("description")
    return None
