"""Read case files: one JSON/YAML case, a JSON array, or JSON Lines (streamed line by line).

Each case comes out with a label (`file:line`) so every problem names where it came from.
A malformed line never stops the others.
"""
from __future__ import annotations

import io
import json
import sys
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterator

MAX_LINE_CHARS = 10 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class CaseInput:
    """One case as read, or why it could not be read."""

    source: str          # "cases.jsonl:3"
    doc: Any = None
    error: str | None = None


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed in JSON (amounts must be finite)")


def loads(text: str) -> Any:
    """JSON with exact decimals: `129.90` becomes Decimal('129.90'), never a float."""
    return json.loads(text, parse_float=Decimal, parse_constant=_reject_constant)


def read_cases(name: str) -> Iterator[CaseInput]:
    """Every case of a file (or `-` for standard input), in order."""
    if name == "-":
        stream = io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8-sig", errors="strict")
        yield from _read_stream(stream, "<stdin>", "")
        return
    path = Path(name)
    try:
        handle = path.open("rb")
    except OSError as exc:
        yield CaseInput(name, error=f"cannot read: {exc.strerror or exc}")
        return
    with handle:
        head = handle.read(4)
        if head.startswith((b"\xff\xfe", b"\xfe\xff")) or (len(head) >= 2 and b"\x00" in head[:2]):
            yield CaseInput(name, error="the file is UTF-16; save it as UTF-8")
            return
        handle.seek(0)
        stream = io.TextIOWrapper(handle, encoding="utf-8-sig", errors="strict")
        yield from _read_stream(stream, name, path.suffix.lower())


def _read_stream(stream: io.TextIOBase, name: str, suffix: str) -> Iterator[CaseInput]:
    try:
        if suffix in (".jsonl", ".ndjson"):
            yield from _json_lines(stream, name)
            return
        text = stream.read()
    except UnicodeDecodeError as exc:
        yield CaseInput(name, error=f"not UTF-8 text (byte {exc.start})")
        return
    if not text.strip():
        yield CaseInput(name, error="the file is empty")
        return
    if suffix in (".yaml", ".yml"):
        yield from _yaml_cases(text, name)
        return
    try:
        data = loads(text)
    except (json.JSONDecodeError, ValueError, RecursionError) as exc:
        if isinstance(exc, json.JSONDecodeError) and exc.msg == "Extra data":
            yield from _json_lines(io.StringIO(text), name)
            return
        yield CaseInput(_where(name, exc), error=_json_problem(exc))
        return
    if isinstance(data, list):
        for i, item in enumerate(data):
            yield CaseInput(f"{name}[{i}]", item)
    else:
        yield CaseInput(name, data)


def _json_lines(stream: io.TextIOBase, name: str) -> Iterator[CaseInput]:
    line_no = 0
    while True:
        try:
            line = stream.readline(MAX_LINE_CHARS + 1)
        except UnicodeDecodeError as exc:
            yield CaseInput(f"{name}:{line_no + 1}", error=f"not UTF-8 text (byte {exc.start})")
            return
        if not line:
            return
        line_no += 1
        if len(line) > MAX_LINE_CHARS and not line.endswith("\n"):
            yield CaseInput(f"{name}:{line_no}", error=f"line longer than {MAX_LINE_CHARS} characters")
            while line and not line.endswith("\n"):
                line = stream.readline(MAX_LINE_CHARS + 1)
            continue
        if not line.strip():
            continue
        try:
            yield CaseInput(f"{name}:{line_no}", loads(line))
        except (json.JSONDecodeError, ValueError, RecursionError) as exc:
            yield CaseInput(f"{name}:{line_no}", error=_json_problem(exc))


def _yaml_cases(text: str, name: str) -> Iterator[CaseInput]:
    from .yamlload import load_yaml

    doc = load_yaml(text, name)
    if doc.diagnostics:
        d = doc.diagnostics[0]
        where = f"{name}:{d.span.line}:{d.span.col}" if d.span else name
        yield CaseInput(where, error=d.message("en"))
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
