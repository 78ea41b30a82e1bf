"""`rulebook fmt`'s one style for key order inside rules: a rule's keys, a version's and an
example's in the order of the schema (dsl/book/rulebook.schema.json), which is the order the
format's documentation writes them in (`id, override, reason, name, description, source, when, action,
deadline, outputs, versions_by, versions, examples`; `version, from, until, …`; `name, case,
at, expect`). Key order outside rules is the author's and is kept.

A key moves with its whole text: its line, its value's lines, and the comments and blank
lines just above it. The first key of a list item carries the item's `- `. A mapping written
in flow style (`{…}`), or with a key that does not start its own line, is left as written.
Each move is proved by reading the text again: the same data, the keys in the new order;
otherwise the mapping is left as it was."""
from __future__ import annotations

from typing import Any

from yaml.nodes import MappingNode

from dsl.book.schema import rulebook_schema
from dsl.text.yamlload import Document, KeyPath, load_yaml


def order_rule_keys(text: str, name: str) -> str:
    """The text with the keys of every rule, version and example in the canonical order."""
    done: set[KeyPath] = set()
    while True:
        doc = load_yaml(text, name)
        todo = next(((p, w) for p, w in _unordered(doc) if p not in done), None)
        if todo is None:
            return text
        path, wanted = todo
        done.add(path)
        moved = _reordered(doc, path, wanted)
        if moved is not None and _same(doc, load_yaml(moved, name), path, wanted):
            text = moved


def _orders() -> dict[str, list[str]]:
    defs = rulebook_schema()["$defs"]
    return {kind: list(defs[kind]["properties"]) for kind in ("rule", "version", "example")}


def _unordered(doc: Document) -> list[tuple[KeyPath, list[str]]]:
    """Every mapping inside a rule whose keys are not in the canonical order, the deepest first."""
    orders, found = _orders(), []
    rules = doc.data.get("rules") if isinstance(doc.data, dict) else None
    for i, rule in enumerate(rules if isinstance(rules, list) else []):
        if not isinstance(rule, dict):
            continue
        for kind in ("versions", "examples"):
            items = rule.get(kind)
            for j, item in enumerate(items if isinstance(items, list) else []):
                found.append((("rules", i, kind, j), item, orders[kind[:-1]]))
        found.append((("rules", i), rule, orders["rule"]))
    out = []
    for path, mapping, order in found:
        if isinstance(mapping, dict) and all(k in order for k in mapping):
            wanted = sorted(mapping, key=order.index)
            if list(mapping) != wanted:
                out.append((path, wanted))
    return out


def _same(before: Document, after: Document, path: KeyPath, wanted: list[str]) -> bool:
    target: Any = after.data
    for key in path:
        target = target[key]
    return after.data == before.data and list(target) == wanted and not after.diagnostics


def _reordered(doc: Document, path: KeyPath, wanted: list[str]) -> str | None:
    """The text with the mapping at `path` in the order `wanted`, or None when its layout is
    not one key per line at one column (flow style, a key after another on its line)."""
    node = doc.nodes.get(path)
    if not isinstance(node, MappingNode) or node.flow_style:
        return None
    lines = doc.text.split("\n")
    keys = [str(k.value) for k, _ in node.value]
    starts = [k.start_mark for k, _ in node.value]
    column = starts[0].column
    if any(m.column != column for m in starts) or len({m.line for m in starts}) != len(starts):
        return None
    dashed = lines[starts[0].line][:column].rstrip().endswith("-") and column >= 2
    if any(lines[m.line][:column].strip() for m in starts[1:]) or \
            lines[starts[0].line][:column].strip() not in ("", "-") or (dashed and lines[starts[0].line][column - 2:column] != "- "):
        return None
    chunks = _chunks(lines, [m.line for m in starts], [v.end_mark for _, v in node.value])
    first, last = starts[0].line, chunks[-1][1]
    pieces = {key: lines[a:b + 1] for key, (a, b) in zip(keys, chunks)}
    if dashed:                               # the first key's chunk starts at its own line
        pieces[keys[0]][0] = lines[first][:column - 2] + "  " + lines[first][column:]
    lead = pieces[wanted[0]]                 # blank lines above the new first key now follow it
    blank = next(i for i, line in enumerate(lead) if line.strip())
    pieces[wanted[0]] = lead[blank:] + lead[:blank]
    body = [line for key in wanted for line in pieces[key]]
    if dashed:                               # the new first key's line carries the item's dash
        row = _key_row(pieces[wanted[0]])
        body[row] = body[row][:column - 2] + "- " + body[row][column:]
    return "\n".join(lines[:first] + body + lines[last + 1:])


def _chunks(lines: list[str], key_lines: list[int], ends: list[Any]) -> list[tuple[int, int]]:
    """(first line, last line) of each key's text: the comments and blank lines above it (not
    for the first key), its line, and its value's lines up to the last that is not blank or a
    comment."""
    out: list[tuple[int, int]] = []
    for i, line in enumerate(key_lines):
        limit = key_lines[i + 1] - 1 if i + 1 < len(key_lines) else len(lines) - 1
        end = min(_last_line(lines, ends[i]), limit)
        while end > line and (not lines[end].strip() or lines[end].lstrip().startswith("#")):
            end -= 1
        start = line if i == 0 else out[-1][1] + 1
        out.append((start, end))
    return out


def _last_line(lines: list[str], end: Any) -> int:
    """The line a value ends on: a block value's end mark is the next token's start (the next
    key, or the next item's `- `), so nothing of it is on that line before the mark."""
    before = lines[end.line][:end.column] if end.line < len(lines) else ""
    return end.line - 1 if before.strip() in ("", "-") else end.line


def _key_row(piece: list[str]) -> int:
    """Where a chunk's key line is: after its leading comments and blank lines."""
    return next(i for i, line in enumerate(piece) if line.strip() and not line.lstrip().startswith("#"))
