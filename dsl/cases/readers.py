"""Read case files: one JSON/YAML case, a JSON array, JSON Lines (streamed line by line), CSV or Parquet.

Each case comes out with a label (`file:line`) so every problem names where it came from.
A malformed line never stops the others. Reasons are catalogued `Phrase`s (zh/en).
"""
from __future__ import annotations

import io
import json
import os
import stat
import sys
from dataclasses import dataclass
from functools import partial
from itertools import chain
from pathlib import Path
from typing import Any, Iterator

from dsl.cases.inputs import CaseInput, FileNotice, InputError, loads, reject_lone_surrogates
from dsl.cases.jsonplace import json_place
from dsl.cases.parquetfile import PARQUET_SUFFIXES, read_parquet_cases
from dsl.cases.unreadable import os_problem
from dsl.diagnostics import Phrase, json_phrase
from dsl.limits import MAX_DEPTH, MAX_LINE_CHARS



@dataclass(frozen=True)
class LineBlock:
    """Consecutive JSON Lines lines as read (about BLOCK_READ bytes), not yet decoded or
    parsed. With `--jobs` the reading process only cuts the input into blocks and the
    workers read the cases out of them (`cases`), so the reader does nothing per line and
    the workers share the rest."""

    name: str
    start: int    # the number of the line before the block's first one
    data: bytes
    lines: int
    # where `data` lies in the file `name` names, when that is a regular file that opening
    # `name` again finds (its offset, st_dev, st_ino, the file's size): a worker can then
    # read the block itself instead of receiving it (dsl/tools/batchpool.py)
    origin: tuple[int, int, int, int] | None = None

    def cases(self) -> Iterator[CaseInput]:
        return _json_lines(io.BytesIO(self.data), self.name, start=self.start)


BLOCK_READ = 1 << 16   # a block is what one read of this many bytes holds, up to its last line end


#: `--input-format` names -> what a file suffix would say
INPUT_FORMATS = {"json": ".json", "jsonl": ".jsonl", "csv": ".csv", "yaml": ".yaml"}


def read_cases(name: str, vocabulary: Any = None, raw_lines: bool = False, input_format: str | None = None,
               encoding: str | None = None, notices: bool = False,
               on_open: Any = None) -> Iterator[CaseInput | LineBlock | FileNotice]:
    """Every case of a file (or `-` for standard input), in order.

    The format is `input_format` (json, jsonl, csv, yaml), else the file's suffix, else sniffed
    from its first bytes (`{`/`[` JSON, else CSV). JSON Lines and CSV are streamed: memory
    stays constant however long. Each JSON Lines line is decoded on its own, so one line of
    bad bytes rejects only that line. With `raw_lines`, JSON Lines come out as `LineBlock`s
    (see there) after the first line. `encoding` is for CSV (default: UTF-8, else GB18030
    when the text is clearly Chinese). With `notices`, problems of a whole file (a CSV
    column that names no field) come out as `FileNotice`s before its cases. `on_open(handle)`
    is told of each file opened (the progress line asks it how far it has been read).
    """
    label = "<stdin>" if name == "-" else name
    suffix = INPUT_FORMATS[input_format] if input_format else ("" if name == "-" else Path(name).suffix.lower())
    if suffix in PARQUET_SUFFIXES and name != "-":   # columns, not a stream of bytes: DuckDB reads it
        from dsl.lang.vocabulary import default_vocabulary

        items = read_parquet_cases(name, vocabulary or default_vocabulary())
        yield from (item for item in items if notices or not isinstance(item, FileNotice))
        return
    try:   # a file that cannot be opened, or a read that fails partway (what came before stands)
        if name == "-":
            stdin = sys.stdin.buffer
            if not hasattr(stdin, "peek"):   # a stream given by a caller: buffered, so it can be sniffed
                stdin = io.BufferedReader(stdin)
            items = _read_handle(stdin, label, suffix, vocabulary, raw_lines, encoding)
            yield from (item for item in items if notices or not isinstance(item, FileNotice))
        else:
            with Path(name).open("rb") as handle:
                if on_open is not None:
                    on_open(handle)
                items = _read_handle(handle, name, suffix, vocabulary, raw_lines, encoding)
                yield from (item for item in items if notices or not isinstance(item, FileNotice))
    except OSError as exc:
        yield CaseInput(label, error=Phrase("case.cannot_read", detail=os_problem(exc, None if name == "-" else name)))


