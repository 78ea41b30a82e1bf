"""Check a merged mapping against the vocabulary: each field's case path, converter, table
and options; each table's codes against the enum it feeds. Every problem is located where
it was written (the shipped base or the user's file)."""
from __future__ import annotations

from typing import Any

from dsl.cases.mappingmodel import CONVERTERS, TIME_FORMATS, TOP_KEYS, FieldSpec, Reject, _at, _Piece, valid_path
from dsl.diagnostics import Diagnostic, Phrase
from dsl.lang.vocabulary import Vocabulary
from dsl.text.suggest import did_you_mean


def check_tables(tables: dict[str, Any], problems: list[Diagnostic]) -> dict[str, dict[str, Any]]:
    """table -> code -> value (text or a flag) or Reject; codes are text (`6` and `"6"` are one code)."""
    out: dict[str, dict[str, Any]] = {}
    for name, table in tables.items():
        codes: dict[str, Any] = {}
        for code, piece in table["codes"].items():
            meaning = piece.value
            codes[str(code)] = Reject(meaning["reject"]["en"], meaning["reject"]["zh"]) if isinstance(meaning, dict) \
                else meaning
        out[name] = codes
    return out


def check_field(target: str, piece: _Piece, vocabulary: Vocabulary, options: dict[str, str], merged: dict[str, Any],
                tables: dict[str, dict[str, Any]], problems: list[Diagnostic]) -> FieldSpec | None:
    """The field's spec, or None (its problems added) when it cannot be used."""
    spec, at = piece.value, (piece.doc, piece.path)
    before = len(problems)
    kind = _target_kind(target, vocabulary, at, problems)
    if ("from" in spec) == ("value" in spec):
        problems.append(_at(at, "E701", detail=Phrase("adapt.from_or_value", target=target)))
    elif "from" in spec and not valid_path(spec["from"]):
        problems.append(_at((piece.doc, piece.path + ("from",)), "E701", detail=Phrase("adapt.bad_path", path=spec["from"])))
    convert = _chosen(spec.get("convert", "copy"), "convert", piece, merged, options, problems)
    table = _chosen(spec["table"], "table", piece, merged, options, problems) if "table" in spec else None
    if convert is not None and convert not in CONVERTERS:
        meant = did_you_mean(convert, list(CONVERTERS))
        problems.append(_at((piece.doc, piece.path + ("convert",)), "E701", hint=_meant(meant),
                            detail=Phrase("adapt.unknown_converter", name=convert, names=", ".join(CONVERTERS))))
    elif convert is not None and kind is not None:
        fits = CONVERTERS[convert]
        if fits is not None and kind not in fits:
            problems.append(_at((piece.doc, piece.path + ("convert",)), "E701",
                                detail=Phrase("adapt.converter_kind", name=convert, target=target, kind=kind)))
    _check_table(convert, table, target, piece, merged, tables, vocabulary, problems)
    _check_formats(convert, spec.get("formats"), piece, problems)
    if len(problems) > before or convert is None:
        return None
    return FieldSpec(target=target, source=spec.get("from"), convert=convert, table=table,
                     formats=tuple(spec.get("formats") or ()), value=spec.get("value"),
                     required=bool(spec.get("required", False)), zero_is_absent=bool(spec.get("zero_is_absent", False)))


def _meant(meant: str | None) -> Any:
    return ("did_you_mean", {"suggestion": meant}) if meant else None


def _target_kind(target: str, vocabulary: Vocabulary, at: Any, problems: list[Diagnostic]) -> str | None:
    """The kind of value the case path holds ('str', 'money', ...), or None when it names no field."""
    if target in TOP_KEYS:
        return "timestamp" if target == "now" else "str"
    fld = vocabulary.get(target)
    if fld is None or fld.type.kind == "object":
        meant = did_you_mean(target, [p for p, f in vocabulary.fields.items() if f.type.kind != "object"])
        problems.append(_at(at, "E701", key=True, hint=_meant(meant), detail=Phrase("adapt.unknown_target", target=target)))
        return None
    return str(fld.type.kind)


def _chosen(value: Any, what: str, piece: _Piece, merged: dict[str, Any], options: dict[str, str],
            problems: list[Diagnostic]) -> str | None:
    """A converter or table name, or the name an option gives (`{option: refund_amount_unit}`)."""
    if not isinstance(value, dict):
        return str(value)
    option = value["option"]
    at = (piece.doc, piece.path + (what,))
    if option not in merged["options"]:
        problems.append(_at(at, "E704", detail=Phrase("adapt.unknown_option", name=option,
                                                      options=", ".join(merged["options"]) or "-")))
        return None
    if option not in options:
        allowed = merged["options"][option].value["values"]
        problems.append(_at(at, "E704", detail=Phrase("adapt.option_missing", name=option, values="|".join(allowed),
                                                      example=f"{option}=<{'|'.join(allowed)}>")))
        return None
    return options[option]


def _check_table(convert: str | None, table: str | None, target: str, piece: _Piece, merged: dict[str, Any],
                 tables: dict[str, dict[str, Any]], vocabulary: Vocabulary, problems: list[Diagnostic]) -> None:
    """`code` needs a table that exists, whose every value is a value of the target's enum."""
    at = (piece.doc, piece.path)
    if convert == "code" and table is None and "table" not in piece.value:
        problems.append(_at(at, "E701", detail=Phrase("adapt.needs_table", target=target)))
        return
    if table is None:
        return
    if convert != "code":
        problems.append(_at((piece.doc, piece.path + ("table",)), "E701", detail=Phrase("adapt.table_not_code")))
        return
    if table not in tables:
        problems.append(_at((piece.doc, piece.path + ("table",)), "E701", hint=_meant(did_you_mean(table, list(tables))),
                            detail=Phrase("adapt.unknown_table", name=table, names=", ".join(tables) or "-")))
        return
    fld = vocabulary.get(target)
    if fld is None:
        return
    allowed = fld.type.values
    for code, meaning in tables[table].items():
        if isinstance(meaning, Reject):
            continue
        fits = isinstance(meaning, bool) if fld.type.kind == "bool" else (
            isinstance(meaning, str) and (allowed is None or meaning in allowed))
        if not fits:
            written = merged["tables"][table]["codes"][code]
            meant = did_you_mean(str(meaning), list(allowed or ()))
            problems.append(_at((written.doc, written.path), "E701", hint=_meant(meant), detail=Phrase(
                "adapt.table_value", table=table, code=code, value=str(meaning), target=target,
                values=", ".join(sorted(allowed or ())) or "true, false")))


def _check_formats(convert: str | None, formats: Any, piece: _Piece, problems: list[Diagnostic]) -> None:
    at = (piece.doc, piece.path + ("formats",))
    if convert == "timestamp" and not formats:
        problems.append(_at((piece.doc, piece.path), "E701", detail=Phrase("adapt.needs_formats",
                                                                        formats=", ".join(TIME_FORMATS))))
    if not formats:
        return
    if convert != "timestamp":
        problems.append(_at(at, "E701", detail=Phrase("adapt.formats_not_timestamp")))
        return
    for name in formats:
        if name not in TIME_FORMATS:
            problems.append(_at(at, "E701", detail=Phrase("adapt.unknown_format", name=name,
                                                          formats=", ".join(TIME_FORMATS))))
    if "epoch_s" in formats and "epoch_ms" in formats:
        problems.append(_at(at, "E701", detail=Phrase("adapt.both_epochs")))
