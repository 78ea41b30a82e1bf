"""`check_rulebook`: every problem of one rulebook file, as `rulebook check` reports them."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from dsl.diagnostics import Diagnostic, DslError
from dsl.book.locate import resolve

if TYPE_CHECKING:     # the YAML loader is imported when a rulebook is read, not by `rulebook eval`'s start-up
    from dsl.book.model import Rulebook
    from dsl.text.yamlload import Document


def check_rulebook(path_or_platform: str | Path) -> list[Diagnostic]:
    """Every problem of one rulebook file (shape, expressions, types, versions, reachability)."""
    return check_model(path_or_platform)[1]


def check_model(path_or_platform: str | Path) -> tuple[Rulebook | None, list[Diagnostic]]:
    """`check_rulebook`, with the model it built (a shop overlay's says what it changes)."""
    from dsl.book.loader import read_document

    try:
        path = resolve(path_or_platform)
    except DslError as exc:
        return None, exc.diagnostics
    return _check(read_document(path))


def check_text(text: str, name: str = "<text>", path: str | Path | None = None) -> list[Diagnostic]:
    """`check_rulebook` of a rulebook's text not (yet) in a file: the workbench's editor, the
    language server. `path`: the file the text is of, from which a shop overlay's relative
    `extends:` is read (without it only a platform name can be extended). Only the text's own
    problems are returned: a base's are summed up at `extends:` (E327)."""
    from dsl.book.loader import document_from_bytes

    _, diags = _check(document_from_bytes(text.encode("utf-8"), name), Path(path) if path is not None else None)
    return [d for d in diags if d.file in (None, name)]


def _check(doc: Document, origin: Path | None = None) -> tuple[Rulebook | None, list[Diagnostic]]:
    from dsl.book.analysis import find_unreachable
    from dsl.book.loader import model_of

    model, diags = model_of(doc, cases=True, origin=origin)
    if model is not None and not any(d.severity == "error" and d.code not in ("E502", "E503") for d in diags):   # example cases do not shape the rules
        diags = diags + find_unreachable(model)
    return model, sorted(diags, key=Diagnostic.sort_key)