def read_case_text(text: str, name: str, input_format: str, vocabulary: Any = None) -> Iterator[CaseInput | FileNotice]:
    """Every case of a file's text received whole (a batch uploaded to the workbench), read
    as `read_cases` reads that file in `input_format` (json, jsonl, csv, yaml): the same
    labels (`name:line`), the same reasons, notices about the whole file included."""
    handle = io.BufferedReader(io.BytesIO(text.encode("utf-8")))   # type: ignore[arg-type]
    for item in _read_handle(handle, name, INPUT_FORMATS[input_format], vocabulary, False, None):
        if not isinstance(item, LineBlock):   # only with raw_lines, which this never asks for
            yield item


def _read_handle(handle: Any, name: str, suffix: str, vocabulary: Any, raw_lines: bool,
                 encoding: str | None) -> Iterator[CaseInput | LineBlock | FileNotice]:
    head = handle.peek(4)[:4] if hasattr(handle, "peek") else b""
    if looks_utf16(head) and not encoding:
        yield CaseInput(name, error=Phrase("case.utf16"))
        return
    if head == b"PAR1":   # Parquet, without the suffix that says so (or on standard input)
        yield CaseInput(name, error=Phrase("case.parquet_suffix"))
        return
    if suffix not in (".jsonl", ".ndjson", ".csv", ".yaml", ".yml", ".json"):
        suffix = ".json" if _looks_like_json(handle) else ".csv"
    if suffix in (".jsonl", ".ndjson"):
        skipped = blank_lines(handle)
        if skipped[-1:] == [b""]:   # nothing but blank lines: as an empty .json or .csv is
            yield CaseInput(name, error=Phrase("case.empty_file"))
            return
        yield from _json_lines(handle, name, raw_lines, pending=skipped)
        return
    if suffix == ".csv":
        from dsl.cases.csvfile import read_csv   # only for CSV: it costs start-up time
        from dsl.lang.vocabulary import default_vocabulary

        yield from read_csv(handle, name, vocabulary or default_vocabulary(), encoding)
        return
    if suffix in (".yaml", ".yml"):
        text = _decode(handle.read(), name)
        if isinstance(text, CaseInput):
            yield text
        elif not text.strip():
            yield CaseInput(name, error=Phrase("case.empty_file"))
        else:
            yield from _yaml_cases(text, name)
        return
    yield from _json_any(handle, name, raw_lines)


def looks_utf16(head: bytes) -> bool:
    """Whether a file starting with these 4 bytes is UTF-16 (refused whole, with how to save
    it as UTF-8): a BOM, or text that starts with a printable ASCII character and has every
    other byte zero (a line of NUL bytes and newlines is not taken for UTF-16: its lines are
    read, and rejected, one by one)."""
    return head.startswith((b"\xff\xfe", b"\xfe\xff")) or (
        len(head) == 4 and ((head[1] == 0 and head[3] == 0 and head[0] >= 0x20 and head[2] != 0)
                            or (head[0] == 0 and head[2] == 0 and head[1] >= 0x20 and head[3] != 0)))


def _looks_like_json(handle: Any) -> bool:
    """Sniff an input of unknown format: JSON (or JSON Lines) starts with `{` or `[`."""
    head = handle.peek(4096)[:4096] if hasattr(handle, "peek") else b""
    text = head.lstrip(b" \t\r\n")
    if text.startswith(b"\xef\xbb\xbf"):
        text = text[3:].lstrip(b" \t\r\n")
    return text[:1] in (b"{", b"[") or not text


