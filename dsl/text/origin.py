"""Where an expression's characters sit in its file, so errors point into the YAML."""
from __future__ import annotations

from dataclasses import dataclass

from dsl.diagnostics import Span


@dataclass(frozen=True)
class Origin:
    """Maps character offsets of an expression to (line, col) in its file.

    `positions[i]` is the file position of the expression's i-th character; `exact` is
    false when the mapping is only approximate (quoted scalars with escapes), in which
    case spans point at the start of the scalar.
    """

    file: str | None
    positions: tuple[tuple[int, int], ...]
    lines: tuple[str, ...]
    exact: bool = True
    path: str | None = None

    @staticmethod
    def of_text(text: str, file: str | None = None) -> Origin:
        """An expression that is its own file (tests, the REPL, `--expr`)."""
        positions: list[tuple[int, int]] = []
        line, col = 1, 1
        for ch in text:
            positions.append((line, col))
            if ch == "\n":
                line, col = line + 1, 1
            else:
                col += 1
        positions.append((line, col))
        return Origin(file, tuple(positions), tuple(text.split("\n")))

    def at(self, offset: int) -> tuple[int, int]:
        if not self.positions:
            return (1, 1)
        if not self.exact:
            return self.positions[0]
        return self.positions[max(0, min(offset, len(self.positions) - 1))]

    def span(self, start: int, end: int) -> Span:
        line, col = self.at(start)
        if not self.exact:
            return Span(line, col, line, col + 1)
        end_line, end_col = self.at(max(start, end - 1))
        return Span(line, col, end_line, end_col + 1)

    def line_text(self, line: int) -> str | None:
        return self.lines[line - 1] if 0 < line <= len(self.lines) else None


def align(value: str, source: str, start_index: int, line_starts: list[int]) -> list[tuple[int, int]] | None:
    """File positions of each character of a YAML scalar's value.

    `source` is the file text from the scalar's first content character. YAML folding
    turns line breaks and indentation into one space (or drops them), so characters are
    matched greedily, skipping source whitespace the value does not have. Returns None
    when the two cannot be aligned (escapes in quoted scalars).
    """
    out: list[tuple[int, int]] = []
    i = 0
    for ch in value:
        while i < len(source) and source[i] != ch and source[i] in " \t\r\n":
            i += 1
        if i >= len(source) or (source[i] != ch and not (ch in " \n" and source[i] in "\r\n")):
            return None
        out.append(_line_col(start_index + i, line_starts))
        i += 1
    out.append(_line_col(start_index + i, line_starts))
    return out


def _line_col(index: int, line_starts: list[int]) -> tuple[int, int]:
    import bisect

    line = bisect.bisect_right(line_starts, index) - 1
    return (line + 1, index - line_starts[line] + 1)
