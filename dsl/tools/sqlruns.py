"""DuckDB's rows beside the JSON Lines file they were read from, a chunk at a time.

`copy_rows` (sqlbatch.py) writes, per case in the file's order, `width` lines: the matched
bits, a middle value (for JSON Lines the input line's length in bytes) and DuckDB's output
line, empty where the Python engine is to decide. Reading both files line by line and
handing on one `Decided` per case cost ~12 us a case, as much as DuckDB's own work once
that is fast. Here both files are read in chunks of about a megabyte and every step per
line is a C loop: the rows are cut into columns by `split` and slicing; a chunk of the
input is checked in step whole (the rows' lengths put its line ends at certain places: each
must be a LF, and the chunk must have no other); consecutive decided lines go on as one
`DecidedRun` (their lines joined, matches counted per distinct mask). The rule is that of
reading line by line: a line is never taken for another. A chunk with a CR in it, and the
file's first (a BOM), are measured line by line as DuckDB reads them (a CR LF gives DuckDB
an empty row after the line); from the first line out of step on, the Python engine reads
the rest of the file.
"""
from __future__ import annotations

from bisect import bisect_right
from itertools import accumulate
from typing import Any, BinaryIO, Iterator

from dsl.cases.readers import LineBlock
from dsl.tools.batch import Decided
from dsl.tools.decidedrun import DecidedRun, mask_counts

INPUT_READ = 1 << 20   # bytes of the input read at a time (about a thousand cases of 1 KB)
ROWS_READ = 1 << 21


class RowsFile:
    """The rows `copy_rows` wrote, `width` lines per case, taken a number of cases at a time."""

    def __init__(self, handle: BinaryIO, width: int):
        self.handle, self.width = handle, width
        self.lines: list[bytes] = []
        self.pos = 0
        self.tail = b""
        self.eof = False

    def take(self, n: int) -> list[list[bytes]]:
        """The next `n` cases' rows as `width` columns (shorter at the end of the file)."""
        need = n * self.width
        while len(self.lines) - self.pos < need and not self.eof:
            self._read()
        flat = self.lines[self.pos:self.pos + need]
        self.pos += len(flat)
        del flat[len(flat) - len(flat) % self.width:]
        return [flat[k::self.width] for k in range(self.width)]

    def _read(self) -> None:
        data = self.handle.read(ROWS_READ)
        if not data:
            self.eof = True
            pieces = [self.tail] if self.tail else []   # a last line without its end is one too
        else:
            pieces = data.split(b"\n")
            pieces[0] = self.tail + pieces[0]
            self.tail = pieces.pop()
        self.lines = self.lines[self.pos:] + pieces
        self.pos = 0


def input_chunks(handle: BinaryIO) -> Iterator[bytes]:
    """The file in chunks of about INPUT_READ bytes, each up to a line end (the last up to
    the file's end)."""
    while True:
        data = handle.read(INPUT_READ)
        if not data:
            return
        if not data.endswith(b"\n"):
            data += handle.readline()   # the rest of the line, however long
        yield data


def json_lines_items(name: str, handle: BinaryIO, rows: RowsFile, runs: bool = True) -> Iterator[Any]:
    """The cases of the JSON Lines file `handle`, DuckDB's `rows` of it beside: decided runs
    (`DecidedRun`, or one `Decided` per case without `runs`) and, for every other line, what
    the Python reader gives (exact messages, the same summary)."""
    number = 0   # lines before the chunk
    for data in input_chunks(handle):
        plain = number > 0 and data.endswith(b"\n") and b"\r" not in data
        if plain:   # the usual chunk: checked whole, no line cut out
            count = data.count(b"\n")
            masks, have, texts = _columns(rows, count)
            bounds = _bounds_in_step(data, have, count)
            if bounds is not None:
                yield from _emit(name, number, data, bounds, masks, texts, runs)
                number += count
                continue
            expected, places = list(map(len, data.split(b"\n")[:-1])), None
        else:
            expected, places = _measure(data, number == 0)
            masks, have, texts = _columns(rows, len(expected))
        if places is not None:   # each line's own row (a CR LF has an empty one after it)
            masks, texts = [masks[p] for p in places if p < len(masks)], [texts[p] for p in places if p < len(texts)]
        bounds = _line_bounds(data)
        if have != expected:   # in step up to line `good`; the Python engine reads on from there
            good = _in_step(expected, have, places)
            yield from _emit(name, number, data, bounds[:good + 1], masks, texts, runs)
            yield from read_rest(handle, name, number + good, data[bounds[good]:])
            return
        yield from _emit(name, number, data, bounds, masks, texts, runs)
        number += len(bounds) - 1