def blank_lines(handle: Any) -> list[bytes]:
    """The lines up to the first that is not blank, that one included; ending in b"" when the
    input has no other (an empty file of cases is an error, whatever its format)."""
    lines: list[bytes] = []
    while True:
        line = handle.readline(MAX_LINE_CHARS + 1)
        text = line.strip(b" \t\r\n")
        lines.append(line)
        if not line or (text and not (len(lines) == 1 and text == b"\xef\xbb\xbf")):   # a BOM on line 1 only
            return lines


def blank_file(path: str) -> bool:
    """Whether the file holds nothing but blank lines: readers that bypass this module (DuckDB
    on JSON Lines) leave such a file to it, for its "the file is empty"."""
    with open(path, "rb") as handle:
        return blank_lines(handle)[-1:] == [b""]


def _json_any(handle: Any, name: str, raw_lines: bool) -> Iterator[CaseInput | LineBlock]:
    """One JSON document (object or array), or JSON Lines when the first line stands alone."""
    skipped: list[bytes] = []
    first = b""
    while True:
        line = handle.readline(MAX_LINE_CHARS + 1)
        if not line:
            break
        if line.strip(b" \t\r\n\xef\xbb\xbf"):
            first = line
            break
        skipped.append(line)
    if not first:
        yield CaseInput(name, error=Phrase("case.empty_file"))
        return
    text = _decode(first, name)
    if not isinstance(text, CaseInput) and len(first) <= MAX_LINE_CHARS:
        try:
            doc = loads(text)
        except (ValueError, RecursionError):
            doc = _NOT_JSON
        if doc is not _NOT_JSON:
            blank = 0
            rest = handle.readline(MAX_LINE_CHARS + 1)
            while rest and not rest.strip(b" \t\r\n"):
                blank += 1
                rest = handle.readline(MAX_LINE_CHARS + 1)
            if not rest:   # a one-line document
                yield from _documents(doc, name)
                return
            line_no = len(skipped) + 1
            yield CaseInput(f"{name}:{line_no}", doc)
            yield from _json_lines(handle, name, raw_lines, start=line_no + blank, pending=[rest])
            return
    whole = _decode(b"".join(skipped) + first + handle.read(), name)
    if isinstance(whole, CaseInput):
        yield whole
        return
    try:
        data = loads(whole)
    except (ValueError, RecursionError) as exc:
        if sum(line.startswith("{") for line in whole.splitlines()) >= 2:
            # Several lines that each open an object: JSON Lines whose first line is bad.
            yield from _json_lines(io.BytesIO(whole.encode("utf-8")), name, raw_lines)
            return
        yield CaseInput(_where(name, exc), error=_json_problem(exc))
        return
    yield from _documents(data, name)


_NOT_JSON = object()


def _documents(data: Any, name: str) -> Iterator[CaseInput]:
    if isinstance(data, list):
        for i, item in enumerate(data):
            yield CaseInput(f"{name}[{i}]", item)
    else:
        yield CaseInput(name, data)


def _decode(raw: bytes, name: str) -> str | CaseInput:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return CaseInput(name, error=Phrase("case.not_utf8", byte=exc.start))


def _json_lines(handle: Any, name: str, raw_lines: bool = False, start: int = 0,
                pending: list[bytes] | None = None) -> Iterator[CaseInput | LineBlock]:
    if raw_lines:
        yield from _line_blocks(handle, name, start, pending)
        return
    line_no = start
    limit = MAX_LINE_CHARS
    for line in chain(pending or (), iter(partial(handle.readline, limit + 1), b"")):
        line_no += 1
        if len(line) > limit and not line.endswith(b"\n"):
            yield _skip_long_line(handle, line, name, line_no)
            continue
        if line_no == 1 and line.startswith(b"\xef\xbb\xbf"):
            line = line[3:]
        if line[:1] != b"{" and not line.strip(b" \t\r\n"):   # JSON whitespace only
            continue
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError as exc:
            yield CaseInput(f"{name}:{line_no}", error=Phrase("case.not_utf8_line", byte=exc.start))
            continue
        try:
            yield CaseInput(f"{name}:{line_no}", loads(text))
        except (ValueError, RecursionError) as exc:
            yield CaseInput(f"{name}:{line_no}", error=_json_problem(exc))


