"""Quick fixes: the edit a diagnostic's hint already names, ready to apply.

`rulebook check` says "did you mean 'order.paid_amount'?", "replace it with the ASCII '<'",
"did you mean '7d'?"; an editor (the language server's code actions, the workbench's
`POST /api/check`) offers to make that edit. Each fix is checked against the text first: the
diagnostic's span must hold exactly what the message is about (the unknown name, the
full-width character, the `7天`), else no fix is offered: a wrong edit is worse than none.

Positions are the loader's: 1-based line and column in code points, end exclusive; the
language server converts them to UTF-16 in one place (dsl/lsp/positions.py).
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from dsl.diagnostics import Diagnostic, Phrase, Span
from dsl.lang.values import suggest_duration, suggest_money

_TRUE_WORDS = {"yes", "y", "on"}
_MONEY_RUN = re.compile(r"(?:¥|￥|RMB|CNY|人民币)?\s*[0-9][0-9,]*(?:\.[0-9]+)?\s*(?:元|块|圆|RMB|CNY|yuan)?", re.IGNORECASE)


@dataclass(frozen=True)
class TextEdit:
    """Replace [line:col, end_line:end_col) (1-based, code points, end exclusive) by `new_text`."""

    line: int
    col: int
    end_line: int
    end_col: int
    new_text: str

    def as_json(self) -> dict[str, Any]:
        return {"line": self.line, "col": self.col, "end_line": self.end_line, "end_col": self.end_col,
                "new_text": self.new_text}


@dataclass(frozen=True)
class Fix:
    """One quick fix: what it does (a catalogued phrase, zh/en) and the edits that do it."""

    title: Phrase
    edits: tuple[TextEdit, ...]

    def as_json(self, lang: str) -> dict[str, Any]:
        return {"title": self.title.label(lang), "edits": [e.as_json() for e in self.edits]}


def quick_fixes(text: str, diagnostic: Diagnostic) -> list[Fix]:
    """The fixes of one diagnostic of `text` (none when its hint names no single edit, or when
    its span does not hold what the fix would replace)."""
    span = diagnostic.span
    if diagnostic.hint is None or span is None or span.line != span.end_line:
        return []
    lines = text.split("\n")
    if not 1 <= span.line <= len(lines):
        return []
    line = lines[span.line - 1].removesuffix("\r")
    if not 1 <= span.col <= span.end_col <= len(line) + 1:
        return []
    handler = _HANDLERS.get(diagnostic.hint[0])
    return handler(_Site(line, span, diagnostic)) if handler else []


def apply_edits(text: str, edits: tuple[TextEdit, ...] | list[TextEdit]) -> str:
    """The text with the edits made (they must not overlap); the tests and the web UI's preview."""
    lines = text.split("\n")
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line) + 1)

    def offset(line: int, col: int) -> int:
        return starts[line - 1] + col - 1

    out = text
    for edit in sorted(edits, key=lambda e: (e.line, e.col), reverse=True):
        out = out[:offset(edit.line, edit.col)] + edit.new_text + out[offset(edit.end_line, edit.end_col):]
    return out


@dataclass(frozen=True)
class _Site:
    """A diagnostic on one line: the line's text and what the span holds."""

    line: str
    span: Span
    diag: Diagnostic

    @property
    def held(self) -> str:
        return self.line[self.span.col - 1:self.span.end_col - 1]

    @property
    def hint(self) -> dict[str, Any]:
        return self.diag.hint[1] if self.diag.hint else {}

    def edit(self, start: int, end: int, new: str) -> TextEdit:
        """Replace code points [start, end) of the line (0-based)."""
        return TextEdit(self.span.line, start + 1, self.span.line, end + 1, new)

    def replace(self, old: str, new: str) -> list[Fix]:
        """`old` -> `new` when the span holds `old` (or `old` in quotes: then inside them)."""
        start, held = self.span.col - 1, self.held
        if len(held) >= 2 and held[0] == held[-1] and held[0] in "'\"" and held[1:-1] == old:
            start, held = start + 1, old
        if held != old or old == new or not new:
            return []
        return [Fix(Phrase("fix.replace", old=old, new=new), (self.edit(start, start + len(old), new),))]


def _did_you_mean(site: _Site) -> list[Fix]:
    meant, args = str(site.hint.get("suggestion", "")), site.diag.args
    code = site.diag.code
    if code in ("E201", "E202"):
        return site.replace(str(args.get("name")), meant)
    if code == "E203":            # the span is the call: the name starts it
        name = str(args.get("name"))
        if not site.held.startswith(name + "("):
            return []
        start = site.span.col - 1
        return [Fix(Phrase("fix.replace", old=name, new=meant), (site.edit(start, start + len(name), meant),))]
    if code in ("E206", "E213"):    # an enum value: in an expression, or a parameter's item
        return site.replace(str(args.get("value")), meant)
    if code == "E306":
        return site.replace(str(args.get("key")), meant)
    if code in ("E504", "E505", "E506"):   # an example's expected version, action or output
        return site.replace(str(args.get("name")), meant)
    if code == "E502":            # the key of the last segment: `paid_amout:` under `order:`
        head, _, tail = str(args.get("path")).rpartition(".")
        meant_head, _, meant_tail = meant.rpartition(".")
        return site.replace(tail, meant_tail) if head == meant_head else []
    if code == "E503":
        return site.replace(site.held.strip("'\""), meant)
    return []


