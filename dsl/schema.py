"""Validate a rulebook's shape against the JSON Schema shipped in the package."""
from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any

from .chars import INVISIBLE, ascii_for, char_name, suspicious
from .suggest import did_you_mean
from .yamlload import YAML11_BOOL_WORDS, Document


@lru_cache(maxsize=1)
def rulebook_schema() -> dict[str, Any]:
    return json.loads(resources.files("dsl").joinpath("rulebook.schema.json").read_text(encoding="utf-8"))


def describe_path(path: tuple[Any, ...], data: Any = None) -> str:
    """`('rules', 2, 'when')` -> "rules[2].when (rule 'lightning_return')"."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    rule_id = None
    if len(path) >= 2 and path[0] == "rules" and isinstance(data, dict):
        rules = data.get("rules")
        if isinstance(rules, list) and isinstance(path[1], int) and path[1] < len(rules) and isinstance(rules[path[1]], dict):
            rule_id = rules[path[1]].get("id")
    return f"rule {rule_id!r} ({text})" if rule_id else (text or "the top level")


def validate_shape(doc: Document) -> None:
    """Add one diagnostic per schema violation to `doc.diagnostics`, located in the file."""
    from jsonschema import Draft202012Validator          # imported only when validating
    from jsonschema.exceptions import best_match

    validator = Draft202012Validator(rulebook_schema())
    for error in validator.iter_errors(doc.data):
        if _report_source(doc, error):
            continue
        if error.context:
            error = best_match(error.context) or error
        _report(doc, error, validator)


SOURCE_FORMS = {"en": "write one of seed: FILE (a seed article), ref: TEXT (e.g. ref: 抖店公告 2026-03-01) "
                      "or url: https://…; section and note are optional",
                "zh": "请写 seed: 文件名（种子文章）、ref: 文字（例如 ref: 抖店公告 2026-03-01）"
                      "或 url: https://… 之一；section 和 note 可选"}


def _report_source(doc: Document, error: Any) -> bool:
    """A rule's `source` naming none of seed/ref/url, or a blank one, or a url that is no web
    address: one E302 that shows the accepted forms (jsonschema would name only 'seed')."""
    path = tuple(error.absolute_path)
    on_source = len(path) >= 3 and path[0] == "rules" and (
        (path[-1] == "source" and error.validator == "anyOf") or
        (path[-2] == "source" and error.validator == "pattern"))
    if not on_source:
        return False
    where = describe_path(path, doc.data)
    if error.validator == "anyOf":
        detail = f"{where}: needs one of 'seed', 'ref' or 'url'"
    elif path[-1] == "url":
        detail = f"{where}: {error.instance!r} is not a web address (it must start with http:// or https://)"
    else:
        detail = f"{where} is empty"
    doc.error("E302", doc.nearest_span(path), ("text", SOURCE_FORMS), detail=detail)
    return True


def _report(doc: Document, error: Any, validator: Any) -> None:
    path = tuple(error.absolute_path)
    where = describe_path(path, doc.data)
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = set(error.schema.get("properties", {}))
        for key in error.instance:
            if key not in allowed:
                suggestion = did_you_mean(str(key), allowed, cutoff=0.6)
                hint = ("did_you_mean", {"suggestion": suggestion}) if suggestion else \
                    ("schema_enum", {"options": ", ".join(sorted(allowed))})
                odd = [ch for ch in str(key) if suspicious(ch)]
                if odd:
                    meant = "".join(ascii_for(ch) or ch for ch in str(key) if ch not in INVISIBLE)
                    hint = ("text", {"en": f"the key contains {char_name(odd[0])} ({odd[0]!r}): write {meant!r}",
                                     "zh": f"键中含有 {char_name(odd[0])}（{odd[0]!r}）：请写 {meant!r}"})
                doc.error("E306", doc.nearest_span(path + (key,), key=True), hint, key=key, where=where)
        return
    instance = error.instance
    if error.validator == "type" and isinstance(instance, str) and instance.lower() in YAML11_BOOL_WORDS:
        return   # already reported by the loader as E307
    if error.validator == "required":
        missing = [k for k in error.validator_value if not isinstance(instance, dict) or k not in instance]
        detail = f"{where}: missing required key {missing[0]!r}" if missing else f"{where}: {error.message}"
        doc.error("E302", doc.nearest_span(path), None, detail=detail)
        return
    hint = None
    if error.validator == "enum":
        hint = ("schema_enum", {"options": ", ".join(map(str, error.validator_value))})
    detail = f"{where}: {_plain(error)}"
    doc.error("E302", doc.nearest_span(path), hint, detail=detail)


def _plain(error: Any) -> str:
    """jsonschema's message, shortened where it dumps whole objects."""
    instance = error.instance
    if error.validator == "type":
        expected = error.validator_value
        expected = " or ".join(expected) if isinstance(expected, list) else expected
        shown = type(instance).__name__ if isinstance(instance, (dict, list)) else repr(instance)
        return f"{shown} is not of type {expected}"
    if error.validator == "pattern":
        return f"{instance!r} does not match the pattern {error.validator_value}"
    if error.validator == "dependentRequired":
        return error.message
    message = error.message
    return message if len(message) < 200 else message[:200] + "…"
