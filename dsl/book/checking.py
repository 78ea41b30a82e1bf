"""`check_rulebook`: every problem of one rulebook file, as `rulebook check` reports them."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from dsl.diagnostics import EXAMPLE_CODES, Diagnostic, DslError
from dsl.book.locate import resolve
from dsl.book.memo import Memo

if TYPE_CHECKING:     # the YAML loader is imported when a rulebook is read, not by `rulebook eval`'s start-up
    from dsl.book.filekind import Kind
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
    """`rulebook check` of a text not (yet) in a file: the workbench's editor and the language
    server, which check again at every pause in typing. A rulebook's, or of any kind as
    `check_file` tells it (an adapter mapping is checked as a mapping: `check_text_file`).
    `path`: the file the text is of, from which a shop overlay's (or a mapping's) relative
    `extends:` is read (without it only a platform's or a shipped mapping's name can be
    extended). Only the text's own problems are returned: a base's are summed up at
    `extends:` (E327 for an overlay, E701 for a mapping).

    What the last checks did is remembered (dsl/book/memo.py): a text seen before costs
    nothing, and in an edited one only the rules and expressions the edit touched are
    validated and parsed again. A text that may extend another file is checked afresh each
    time: its answer depends on that file too."""
    return check_text_model(text, name, path)[1]


def check_text_model(text: str, name: str = "<text>",
                     path: str | Path | None = None) -> tuple[Rulebook | None, list[Diagnostic]]:
    """`check_text`, and the model it built (None when the text does not build): the language
    server compiles its inlay hints from it rather than reading the text a second time."""
    checked = check_text_file(text, name, path)
    return checked.model, checked.diagnostics


def check_text_file(text: str, name: str = "<text>", path: str | Path | None = None) -> FileCheck:
    """`check_file` of a text not (yet) in a file, of every kind (an adapter mapping open in an
    editor is checked as a mapping, as `rulebook check` would check the saved file), with
    `check_text`'s memory and only the text's own problems (a base's are summed up at
    `extends:`). The kind is read from the document the rulebook's check reads anyway: a
    rulebook's text is parsed once, as before."""
    from dsl.book.loader import document_from_bytes

    def check() -> tuple[Kind, Rulebook | None, tuple[Diagnostic, ...]]:
        origin = Path(path) if path is not None else None
        found = _check_any(document_from_bytes(text.encode("utf-8"), name), origin)
        return found.kind, found.model, tuple(d for d in found.diagnostics if d.file in (None, name))

    kind, model, found = check() if may_extend(text) else _CHECKED_TEXTS.get((text, name, str(path)), check)
    return FileCheck(kind, model, list(found))


def may_extend(text: str) -> bool:
    """Whether a text may be a shop overlay, whose check depends on its base's file too, so
    that no memory of its text may answer for it. On the safe side: any `extends` counts
    (a flow-style or quoted key too)."""
    return "extends" in text


_CHECKED_TEXTS: Memo[tuple[Kind, Rulebook | None, tuple[Diagnostic, ...]]] = Memo(8)


def _check(doc: Document, origin: Path | None = None) -> tuple[Rulebook | None, list[Diagnostic]]:
    from dsl.book.analysis import find_unreachable
    from dsl.book.loader import model_of

    model, diags = model_of(doc, cases=True, origin=origin)
    if model is not None and not any(d.severity == "error" and d.code not in EXAMPLE_CODES for d in diags):   # examples do not shape the rules
        diags = diags + find_unreachable(model)
    return model, sorted(diags, key=Diagnostic.sort_key)


@dataclass(frozen=True)
class FileCheck:
    """What `rulebook check` found in one file: its kind, the rulebook's model (a shop
    overlay's report is made of it) and every problem."""

    kind: Kind
    model: Rulebook | None
    diagnostics: list[Diagnostic]


def check_file(path: str | Path) -> FileCheck:
    """`rulebook check` of one file: a rulebook as `check_model` checks it, an adapter mapping
    as `--from FILE` loads it and more (cases/mappingaudit.py), anything else in one message.
    A file that is not YAML is said as a rulebook's check says it: its kind cannot be read."""
    from dsl.book.loader import read_document

    return _check_any(read_document(path), None, Path(path))


def _check_any(doc: Document, origin: Path | None, file: Path | None = None) -> FileCheck:
    """The check of a parsed document of any kind (dsl/book/filekind.py): `file`, the file it
    was read from (the mapping's check reads it as `--from` does), else `origin`, the file the
    text is of (relative `extends:` are read from it)."""
    from dsl.book.filekind import file_kind, neither, unresolved

    if doc.data is None and doc.diagnostics:
        kind: Kind = "rulebook"
    else:
        kind = file_kind(doc, origin=file if file is not None else origin)
    if kind == "mapping":
        from dsl.cases.mappingaudit import check_mapping_doc, check_mapping_file
        from dsl.lang.vocabulary import default_vocabulary

        found = check_mapping_file(file, default_vocabulary()) if file is not None else \
            check_mapping_doc(doc, origin, default_vocabulary())
        return FileCheck(kind, None, found)
    if kind == "neither":
        return FileCheck(kind, None, [neither(doc)])
    if kind == "unresolved":
        return FileCheck(kind, None, [unresolved(doc, file if file is not None else origin)])
    return FileCheck(kind, *_check(doc, origin))
