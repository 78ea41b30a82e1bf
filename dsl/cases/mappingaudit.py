"""`rulebook check` of an adapter mapping file: everything `--from FILE` would say, and what
the file's text settles although `--from` leaves it to the items or lets it pass unsaid.

`--from` checks a mapping under the option values it was given and stops when one it needs
is missing; check has none given, so it checks the fields under every value each open
option takes (the command line may give any of them; a problem that only one value causes
says which). Then what the file writes to no effect, each said where it is written in the
file checked (a base is checked on its own): a constant that is not a value of its field
(every case would carry a bad field), `convert:`/`table:`/... beside `value:` (a constant is not
converted), a `null` that drops no field of the base, a table or an option no field uses.
"""
from __future__ import annotations

from dataclasses import replace
from itertools import product
from pathlib import Path
from typing import Any, Final, Iterator

from dsl.cases.kinds import convert as kind_convert, hint as kind_hint
from dsl.cases.mapping import _build, _merge, _options, chain_from, read_mapping
from dsl.cases.mappingmodel import MappingError, _at, _Piece
from dsl.diagnostics import Diagnostic, Phrase
from dsl.lang.values import BadValueError
from dsl.lang.vocabulary import Vocabulary
from dsl.text.suggest import did_you_mean
from dsl.text.yamlload import Document

#: at most this many combinations of the open options' values are built; beyond it each
#: option's values are tried one at a time (the others at their first value)
MAX_RUNS: Final = 256
#: keys of a field that do nothing beside `value:` (a constant is put in the case as written)
_NOT_WITH_VALUE: Final = ("convert", "table", "formats", "zero_is_absent", "required")


def check_mapping_file(path: str | Path, vocabulary: Vocabulary) -> list[Diagnostic]:
    """Every problem of the mapping file at `path` (its bases' included, where they are written)."""
    try:
        doc = read_mapping(Path(path))
    except MappingError as exc:
        return sorted(exc.diagnostics, key=Diagnostic.sort_key)
    return check_mapping_doc(doc, Path(path), vocabulary)


def check_mapping_doc(doc: Document, origin: Path | None, vocabulary: Vocabulary) -> list[Diagnostic]:
    """`check_mapping_file` of a parsed mapping: a file's, or an editor's text (the language
    server, the workbench), `origin` the file its relative `extends:` is read from. The
    problems of its bases are summed up at its `extends:` too, where an editor that shows
    only this file's problems shows why (as a shop overlay's E327)."""
    try:
        docs = chain_from(doc, origin)
    except MappingError as exc:
        return _with_bases_summed(doc, exc.diagnostics)
    return _with_bases_summed(doc, _problems(docs, vocabulary))


def _problems(docs: list[Document], vocabulary: Vocabulary) -> list[Diagnostic]:
    """What the merged chain of documents (base first) gets wrong, under every open option value."""
    merged = _merge(docs)
    problems: list[Diagnostic] = []
    chosen = _options(merged, docs[-1], {}, problems)
    open_options = {name: list(piece.value["values"]) for name, piece in merged["options"].items()
                    if name not in chosen}
    runs = []
    for values in _combinations(open_options):
        found: list[Diagnostic] = []
        _build(merged, docs[-1], vocabulary, {**chosen, **values}, found)
        runs.append((values, found))
    problems += _across(runs, open_options, merged, docs[-1])
    problems += _written_to_no_effect(docs, merged, vocabulary)
    return problems


def _with_bases_summed(doc: Document, problems: list[Diagnostic]) -> list[Diagnostic]:
    """The problems, sorted, and one more at `extends:` when some errors are in other files."""
    elsewhere = sorted((d for d in problems if d.file not in (None, doc.file) and d.severity == "error"), key=Diagnostic.sort_key)
    if elsewhere and isinstance(doc.data, dict) and "extends" in doc.data:
        first = elsewhere[0]
        where = f"{first.file}:{first.span.line}:{first.span.col}" if first.span else str(first.file)
        problems = problems + [_at((doc, ("extends",)), "E701", detail=Phrase(
            "adapt.base_errors", base=doc.data["extends"], n=len(elsewhere), first=where))]
    return sorted(problems, key=Diagnostic.sort_key)


def _combinations(options: dict[str, list[str]]) -> Iterator[dict[str, str]]:
    """Every combination of the options' values, or (too many) each value of each option once."""
    total = 1
    for values in options.values():
        total *= len(values)
    if total <= MAX_RUNS:
        for combination in product(*options.values()):
            yield dict(zip(options, combination))
        return
    first = {name: values[0] for name, values in options.items()}
    yield first
    for name, values in options.items():
        for value in values[1:]:
            yield {**first, name: value}


def _across(runs: list[tuple[dict[str, str], list[Diagnostic]]], options: dict[str, list[str]],
            merged: dict[str, Any], last: Document) -> list[Diagnostic]:
    """The problems of all runs once each; one that not every run has says the option values that cause it."""
    seen: dict[tuple[Any, ...], tuple[Diagnostic, list[dict[str, str]]]] = {}
    for values, found in runs:
        for diag in found:
            key = (diag.code, diag.file, diag.span, diag.message("en"), diag.hint_text("en"))
            seen.setdefault(key, (diag, []))[1].append(values)
    out = []
    for diag, where in seen.values():
        if len(where) == len(runs) or "detail" not in diag.args:
            out.append(diag)
            continue
        causes = {name: [v for v in values if any(w[name] == v for w in where)] for name, values in options.items()}
        causes = {name: taken for name, taken in causes.items() if len(taken) < len(options[name])} or \
            {name: [value] for name, value in where[0].items()}
        out.append(_caused_by(diag, causes, merged, last))
    return out


