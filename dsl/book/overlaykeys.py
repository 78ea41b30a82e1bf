"""The keys only a shop overlay may use (`new_parameters`, `disable`, top-level `examples`,
a rule's `override` and `reason`): in a rulebook without `extends:` each is an error (E328),
never ignored: a platform rulebook with `disable:` would otherwise turn nothing off."""
from __future__ import annotations

from typing import Any

from dsl.text.yamlload import Document

TOP_KEYS = ("new_parameters", "disable", "examples")
RULE_KEYS = ("override", "reason")


def refuse_overlay_keys(doc: Document) -> None:
    """E328 at each overlay-only key of a rulebook that extends nothing."""
    data: dict[str, Any] = doc.data
    for key in TOP_KEYS:
        if key in data:
            doc.error("E328", doc.nearest_span((key,), key=True), ("overlay_extends", {}), key=key)
    rules = data.get("rules")
    for i, rule in enumerate(rules if isinstance(rules, list) else []):
        for key in (k for k in RULE_KEYS if isinstance(rule, dict) and k in rule):
            doc.error("E328", doc.nearest_span(("rules", i, key), key=True), ("overlay_extends", {}), key=key)
