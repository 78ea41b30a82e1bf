"""Adapter mapping files: one platform API endpoint's payload -> case documents, as data.

A mapping file (docs/adapters.md) says where a response page holds its items, and for each
case path the source path in an item and the converter that reads it (fen -> yuan, epoch
seconds -> Beijing time, a code table -> our enum, ...). It is read with the YAML loader
with positions and checked by `adapters/adapter.schema.json`, then against the vocabulary,
so every problem is a diagnostic at file:line:col; a user's file may `extends:` a shipped
one. Options (`refund_amount_unit: fen|yuan`) choose a converter or a table by name: an
option a field uses and nobody gave is an error, never a default.
"""
from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from dsl.cases.mappingmodel import _PATH, Mapping, MappingError, _at, _Piece
from dsl.cases.mappingcheck import check_field, check_tables
from dsl.diagnostics import Diagnostic, Phrase, Span
from dsl.lang.vocabulary import Vocabulary
from dsl.text.suggest import did_you_mean
from dsl.text.yamlload import Document, KeyPath, load_yaml

def shipped_names() -> list[str]:
    """The mappings shipped in the package (`--from NAME`)."""
    folder = resources.files("dsl.cases").joinpath("adapters")
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".yaml"))


def load_mapping(name: str, vocabulary: Vocabulary, given: dict[str, str] | None = None) -> Mapping:
    """`load_mapping("douyin-aftersale-list", vocab, {"refund_amount_unit": "fen"})`: the
    shipped mapping of that name, or the file at that path; MappingError with every problem."""
    docs = _chain(name, [])
    merged = _merge(docs)
    problems: list[Diagnostic] = []
    options = _options(merged, docs[-1], dict(given or {}), problems)
    mapping = _build(merged, docs[-1], vocabulary, options, problems)
    if problems:
        raise MappingError(problems)
    return mapping


def _locate(name: str, relative_to: Path | None) -> Path | None:
    if names_a_path(name):
        path = Path(name) if relative_to is None or Path(name).is_absolute() else relative_to.parent / name
        return path if path.is_file() else None
    if re.fullmatch(r"[a-z][a-z0-9-]*", name) and name in shipped_names():
        return Path(str(resources.files("dsl.cases").joinpath("adapters", name + ".yaml")))
    return None


def _chain(name: str, seen: list[Path], relative_to: Path | None = None, at: tuple[Document, KeyPath] | None = None
           ) -> list[Document]:
    """The documents from the shipped base to the file named, each checked by the schema."""
    path = _locate(name, relative_to)
    if path is None:
        detail = Phrase("adapt.no_mapping", name=name, names=", ".join(shipped_names()))
        meant = did_you_mean(name, shipped_names())
        hint = ("did_you_mean", {"suggestion": meant}) if meant else None
        raise MappingError([_at(at, "E703", hint=hint, detail=detail) if at
                            else Diagnostic("E703", None, name, {"detail": detail}, hint)])
    if any(path.resolve() == p.resolve() for p in seen):
        raise MappingError([_at(at, "E701", detail=Phrase("adapt.extends_cycle", name=name))])
    return chain_from(read_mapping(path), path, seen)


