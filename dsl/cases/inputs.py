"""One JSON text as a case document, and what a reader gives for each case.

`loads` is the one JSON parser of case input (JSON, JSON Lines, JSON cells of a CSV):
exact decimals, no NaN, no key given twice, no whole number of more digits than a case may
hold, no half of a surrogate pair, no nesting deeper than MAX_DEPTH. The file readers
(readers.py, csvfile.py) build on it; it imports neither.
"""
from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from dsl.diagnostics import Phrase
from dsl.limits import MAX_DEPTH, MAX_NUMBER_DIGITS


@dataclass(frozen=True)
class CaseInput:
    """One case as read, or why it could not be read."""

    source: str          # "cases.jsonl:3"
    doc: Any = None
    error: Phrase | None = None


@dataclass(frozen=True)
class FileNotice:
    """Something about a whole input file that every case of it shares, reported once (a CSV
    column that names no field). `path` is the case path it is about: said here, the same
    unknown field is not said again per case."""

    source: str                     # "export.csv:1:4"
    code: str                       # "E406"
    problem: Phrase
    hint: Phrase | None = None
    path: str | None = None
    severity: str = "warning"       # "note": said, but the run is not the worse for it (a notes column)


class InputError(ValueError):
    """A JSON text that parses but cannot be a case document; carries the catalogued reason."""

    def __init__(self, problem: Phrase):
        super().__init__(problem)
        self.problem = problem


def _reject_constant(name: str) -> Any:
    raise InputError(Phrase("case.json_constant", name=name))


def _int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_NUMBER_DIGITS:
        raise InputError(Phrase("case.long_number", digits=len(text)))
    return int(text)


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object; a key given twice is an error (json keeps the last one without a word)."""
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise InputError(Phrase("case.duplicate_key", key=key, where=Phrase("pair", en="an object of the case", zh="案例的同一个对象")))
            seen.add(key)
    return obj


def loads(text: str) -> Any:
    """JSON with exact decimals: `129.90` becomes Decimal('129.90'), never a float.

    A `\\ud800`-style escape that is not half of a pair is not text: rejected here, so no
    such string reaches the output. Nesting deeper than MAX_DEPTH is rejected before
    parsing, so the answer does not depend on how much stack the caller has left (a
    worker process has less) and every document can be pickled to a worker. A key given
    twice and a whole number of more than MAX_NUMBER_DIGITS digits are errors.
    """
    if text.count("[") + text.count("{") > MAX_DEPTH and _depth(text) > MAX_DEPTH:
        raise InputError(Phrase("case.too_deep", limit=MAX_DEPTH))
    data = _plain(text)
    if data is _NOT_PLAIN:
        data = json.loads(text, parse_float=Decimal, parse_int=_int, parse_constant=_reject_constant,
                          object_pairs_hook=_object)
    if "\\u" in text and _LONE_SURROGATE.search(text):
        reject_lone_surrogates(data)
    return data


def _plain(text: str) -> Any:
    """The document as json's C parser reads it when it builds the objects itself (twice as
    fast as with `_object`), when that is provably what the exact parser gives: no
    byte-order mark (json.loads says so), no space before a colon, and as many `":` in the
    text as keys in the objects read (a key given twice would make one key fewer; a `":`
    inside a text only sends the document to the exact parser). Any error: the exact
    parser says what is wrong, in its words."""
    if text.startswith("\ufeff") or _SPACE_COLON(text):
        return _NOT_PLAIN
    decoder, keys = _counting_decoder()
    keys[0] = 0
    try:
        data = decoder.decode(text)
    except (ValueError, RecursionError):
        return _NOT_PLAIN
    return data if keys[0] == text.count('":') else _NOT_PLAIN


def _counting_decoder() -> tuple[json.JSONDecoder, list[int]]:
    """This thread's decoder that counts the keys of the objects it builds."""
    try:
        return _LOCAL.decoder  # type: ignore[no-any-return]
    except AttributeError:
        keys = [0]

        def counted(obj: dict[str, Any]) -> dict[str, Any]:
            keys[0] += len(obj)
            return obj

        decoder = json.JSONDecoder(parse_float=Decimal, parse_int=_int, parse_constant=_reject_constant,
                                   object_hook=counted)
        _LOCAL.decoder = (decoder, keys)
        return _LOCAL.decoder  # type: ignore[no-any-return]


_NOT_PLAIN = object()
_SPACE_COLON = re.compile(r":(?<=[ \t\r\n]:)").search   # a colon after white space (found from the colons)
_LOCAL = threading.local()


_LONE_SURROGATE = re.compile(r"\\u[dD][89a-fA-F]")


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
                raise InputError(Phrase("case.surrogate", text=repr(item[:20]))) from None
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
