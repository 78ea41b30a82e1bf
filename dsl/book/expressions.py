"""One expression of a rulebook parsed and type-checked, as the loader places it in its file;
what a keystroke leaves unchanged is not done again (issue 16: a check on every keystroke).

An expression's parse is remembered by its text and its place (the lines around it in the
file, which give its positions and the source lines its diagnostics show), its check by the
parse, its path and slot, and the names and parameters it can see. A keystroke changes one
expression; the others are answered from memory (`tests/book/test_check_memo.py` compares
with a cold check).
"""
from __future__ import annotations

from typing import Any, Callable

from dsl.book.memo import Memo
from dsl.book.model import ExprRef
from dsl.diagnostics import Diagnostic, DslError, Phrase
from dsl.lang import ast
from dsl.lang.checker import EnumUse, Scope, check_uses, params_named
from dsl.lang.lower import uncomputable_constants
from dsl.lang.parser import parse_expr
from dsl.lang.types import ANY, Type
from dsl.lang.unparse import unparse
from dsl.text.origin import Origin
from dsl.text.yamlload import Document, KeyPath

# the diagnostics, the ExprRef when there are none, and where its parameters meet text fields
Checked = tuple[tuple[Diagnostic, ...], ExprRef | None, tuple[EnumUse, ...]]

_PARSED: Memo[ast.Expr | tuple[Diagnostic, ...]] = Memo(8192)
_CHECKED: Memo[Checked] = Memo(8192)


def checked_expression(doc: Document, scope: Scope, path: KeyPath, text: str, where: Any, want: Type | None,
                       what: str) -> Checked:
    """The diagnostics of the expression `text` at `path`, and its ExprRef when it has none;
    `want` is the type it must have, `what` names the place for E207 (a `what.` phrase key);
    and where its parameters meet text fields (book/paramenums.py checks their values)."""
    place = (text, repr(where), doc.file, doc.surroundings(path))
    origin = _Once(lambda: doc.origin(path, text, where))   # worked out only when parsing or checking
    parsed = _PARSED.get(place, lambda: _parsed(text, origin()))
    if isinstance(parsed, tuple):
        return parsed, None, ()
    key = (place, tuple(path), repr(want), what, _context(scope, parsed))
    return _CHECKED.get(key, lambda: _checked(doc, scope, path, parsed, text, origin(), want, what))


def _context(scope: Scope, tree: ast.Expr) -> tuple[Any, ...]:
    """What checking `tree` depends on besides the tree: the vocabulary, the functions,
    every parameter's name (an unknown one is matched against them) and the type and value
    (as written: 1.0 is not 1.00) of each parameter it names."""
    params = scope.params
    used = sorted(params_named(tree))
    return (scope.vocabulary, tuple(scope.functions), tuple(params),
            tuple((n, repr(params[n].type), repr(params[n].value)) for n in used if n in params))


class _Once:
    """A value computed at its first use only."""

    def __init__(self, make: Callable[[], Origin]):
        self.make, self.value = make, None

    def __call__(self) -> Origin:
        if self.value is None:
            self.value = self.make()
        return self.value


def _parsed(text: str, origin: Origin) -> ast.Expr | tuple[Diagnostic, ...]:
    """The expression's tree, or the diagnostics of why it cannot be parsed."""
    try:
        return parse_expr(text, origin)
    except DslError as exc:
        return tuple(exc.diagnostics)


def _checked(doc: Document, scope: Scope, path: KeyPath, tree: ast.Expr, text: str, origin: Origin,
             want: Type | None, what: str) -> Checked:
    """Check one parsed expression: its diagnostics, and its ExprRef when it has none."""
    where = origin.path
    typed, diags, found = check_uses(tree, scope, origin)
    uses = tuple(found)
    if diags:
        return tuple(diags), None, uses
    failed = uncomputable_constants(typed, {name: p.value for name, p in scope.params.items()})
    if failed:
        return tuple(Diagnostic("E212", part.span, doc.file, {"text": unparse(part), "detail": detail},
                                None, where, source_line=doc.line_text(part.span.line)) for part, detail in failed), None, uses
    actual = typed.type or ANY  # type: ignore[attr-defined]
    if want is not None and actual.kind not in (want.kind, "any", "null"):
        hint = None
        if what == "what.deadline" and actual.kind == "duration":   # `deadline: params.window`
            hint = ("deadline_from_duration", {"what": unparse(typed), "example": f"aftersale.applied_at + {unparse(typed)}"})
        return (Diagnostic("E207", typed.span, doc.file, {"what": Phrase(what), "expected": want, "actual": actual},
                           hint, where, source_line=doc.line_text(typed.span.line)),), None, uses
    return (), ExprRef(text, typed, typed.span, where, tuple(path)), uses
