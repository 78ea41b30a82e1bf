"""Read case files: one JSON/YAML case, a JSON array, or JSON Lines (streamed line by line).

Each case comes out with a label (`file:line`) so every problem names where it came from.
A malformed line never stops the others.
"""
from __future__ import annotations

import io
import json
import re
import sys
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from itertools import chain
from pathlib import Path
from typing import Any, Iterator

MAX_LINE_CHARS = 10 * 1024 * 1024


@dataclass(frozen=True)
class CaseInput:
    """One case as read, or why it could not be read."""

    source: str          # "cases.jsonl:3"
    doc: Any = None
    error: str | None = None


@dataclass(frozen=True)
class LineBlock:
    """Consecutive JSON Lines lines as read, not yet decoded or parsed. With `--jobs` the
    reading process only cuts the input into blocks and the workers read the cases out of
    them (`cases`), so the reader's work per line stays small and the workers share the rest."""

    name: str
    start: int    # the number of the line before the block's first one
    data: bytes
    lines: int

    def cases(self) -> Iterator[CaseInput]:
        return _json_lines(io.BytesIO(self.data), self.name, start=self.start)


BLOCK_LINES = 500
BLOCK_BYTES = 1 << 20


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed in JSON (amounts must be finite)")


def _int(text: str) -> int:
    if len(text.lstrip("-")) > 30:
        raise ValueError(f"a number of {len(text)} digits is not a value a case can hold")
    return int(text)


def loads(text: str) -> Any:
    """JSON with exact decimals: `129.90` becomes Decimal('129.90'), never a float.

    A `\\ud800`-style escape that is not half of a pair is not text: rejected here, so no
    such string reaches the output. Nesting deeper than MAX_DEPTH is rejected before
    parsing, so the answer does not depend on how much stack the caller has left (a
    worker process has less) and every document can be pickled to a worker.
    """
    if text.count("[") + text.count("{") > MAX_DEPTH and _depth(text) > MAX_DEPTH:
        raise ValueError(f"nested too deeply (the limit is {MAX_DEPTH} levels)")
    data = json.loads(text, parse_float=Decimal, parse_int=_int, parse_constant=_reject_constant)
    if "\\u" in text and _LONE_SURROGATE.search(text):
        reject_lone_surrogates(data)
    return data


_LONE_SURROGATE = re.compile(r"\\u[dD][89a-fA-F]")


MAX_DEPTH = 200   # as for rulebooks (yamlload.MAX_DEPTH)
_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def _depth(text: str) -> int:
    """How deep the brackets of a JSON text nest (brackets inside strings do not count)."""
    depth = deepest = 0
    for match in _TOKENS.finditer(text):
        mark = match.group()[0]
        if mark in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif mark in "]}":
            depth -= 1
    return deepest


def reject_lone_surrogates(data: Any) -> None:
    """ValueError when a string holds half of a UTF-16 surrogate pair (not valid Unicode)."""
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                raise ValueError(f"{item[:20]!r} holds half of a UTF-16 surrogate pair (not valid text)") from None
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def read_cases(name: str, vocabulary: Any = None, raw_lines: bool = False) -> Iterator[CaseInput | LineBlock]:
    """Every case of a file (or `-` for standard input), in order.

    JSON Lines (`.jsonl`, `.ndjson`, or any input whose first line is a JSON value by
    itself) and CSV are streamed: memory stays constant however long. Each JSON Lines line
    is decoded on its own, so one line of bad bytes rejects only that line. With
    `raw_lines`, JSON Lines come out as `LineBlock`s (see there) after the first line.
    """
    label = "<stdin>" if name == "-" else name
    try:   # a file that cannot be opened, or a read that fails partway (what came before stands)
        if name == "-":
            yield from _read_handle(sys.stdin.buffer, label, "", vocabulary, raw_lines)
        else:
            with Path(name).open("rb") as handle:
                yield from _read_handle(handle, name, Path(name).suffix.lower(), vocabulary, raw_lines)
    except OSError as exc:
        yield CaseInput(label, error=f"cannot read: {exc.strerror or exc}")


