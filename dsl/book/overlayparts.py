"""The parts of a shop overlay applied to its base, one function each: parameters
(`parameters:` overrides, `new_parameters:`), `disable:`, and the top-level `examples:`.
Each adds its problems to the overlay's document, at the key the author wrote."""
from __future__ import annotations

import dataclasses
from typing import Any

from dsl.book.loader import _parameters
from dsl.book.model import Example, ParamDef, Rule
from dsl.book.overlaymodel import ExampleChange, ParamChange, RuleChange
from dsl.book.schema import describe_path
from dsl.diagnostics import Phrase
from dsl.lang.types import Type
from dsl.text.suggest import did_you_mean
from dsl.text.yamlload import Document


def apply_params(doc: Document, params: dict[str, ParamDef], known: set[str], base: str) -> list[ParamChange]:
    """Set `doc`'s overrides and add its new parameters in `params` (`known`: every name the
    base declares, a bad value's too); what changed, as written."""
    raw = doc.data.get("parameters") if isinstance(doc.data.get("parameters"), dict) else {}
    parsed = _parameters(doc, raw)
    out: list[ParamChange] = []
    for name in map(str, raw):
        if name not in known:
            close = did_you_mean(name, known, cutoff=0.6)
            hint = ("did_you_mean", {"suggestion": close}) if close else ("overlay_new_param", {"name": name})
            doc.error("E324", doc.nearest_span(("parameters", name), key=True), hint, name=name, base=base)
            continue
        new, old = parsed.get(name), params.get(name)
        if new is None or old is None:
            continue   # a bad value, said where it is (E305), here or in the base
        if not same_type(old.type, new.type):
            meant = f"{new.value}.00" if (old.type.kind, new.type.kind) == ("money", "int") else shown(old.value, old.type)
            doc.error("E325", new.span or doc.nearest_span(("parameters", name)),
                      ("overlay_param_like", {"example": f"{name}: {meant}"}),
                      name=name, base=base, expected=old.type, actual=new.type)
            continue
        params[name] = dataclasses.replace(new, type=old.type, zh=new.zh or old.zh, en=new.en or old.en)
        out.append(ParamChange(name, shown(old.value, old.type), shown(new.value, old.type), new.span))
    out.extend(_new_params(doc, params, known, base))
    return out


def _new_params(doc: Document, params: dict[str, ParamDef], known: set[str], base: str) -> list[ParamChange]:
    raw = doc.data.get("new_parameters") if isinstance(doc.data.get("new_parameters"), dict) else {}
    added = _parameters(doc, raw, "new_parameters")
    out = []
    for name in map(str, raw):
        if name in known:
            doc.error("E326", doc.nearest_span(("new_parameters", name), key=True), ("overlay_override_param", {"name": name}),
                      name=name, base=base)
            continue
        known.add(name)
        if name in added:
            params[name] = added[name]
            out.append(ParamChange(name, None, shown(added[name].value, added[name].type), added[name].span))
    return out


def same_type(old: Type, new: Type) -> bool:
    """An override keeps the base's type; an empty list fits any list."""
    if old.plain() == new.plain():
        return True
    return old.kind == new.kind == "list" and (new.item is None or new.item.kind == "any")


def shown(value: Any, typ: Type) -> str:
    """A parameter's value as an author writes it: 300.00, 48h, [a, b], true."""
    from dsl.lang.values import format_timestamp

    if isinstance(value, frozenset):
        return "[" + ", ".join(sorted(shown(v, typ.item or typ) for v in value)) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if typ.kind == "duration":
        return _duration(value)
    if typ.kind == "timestamp":
        return format_timestamp(value)
    return str(value)


