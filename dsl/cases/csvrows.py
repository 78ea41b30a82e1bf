"""The rows of a CSV text as `csv.reader` reads them, with what a quote swallowed put back.

A quoted cell may span lines (a note with a line break in it): `csv.reader` reads it whole,
and so does this. But a quote opened by mistake (`"apparel` with no closing quote) makes
every line after it part of that one cell, and `csv.reader` says nothing: the rows below
are gone. So the lines of each row are kept while it is read, and a row is refused, at the
quote that opened the cell, when that quote
- is still open at the end of the file (never closed), or
- is closed only on a later line by a quote followed by more text (`C3,"food"`: that quote
  opened another cell; no well-formed CSV has text after a closing quote);
then the lines after the quote's line are read again as rows, so the good rows below stand.
A cell that grows past csv's field limit is refused the same way.
"""
from __future__ import annotations

import csv
from collections import deque
from dataclasses import dataclass
from typing import Iterator, TextIO

from dsl.diagnostics import Phrase

# states of a cell while its characters are scanned, as csv's excel dialect reads them
_START, _PLAIN, _QUOTED, _CLOSED = range(4)
_ENDS = "\r\n"


@dataclass(frozen=True)
class BrokenRow:
    """A row refused: where (the line, and the column of the quote when a quote is to blame) and why."""

    line: int
    col: int | None
    problem: Phrase


@dataclass(frozen=True)
class _Quote:
    """Where the quote of a cell that went wrong opened (`at`: its index in the row's lines)."""

    at: int
    line: int
    col: int


class CsvRows:
    """Iterates a text stream (opened with newline="") as rows (lists of cells) or `BrokenRow`s.
    `line` is the number of the last line of the row last given."""

    def __init__(self, stream: TextIO):
        self.stream = stream
        self.again: deque[tuple[int, str]] = deque()   # lines to read again, before the stream's
        self.taken: list[tuple[int, str]] = []          # (number, text) of the row being read
        self.number = 0                                 # lines read from the stream
        self.ended = False                              # the stream ran out while the row was read
        self.line = 0
        self.reader = csv.reader(self._lines())

    def _lines(self) -> Iterator[str]:
        while True:
            if self.again:
                item = self.again.popleft()
            else:
                text = self.stream.readline()
                if not text:
                    self.ended = True
                    return
                self.number += 1
                item = (self.number, text)
            self.taken.append(item)
            yield item[1]

    def __iter__(self) -> CsvRows:
        return self

    def __next__(self) -> list[str] | BrokenRow:
        self.taken, self.ended = [], False
        try:
            row = next(self.reader)
        except csv.Error as exc:   # csv drops the rest of the line; past an open quote, lines are read again
            quote = _open_quote(self.taken)
            if quote is None:
                self.line = self.taken[-1][0] if self.taken else self.number
                return BrokenRow(self.line, None, Phrase("case.csv", detail=str(exc)))
            return self._refuse(quote, Phrase("case.csv_quote_too_long", limit=csv.field_size_limit()))
        self.line = self.taken[-1][0]
        if len(self.taken) > 1 or self.ended:
            if self.ended and (quote := _open_quote(self.taken)) is not None:
                return self._refuse(quote, Phrase("case.csv_open_quote"))
            stray = _stray_close(self.taken)
            if stray is not None:
                quote, closed = stray
                return self._refuse(quote, Phrase("case.csv_stray_quote", line=closed[0], col=closed[1]))
        return row

    def _refuse(self, quote: _Quote, problem: Phrase) -> BrokenRow:
        """The row refused at `quote`; the lines after the quote's line are read again, by a
        new reader (the old one may have seen the end of the stream)."""
        self.again.extendleft(reversed(self.taken[quote.at + 1:]))
        self.reader = csv.reader(self._lines())
        self.line = quote.line
        return BrokenRow(quote.line, quote.col, problem)


def _scan(lines: list[tuple[int, str]]) -> Iterator[tuple[int, _Quote | None, tuple[int, int] | None]]:
    """csv's excel dialect over a row's lines, one step per character: the state after it,
    the quote of the cell being read (when quoted), and where a closing quote is followed
    by text (line, column), when that is this character."""
    state, quote = _START, None
    for at, (number, text) in enumerate(lines):
        for col, ch in enumerate(text, 1):
            stray = None
            if state == _START:
                if ch == '"':
                    state, quote = _QUOTED, _Quote(at, number, col)
                elif ch != "," and ch not in _ENDS:
                    state = _PLAIN
            elif state == _PLAIN:
                if ch == "," or ch in _ENDS:
                    state = _START
            elif state == _QUOTED:
                if ch == '"':
                    state = _CLOSED
            elif ch == '"':   # _CLOSED: a doubled quote is a quote in the cell
                state = _QUOTED
            elif ch == "," or ch in _ENDS:
                state = _START
            elif ch in " \t":   # padding after the closing quote (`"a\nb" ,`): csv keeps it, no sign of a stray quote
                pass
            else:
                state, stray = _PLAIN, (number, col - 1)
            yield state, quote, stray


def _open_quote(lines: list[tuple[int, str]]) -> _Quote | None:
    """The quote still open after the row's lines, if one is."""
    state, quote = _START, None
    for state, quote, _ in _scan(lines):
        pass
    return quote if state == _QUOTED else None


def _stray_close(lines: list[tuple[int, str]]) -> tuple[_Quote, tuple[int, int]] | None:
    """The quote of a cell spanning lines that a quote followed by text closes, and where
    that closing quote is (line, column)."""
    for _, quote, stray in _scan(lines):
        if stray is not None and quote is not None and stray[0] != quote.line:
            return quote, stray
    return None