def read_mapping(path: Path) -> Document:
    """A mapping file parsed with positions (not yet checked; MappingError when unreadable)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise MappingError([Diagnostic("E309", None, str(path), {"path": str(path), "detail": str(exc)})]) from None
    return load_yaml(text, _shown(path))


def chain_from(doc: Document, origin: Path | None, seen: list[Path] | None = None) -> list[Document]:
    """`doc` checked by the schema, after its bases (`_chain`). `origin`: its file, from which
    a relative `extends:` is read (None: a text not in a file, an editor's: a path in
    `extends:` cannot be read, as for a shop overlay's text)."""
    if not doc.diagnostics:
        _check_shape(doc)
    if doc.diagnostics:
        raise MappingError(doc.diagnostics)
    base = doc.data.get("extends")
    if base is None:
        return [doc]
    if origin is None and names_a_path(base) and not Path(base).is_absolute():
        raise MappingError([_at((doc, ("extends",)), "E703", detail=Phrase("check.no_origin"), hint=("extends_name_only", {}))])
    return _chain(base, (seen or []) + ([origin] if origin is not None else []), origin, (doc, ("extends",))) + [doc]


def names_a_path(name: str) -> bool:
    """A name of `extends:`/`--from` that is a file's path rather than a shipped mapping's name."""
    return name.endswith((".yaml", ".yml")) or "/" in name or "\\" in name


def _shown(path: Path) -> str:
    """A shipped file by its place in the source tree; a user's as given."""
    parts = path.parts
    if "adapters" in parts and len(parts) >= 3 and parts[-3] == "cases":
        return "dsl/cases/adapters/" + path.name
    return str(path)


@lru_cache(maxsize=1)
def adapter_schema() -> dict[str, Any]:
    return json.loads(resources.files("dsl.cases").joinpath("adapters", "adapter.schema.json").read_text("utf-8"))


def _check_shape(doc: Document) -> None:
    """Every schema violation as E701/E702 at its place, in our words (never jsonschema's)."""
    from jsonschema import Draft202012Validator

    if not isinstance(doc.data, dict):
        doc.error("E701", Span(1, 1, 1, 2), detail=Phrase("adapt.not_mapping"))
        return
    if "items" in doc.data and "item" in doc.data:
        doc.error("E701", doc.nearest_span(("item",), key=True), detail=Phrase("adapt.items_and_item"))
    for error in Draft202012Validator(adapter_schema()).iter_errors(doc.data):
        error = _meant_branch(error)
        path = tuple(error.absolute_path)
        where = _where(path)
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            allowed = sorted(error.schema.get("properties", {}))
            for key in (k for k in error.instance if k not in allowed):
                meant = did_you_mean(str(key), allowed)
                doc.error("E702", doc.nearest_span(path + (key,), key=True),
                          ("did_you_mean", {"suggestion": meant}) if meant else None,
                          key=key, where=where, allowed=", ".join(allowed))
        elif error.validator == "required" and isinstance(error.instance, dict):
            for key in (k for k in error.validator_value if k not in error.instance):
                doc.error("E701", doc.nearest_span(path), detail=Phrase("adapt.missing_key", where=where, key=key))
        else:
            doc.error("E701", doc.nearest_span(path), detail=Phrase("adapt.shape_value", where=where,
                                                                    found=_shown_value(error.instance)))


def _meant_branch(error: Any) -> Any:
    """For a value of several accepted shapes (a field or null; a code or a reject): the
    error inside the shape the author evidently meant (the one whose type matched)."""
    inner = [e for e in (error.context or ()) if e.validator != "type" or len(e.absolute_path) > len(error.absolute_path)]
    return _meant_branch(inner[0]) if error.validator in ("oneOf", "anyOf") and inner else error


def _where(path: KeyPath) -> str:
    return ".".join(str(p) for p in path) or Phrase("adapt.top_level")


def _shown_value(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


def _merge(docs: list[Document]) -> dict[str, Any]:
    """Base first, each file over it: scalars replaced, `fields`/`options`/`set` per key,
    `tables` per table and code. Each piece remembers the file and place it came from."""
    out: dict[str, Any] = {"fields": {}, "options": {}, "set": {}, "tables": {}}
    for doc in docs:
        for key, value in doc.data.items():
            if key in ("fields", "options", "set"):
                for name, spec in value.items():
                    out[key][name] = _Piece(spec, doc, (key, name))
            elif key == "tables":
                for name, table in value.items():
                    kept = out["tables"].setdefault(name, {"codes": {}, "at": _Piece(table, doc, (key, name))})
                    for code, meaning in table["codes"].items():
                        kept["codes"][code] = _Piece(meaning, doc, (key, name, "codes", code))
            elif key in ("items", "item"):
                out.pop("items", None)
                out.pop("item", None)
                out[key] = _Piece(value, doc, (key,))
            elif key != "extends":
                out[key] = _Piece(value, doc, (key,))
    return out


def _options(merged: dict[str, Any], last: Document, given: dict[str, str], problems: list[Diagnostic]) -> dict[str, str]:
    """The value of every declared option: the command line's, else the files' `set:`."""
    declared: dict[str, _Piece] = merged["options"]
    values = {name: piece for name, piece in merged["set"].items()}
    chosen: dict[str, str] = {}
    for name, text in given.items():
        if name not in declared:
            meant = did_you_mean(name, list(declared))
            problems.append(Diagnostic("E704", None, last.file, {"detail": Phrase(
                "adapt.unknown_option", name=name, options=", ".join(declared) or "-")},
                ("did_you_mean", {"suggestion": meant}) if meant else None))
    for name, piece in declared.items():
        allowed = piece.value["values"]
        if name in given:
            value, at = given[name], None
        elif name in values:
            value, at = values[name].value, (values[name].doc, values[name].path)
        else:
            continue
        if value not in allowed:
            detail = Phrase("adapt.option_value", name=name, value=value, values="|".join(allowed))
            problems.append(_at(at, "E704", detail=detail) if at else Diagnostic("E704", None, last.file, {"detail": detail}))
            continue
        chosen[name] = value
    for name in values:
        if name not in declared:
            piece = values[name]
            problems.append(_at((piece.doc, piece.path), "E704", key=True, detail=Phrase(
                "adapt.unknown_option", name=name, options=", ".join(declared) or "-")))
    return chosen


def _build(merged: dict[str, Any], last: Document, vocabulary: Vocabulary, options: dict[str, str],
           problems: list[Diagnostic]) -> Mapping:
    tables = check_tables(merged["tables"], problems)
    fields = []
    for target, piece in merged["fields"].items():
        if piece.value is None:   # `fields: {x: null}` in a user's file drops the base's field
            continue
        spec = check_field(target, piece, vocabulary, options, merged, tables, problems)
        if spec is not None:
            fields.append(spec)
    name = merged["adapter"].value if "adapter" in merged else Path(last.file).stem
    for key in ("items", "item"):
        if key in merged and not _PATH.fullmatch(merged[key].value):
            problems.append(_at((merged[key].doc, merged[key].path), "E701",
                                detail=Phrase("adapt.bad_path", path=merged[key].value)))
    return Mapping(name=name, file=last.file, platform=merged["platform"].value if "platform" in merged else None,
                   items=merged["items"].value if "items" in merged else None,
                   item=merged["item"].value if "item" in merged else None,
                   fields=tuple(fields), tables=tables, options=options)


__all__ = ["Mapping", "MappingError", "adapter_schema", "chain_from", "load_mapping", "names_a_path", "read_mapping", "shipped_names"]