def _duration(value: Any) -> str:
    seconds = int(value.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


# per rule id an earlier level of the chain disabled: (that level's file, the disable's line, its reason)
Gone = dict[str, tuple[str, int, str]]


def disabled(doc: Document, by_id: dict[str, Rule], base: str, gone: Gone) -> tuple[set[str], list[RuleChange]]:
    """The rules `doc` turns off (`disable: [{rule, reason}]`): each must be a base rule, once."""
    off: set[str] = set()
    changes: list[RuleChange] = []
    entries = doc.data.get("disable") if isinstance(doc.data.get("disable"), list) else []
    for i, entry in enumerate(entries):
        rule_id = entry.get("rule") if isinstance(entry, dict) else None
        if not isinstance(rule_id, str) or not isinstance(entry.get("reason"), str):
            continue   # the shape check said what is missing
        span = doc.nearest_span(("disable", i, "rule"))
        if rule_id not in by_id and rule_id in gone:
            said_gone(doc, span, rule_id, gone, Phrase("overlay.what_disable"))
        elif rule_id not in by_id:
            close = did_you_mean(rule_id, set(by_id), cutoff=0.6)
            doc.error("E323", span, ("did_you_mean", {"suggestion": close}) if close else None,
                      id=rule_id, base=base, what=Phrase("overlay.what_disable"))
        elif rule_id in off:
            doc.error("E329", span, None, detail=Phrase("overlay.disabled_twice", id=rule_id))
        else:
            off.add(rule_id)
            old = by_id[rule_id]
            changes.append(RuleChange(rule_id, "disabled", entry["reason"].strip(), span, old.file,
                                      old.span.line if old.span else None))
    return off, changes


def apply_examples(doc: Document, rules: list[Rule], tag: tuple[str, dict[str, Any]] | None,
                   gone: Gone | None = None) -> tuple[list[Rule], list[ExampleChange]]:
    """The rules with `doc`'s top-level `examples:` added: a new example of any rule, or, with
    `base: NAME`, the overlay's own expectation for that base example (its case and moment)."""
    by_id = {r.id: i for i, r in enumerate(rules)}
    out = list(rules)
    changes: list[ExampleChange] = []
    entries = doc.data.get("examples") if isinstance(doc.data.get("examples"), list) else []
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict) or not isinstance(entry.get("rule"), str) or not isinstance(entry.get("expect"), dict):
            continue   # the shape check said it
        path = ("examples", i)
        rule_id = entry["rule"]
        if rule_id in _disabled_ids(doc):
            doc.error("E329", doc.nearest_span(path + ("rule",)), None, detail=Phrase("overlay.example_disabled", id=rule_id))
            continue
        if rule_id not in by_id and rule_id in (gone or {}):
            said_gone(doc, doc.nearest_span(path + ("rule",)), rule_id, gone or {}, Phrase("overlay.what_example"))
            continue
        if rule_id not in by_id:
            close = did_you_mean(rule_id, set(by_id), cutoff=0.6)
            doc.error("E323", doc.nearest_span(path + ("rule",)), ("did_you_mean", {"suggestion": close}) if close else None,
                      id=rule_id, base=str(doc.data.get("extends", "")).strip(), what=Phrase("overlay.what_example"))
            continue
        rule = out[by_id[rule_id]]
        example = _example(doc, entry, path, rule, tag)
        if example is None:
            continue
        if "base" not in entry and _named_again(doc, path, rule, example):
            continue
        kept = tuple(e for e in rule.examples if not ("base" in entry and e.name == example.name and e.case is example.case))
        out[by_id[rule_id]] = dataclasses.replace(rule, examples=kept + (example,))
        changes.append(ExampleChange(rule_id, example.name, "expected" if "base" in entry else "added", example.span))
    return out, changes


def _named_again(doc: Document, path: tuple[Any, ...], rule: Rule, example: Example) -> bool:
    """E314 at a new example named as one the rule has (the base's or this overlay's):
    `base: NAME` in a later overlay must find one example."""
    first = next((e for e in rule.examples if e.name == example.name), None)
    if first is None:
        return False
    line = first.span.line if first.span else 0
    where = Phrase("where.line", line=line) if first.file == example.file else \
        Phrase("where.file_line", file=first.file or str(doc.data.get("extends", "")).strip(), line=line)
    doc.error("E314", doc.nearest_span(path + ("name",)), ("example_names", {}), name=example.name, id=rule.id,
              first=where)
    return True


def said_gone(doc: Document, span: Any, rule_id: str, gone: Gone, what: Phrase) -> None:
    """E329 at a `disable:`, an override or an example naming a rule an earlier level of the chain disabled:
    where, and why (it used to read as if the rule did not exist)."""
    file, line, reason = gone[rule_id]
    doc.error("E329", span, None, detail=Phrase("overlay.disabled_by", what=what, id=rule_id, file=file, line=line,
                                                reason=reason))


def _disabled_ids(doc: Document) -> set[str]:
    entries = doc.data.get("disable") if isinstance(doc.data.get("disable"), list) else []
    return {e["rule"] for e in entries if isinstance(e, dict) and isinstance(e.get("rule"), str)}


def _example(doc: Document, entry: dict[str, Any], path: tuple[Any, ...], rule: Rule,
             tag: tuple[str, dict[str, Any]] | None) -> Example | None:
    span, where = doc.nearest_span(path), describe_path(path, doc.data)
    file, base_case = tag if tag is not None else (None, None)
    if "base" not in entry:
        if "name" not in entry or "case" not in entry:
            doc.error("E329", span, ("overlay_example_forms", {}), detail=Phrase("overlay.example_needs"))
            return None
        at = None if entry.get("at") is None else str(entry["at"])
        return Example(str(entry["name"]), entry["case"], at, entry["expect"], span, where, file, base_case)
    if any(k in entry for k in ("name", "case", "at")):
        doc.error("E329", span, ("overlay_example_forms", {}), detail=Phrase("overlay.example_both"))
        return None
    inherited = {e.name: e for e in rule.examples if e.file not in (None, file)}
    found = inherited.get(str(entry["base"]))
    if found is None:
        close = did_you_mean(str(entry["base"]), set(inherited), cutoff=0.6)
        doc.error("E329", doc.nearest_span(path + ("base",)), ("did_you_mean", {"suggestion": close}) if close else None,
                  detail=Phrase("overlay.no_base_example", id=rule.id, name=str(entry["base"])))
        return None
    return Example(found.name, found.case, found.at, entry["expect"], span, where, file, found.base_case)
