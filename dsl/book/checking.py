"""`check_rulebook`: every problem of one rulebook file, as `rulebook check` reports them."""
from __future__ import annotations

from pathlib import Path

from dsl.diagnostics import Diagnostic, DslError
from dsl.book.locate import resolve


def check_rulebook(path_or_platform: str | Path) -> list[Diagnostic]:
    """Every problem of one rulebook file (shape, expressions, types, versions, reachability)."""
    from dsl.book.analysis import find_unreachable
    from dsl.book.loader import load_model

    try:
        path = resolve(path_or_platform)
    except DslError as exc:
        return exc.diagnostics
    model, diags = load_model(path, cases=True)
    if model is not None and not any(d.severity == "error" and d.code not in ("E502", "E503") for d in diags):   # example cases do not shape the rules
        diags = diags + find_unreachable(model)
    return sorted(diags, key=Diagnostic.sort_key)
