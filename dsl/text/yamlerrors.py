"""PyYAML's syntax errors in the user's language, at the line the user must fix.

libyaml says "did not find expected '-' indicator" at the line whose indentation is off and
"while parsing a block mapping" at the start of the whole rule; we keep the first, drop the
second, and add what to do (indent like the sibling above, quote a value, close a bracket).
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Final

import yaml

from dsl.diagnostics import Phrase, Span

if TYPE_CHECKING:
    from dsl.text.yamlload import Document

# (words of libyaml's or pure PyYAML's problem, our phrase, what kind of help goes with it)
_PROBLEMS: Final[tuple[tuple[str, str, str], ...]] = (
    ("did not find expected key", "yaml.expected_key", "indent"),
    ("did not find expected '-' indicator", "yaml.expected_item", "indent"),
    ("expected <block end>", "yaml.block_end", "indent"),
    ("sequence entries are not allowed", "yaml.item_not_allowed", "item"),
    ("mapping values are not allowed", "yaml.colon_not_allowed", "colon"),
    ("could not find expected ':'", "yaml.missing_colon", "key"),
    ("expected ',' or '}'", "yaml.unclosed", "flow"),
    ("expected ',' or ']'", "yaml.unclosed", "flow"),
    ("cannot start any token", "yaml.bad_start", "quote"),
    ("mapping keys are not allowed", "yaml.key_not_allowed", "quote"),
    ("found undefined alias", "yaml.undefined_alias", ""),
    ("found unknown escape character", "yaml.unknown_escape", ""),
    ("node content", "yaml.no_content", ""),
    ("expected a comment or a line break", "yaml.after_value", "after"),
    ("alphabetic or numeric character", "yaml.bad_name", ""),
    ("surrogate", "yaml.bad_surrogate", ""),
    ("invalid Unicode character escape", "yaml.bad_surrogate", ""),
    ("second occurrence", "yaml.duplicate_anchor", ""),
    ("another document", "yaml.second_document", ""),
    ("document start>", "yaml.after_document_end", ""),
    ("unexpected document indicator", "yaml.quote_document", ""),
    ("unexpected document separator", "yaml.quote_document", ""),
    ("hexdecimal number", "yaml.bad_hex_escape", ""),
    ("hexadecimal numbers", "yaml.bad_hex_escape", ""),
    ("YAML directive", "yaml.directive", ""),
    ("%TAG directive", "yaml.directive", ""),
    ("incompatible YAML document", "yaml.directive", ""),
    ("duplicate tag handle", "yaml.directive", ""),
    ("tag handle", "yaml.bad_tag", ""),
    ("non-specific tag", "yaml.bad_tag", ""),
    ("unclosed '[' or '{'", "yaml.flow_indent", ""),
)
# (words of the context, our phrase): the construct being read says more than the problem
# ("did not find expected alphabetic or numeric character" in a directive, a tag or an anchor)
_CONTEXTS: Final[tuple[tuple[str, str], ...]] = (
    ("single document", "yaml.second_document"),
    ("directive", "yaml.directive"),
    ("a tag", "yaml.bad_tag"),
    ("block scalar", "yaml.block_header"),
    ("an anchor", "yaml.bad_name"),
    ("an alias", "yaml.bad_name"),
)
_KEY_LINE: Final = re.compile(r"(?:-\s+)?[^\s#'\"{\[][^:#]*:(\s|$)")
_CLOSE: Final = {"{": "}", "[": "]"}


Hint = tuple[str, dict[str, Any]] | None


def translate(doc: Document, exc: yaml.MarkedYAMLError) -> None:
    """Add the E300 for `exc` to `doc`: our words, the line to fix, and a hint."""
    problem = exc.problem or ""
    found = _found(exc.context or "", problem)
    mark = exc.problem_mark or exc.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    if found is None:   # a problem not catalogued (a newer PyYAML's): our sentence, its words after
        doc.error("E300", Span(line, col, line, col + 1),
                  detail=Phrase("yaml.other", text=f"{exc.context}, {problem}" if exc.context else problem))
        return
    key, kind = found
    text = doc.line_text(line) or ""
    indent = len(text) - len(text.lstrip(" "))
    if kind == "colon" and ": " in text[indent:col - 1]:      # `action: approve: now`
        kind = "quote_colon"
    elif kind == "indent" and col - 1 > indent:                # text after a value on its line
        key, kind = "yaml.after_value", "after"
    if kind in ("indent", "colon"):
        _indentation(doc, line, indent)
        return
    span, args, hint = _located(kind, exc, doc, line, col)
    if key == "yaml.duplicate_anchor" and exc.context_mark is not None:
        args = {"first_line": exc.context_mark.line + 1}
    doc.error("E300", span, hint, detail=Phrase(key, **args))


def _found(context: str, problem: str) -> tuple[str, str] | None:
    """(our phrase, the kind of help) for PyYAML's context and problem; None if not catalogued."""
    for words, key in _CONTEXTS:
        if words in context:
            return key, ""
    return next(((key, kind) for words, key, kind in _PROBLEMS if words in problem), None)


