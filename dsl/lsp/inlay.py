"""Inlay hints: after each condition of a rule, ✓, ✗ or ? against the rule's first example,
so the author sees which condition fails without running anything (`!`: the condition hangs
on a bad value of the example). The marks and the tooltip are `rulebook eval --explain`'s
own (the engine's explanation of that example's case at its moment): no second evaluator.

The rulebook is compiled from the model the diagnostics' check built (no second reading of
the text, and nothing written to the compile cache per keystroke). A text with errors
cannot be compiled: it gets no hints (its diagnostics say why); errors of an example alone
(its case, E502 and E503, or its expectation, E504-E506) do not stop them."""
from __future__ import annotations

from functools import lru_cache

from lsprotocol import types as lsp

from dsl.diagnostics import EXAMPLE_CODES, Phrase
from dsl.engine.explain import MARKS
from dsl.engine.python.runtime import CompiledRulebook, ConditionLine, explain_conditions
from dsl.lang.vocabulary import default_vocabulary
from dsl.lsp.features import analysed
from dsl.lsp.positions import split_lines, to_lsp
from dsl.tools.examples import example_input



_CASE_ONLY = EXAMPLE_CODES | {"E209"}     # errors of an example, or of reachability: the rules still build


@lru_cache(maxsize=4)
def compiled(text: str) -> CompiledRulebook | None:
    """The compiled rulebook of a text, None when it has errors (kept: hints are asked per scroll)."""
    model, diags = analysed(text)
    if model is None or any(d.severity == "error" and d.code not in _CASE_ONLY for d in diags):
        return None
    return CompiledRulebook(model, default_vocabulary())


def inlay_hints(text: str, lang: str, first: int, last: int) -> list[lsp.InlayHint]:
    """The marks of the conditions that end on lines first..last (0-based, as the client asks)."""
    book = compiled(text)
    if book is None:
        return []
    lines = split_lines(text)
    out: list[lsp.InlayHint] = []
    for rule in book.rules:
        if not rule.rule.examples:
            continue
        example = rule.rule.examples[0]
        opened = example_input(book, example)
        if not isinstance(opened, tuple):      # an example that cannot be read: `check` says so
            continue
        _, parsed, at = opened
        for line in explain_conditions(book, rule, parsed.view, at, lang):
            hint = _hint(line, example.name, lines, lang)
            if first <= hint.position.line <= last:
                out.append(hint)
    return out


def _hint(line: ConditionLine, example: str, lines: list[str], lang: str) -> lsp.InlayHint:
    span = line.ref.span
    row, col = to_lsp(lines, span.end_line, span.end_col)
    if row < len(lines) and lines[row][col:col + 1] in ("'", '"') and not lines[row][col + 1:].strip():
        col += 1                             # after a quoted condition's closing quote
    tooltip = Phrase("lsp.example_hint", name=example, line=line.text).label(lang)
    mark = "!" if line.state == "!" else MARKS.get(line.state, "?")
    return lsp.InlayHint(position=lsp.Position(row, col), label=mark, padding_left=True,
                         tooltip=lsp.MarkupContent(kind=lsp.MarkupKind.PlainText, value=tooltip))
