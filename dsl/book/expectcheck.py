"""`rulebook check` of what an example expects against what its rule can give:

- E504, `expect: {version: v3}` naming no version of the rule;
- E505, `expect: {action: auto_aprove}` naming an action none of its versions or
  alternatives gives;
- E506, `expect: {outputs: {compensaton: …}}` naming no output of the rule.

Such an example can never pass, whatever its case; `rulebook test` fails it, `check` says
why at the name, with the rule's names. Which keys of `expect` name what of the rule is
said once, in `expected_names`, which the language server's go-to-definition follows too
(dsl/lsp/navigate.py). What the rule has is read from its model: a shop overlay's example
of a base's rule is checked against the rule as the overlay leaves it.
"""
from __future__ import annotations

from typing import Any, Iterator

from dsl.book.model import Rule, Rulebook
from dsl.book.schema import describe_path
from dsl.diagnostics import EXAMPLE_CODES, Phrase
from dsl.text.suggest import did_you_mean, one_slip
from dsl.text.yamlload import Document, KeyPath

Named = tuple[str, str, KeyPath, bool]   # (kind, name, where it is written, written as a key)
_CODES = {"version": "E504", "action": "E505", "output": "E506"}


def expected_names(expect: dict[str, Any], at: KeyPath) -> Iterator[Named]:
    """What an example's `expect` (at `at`) names of its rule: a version, an action, outputs."""
    for kind in ("version", "action"):
        if isinstance(expect.get(kind), str):
            yield kind, expect[kind], at + (kind,), False
    outputs = expect.get("outputs")
    for name in outputs if isinstance(outputs, dict) else ():
        yield "output", str(name), at + ("outputs", name), True


def rule_names(rule: Rule) -> dict[str, list[str]]:
    """The versions, actions and outputs a rule has, in the order written."""
    out: dict[str, list[str]] = {"version": [], "action": [], "output": []}
    for version in rule.versions:
        found = {"version": [version.name] if version.name else [],
                 "action": [a.action for a in version.actions], "output": [n for n, _ in version.outputs]}
        for kind, names in found.items():
            out[kind] += [n for n in names if n not in out[kind]]
    return out


def check_expectations(doc: Document, model: Rulebook) -> None:
    """E504-E506 for every example of `doc` (its rules' and a shop overlay's top-level
    ones), added to `doc.diagnostics` at the name the rule lacks."""
    by_id = {r.id: r for r in model.rules}
    broken = [d.span.line for d in doc.diagnostics
              if d.severity == "error" and d.code not in EXAMPLE_CODES and d.span and d.file in (None, doc.file)]
    for rule_id, path, expect in _examples(doc, model.overlay is not None):
        rule = by_id.get(rule_id)
        own = path[:2] if path[0] == "rules" else _written_at(doc, rule)
        if rule is None or (path[0] == "rules" and not _built_from(doc, rule, own)):
            continue   # a rule turned off, refused or defined twice: said where it is
        if own is not None and any(line in _lines(doc, own) for line in broken):
            continue   # the rule has errors of its own: what it gives may be missing from the model
        names = rule_names(rule)
        for kind, name, at, key in expected_names(expect, path + ("expect",)):
            if name not in names[kind]:
                _lacks(doc, rule, kind, name, at, key, names[kind])


def _examples(doc: Document, overlay: bool) -> Iterator[tuple[str, KeyPath, dict[str, Any]]]:
    """(rule id, path, example) of the examples written in `doc`."""
    data = doc.data if isinstance(doc.data, dict) else {}
    rules = data.get("rules") if isinstance(data.get("rules"), list) else []
    for i, raw in enumerate(rules):
        examples = raw.get("examples") if isinstance(raw, dict) and isinstance(raw.get("id"), str) else None
        for j, example in enumerate(examples if isinstance(examples, list) else []):
            if isinstance(example, dict) and isinstance(example.get("expect"), dict):
                yield raw["id"], ("rules", i, "examples", j), example["expect"]
    entries = data.get("examples") if overlay and isinstance(data.get("examples"), list) else []
    for j, entry in enumerate(entries):
        if isinstance(entry, dict) and isinstance(entry.get("rule"), str) and isinstance(entry.get("expect"), dict):
            yield entry["rule"], ("examples", j), entry["expect"]


def _built_from(doc: Document, rule: Rule, path: KeyPath | None) -> bool:
    """Whether the model's `rule` is the one written at `path` of `doc`."""
    return path is not None and rule.file in (None, doc.file) and rule.span is not None and rule.span == doc.span_of(path)


def _lines(doc: Document, path: KeyPath) -> range:
    """The lines (1-based) the node at `path` is written on."""
    node = doc.nodes.get(path)
    if node is None:
        return range(0)
    end = node.end_mark.line + (1 if node.end_mark.column > 0 else 0)   # a block ends at the next line's start
    return range(node.start_mark.line + 1, max(end, node.start_mark.line + 1) + 1)


def _written_at(doc: Document, rule: Rule | None) -> KeyPath | None:
    """Where in `doc` the model's `rule` is written (None: in a base, or not at all)."""
    rules = doc.data.get("rules") if isinstance(doc.data, dict) and isinstance(doc.data.get("rules"), list) else []
    return next((("rules", i) for i in range(len(rules)) if rule is not None and _built_from(doc, rule, ("rules", i))), None)


def _lacks(doc: Document, rule: Rule, kind: str, name: str, at: KeyPath, key: bool, names: list[str]) -> None:
    close = did_you_mean(name, names, cutoff=0.6) or one_slip(name, names)
    known = Phrase(f"expect.{kind}s", names=", ".join(names)) if names else Phrase(f"expect.no_{kind}s")
    doc.error(_CODES[kind], doc.nearest_span(at, key=key), ("did_you_mean", {"suggestion": close}) if close else None,
              describe_path(at, doc.data), name=name, id=rule.id, known=known)
