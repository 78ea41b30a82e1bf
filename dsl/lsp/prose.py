"""Where completion has nothing to offer: a YAML comment, and a block scalar (`|`, `>-`…) that
holds prose (a description, a name, a source's note) rather than an expression.

Read from the line's text and the indentation above it, as keys.py reads where a key goes
(the text mid-edit is often no valid YAML). A block scalar's lines are all indented deeper
than its header (`description: |`, `- >-`), so the first line above indented less than the
cursor's is the header when there is one; the schema's expression keys (`when`, an action
alternative's `if`, `deadline`, `versions_by`, a rule's `outputs`) say whether it holds an
expression, and everything else in a rulebook is prose or data."""
from __future__ import annotations

import re
from typing import Any

from dsl.lsp.keys import path_above

_HEADER = re.compile(r"^(\s*)(-\s+)?(?:([A-Za-z_][\w.]*|\"[^\"]*\"|'[^']*')\s*:\s+)?[|>][-+0-9]*\s*(?:#.*)?$")
_EXPRESSION_KEYS = {"when", "if", "deadline", "versions_by"}
_DATA_KEYS = {"examples", "expect", "parameters", "base_case", "notices"}   # under these nothing is an expression


def in_comment(before: str) -> bool:
    """Whether the text before the cursor has begun a comment: a `#` at the line's start or
    after a space, outside a quoted text (`'a # b'` is text; `''` in single quotes is a quote)."""
    quote, escaped = "", False
    for i, char in enumerate(before):
        if quote:
            if escaped:
                escaped = False
            elif char == "\\" and quote == '"':
                escaped = True
            elif char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
        elif char == "#" and (i == 0 or before[i - 1] in " \t"):
            return True
    return False


def block_scalar_at(lines: list[str], row: int, before: str) -> tuple[Any, ...] | None:
    """The key path of the block scalar the cursor's line is a line of (a `- |` list item ends
    in its index), or None when the cursor is not in one."""
    current = lines[row] if lines[row].strip() else before
    indent = len(current) - len(current.lstrip(" "))
    for above in range(row - 1, -1, -1):
        line = lines[above]
        if not line.strip() or len(line) - len(line.lstrip(" ")) >= indent:
            continue
        header = _HEADER.match(line)
        if header is None:
            return None
        lead, dash, key = len(header.group(1)), header.group(2), header.group(3)
        path = path_above(lines, above, lead + len(dash or ""), lead if dash else None)
        return path + (key.strip("'\""),) if key else path
    return None


def holds_expression(path: tuple[Any, ...]) -> bool:
    """Whether the scalar at `path` is an expression (`rules[0].when[1]`, `rules[0].outputs.comp`)."""
    named = [p for p in path if isinstance(p, str)]
    if not named or _DATA_KEYS & set(named):
        return False
    return named[-1] in _EXPRESSION_KEYS or (len(path) >= 2 and path[-2] == "outputs")
