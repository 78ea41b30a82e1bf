"""`rulebook fmt`: every expression of a rulebook in its canonical text, nothing else touched.

The file is edited at the loader's positions: each expression's YAML scalar (found through
the model, which keeps the key path of every expression it parsed) has its text replaced,
in its own style (plain, quoted or block), by `unparse` of its tree, and the keys of each
rule, version and example are put in one order (fmtkeys.py), each moving with its lines.
Everything else (comments, blank lines, quoting of other scalars, key order outside rules)
is the original text by construction. A round-trip YAML library (ruamel.yaml) would be a new dependency and
re-emits the whole document, so comments, indentation and quoting would be kept only as far
as it manages to; positions keep them exactly, and the result is proved by reading it again:
every expression must have the same typed tree and every other value the same data.
"""
from __future__ import annotations

import copy
import dataclasses
import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dsl.book.loader import model_of
from dsl.book.model import ExprRef, Rulebook
from dsl.diagnostics import Diagnostic, Phrase
from dsl.lang import ast
from dsl.lang.unparse import unparse, unparse_lines
from dsl.tools.fmtkeys import order_rule_keys
from dsl.tools.fmtlines import keep_breaks
from dsl.limits import MAX_FILE_BYTES
from dsl.text.yamlload import Document, KeyPath, load_yaml

WIDTH = 100   # a block scalar's expression is wrapped to this many characters per line
_PLAIN_START_UNSAFE = set("-?:,[]{}#&*!|>'\"%@`")
_FLOW_UNSAFE = set(",[]{}")
_BREAK_RE = re.compile(r" *\n[ \n]*")


@dataclass
class Formatted:
    """One file: its text before and after (None when it was not formatted, with the reasons)."""

    path: str
    before: str
    after: str | None
    problems: list[Diagnostic] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)   # expressions left as written (why: see `_plan`)

    @property
    def changed(self) -> bool:
        return self.after is not None and self.after != self.before


def format_file(path: str | Path) -> Formatted:
    """Read and format one file; its bytes are kept: a BOM and CRLF line ends come back as they were."""
    name = str(path)
    raw = Path(path).read_bytes()
    before = raw.decode("utf-8", errors="surrogateescape")
    if len(raw) > MAX_FILE_BYTES:
        return Formatted(name, before, None, _problems_of(raw, name))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return Formatted(name, before, None, _problems_of(raw, name))
    bom = "\ufeff" if raw.startswith(b"\xef\xbb\xbf") else ""
    crlf = "\r\n" in text
    result = format_text(text.replace("\r\n", "\n"), name)
    if result.after is not None:
        result.after = bom + (result.after.replace("\n", "\r\n") if crlf else result.after)
    result.before = before
    return result


def _problems_of(raw: bytes, name: str) -> list[Diagnostic]:
    from dsl.book.loader import document_from_bytes

    return [d for d in model_of(document_from_bytes(raw, name), cases=True)[1] if d.severity == "error"]


def format_text(text: str, name: str = "<text>") -> Formatted:
    """The canonical form of a rulebook's text (LF line ends, no BOM); a rulebook with errors
    (what `rulebook check` calls errors) is not formatted: its errors are the problems."""
    doc = load_yaml(text, name)
    model, diags = model_of(doc, cases=True)
    errors = [d for d in diags if d.severity == "error"]
    if model is None or errors:
        return Formatted(name, text, None, errors)
    refs = expression_refs(model, doc)
    forced: set[KeyPath] = set()
    kept = {p for p, ref in refs.items() if _anchored(doc, p) and _current(doc, p) != unparse(ref.tree)}
    for _ in range(3):   # keep the style; where that fails, double quotes; where that fails too, the text as written
        after, wanted = _rewrite(doc, refs, forced, kept)
        after = order_rule_keys(after, name)
        failed = _failed(doc, refs, wanted, after, name) - kept
        if not failed:
            return Formatted(name, text, after, kept=sorted(refs[p].where for p in kept))
        kept |= failed & forced
        forced |= failed
    return Formatted(name, text, text, kept=sorted(r.where for r in refs.values()))


