"""Code actions: the quick fixes of `dsl/book/quickfix.py` (the ones `POST /api/check` gives
the workbench), as LSP edits at UTF-16 ranges. A diagnostic with one fix marks it preferred,
so an editor's "auto fix" applies it; with two (a YAML 1.1 `yes`: quote it, or write `true`)
the author chooses."""
from __future__ import annotations

from lsprotocol import types as lsp

from dsl.book.quickfix import Fix, quick_fixes
from dsl.lsp.features import checked, lsp_range, to_lsp_diagnostic
from dsl.lsp.positions import split_lines


def code_actions(text: str, uri: str, wanted: lsp.Range, lang: str) -> list[lsp.CodeAction]:
    """The quick fixes of the diagnostics of `text` whose range meets `wanted`."""
    lines = split_lines(text)
    out: list[lsp.CodeAction] = []
    for diag in checked(text, uri):
        shown = to_lsp_diagnostic(diag, lines, lang)
        if not _meets(shown.range, wanted):
            continue
        fixes = quick_fixes(text, diag)
        out += [_action(fix, uri, lines, shown, lang, preferred=len(fixes) == 1) for fix in fixes]
    return out


def _meets(a: lsp.Range, b: lsp.Range) -> bool:
    def key(p: lsp.Position) -> tuple[int, int]:
        return p.line, p.character
    return key(a.start) <= key(b.end) and key(b.start) <= key(a.end)


def _action(fix: Fix, uri: str, lines: list[str], diagnostic: lsp.Diagnostic, lang: str,
            preferred: bool) -> lsp.CodeAction:
    edits = [lsp.TextEdit(range=lsp_range(lines, e.line, e.col, e.end_line, e.end_col), new_text=e.new_text)
             for e in fix.edits]
    return lsp.CodeAction(title=fix.title.label(lang), kind=lsp.CodeActionKind.QuickFix,
                          diagnostics=[diagnostic], is_preferred=preferred,
                          edit=lsp.WorkspaceEdit(changes={uri: edits}))
