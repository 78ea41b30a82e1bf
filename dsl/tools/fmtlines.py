"""A block scalar's expression made canonical on the author's own lines.

The canonical text (`unparse`) is one line; the author broke theirs where it reads best and
indented the continuation to line up. Both texts are cut into tokens and matched (difflib), and
each of the author's line breaks is put back before the canonical token that matches the first
token of that line, at a space of the canonical text (a break is one space to the parser, so
only there does the block still read as the canonical text). A break with no such place (its
line held only tokens the canonical text drops, like redundant parentheses) joins that line to
the one before. The result is read again by `fmt`, which proves its meaning unchanged.
"""
from __future__ import annotations

import re
from difflib import SequenceMatcher

_TOKEN_RE = re.compile(r"'(?:[^'\\\n]|\\.)*'|\"(?:[^\"\\\n]|\\.)*\"|[\w.]+|\S")


def keep_breaks(rows: list[str], canonical: str) -> list[str]:
    """The block's body lines (`rows`, as written, with their indentation) holding `canonical`:
    each kept line keeps its indentation, a blank line stays blank."""
    tokens, first_of = _tokens_by_line(rows)
    canon = list(_TOKEN_RE.finditer(canonical))
    matched = _matched(tokens, [m.group() for m in canon])
    cuts: dict[int, int] = {}   # row -> where in `canonical` its text begins
    last = 0
    for row, first in sorted(first_of.items()):
        if not cuts:
            cuts[row] = 0
            continue
        index = matched.get(first, 1 + max((j for i, j in matched.items() if i < first), default=-1))
        at = canon[index].start() if index < len(canon) else len(canonical)
        if at > last and canonical[at - 1] == " ":
            cuts[row] = last = at
    ends = list(cuts.values())[1:] + [len(canonical)]
    pieces = {row: canonical[start:end].strip() for (row, start), end in zip(cuts.items(), ends)}
    return [_indent(rows[k]) + pieces[k] if k in pieces else "" for k in range(len(rows))
            if k in pieces or not rows[k].strip()]


def _tokens_by_line(rows: list[str]) -> tuple[list[str], dict[int, int]]:
    """Every token of the rows in order, and for each row with any the index of its first."""
    tokens: list[str] = []
    first_of: dict[int, int] = {}
    for k, row in enumerate(rows):
        found = _TOKEN_RE.findall(row)
        if found:
            first_of[k] = len(tokens)
            tokens += found
    return tokens, first_of


def _matched(before: list[str], after: list[str]) -> dict[int, int]:
    """Index in `before` -> index in `after` of each token the two texts share, in order."""
    pairs: dict[int, int] = {}
    for block in SequenceMatcher(None, before, after, autojunk=False).get_matching_blocks():
        pairs.update({block.a + n: block.b + n for n in range(block.size)})
    return pairs


def _indent(row: str) -> str:
    return row[:len(row) - len(row.lstrip(" "))]