def _read_handle(handle: Any, name: str, suffix: str, vocabulary: Any, raw_lines: bool) -> Iterator[CaseInput | LineBlock]:
    head = handle.peek(4)[:4] if hasattr(handle, "peek") else b""
    utf16 = head.startswith((b"\xff\xfe", b"\xfe\xff")) or (
        len(head) == 4 and ((head[1] == 0 and head[3] == 0 and head[0]) or (head[0] == 0 and head[2] == 0 and head[1])))
    if utf16:   # a BOM, or ASCII text with every other byte zero
        yield CaseInput(name, error="the file is UTF-16; save it as UTF-8")
        return
    if suffix in (".jsonl", ".ndjson"):
        yield from _json_lines(handle, name, raw_lines)
        return
    if suffix == ".csv":
        if vocabulary is None:
            from .vocabulary import default_vocabulary
            vocabulary = default_vocabulary()
        stream = io.TextIOWrapper(handle, encoding="utf-8-sig", errors="strict", newline="")
        try:
            yield from read_csv_cases(stream, name, vocabulary)
        finally:
            stream.detach()
        return
    if suffix in (".yaml", ".yml"):
        text = _decode(handle.read(), name)
        if isinstance(text, CaseInput):
            yield text
        elif not text.strip():
            yield CaseInput(name, error="the file is empty")
        else:
            yield from _yaml_cases(text, name)
        return
    yield from _json_any(handle, name, raw_lines)


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
        yield CaseInput(name, error="the file is empty")
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
        return CaseInput(name, error=f"not UTF-8 text (byte {exc.start})")


def _json_lines(handle: Any, name: str, raw_lines: bool = False, start: int = 0,
                pending: list[bytes] | None = None) -> Iterator[CaseInput | LineBlock]:
    if raw_lines:
        yield from _line_blocks(handle, name, start, pending)
        return
    line_no = start
    queue = list(pending or [])
    while True:
        line = queue.pop(0) if queue else handle.readline(MAX_LINE_CHARS + 1)
        if not line:
            return
        line_no += 1
        if _too_long(line):
            yield _skip_long_line(handle, line, name, line_no)
            continue
        if line_no == 1 and line.startswith(b"\xef\xbb\xbf"):
            line = line[3:]
        if not line.strip(b" \t\r\n"):   # JSON whitespace only
            continue
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError as exc:
            yield CaseInput(f"{name}:{line_no}", error=f"not UTF-8 text (byte {exc.start} of the line)")
            continue
        try:
            yield CaseInput(f"{name}:{line_no}", loads(text))
        except (ValueError, RecursionError) as exc:
            yield CaseInput(f"{name}:{line_no}", error=_json_problem(exc))


def _line_blocks(handle: Any, name: str, start: int, pending: list[bytes] | None) -> Iterator[CaseInput | LineBlock]:
    """The lines cut into blocks as they are; a line too long to hold is reported here."""
    first = start
    lines: list[bytes] = []
    size = 0
    for line in chain(pending or (), iter(partial(handle.readline, MAX_LINE_CHARS + 1), b"")):
        if _too_long(line):
            if lines:
                yield LineBlock(name, first, b"".join(lines), len(lines))
                first, lines, size = first + len(lines), [], 0
            first += 1
            yield _skip_long_line(handle, line, name, first)
            continue
        lines.append(line)
        size += len(line)
        if len(lines) >= BLOCK_LINES or size >= BLOCK_BYTES:
            yield LineBlock(name, first, b"".join(lines), len(lines))
            first, lines, size = first + len(lines), [], 0
    if lines:
        yield LineBlock(name, first, b"".join(lines), len(lines))


def _too_long(line: bytes) -> bool:
    return len(line) > MAX_LINE_CHARS and not line.endswith(b"\n")


