"""Shop overlays: a rulebook with `extends:` merged with the rulebook it builds on into one
ordinary model, so every command and every backend (Python, SQL) sees one rulebook.

The base is read as a document, not as a finished model: its rules are checked again with
the overlay's parameters (a window the overlay makes too large to compute is E212 at the
base's expression), and every diagnostic keeps the file it is about. A base may
itself be an overlay; the chain is read root first, a cycle is an error (E321).
"""
from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from dsl.book.loader import _parameters, build_notices, build_rules, param_scope, read_document, shaped
from dsl.book.model import Example, ParamDef, Rule, Rulebook, merge
from dsl.book.overlaykeys import refuse_overlay_keys
from dsl.book.overlayparts import Gone, apply_examples, apply_params, disabled, said_gone
from dsl.book.overlaymodel import Overlay, RuleChange
from dsl.book.overlaysource import file_path, resolve_base
from dsl.book.parammoney import check_param_values
from dsl.diagnostics import Phrase
from dsl.lang.checker import Scope
from dsl.lang.vocabulary import Vocabulary
from dsl.text.suggest import did_you_mean
from dsl.text.yamlload import Document


def build_overlay(doc: Document, vocabulary: Vocabulary, origin: Path | None = None) -> Rulebook | None:
    """The merged model of the overlay `doc` (its `extends:` read from `origin`, default the
    document's file); every problem, the bases' too, is added to `doc.diagnostics`."""
    origin = origin if origin is not None else file_path(doc.file)
    bases = _chain(doc, origin)
    if bases is None:
        return None
    levels = [*bases, doc]
    refuse_overlay_keys(levels[0])
    params: dict[str, ParamDef] = _parameters(levels[0], levels[0].data.get("parameters"))
    known = set(map(str, _mapping(levels[0].data.get("parameters"))))
    for level in levels[1:]:
        changes = apply_params(level, params, known, str(level.data["extends"]).strip())
    scope = param_scope(vocabulary, params, *(_mapping(lv.data.get(k)) for lv in levels
                                              for k in ("parameters", "new_parameters")))
    before = _errors(bases)
    rules = _tagged(build_rules(levels[0], scope), levels[0].file, _mapping(levels[0].data.get("base_case")))
    root_rules = list(rules)
    base_case = _mapping(levels[0].data.get("base_case"))
    gone: Gone = {}   # the rules a level of the chain disabled: a later level naming one is told where
    for level in levels[1:]:
        inherited = base_case
        base_case = merge(base_case, _mapping(level.data.get("base_case")))
        top = level is doc
        rules, rule_changes = _apply_rules(level, rules, scope, None if top else (level.file, base_case), gone)
        rules, example_changes = apply_examples(level, rules, None if top else (level.file, base_case), gone)
        gone.update({c.rule: (level.file, c.span.line if c.span else 0, c.reason or "")
                     for c in rule_changes if c.kind == "disabled"})
    broken = _errors(bases) - before
    # holiday notices of every level, the base's too, checked against the rules they may name
    # (a rule the overlay turns off may still be named by the base's notice)
    named = [*root_rules, *rules]
    notices = [n for level in levels for n in build_notices(level, scope, named)]
    # every level's values against every level's uses: a bad one in a base is the base's error
    broken += sum(d.file != doc.file for d in check_param_values(levels, params, scope.uses))
    if broken:   # the base's rules or values are wrong under this overlay: said at `extends:` too
        doc.error("E327", doc.nearest_span(("extends",)), None, base=str(doc.data["extends"]).strip(),
                  detail=Phrase("overlay.base_broken_by_params", n=broken))
    for base in bases:
        doc.diagnostics.extend(base.diagnostics)
    name = _mapping(doc.data.get("name")) or _mapping(levels[-2].data.get("name"))
    overlay = Overlay(str(doc.data.get("rulebook") or Path(doc.file).stem), doc.file, str(doc.data["extends"]).strip(),
                      tuple(b.file for b in reversed(bases)), tuple(changes), tuple(rule_changes),
                      tuple(example_changes), inherited)
    return Rulebook(str(levels[0].data.get("rulebook") or Path(levels[0].file).stem), doc.file, name.get("zh"),
                    name.get("en"), params, rules, base_case, doc.text, notices=notices, overlay=overlay,
                    texts={b.file: b.text for b in bases})


def _errors(docs: list[Document]) -> int:
    return sum(d.severity == "error" for doc in docs for d in doc.diagnostics)


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _tagged(rules: list[Rule], file: str, base_case: dict[str, Any]) -> list[Rule]:
    """Rules of a base: each, and each of its examples, says which file it is in; an example
    keeps the base case of the file it was written in."""
    def example(e: Example) -> Example:
        return e if e.file is not None else dataclasses.replace(e, file=file, base_case=base_case)
    return [dataclasses.replace(r, file=r.file or file, examples=tuple(map(example, r.examples))) for r in rules]


# -- the chain of bases ------------------------------------------------------------------------