def _fullwidth(site: _Site) -> list[Fix]:
    ascii_ = str(site.hint.get("ascii", ""))
    if site.diag.code == "E104":
        return site.replace(str(site.diag.args.get("char")), ascii_)
    if site.diag.code == "E305":
        return site.replace(str(site.diag.args.get("text")), ascii_)
    return []


def _odd_key(site: _Site) -> list[Fix]:
    """An unknown key with a full-width or invisible character in it (`ａction`): the hint
    names the key without them (schema.py words it as free text)."""
    from dsl.text.chars import INVISIBLE, ascii_for, suspicious

    key = str(site.diag.args.get("key", ""))
    if site.diag.code != "E306" or not any(suspicious(ch) for ch in key):
        return []
    return site.replace(key, "".join(ascii_for(ch) or ch for ch in key if ch not in INVISIBLE))


def _invisible(site: _Site) -> list[Fix]:
    char = str(site.diag.args.get("char"))
    if site.held != char:
        return []
    start = site.span.col - 1
    return [Fix(Phrase("fix.delete_invisible", name=str(site.diag.args.get("name"))), (site.edit(start, start + 1, ""),))]


def _yaml11(site: _Site) -> list[Fix]:
    text = str(site.diag.args.get("text"))
    if site.held != text:
        return []
    start, end = site.span.col - 1, site.span.end_col - 1
    quoted = f"'{text}'"
    fixes = [Fix(Phrase("fix.quote", quoted=quoted), (site.edit(start, end, quoted),))]
    if text.lower() in _TRUE_WORDS | {"no", "n", "off"}:
        value = "true" if text.lower() in _TRUE_WORDS else "false"
        fixes.append(Fix(Phrase("fix.boolean", value=value), (site.edit(start, end, value),)))
    return fixes


def _duration(site: _Site) -> list[Fix]:
    meant = str(site.hint.get("meant", ""))
    return site.replace(site.held, meant) if suggest_duration(site.held) == meant else []


def _money(site: _Site) -> list[Fix]:
    """`5000元` is the span; for `¥5000` and `5,000.00` the span is one character of the amount."""
    meant = str(site.hint.get("meant", ""))
    start = site.span.col - 1
    for match in _MONEY_RUN.finditer(site.line):
        old = match.group().strip()
        begin = match.start() + len(match.group()) - len(match.group().lstrip())
        if begin <= start < begin + len(old) and suggest_money(old) == meant:
            return [Fix(Phrase("fix.replace", old=old, new=meant), (site.edit(begin, begin + len(old), meant),))]
    return []


def _money_decimals(site: _Site) -> list[Fix]:
    """E214 `300.005` -> `300.00` or `300.01`: two fixes, neither preferred (which is meant is the author's call)."""
    old = str(site.diag.args.get("value"))
    return [fix for new in (site.hint.get("down"), site.hint.get("up")) for fix in site.replace(old, str(new or ""))]


def _keyword(site: _Site) -> list[Fix]:
    """`&&` -> `and`, `AND` -> `and`, `!x` -> `not x`: the run of the character, spaced."""
    word, held = str(site.hint.get("word", "")), site.held
    start, end = site.span.col - 1, site.span.end_col - 1
    if site.diag.code == "E101" and held in ("&", "|", "!"):
        while end < len(site.line) and site.line[end] == held and held != "!":
            end += 1
    elif not (site.diag.code == "E108" and held.lower() == word):
        return []
    old = site.line[start:end]
    before = " " if start and not site.line[start - 1].isspace() else ""
    after = " " if end < len(site.line) and not site.line[end].isspace() else ""
    return [Fix(Phrase("fix.replace", old=old, new=word), (site.edit(start, end, before + word + after),))]


def _single_equals(site: _Site) -> list[Fix]:
    return site.replace("=", "==") if site.held == "=" else []


def _drop_quotes(site: _Site) -> list[Fix]:
    meant, held = str(site.hint.get("meant", "")), site.held
    if len(held) < 2 or held[0] != held[-1] or held[0] not in "'\"" or held[1:-1] != meant:
        return []
    return [Fix(Phrase("fix.replace", old=held, new=meant), (site.edit(site.span.col - 1, site.span.end_col - 1, meant),))]


def _case_bool(site: _Site) -> list[Fix]:
    value = site.held.strip("'\"").strip().lower()
    if value not in ("true", "false") or site.held.strip("'\"") == site.held:
        return []
    return [Fix(Phrase("fix.replace", old=site.held, new=value), (site.edit(site.span.col - 1, site.span.end_col - 1, value),))]


def _snake(site: _Site) -> list[Fix]:
    """`id: Lightning-Return` -> `lightning_return`, a parameter `maxAmount` -> `max_amount`:
    only when the hint's example is the snake_case of what the span holds."""
    from dsl.book.schema import snake_case

    example = str(site.hint.get("example", ""))
    meant = snake_case(site.held.strip("'\""))
    if meant is None or example not in (meant, f"id: {meant}"):
        return []
    return site.replace(site.held.strip("'\""), meant)


_HANDLERS: dict[str, Callable[[_Site], list[Fix]]] = {
    "did_you_mean": _did_you_mean, "enum_meant": _did_you_mean, "label_meant": _did_you_mean, "fullwidth": _fullwidth, "invisible": _invisible, "yaml11": _yaml11,
    "duration_meant": _duration, "money_meant": _money, "money_decimals": _money_decimals, "keyword_logic": _keyword,
    "single_equals": _single_equals, "drop_quotes": _drop_quotes, "case_bool": _case_bool,
    "snake_case": _snake, "snake_name": _snake, "text": _odd_key,
}