def _caused_by(diag: Diagnostic, causes: dict[str, list[str]], merged: dict[str, Any], last: Document) -> Diagnostic:
    """A problem only some option values cause, saying which; told at the option's value when
    the checked file declares the option and a base the field (a user's value for a base's field)."""
    shown = ", ".join(f"{name}={'|'.join(values)}" for name, values in causes.items())
    name, values = next(iter(causes.items()))
    piece = merged["options"][name]
    if len(causes) > 1 or piece.doc is not last or piece.doc.file == diag.file:
        return replace(diag, args={**diag.args, "detail": Phrase("adapt.with_option", detail=diag.args["detail"],
                                                               options=shown)})
    used = f"{diag.file}:{diag.span.line}:{diag.span.col}" if diag.span else str(diag.file)
    index = piece.value["values"].index(values[0])
    return _at((piece.doc, piece.path + ("values", index)), diag.code, hint=diag.hint, detail=Phrase(
        "adapt.with_option_at", detail=diag.args["detail"], options=shown, where=used))


def _written_to_no_effect(docs: list[Document], merged: dict[str, Any], vocabulary: Vocabulary) -> list[Diagnostic]:
    """What the checked file (the last of the chain) writes that changes nothing or cannot work."""
    last = docs[-1]
    problems: list[Diagnostic] = []
    for target, piece in merged["fields"].items():
        if piece.doc is last and isinstance(piece.value, dict) and "value" in piece.value:
            problems += _constant(target, piece, vocabulary)
    problems += _drops(docs)
    problems += _unused(last, merged)
    return problems


def _constant(target: str, piece: _Piece, vocabulary: Vocabulary) -> list[Diagnostic]:
    """A `value:` field: the constant is a value of its field, and no converter's key is beside it."""
    spec = piece.value
    out = [_at((piece.doc, piece.path + (key,)), "E701", key=True,
               detail=Phrase("adapt.ignored_with_value", target=target, key=key))
           for key in _NOT_WITH_VALUE if key in spec and "from" not in spec]
    fld = vocabulary.get(target)
    if fld is not None and fld.type.kind != "object" and spec["value"] is not None:
        try:
            kind_convert(fld, spec["value"])
        except BadValueError as exc:
            meant = kind_hint(fld, spec["value"])
            out.append(_at((piece.doc, piece.path + ("value",)), "E701", detail=Phrase(
                "adapt.bad_constant", target=target, detail=exc.problem),
                hint=("reason", {"reason": meant}) if meant else None))
    return out


def _drops(docs: list[Document]) -> list[Diagnostic]:
    """`field: null` in the checked file drops a field the bases map (else it does nothing)."""
    last = docs[-1]
    fields = last.data.get("fields") or {}
    base = {name for name, piece in _merge(docs[:-1])["fields"].items() if piece.value is not None} \
        if len(docs) > 1 else set()
    out = []
    for target, spec in fields.items():
        if spec is not None or target in base:
            continue
        meant = did_you_mean(str(target), sorted(base))
        detail = Phrase("adapt.drops_nothing", target=target, base=last.data.get("extends")) if len(docs) > 1 \
            else Phrase("adapt.drops_no_base", target=target)
        out.append(_at((last, ("fields", target)), "E701", key=True, detail=detail,
                       hint=("did_you_mean", {"suggestion": meant}) if meant else None))
    return out


def _unused(last: Document, merged: dict[str, Any]) -> list[Diagnostic]:
    """A table or an option the checked file writes and no field reads (a value of an option counts)."""
    tables: set[str] = set()
    options: set[str] = set()
    for piece in merged["fields"].values():
        spec = piece.value if isinstance(piece.value, dict) else {}
        for key in ("convert", "table"):
            named = spec.get(key)
            if isinstance(named, dict) and "option" in named:
                options.add(named["option"])
                declared = merged["options"].get(named["option"])
                if key == "table" and declared is not None:
                    tables.update(declared.value["values"])
            elif key == "table" and named is not None:
                tables.add(str(named))
    out = []
    for name, table in merged["tables"].items():
        written = table["at"].doc is last or any(p.doc is last for p in table["codes"].values())
        if written and name not in tables:
            out.append(_unused_one(last, ("tables", name), "adapt.unused_table", name, tables))
    for name, piece in merged["options"].items():
        if piece.doc is last and name not in options:
            out.append(_unused_one(last, ("options", name), "adapt.unused_option", name, options))
    return out


def _unused_one(doc: Document, path: tuple[str, ...], key: str, name: str, used: set[str]) -> Diagnostic:
    meant = did_you_mean(name, sorted(used))
    return _at((doc, path), "E701", key=True, detail=Phrase(key, name=name),
               hint=("did_you_mean", {"suggestion": meant}) if meant else None)


__all__ = ["MAX_RUNS", "check_mapping_doc", "check_mapping_file"]
