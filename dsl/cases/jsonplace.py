"""Where a JSON text is malformed, said for the person who must fix it.

Python's json reports a text cut short (`{"id": "A", "order": {"status":`, a truncated
export line) at the position after its end: past the line's newline, so "line 2, column 1"
of a one-line text, and with "Expecting value", which reads as if a value were wrong. Such
a text is said as what it is: it ends, at the column after its last character, before an
object (or list) is closed."""
from __future__ import annotations

import json
from dataclasses import dataclass


@dataclass(frozen=True)
class JsonPlace:
    line: int
    col: int
    unclosed: str | None   # "{" or "[" when the text ends before that bracket is closed, else None


def json_place(exc: json.JSONDecodeError) -> JsonPlace:
    """The line and column of the error; for a text cut short, those just after its end."""
    doc, pos = exc.doc, exc.pos
    if doc[pos:].strip(" \t\r\n"):
        return JsonPlace(exc.lineno, exc.colno, None)
    end = len(doc.rstrip(" \t\r\n"))
    return JsonPlace(doc.count("\n", 0, end) + 1, end - doc.rfind("\n", 0, end), _innermost_open(doc[:end]))


def _innermost_open(text: str) -> str | None:
    """The bracket still open at the end of `text`, outside strings (None: none is)."""
    stack: list[str] = []
    in_string = escaped = False
    for ch in text:
        if in_string:
            escaped, in_string = (not escaped and ch == "\\"), in_string and (escaped or ch != '"')
        elif ch == '"':
            in_string = True
        elif ch in "{[":
            stack.append(ch)
        elif ch in "}]" and stack:
            stack.pop()
    return stack[-1] if stack and not in_string else None