def expression_refs(model: Rulebook, doc: Document) -> dict[KeyPath, ExprRef]:
    """Every expression the loader parsed, once per YAML scalar (an action or deadline a version
    inherits is the rule's one scalar), in file order."""
    seen: dict[int, KeyPath] = {}
    for ref in _all_refs(model):
        node = doc.nodes.get(ref.path)
        if node is not None and id(node) not in seen:
            seen[id(node)] = ref.path
    refs = {ref.path: ref for ref in _all_refs(model) if ref.path in seen.values()}
    return dict(sorted(refs.items(), key=lambda kv: doc.nodes[kv[0]].start_mark.index))


def _all_refs(model: Rulebook) -> Iterator[ExprRef]:
    for rule in model.rules:
        if rule.file not in (None, model.file):
            continue   # a shop overlay's base: its expressions are in another file
        if rule.versions_by is not None:
            yield rule.versions_by
        for version in rule.versions:
            yield from version.conditions
            yield from (alt.condition for alt in version.actions if alt.condition is not None)
            if version.deadline is not None:
                yield version.deadline
            yield from (ref for _, ref in version.outputs)


def _rewrite(doc: Document, refs: dict[KeyPath, ExprRef], forced: set[KeyPath],
             kept: set[KeyPath]) -> tuple[str, dict[KeyPath, str]]:
    """The text with every expression scalar replaced (last first, so earlier offsets hold),
    and the canonical text each expression should read as."""
    text, wanted = doc.text, {}
    edits = []
    for path, ref in refs.items():
        canonical = unparse(ref.tree)
        wanted[path] = canonical
        if path in kept:
            continue
        edit = _plan(doc, path, ref.tree, path in forced)
        if edit is not None:
            edits.append(edit)
    for start, end, new in sorted(edits, reverse=True):
        text = text[:start] + new + text[end:]
    return text, wanted


def _plan(doc: Document, path: KeyPath, tree: ast.Expr, force_double: bool) -> tuple[int, int, str] | None:
    """(start, end, new text) for one scalar, or None when it already reads canonically or
    carries an anchor or a tag (`&a`, `!!str`), which an edit would have to keep: left alone."""
    node = doc.nodes[path]
    canonical = unparse(tree)
    style = node.style or None
    start, end = node.start_mark.index, node.end_mark.index
    if _anchored(doc, path) or _reads_as(node.value, style) == canonical:
        return None
    if style in ("|", ">") and not force_double:
        return _block_edit(doc.text, start, end, tree)
    if style == "'" and not force_double:
        return start, end, "'" + canonical.replace("'", "''") + "'"
    if style is None and not force_double and _plain_ok(canonical, _in_flow(doc, path)):
        return start, end, canonical
    if style in ("|", ">"):
        end = start + len(doc.text[start:end].rstrip())
    return start, end, _double_quoted(canonical)


def _anchored(doc: Document, path: KeyPath) -> bool:
    """A scalar written with an anchor or a tag (`&a x`, `!!str x`): its text begins before its
    value, and an edit would have to keep them; such an expression is left as written, and said."""
    return doc.text[doc.nodes[path].start_mark.index:][:1] in ("&", "!", "*")


def _current(doc: Document, path: KeyPath) -> str:
    node = doc.nodes[path]
    return _reads_as(node.value, node.style or None)


def _reads_as(value: str, style: str | None) -> str:
    """A scalar's value as one line. In a block scalar a line break and the indentation around
    it are one space to the parser (a quoted text cannot span lines), so where its author broke
    the lines, and how far the next is indented, is theirs to keep: only the lines' text is made
    canonical."""
    return _BREAK_RE.sub(" ", value.strip("\n")) if style in ("|", ">") else value


def _plain_ok(text: str, flow: bool) -> bool:
    """Whether `text` can be written as a plain scalar and read back as the same text (conservative:
    anything doubtful gets double quotes)."""
    if not text or text[0] in _PLAIN_START_UNSAFE or text != text.strip() or text.endswith(":"):
        return False
    if ": " in text or " #" in text or "\t" in text or (flow and _FLOW_UNSAFE & set(text)):
        return False
    return text.isprintable()