def _chain(doc: Document, origin: Path | None) -> list[Document] | None:
    """The documents `doc` builds on, root first, each read and shape-checked; None when one
    cannot be found or read, has errors, or extends a file of the chain again."""
    bases: list[Document] = []
    seen = [str(origin.resolve())] if origin is not None else []
    current, where = doc, origin
    while "extends" in current.data:
        written = current.data["extends"]
        if not isinstance(written, str) or not written.strip():
            return _failed(doc, bases)          # the shape check said what `extends` expects
        path = _locate(current, written.strip(), where)
        if path is None:
            return _failed(doc, bases)
        key = str(path.resolve())
        if key in seen:
            names = [Path(s).name for s in seen[seen.index(key):]] + [path.name]
            current.error("E321", current.nearest_span(("extends",)), None, base=written.strip(),
                          chain=" → ".join(names))
            return _failed(doc, bases)
        base = read_document(path)
        if not shaped(base) or any(d.severity == "error" for d in base.diagnostics):
            if current is not doc:   # said in the file that extends it, and (by _failed) in `doc`
                _base_errors(current, [base])
            return _failed(doc, [base, *bases])
        bases.insert(0, base)
        seen.append(key)
        current, where = base, path
    return bases


def _failed(doc: Document, bases: list[Document]) -> None:
    """No model: the bases' problems are `doc`'s, summed up at its `extends:` (E327), where
    an editor that shows only this file's problems shows why."""
    _base_errors(doc, bases)
    for base in bases:
        doc.diagnostics.extend(base.diagnostics)
    return None


def _base_errors(doc: Document, bases: list[Document]) -> None:
    """E327 at `doc`'s `extends:` when its bases have errors: how many, and where the first is."""
    errors = sorted((d for base in bases for d in base.diagnostics if d.severity == "error"), key=lambda d: d.sort_key())
    if errors:
        first = f"{errors[0].file}:{errors[0].span.line if errors[0].span else 1}"
        doc.error("E327", doc.nearest_span(("extends",)), None, base=str(doc.data["extends"]).strip(),
                  detail=Phrase("overlay.base_errors", n=len(errors), first=first))


def _locate(doc: Document, written: str, origin: Path | None) -> Path | None:
    """The file `extends: written` names (overlaysource.resolve_base), else E320 at `extends:`."""
    path, why, hint = resolve_base(written, origin)
    if path is None:
        doc.error("E320", doc.nearest_span(("extends",)), hint, base=written, detail=why)
    return path


# -- rules ---------------------------------------------------------------------------------------

def _apply_rules(doc: Document, rules: list[Rule], scope: Scope, tag: tuple[str, dict[str, Any]] | None,
                 gone: Gone) -> tuple[list[Rule], list[RuleChange]]:
    """The rules after `doc`'s `disable:` and `rules:`: a rule of the base's id must say
    `override: true` (E322); `override` of an id the base lacks is E323."""
    base_label = str(doc.data["extends"]).strip()
    by_id = {r.id: r for r in rules}
    off, changes = disabled(doc, by_id, base_label, gone)
    raws = doc.data.get("rules") if isinstance(doc.data.get("rules"), list) else []

    def keep(index: int, raw: dict[str, Any]) -> bool:
        return _may_define(doc, index, raw, by_id, off, base_label, gone)

    built = build_rules(doc, scope, keep)
    if tag is not None:
        built = _tagged(built, *tag)
    merged = [r for r in rules if r.id not in off]
    position = {r.id: i for i, r in enumerate(merged)}
    for rule in built:
        index = next(i for i, raw in enumerate(raws) if isinstance(raw, dict) and raw.get("id") == rule.id)
        raw = raws[index]
        span = doc.nearest_span(("rules", index, "id"))
        if rule.id in position:
            old = by_id[rule.id]
            merged[position[rule.id]] = dataclasses.replace(rule, examples=rule.examples + old.examples)
            changes.append(RuleChange(rule.id, "overridden", str(raw.get("reason", "")), span, old.file,
                                      old.span.line if old.span else None))
        else:
            merged.append(rule)
            changes.append(RuleChange(rule.id, "added", None, span))
    return merged, changes


def _may_define(doc: Document, index: int, raw: dict[str, Any], by_id: dict[str, Rule], off: set[str],
                base_label: str, gone: Gone) -> bool:
    """Whether the overlay's rule at `index` is built: a redefinition needs `override: true`
    (and the schema a `reason`), an override needs a base rule to override."""
    rule_id, span = raw.get("id"), doc.nearest_span(("rules", index, "id"))
    if not isinstance(rule_id, str):
        return True
    if rule_id in by_id and raw.get("override") is not True:
        old = by_id[rule_id]
        where = f"{old.file}:{old.span.line}:{old.span.col}" if old.span else str(old.file)
        doc.error("E322", span, ("overlay_override", {"id": rule_id}), id=rule_id, base=base_label, where=where)
        return False
    if rule_id not in by_id and raw.get("override") is True and rule_id in gone:
        said_gone(doc, span, rule_id, gone, Phrase("overlay.what_override"))
        return False
    if rule_id not in by_id and raw.get("override") is True:
        close = did_you_mean(rule_id, set(by_id), cutoff=0.6)
        doc.error("E323", span, ("did_you_mean", {"suggestion": close}) if close else None,
                  id=rule_id, base=base_label, what=Phrase("overlay.what_override"))
        return False
    if rule_id in off:
        doc.error("E329", span, None, detail=Phrase("overlay.disabled_and_overridden", id=rule_id))
        return False
    return True
