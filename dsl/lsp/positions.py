"""The one place where positions change units. The YAML loader and `Span` count code points
(1-based); LSP counts UTF-16 code units (0-based): a Chinese character is one unit, an emoji
two. Every conversion clamps a position past the end of a line or file to that end, so a
client's stale position never raises."""
from __future__ import annotations


def split_lines(text: str) -> list[str]:
    """The document's lines as LSP sees them (a trailing CR belongs to the line break)."""
    return [line.removesuffix("\r") for line in text.split("\n")]


def units_of(line: str, points: int) -> int:
    """UTF-16 units before code point `points` of `line` (clamped to 0..len)."""
    points = max(0, min(points, len(line)))
    return points + sum(1 for ch in line[:points] if ord(ch) > 0xFFFF)


def points_of(line: str, units: int) -> int:
    """Code points before UTF-16 unit `units` of `line`; a unit inside a surrogate pair
    counts as the start of its character; past the end is the end."""
    count = 0
    for index, ch in enumerate(line):
        width = 2 if ord(ch) > 0xFFFF else 1
        if count + width > units:
            return index
        count += width
    return len(line)


def to_lsp(lines: list[str], line: int, col: int) -> tuple[int, int]:
    """A loader position (1-based line and column, code points) as LSP's (0-based, UTF-16)."""
    if not lines:
        return 0, 0
    row = max(0, min(line - 1, len(lines) - 1))
    if line - 1 >= len(lines):                          # past the last line: the file's end
        return row, units_of(lines[row], len(lines[row]))
    return row, units_of(lines[row], col - 1)


def from_lsp(lines: list[str], line: int, character: int) -> tuple[int, int]:
    """An LSP position (0-based, UTF-16) as (0-based line, code point index), clamped."""
    if not lines:
        return 0, 0
    if line >= len(lines):
        return len(lines) - 1, len(lines[-1])
    row = max(0, line)
    return row, points_of(lines[row], max(0, character))