def _in_flow(doc: Document, path: KeyPath) -> bool:
    parent = doc.nodes.get(path[:-1])
    return bool(getattr(parent, "flow_style", False))


def _double_quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _block_edit(text: str, start: int, end: int, tree: ast.Expr) -> tuple[int, int, str] | None:
    """A block scalar keeps its header (`>-`, `|`) and indentation. Written on several lines, it
    keeps them, each holding its part of the canonical text (`keep_breaks`); written on one line,
    it becomes one line per top-level item when longer than WIDTH (`unparse_lines`)."""
    newline = text.find("\n", start)
    if newline < 0 or newline >= end:
        return None
    body = text[newline + 1:end]
    first = next((line for line in body.split("\n") if line.strip()), "")
    indent = first[:len(first) - len(first.lstrip(" "))]
    if not indent:
        return None
    rows = body.rstrip().split("\n")
    if sum(1 for row in rows if row.strip()) > 1:
        lines = keep_breaks(rows, unparse(tree))
    else:
        lines = [indent + line for line in unparse_lines(tree, max(20, WIDTH - len(indent)))]
    stop = newline + 1 + len(body.rstrip())
    stop += len(text[stop:end]) - len(text[stop:end].lstrip(" \t"))   # with its last line's trailing blanks
    return newline + 1, stop, "\n".join(lines)


def _failed(doc: Document, refs: dict[KeyPath, ExprRef], wanted: dict[KeyPath, str], after: str,
            name: str) -> set[KeyPath]:
    """The expressions whose new text does not read back as canonical with the same typed tree
    (every expression, when the file no longer loads the same data around them)."""
    if after == doc.text:
        return set()
    doc2 = load_yaml(after, name)
    model2, diags2 = model_of(doc2, cases=True)
    if model2 is None or any(d.severity == "error" for d in diags2):
        return set(refs)
    refs2 = expression_refs(model2, doc2)
    if set(refs2) != set(refs) or _blanked(doc.data, refs) != _blanked(doc2.data, refs):
        return set(refs)
    return {p for p, ref in refs.items()
            if shape(ref.tree) != shape(refs2[p].tree)
            or _reads_as(doc2.nodes[p].value, doc2.nodes[p].style or None) != wanted[p]}


def _blanked(data: Any, refs: dict[KeyPath, ExprRef]) -> Any:
    """The document's data with every expression replaced by None: what must not change."""
    out = copy.deepcopy(data)
    for path in refs:
        target = out
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = None
    return out


def shape(node: ast.Expr) -> Any:
    """A typed tree without its positions: what two texts of one expression must share."""
    parts: list[Any] = [type(node).__name__]
    for f in dataclasses.fields(node):
        if f.name == "span":
            continue
        value = getattr(node, f.name)
        if isinstance(value, ast.Expr):
            value = shape(value)
        elif isinstance(value, tuple) and value and isinstance(value[0], ast.Expr):
            value = tuple(shape(v) for v in value)
        parts.append(value)
    return tuple(parts)


def write_atomically(path: str | Path, text: str) -> None:
    """Replace a file's text in one step (a temporary file beside it, then os.replace), so a
    crash or Ctrl-C leaves the old file or the new one, never half of it; its mode is kept, and
    a symbolic link stays a link (the file it points to is replaced)."""
    target = Path(path).resolve()
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", errors="surrogateescape", newline="") as out:
            out.write(text)
        os.chmod(tmp, target.stat().st_mode & 0o7777)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def not_formatted(result: Formatted) -> Phrase:
    """Why a file was left as it is: its errors, counted (they are printed as `check` prints them)."""
    return Phrase("cli.fmt_errors", path=result.path, errors=len(result.problems))


__all__ = ["Formatted", "expression_refs", "format_file", "format_text", "shape", "write_atomically"]