def _located(kind: str, exc: yaml.MarkedYAMLError, doc: Document, line: int, col: int
             ) -> tuple[Span, dict[str, Any], Hint]:
    """Where to point for the problems other than indentation, its phrase's arguments and a hint."""
    text = doc.line_text(line) or ""
    if kind == "key" and exc.context_mark is not None:          # the key without ':' is above the mark
        line, col = exc.context_mark.line + 1, exc.context_mark.column + 1
        return Span(line, col, line, col + 1), {}, ("yaml_add_colon", {})
    if kind == "flow":
        opened = exc.context_mark
        if opened is not None and opened.line + 1 < line:       # point where the bracket opened
            line, col = opened.line + 1, opened.column + 1
        bracket = "{" if "'}'" in (exc.problem or "") else "["
        plain = _bracketed_plain_value(doc.line_text(line) or "", col) if bracket == "{" else None
        if plain is not None:   # `{from: a[only].b}`: the `[` of a value opened a list inside the mapping
            return Span(line, col, line, col + 1), {"open": bracket}, ("yaml_quote_brackets", {"value": plain})
        return Span(line, col, line, col + 1), {"open": bracket}, ("yaml_close", {"close": _CLOSE[bracket]})
    hint: Hint = {"item": ("yaml_item_line", {}), "after": ("yaml_after_value", {})}.get(kind)
    args: dict[str, Any] = {}
    if kind == "quote":
        value = text[col - 1:].split(" #")[0].strip()
        args, hint = {"char": text[col - 1:col] or " "}, ("yaml_quote_value", {"text": value.replace("'", "''")})
    elif kind == "quote_colon":
        head, _, value = text.lstrip(" ").partition(": ")
        hint = ("yaml_quote_colon", {"example": f"{head}: '{value.strip()}'"})
    return Span(line, col, line, col + 1), args, hint


_PLAIN_WITH_BRACKET = re.compile(r"[:,{][ \t]*([^'\"\s,{}\[\]][^,{}\s]*\[[^\]]*\][^,{}\s]*)")


def _bracketed_plain_value(text: str, col: int) -> str | None:
    """A plain value holding `[...]` (a source path `a[only].b`) inside a `{` opened before
    `col`: YAML takes its `[` for a list; quoting the value is the fix."""
    opened = text.rfind("{", 0, col)
    m = _PLAIN_WITH_BRACKET.search(text, opened) if opened >= 0 else None
    return m.group(1) if m else None


def _indentation(doc: Document, line: int, indent: int) -> None:
    """E300 over the whole line whose indentation is off, naming where its siblings start.

    libyaml says what it expected next ("'-' indicator", "key"), PyYAML "<block end>"; the
    user needs to hear that this line's indentation is off, and where its siblings start."""
    text = doc.line_text(line) or ""
    col = indent + 1
    sibling = sibling_column(doc.lines, line)
    hint = ("yaml_indent", {"expected": sibling, "col": col}) if sibling and sibling != col else ("yaml_indent_plain", {})
    end = len(text.rstrip()) + 1
    doc.error("E300", Span(line, col, line, max(end, col + 1)), hint, detail=Phrase("yaml.block_end"))


def sibling_column(lines: list[str], number: int) -> int | None:
    """The 1-based column where the siblings of line `number` start (a list item's or a key's).

    Walks up through the lines that enclose this one (each less indented than all lines
    between it and here) and takes the nearest of the same kind.
    """
    if not 0 < number <= len(lines):   # libyaml also counts a lone \r as a line break
        return None
    text = lines[number - 1]
    item = text.lstrip(" ").startswith("- ") or text.strip() == "-"
    low = len(text) + 1_000
    for above in reversed(lines[:number - 1]):
        stripped = above.lstrip(" ")
        if not stripped or stripped.startswith("#"):
            continue
        indent = len(above) - len(stripped)
        if indent >= low:
            continue
        low = indent
        above_item = stripped.startswith("- ") or stripped == "-"
        if item and above_item:
            return indent + 1
        if not item and _KEY_LINE.match(stripped):
            return indent + (3 if above_item else 1)
    return None


def reader_error(doc: Document, exc: yaml.reader.ReaderError) -> None:
    """A character YAML refuses (a control character): located from its offset in the text."""
    char = chr(exc.character) if isinstance(exc.character, int) else str(exc.character)
    position = doc.text.find(char) if char else -1     # libyaml counts bytes, PyYAML characters
    position = position if position >= 0 else max(0, min(exc.position, len(doc.text)))
    line = doc.text.count("\n", 0, position) + 1
    col = position - (doc.text.rfind("\n", 0, position) + 1) + 1
    doc.error("E300", Span(line, col, line, col + 1), None, detail=Phrase("yaml.control_char", char=f"U+{ord(char[:1] or ' '):04X}"))


def locate_expansion(text: str, loader: Any, limit: int) -> tuple[int, int, str, int] | None:
    """Where alias expansion crosses `limit` nodes: (line, col, '*alias', its size), by events.

    Composing loses the positions of aliases (they become the anchored node), so the events
    are read once more, only for a document already refused.
    """
    sizes: dict[str, int] = {}
    stack: list[list[Any]] = []     # [anchor, size] of each open collection
    total = 0
    for event in yaml.parse(text, Loader=loader):
        if isinstance(event, yaml.AliasEvent):
            size = sizes.get(event.anchor, 1)
            total += size
            if stack:
                stack[-1][1] += size
            if total > limit:
                mark = event.start_mark
                return mark.line + 1, mark.column + 1, f"*{event.anchor}", size
        elif isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
            total += 1
            stack.append([event.anchor, 1])
        elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
            anchor, size = stack.pop()
            if anchor:
                sizes[anchor] = size
            if stack:
                stack[-1][1] += size
        elif isinstance(event, yaml.ScalarEvent):
            total += 1
            if event.anchor:
                sizes[event.anchor] = 1
            if stack:
                stack[-1][1] += 1
    return None