def _columns(rows: RowsFile, count: int) -> tuple[list[bytes], list[int], list[bytes]]:
    """The next `count` rows: masks, lengths and output lines. The lengths stop before one
    that is not a number (the rows are not this file's from there on)."""
    masks, lengths, texts = rows.take(count)[:3]
    try:
        return masks, list(map(int, lengths)), texts
    except ValueError:
        have = []
        for length in lengths:
            if not length.isdigit():
                break
            have.append(int(length))
        return masks, have, texts


def _bounds_in_step(data: bytes, have: list[int], count: int) -> list[int] | None:
    """Where each of the `count` lines of `data` (no CR, the last ending with LF) starts, and
    the end, when the rows' lengths are the lines' lengths; else None. The lengths put a LF
    at `count` increasing places; when each of them is a LF and `data` has `count` LFs, they
    are the line ends, every line exactly as long as its row says."""
    if len(have) != count or min(have, default=0) < 0:
        return None
    bounds = list(accumulate(map((1).__add__, have), initial=0))
    if bounds[-1] != len(data) or bytes(map(data.__getitem__, map((-1).__add__, bounds[1:]))) != b"\n" * count:
        return None
    return bounds


def _line_bounds(data: bytes) -> list[int]:
    """Where each line of `data` starts, and its end."""
    bounds = list(accumulate(map((1).__add__, map(len, data.split(b"\n"))), initial=0))
    if data.endswith(b"\n"):
        bounds.pop()   # no line after the last LF
    bounds[-1] = len(data)
    return bounds


def _measure(data: bytes, first: bool) -> tuple[list[int], list[int]]:
    """Line by line, the rows DuckDB gives for the lines of `data` (each line's length
    without its end, and the first's without a UTF-8 BOM when `data` is the file's start;
    an empty row after a CR LF), and where each line's own row is among them."""
    expected: list[int] = []
    places: list[int] = []
    lines = data.split(b"\n")
    ended = not lines[-1]
    if ended:
        lines.pop()
    last = len(lines) - 1
    for i, line in enumerate(lines):
        body, crlf = line_body(line + b"\n" if i < last or ended else line, first and i == 0)
        places.append(len(expected))
        expected.append(len(body))
        if crlf:
            expected.append(0)
    return expected, places


def _in_step(expected: list[int], have: list[int], places: list[int] | None) -> int:
    """How many lines come before the first whose rows differ from what it should give."""
    first = next((i for i, (a, b) in enumerate(zip(expected, have)) if a != b), min(len(expected), len(have)))
    return first if places is None else bisect_right(places, first) - 1


def _emit(name: str, number: int, data: bytes, bounds: list[int], masks: list[bytes], texts: list[bytes],
          runs: bool) -> Iterator[Any]:
    """The items of the lines of `data` that `bounds` marks (all in step with their rows):
    runs of decided lines, and the lines between them read by the Python reader (one block
    for consecutive ones)."""
    for i, j, decided in spans(texts, len(bounds) - 1):
        if decided:
            yield from decided_items(masks[i:j], texts[i:j], runs)
        else:
            yield from LineBlock(name, number + i, data[bounds[i]:bounds[j]], j - i).cases()


def spans(texts: list[bytes], count: int) -> Iterator[tuple[int, int, bool]]:
    """(start, end, decided) of the first `count` texts cut into runs of decided ones (a
    line DuckDB wrote) and runs of the others (empty), in order; found by C searches."""
    i = 0
    while i < count:
        try:
            j = texts.index(b"", i, count)
        except ValueError:
            j = count
        if j > i:
            yield i, j, True
        i = j
        while j < count and not texts[j]:
            j += 1
        if j > i:
            yield i, j, False
        i = j


def decided_items(masks: list[bytes], texts: list[bytes], runs: bool) -> Iterator[Any]:
    """Decided cases (their bit masks and output lines): one `DecidedRun`, or with `runs`
    off one `Decided` each."""
    if runs:
        yield DecidedRun(b"\n".join(texts + [b""]), len(texts), mask_counts(masks))   # one copy of the text
        return
    for mask, text in zip(masks, texts):
        yield Decided(text.decode("utf-8") + "\n", int(mask))


def line_body(raw: bytes, first: bool) -> tuple[bytes, bool]:
    """A line without its end (and the first without a UTF-8 BOM), as DuckDB's row holds it;
    whether it ended with CR LF (DuckDB then gives an empty row after it). A CR anywhere else
    makes the lengths differ, so the check hands the file to the Python engine."""
    body = raw[:-1] if raw.endswith(b"\n") else raw
    crlf = body.endswith(b"\r") and raw.endswith(b"\n")
    if crlf:
        body = body[:-1]
    if first and body.startswith(b"\xef\xbb\xbf"):
        body = body[3:]
    return body, crlf


def read_rest(handle: Any, name: str, start: int, first: bytes) -> Iterator[Any]:
    """The lines from `start` on, read by the Python engine (`first`: the bytes already read)."""
    data = first + handle.read()
    if data:
        yield from LineBlock(name, start, data, data.count(b"\n") + (not data.endswith(b"\n"))).cases()