def _line_blocks(handle: Any, name: str, start: int, pending: list[bytes] | None) -> Iterator[CaseInput | LineBlock]:
    """The lines cut into blocks as they are: read BLOCK_READ bytes at a time and cut after
    the last line end, so the reading process does nothing per line. A line too long to
    hold is reported here, at its number (one that ends within a block, by the worker)."""
    first = start
    carry = b"".join(pending or ())
    place = _file_place(handle)
    where = None
    while True:
        if place is not None:
            where = (handle.tell() - len(carry),) + place   # where `data` starts in the file
        data = handle.read(BLOCK_READ)
        if not data:
            break
        data = carry + data if carry else data
        cut = data.rfind(b"\n") + 1
        if not cut:   # still within one line
            carry = data
            if len(carry) > MAX_LINE_CHARS:
                first += 1
                yield _skip_long_line(handle, carry, name, first)
                carry = b""
            continue
        carry = data[cut:]
        lines = data.count(b"\n", 0, cut)
        yield LineBlock(name, first, data[:cut], lines, where)
        first += lines
    if len(carry) > MAX_LINE_CHARS:
        yield _skip_long_line(handle, carry, name, first + 1)
    elif carry:
        yield LineBlock(name, first, carry, 1, where)


def _file_place(handle: Any) -> tuple[int, int, int] | None:
    """(st_dev, st_ino, size) of a regular file that opening its name again finds (not
    standard input, nor a name since replaced): what a worker checks before reading it."""
    name = getattr(handle, "name", None)
    try:
        here = os.fstat(handle.fileno())
        there = os.stat(name) if isinstance(name, str) else None
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
        return None
    if there is None or not stat.S_ISREG(here.st_mode) or not os.path.samestat(here, there):
        return None
    return here.st_dev, here.st_ino, here.st_size


def _too_long(line: bytes) -> bool:
    return len(line) > MAX_LINE_CHARS and not line.endswith(b"\n")


def _skip_long_line(handle: Any, line: bytes, name: str, line_no: int) -> CaseInput:
    while line and not line.endswith(b"\n"):
        line = handle.readline(MAX_LINE_CHARS + 1)
    return CaseInput(f"{name}:{line_no}", error=Phrase("case.line_too_long", limit=MAX_LINE_CHARS))


def _yaml_cases(text: str, name: str) -> Iterator[CaseInput]:
    from dsl.text.yamlload import load_yaml

    doc = load_yaml(text, name)
    if doc.diagnostics:
        d = doc.diagnostics[0]
        where = f"{name}:{d.span.line}:{d.span.col}" if d.span else name
        yield CaseInput(where, error=Phrase("pair", en=d.message("en"), zh=d.message("zh")))
        return
    try:
        reject_lone_surrogates(doc.data)
    except InputError as exc:
        yield CaseInput(name, error=exc.problem)
        return
    if isinstance(doc.data, list):
        for i, item in enumerate(doc.data):
            yield CaseInput(f"{name}[{i}]", item)
    else:
        yield CaseInput(name, doc.data)


def _where(name: str, exc: Exception) -> str:
    if isinstance(exc, json.JSONDecodeError):
        place = json_place(exc)
        return f"{name}:{place.line}:{place.col}"
    return name


def _json_problem(exc: Exception) -> Phrase:
    if isinstance(exc, InputError):
        return exc.problem if exc.problem.key == "case.too_deep" else Phrase("case.json_plain", detail=exc.problem)
    if isinstance(exc, RecursionError):
        return Phrase("case.too_deep", limit=MAX_DEPTH)
    if isinstance(exc, json.JSONDecodeError):
        place = json_place(exc)
        if place.unclosed is not None:   # cut short: not a wrong value, a missing end
            return Phrase("case.json_cut_object" if place.unclosed == "{" else "case.json_cut_list", col=place.col)
        return Phrase("case.json", detail=json_phrase(exc.msg), col=place.col)
    return Phrase("case.json_plain", detail=str(exc))