def _skip_long_line(handle: Any, line: bytes, name: str, line_no: int) -> CaseInput:
    while line and not line.endswith(b"\n"):
        line = handle.readline(MAX_LINE_CHARS + 1)
    return CaseInput(f"{name}:{line_no}", error=f"line longer than {MAX_LINE_CHARS} bytes")


def _yaml_cases(text: str, name: str) -> Iterator[CaseInput]:
    from .yamlload import load_yaml

    doc = load_yaml(text, name)
    if doc.diagnostics:
        d = doc.diagnostics[0]
        where = f"{name}:{d.span.line}:{d.span.col}" if d.span else name
        yield CaseInput(where, error=d.message("en"))
        return
    try:
        reject_lone_surrogates(doc.data)
    except ValueError as exc:
        yield CaseInput(name, error=str(exc))
        return
    if isinstance(doc.data, list):
        for i, item in enumerate(doc.data):
            yield CaseInput(f"{name}[{i}]", item)
    else:
        yield CaseInput(name, doc.data)


def _where(name: str, exc: Exception) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"{name}:{exc.lineno}:{exc.colno}"
    return name


def _json_problem(exc: Exception) -> str:
    if isinstance(exc, RecursionError):
        return "malformed JSON: nested too deeply"
    if isinstance(exc, json.JSONDecodeError):
        return f"malformed JSON: {exc.msg} (column {exc.colno})"
    return f"malformed JSON: {exc}"


def read_csv_cases(stream: io.TextIOBase, name: str, vocabulary: Any) -> Iterator[CaseInput]:
    """CSV exported from a back office: one case a row, columns named by path (`order.paid_amount`).

    Cells are text; each is turned into the JSON value its path's type expects (empty = null).
    A cell that cannot be converted is passed on as text, so the case parser names the field.
    """
    import csv

    reader = csv.reader(stream)
    try:
        header = next(reader)
    except StopIteration:
        yield CaseInput(name, error="the file is empty")
        return
    except (csv.Error, UnicodeDecodeError) as exc:
        yield CaseInput(f"{name}:1", error=f"malformed CSV: {exc}")
        return
    header = [h.strip() for h in header]
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except (csv.Error, UnicodeDecodeError) as exc:
            yield CaseInput(f"{name}:{reader.line_num}", error=f"malformed CSV: {exc}")
            continue
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            yield CaseInput(f"{name}:{line}", error=f"{len(row)} cells, but the header has {len(header)} columns")
            continue
        yield CaseInput(f"{name}:{line}", _row_to_case(header, row, vocabulary))


def _row_to_case(header: list[str], row: list[str], vocabulary: Any) -> dict[str, Any]:
    case: dict[str, Any] = {}
    for path, cell in zip(header, row):
        parts = path.split(".")
        target = case
        for part in parts[:-1]:
            nxt = target.get(part)
            if not isinstance(nxt, dict):
                nxt = target[part] = {}
            target = nxt
        fld = vocabulary.get(path)
        target[parts[-1]] = _cell(cell, fld.type.kind if fld else "str")
    return _drop_empty_objects(case)


def _drop_empty_objects(obj: dict[str, Any]) -> dict[str, Any]:
    """A nested object whose cells were all empty is absent (null), as in the JSON export."""
    out: dict[str, Any] = {}
    for key, value in obj.items():
        if isinstance(value, dict):
            value = _drop_empty_objects(value)
            if all(v is None for v in value.values()):
                value = None
        out[key] = value
    return out


def _cell(cell: str, kind: str) -> Any:
    text = cell.strip()
    if text == "" or text.lower() == "null":
        return None
    if kind == "bool":
        return {"true": True, "false": False, "1": True, "0": False}.get(text.lower(), text)
    if kind == "int":
        return int(text) if re.fullmatch(r"[+-]?[0-9]{1,30}", text) else text
    if kind == "list":
        if text.startswith("["):
            try:
                return loads(text)
            except ValueError:
                return text
        return [item.strip() for item in text.replace("|", ";").split(";") if item.strip()]
    return text
