"""The keys only a shop overlay may use (`new_parameters`, `disable`, top-level `examples`,
a rule's `override` and `reason`): in a rulebook without `extends:` each is an error (E328),
never ignored: a platform rulebook with `disable:` would otherwise turn nothing off."""
from __future__ import annotations

from typing import Any

from dsl.text.yamlload import Document

TOP_KEYS = ("new_parameters", "disable", "examples")
RULE_KEYS = ("override", "reason")


def _quiet(doc: Document, key: str) -> None:
    """Drop the shape problems inside a key that is refused as a whole: one error, not ten."""
    node = doc.nodes.get((key,))
    if node is None:
        return
    start = (node.start_mark.line + 1, node.start_mark.column + 1)
    end = (node.end_mark.line + 1, node.end_mark.column + 1)
    doc.diagnostics[:] = [d for d in doc.diagnostics if not (
        d.code in ("E302", "E306") and d.span is not None and start <= (d.span.line, d.span.col) < end)]


def refuse_overlay_keys(doc: Document) -> None:
    """E328 at each overlay-only key of a rulebook that extends nothing."""
    data: dict[str, Any] = doc.data
    for key in TOP_KEYS:
        if key in data:   # `examples:` there is more often a rule's, dedented by mistake
            _quiet(doc, key)
            hint = ("overlay_or_indent", {}) if key == "examples" else ("overlay_extends", {})
            doc.error("E328", doc.nearest_span((key,), key=True), hint, key=key)
    rules = data.get("rules")
    for i, rule in enumerate(rules if isinstance(rules, list) else []):
        for key in (k for k in RULE_KEYS if isinstance(rule, dict) and k in rule):
            doc.error("E328", doc.nearest_span(("rules", i, key), key=True), ("overlay_extends", {}), key=key)
