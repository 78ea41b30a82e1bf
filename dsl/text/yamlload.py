"""YAML text -> plain data plus the position of every node; rejects what YAML hides.

PyYAML silently keeps the last of two duplicate keys and reads YAML 1.1's `no` as false,
`2023-09-13` as a date and `1:30` as 90. We compose nodes ourselves instead: duplicate
keys are errors, plain scalars resolve by YAML 1.2's core schema (only true/false are
booleans, dates and `1:30` stay text), and floats become exact Decimals.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import Any, Final

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from dsl.diagnostics import Diagnostic, Phrase, Span
from dsl.text.origin import Origin, align
from dsl.limits import MAX_DEPTH, MAX_INT_DIGITS, MAX_NODES
from dsl.text.yamlerrors import locate_expansion, reader_error, translate

_TOO_DEEP: Final = Phrase("limit.depth", limit=MAX_DEPTH)

_NULL: Final = {"", "~", "null", "Null", "NULL"}
_BOOL: Final = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_INT_RE: Final = re.compile(r"[-+]?[0-9]+")
FLOAT_RE: Final = re.compile(r"[-+]?([0-9]+\.[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?")
YAML11_BOOL_WORDS: Final = {"yes", "no", "on", "off", "y", "n"}
_SEXAGESIMAL_RE: Final = re.compile(r"[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?")
_STR_TAG: Final = "tag:yaml.org,2002:str"
# libyaml composes ~10x faster and gives the same nodes and marks (character offsets).
_LOADER: Final = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_KEY_WITH_FULLWIDTH_COLON: Final = re.compile(r"^\s*(?:-\s+)?[A-Za-z_][A-Za-z0-9_.]*\s*(：)")
_MERGE_TAG: Final = "tag:yaml.org,2002:merge"

KeyPath = tuple[Any, ...]   # keys and indexes from the document's root to a node: ("rules", 2, "when")


@dataclass
class Document:
    """The data of one YAML file, with where each piece came from."""

    file: str
    text: str
    data: Any = None
    nodes: dict[KeyPath, Node] = field(default_factory=dict)
    key_nodes: dict[KeyPath, Node] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    _line_starts: list[int] = field(default_factory=list)
    _line_tuple: tuple[str, ...] | None = None

    _lines: list[str] | None = None

    @property
    def lines(self) -> list[str]:
        if self._lines is None:
            self._lines = [line.rstrip("\r") for line in self.text.split("\n")]
        return self._lines

    def line_text(self, line: int) -> str | None:
        lines = self.lines
        return lines[line - 1] if 0 < line <= len(lines) else None

    def span_of(self, path: KeyPath, key: bool = False) -> Span | None:
        node = (self.key_nodes if key else self.nodes).get(path)
        if node is None:
            node = self.nodes.get(path)
        return _node_span(node) if node is not None else None

    def nearest_span(self, path: KeyPath, key: bool = False) -> Span | None:
        """The span of `path`, or of its closest ancestor that has one."""
        while True:
            span = self.span_of(path, key)
            if span is not None or not path:
                return span or Span(1, 1, 1, 2)
            path, key = path[:-1], False

    def error(self, code: str, span: Span | None, hint: tuple[str, dict[str, Any]] | None = None,
              rule_path: str | None = None, **args: Any) -> Diagnostic:
        diag = Diagnostic(code, span, self.file, args, hint, rule_path,
                          source_line=self.line_text(span.line) if span else None)
        self.diagnostics.append(diag)
        return diag

    def surroundings(self, path: KeyPath) -> tuple[Any, ...]:
        """Everything `origin(path, …)` and the source lines of diagnostics in that scalar
        depend on, besides its value: the scalar's style, its first line's number and column,
        and the text of its lines (and the next). Equal surroundings, equal positions: an
        unchanged expression on unmoved lines keeps its diagnostics from one check to the next."""
        node = self.nodes.get(path)
        if node is None:
            return (None, self.line_text(1))
        start, end = node.start_mark, node.end_mark
        text = self.text
        after = text.find("\n", end.index)
        after = text.find("\n", after + 1) if after >= 0 else -1
        lines = text[start.index - start.column:after if after >= 0 else len(text)]
        return (getattr(node, "style", None) or None, start.line, start.column, end.index - start.index, lines)

    def origin(self, path: KeyPath, value: str, rule_path: str | None = None) -> Origin:
        """Where each character of the scalar at `path` stands in the file."""
        node = self.nodes.get(path)
        if self._line_tuple is None:
            self._line_tuple = tuple(self.lines)
        lines = self._line_tuple
        if node is None:
            return Origin(self.file, ((1, 1),), lines, exact=False, path=rule_path)
        if not self._line_starts:
            self._line_starts = [0] + [m.end() for m in re.finditer("\n", self.text)]
        start = node.start_mark.index
        style = getattr(node, "style", None) or None   # libyaml says '' for plain
        if style in ("|", ">"):
            newline = self.text.find("\n", start)
            start = len(self.text) if newline < 0 else newline + 1
        elif style in ("'", '"'):
            start += 1
        end = node.end_mark.index
        positions = align(value, self.text[start:end + 1], start, self._line_starts)
        if positions is None:
            mark = node.start_mark
            return Origin(self.file, ((mark.line + 1, mark.column + 1),), lines, exact=False, path=rule_path)
        return Origin(self.file, tuple(positions), lines, exact=True, path=rule_path)


def _node_span(node: Node) -> Span:
    start, end = node.start_mark, node.end_mark
    if end.line != start.line or end.column <= start.column:
        return Span(start.line + 1, start.column + 1, start.line + 1, start.column + 2)
    return Span(start.line + 1, start.column + 1, end.line + 1, end.column + 1)


def load_yaml(text: str, file: str) -> Document:
    """Parse one YAML document. Problems land in `doc.diagnostics`, never as exceptions."""
    if text.startswith("\ufeff"):
        text = text[1:]
    doc = Document(file, text)
    try:
        root = yaml.compose(text, Loader=_LOADER)
    except yaml.MarkedYAMLError as exc:
        _yaml_error(doc, exc)
        return doc
    except RecursionError:
        doc.error("E310", Span(1, 1, 1, 2), detail=_TOO_DEEP)
        return doc
    except yaml.reader.ReaderError as exc:
        reader_error(doc, exc)
        return doc
    except yaml.YAMLError as exc:
        doc.error("E300", Span(1, 1, 1, 2), detail=Phrase("yaml.other", text=str(exc)))
        return doc
    if root is None:
        return doc
    if "&" in text and "*" in text and _alias_bomb(doc):   # anchors and aliases: measure before expanding
        return doc
    budget = [MAX_NODES]
    try:
        doc.data = _convert(doc, root, (), budget, 0)
    except _TooLarge as exc:
        _too_large(doc, root, exc)
        doc.data = None
    return doc


def _alias_bomb(doc: Document) -> bool:
    """E310 at the alias whose expansion crosses the limit ("billion laughs"), found from the
    parse events in milliseconds (composing loses where aliases stand, expanding takes seconds)."""
    where = locate_expansion(doc.text, _LOADER, MAX_NODES)
    if where is None:
        return False
    line, col, alias, size = where
    doc.error("E310", Span(line, col, line, col + len(alias)), ("yaml_alias_bomb", {"size": size}),
              detail=Phrase("limit.alias", alias=alias, size=size, limit=MAX_NODES))
    return True


def _too_large(doc: Document, root: Node, exc: _TooLarge) -> None:
    if not ("nodes" in str(exc) and _alias_bomb(doc)):
        doc.error("E310", _node_span(root), detail=exc.args[0])


def _yaml_error(doc: Document, exc: yaml.MarkedYAMLError) -> None:
    if _fullwidth_structure(doc):
        return
    mark = exc.problem_mark or exc.context_mark
    if exc.context and "quoted scalar" in exc.context and exc.context_mark is not None \
            and "end of stream" in (exc.problem or ""):
        mark = exc.context_mark   # an unterminated quote: point at where it opened
        line, col = mark.line + 1, mark.column + 1
        doc.error("E105", Span(line, col, line, col + 1), ("text", {"en": "close the quote on the same value",
                                                                   "zh": "请在同一个值里补上结束引号"}))
        return
    line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    problem = exc.problem or str(exc)
    if "maximum nesting depth" in problem:   # PyYAML ≥ 6.0.4 has a depth limit of its own
        doc.error("E310", Span(line, col, line, col + 1), detail=_TOO_DEEP)
        return
    source_line = doc.line_text(line) or ""
    if "\t" in problem or ("'\\t'" in str(exc)) or (col - 1 < len(source_line) and source_line[col - 1:col] == "\t"):
        doc.error("E308", Span(line, col, line, col + 1), ("yaml_tabs", {}))
        return
    translate(doc, exc)


def _fullwidth_structure(doc: Document) -> bool:
    """A key followed by a full-width colon (`action：`), or a key or list item indented with
    full-width spaces (U+3000, what a Chinese input method types), breaks the YAML structure:
    say so, at the character (the parser's own error comes a line or more later)."""
    found = False
    block: int | None = None   # the indentation of the key whose block of text (| or >) the lines are in
    for number, line in enumerate(doc.lines, start=1):
        indent = len(line) - len(line.lstrip(" "))
        if block is not None and (not line.strip() or indent > block):
            continue
        opens = _BLOCK_TEXT.match(line)
        block = indent if opens else None
        m = _KEY_WITH_FULLWIDTH_COLON.match(line)
        if m:
            col = m.start(1) + 1
            doc.error("E104", Span(number, col, number, col + 1), ("fullwidth", {"ascii": ":"}),
                      char="：", name="FULLWIDTH COLON")
            found = True
        m = _FULLWIDTH_INDENT.match(line)
        if m:
            col = m.start(1) + 1
            doc.error("E104", Span(number, col, number, m.end(1) + 1), ("fullwidth", {"ascii": " "}),
                      char="\u3000", name="IDEOGRAPHIC SPACE")
            found = True
    return found


_BLOCK_TEXT = re.compile(r"^[ ]*(?:-[ ]+)?[^\s#][^:#]*:[ \t]*[|>][-+0-9]*[ \t]*(?:#.*)?$")
# a key (`action:`) or a list item (`- id:`) after full-width spaces: the indentation of a
# structure, not a paragraph of Chinese text in a block (whose lines may start with U+3000)
_FULLWIDTH_INDENT = re.compile(r"^[ \t]*(\u3000[\u3000 \t]*)(?:[A-Za-z_][A-Za-z0-9_.-]*[ \t]*[:：](?:[ \t]|$)|-[ \t])")


class _TooLarge(Exception):
    pass


def _convert(doc: Document, node: Node, path: KeyPath, budget: list[int], depth: int) -> Any:
    budget[0] -= 1
    if budget[0] < 0:
        raise _TooLarge(Phrase("limit.nodes", limit=MAX_NODES))
    if depth > MAX_DEPTH:
        raise _TooLarge(Phrase("limit.depth_aliases", limit=MAX_DEPTH))
    doc.nodes.setdefault(path, node)
    if isinstance(node, ScalarNode):
        return _scalar(doc, node)
    if node.tag != _COLLECTION_TAGS[type(node)]:   # `!foo {a: 1}`, `!!set {a}`: nothing we read has tags
        _tag_error(doc, node)
    if isinstance(node, SequenceNode):
        return [_convert(doc, item, path + (i,), budget, depth + 1) for i, item in enumerate(node.value)]
    assert isinstance(node, MappingNode)
    return _mapping(doc, node, path, budget, depth)


def _mapping(doc: Document, node: MappingNode, path: KeyPath, budget: list[int], depth: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    first_seen: dict[Any, Node] = {}
    merged: dict[str, Any] = {}
    for key_node, value_node in node.value:
        if key_node.tag == _MERGE_TAG:
            sources = value_node.value if isinstance(value_node, SequenceNode) else [value_node]
            for src in sources:
                value = _convert(doc, src, path, budget, depth + 1)
                if isinstance(value, dict):
                    merged = {**value, **merged}
            continue
        if not isinstance(key_node, ScalarNode):
            doc.error("E300", _node_span(key_node), detail=Phrase("yaml.key_plain"))
            continue
        key = _scalar(doc, key_node)
        key = key if isinstance(key, str) else key_node.value
        if key in first_seen:
            doc.error("E301", _node_span(key_node), key=key, first_line=first_seen[key].start_mark.line + 1)
            continue
        first_seen[key] = key_node
        doc.key_nodes[path + (key,)] = key_node
        out[key] = _convert(doc, value_node, path + (key,), budget, depth + 1)
    for key, value in merged.items():
        out.setdefault(key, value)
    return out


def _scalar(doc: Document, node: ScalarNode) -> Any:
    text = node.value
    if node.tag != _STR_TAG and (node.style or not _implicit(node)):   # `!!binary aGk=`, `!foo "x"`
        _tag_error(doc, node)
        return text
    if node.style or node.tag == _STR_TAG and not _implicit(node):
        return text
    if text in _NULL:
        return None
    if text in _BOOL:
        return _BOOL[text]
    if text.lower() in YAML11_BOOL_WORDS or _SEXAGESIMAL_RE.fullmatch(text):
        meaning = Phrase("yaml.yaml11_bool" if text.lower() in YAML11_BOOL_WORDS else "yaml.yaml11_base60")
        doc.error("E307", _node_span(node), ("yaml11", {"quoted": repr(text), "meaning": meaning}), text=text)
        return text
    if text.lower().lstrip("+-") in (".nan", ".inf"):
        doc.error("E300", _node_span(node), detail=Phrase("yaml.nan", text=text))
        return text
    if _INT_RE.fullmatch(text):
        if len(text) > MAX_INT_DIGITS:
            doc.error("E300", _node_span(node),
                      detail=Phrase("yaml.long_int", n=len(text), limit=MAX_INT_DIGITS))
            return text
        return int(text)
    if FLOAT_RE.fullmatch(text):
        return Decimal(text)
    return text


def _tag_error(doc: Document, node: Node) -> None:
    """E300 at a node with a tag YAML's core schema does not give it, named as written (`!!binary`)."""
    tag = node.tag
    shown = "!!" + tag[len(_CORE):] if tag.startswith(_CORE) else tag
    doc.error("E300", _node_span(node), detail=Phrase("yaml.tag", tag=shown))


_CORE: Final = "tag:yaml.org,2002:"
_COLLECTION_TAGS: Final[dict[type, str]] = {MappingNode: _CORE + "map", SequenceNode: _CORE + "seq"}


def _implicit(node: ScalarNode) -> bool:
    """True when the tag was resolved from the text, not written (`!!str 123`)."""
    # compose() resolves plain scalars itself; an explicit tag shows as a `!`-prefixed
    # source token, which we can only detect through the tag differing from what the
    # resolver would pick for the same text.
    return node.tag == _resolved(node.value)


@lru_cache(maxsize=4096)
def _resolved(text: str) -> str:
    """The tag YAML gives a plain scalar of this text (a rulebook repeats the same few words
    and numbers thousands of times: each is resolved once)."""
    return yaml.SafeLoader.resolve(yaml.SafeLoader, ScalarNode, text, (True, False))  # type: ignore[arg-type,no-any-return]


__all__ = ["Document", "load_yaml", "YAML11_BOOL_WORDS", "Origin"]
