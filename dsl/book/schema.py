"""Validate a rulebook's shape against the JSON Schema shipped in the package.

jsonschema's own messages ("'manual review' is not of type array") never reach the user:
each error is turned into a catalogued E302 (or E306 for an unknown key) that says what the
key expects and how to write it, from the table of slots below.
"""
from __future__ import annotations

import json
import re
from decimal import Decimal
from functools import lru_cache
from importlib import resources
from typing import Any, Final, Iterator

from dsl.text.chars import INVISIBLE, ascii_for, char_name, suspicious
from dsl.diagnostics import Phrase
from dsl.text.suggest import did_you_mean, one_slip
from dsl.text.yamlload import YAML11_BOOL_WORDS, Document
from dsl.book.memo import Memo, content_key

# A key's place in a rulebook (its path with list indexes as `[]`, names chosen by the author
# as `*`) -> what it expects (a `slot.` phrase) and an example of it. Lookup takes the longest
# suffix of the place that is in the table.
SLOTS: Final[dict[str, tuple[str, str]]] = {
    "": ("slot.top", "rulebook: douyin"),
    "rulebook": ("slot.rulebook", "rulebook: douyin"),
    "name": ("slot.name", "name: {zh: 闪电退货, en: Lightning return}"),
    "name.zh": ("slot.label", "zh: 闪电退货"),
    "name.en": ("slot.label", "en: Lightning return"),
    "description": ("slot.text", "description: 一段说明"),
    "parameters": ("slot.parameters", "parameters: {max_amount: 300.00}"),
    "parameters.*": ("slot.parameter", "max_amount: 300.00"),
    "parameters.*.value": ("slot.parameter", "value: 300.00"),
    "parameters.*.[]": ("slot.parameter_item", "[seven_day_no_reason, dislike]"),
    "parameters.*.value.[]": ("slot.parameter_item", "value: [seven_day_no_reason, dislike]"),
    "parameters.*.zh": ("slot.text", "zh: 闪电退货金额上限"),
    "parameters.*.en": ("slot.text", "en: highest amount for lightning return"),
    "base_case": ("slot.base_case", "base_case: {order: {status: completed}}"),
    "rules": ("slot.rules", "rules: [{id: lightning_return, name: …, source: …, when: …, action: approve}]"),
    "rules.[]": ("slot.rule", "- {id: lightning_return, name: …, source: …, when: …, action: approve}"),
    "id": ("slot.id", "id: lightning_return"),
    "source": ("slot.source", 'source: {ref: "抖店公告 2026-03-01"}'),
    "source.seed": ("slot.text", "seed: 000-闪电退货.md"),
    "source.ref": ("slot.text", 'ref: "抖店公告 2026-03-01"'),
    "source.url": ("slot.text", "url: https://school.jinritemai.com/…"),
    "source.section": ("slot.text", "section: 闪电退货"),
    "source.note": ("slot.text", "note: 一段说明"),
    "when": ("slot.when", "when: order.paid_amount <= params.max_amount"),
    "when.[]": ("slot.condition", "- order.paid_amount <= params.max_amount"),
    "action": ("slot.action", "action: manual_review"),
    "action.[]": ("slot.alternative", "- {if: order.paid_amount > 300, then: manual_review}"),
    "if": ("slot.condition", "if: order.paid_amount > 300"),
    "then": ("slot.alt_action", "then: manual_review"),
    "else": ("slot.alt_action", "else: approve"),
    "deadline": ("slot.deadline", "deadline: aftersale.applied_at + 48h"),
    "outputs": ("slot.outputs", "outputs: {compensation: params.late_ship_compensation}"),
    "outputs.*": ("slot.expression", "compensation: params.late_ship_compensation"),
    "versions_by": ("slot.versions_by", "versions_by: order.paid_at"),
    "versions": ("slot.versions", "versions: [{version: v2023, from: 2023-09-13, when: …}]"),
    "versions.[]": ("slot.version", "- {version: v2023, from: 2023-09-13, when: …}"),
    "versions.[].version": ("slot.version_name", "version: v2023"),
    "from": ("slot.timestamp", "from: 2023-09-13T00:00:00+08:00"),
    "until": ("slot.timestamp", "until: 2023-09-13T00:00:00+08:00"),
    "examples": ("slot.examples", "examples: [{name: 299 元可以闪电退货, case: {…}, expect: {matched: true}}]"),
    "examples.[]": ("slot.example", "- {name: 299 元可以闪电退货, case: {order: {paid_amount: '299.00'}}, expect: {matched: true}}"),
    "examples.[].name": ("slot.example_name", "name: 299 元可以闪电退货"),
    "case": ("slot.case", "case: {order: {paid_amount: '299.00'}}"),
    "at": ("slot.timestamp", "at: 2026-11-05T09:00:00+08:00"),
    "expect": ("slot.expect", "expect: {matched: true, action: approve}"),
    "expect.matched": ("slot.expect_bool", "matched: true"),
    "expect.due": ("slot.expect_bool", "due: false"),
    "expect.action": ("slot.expect_action", "action: approve"),
    "expect.deadline": ("slot.expect_deadline", "deadline: 2026-11-07T09:00:00+08:00"),
    "expect.version": ("slot.expect_version", "version: v2023"),
    "expect.outputs": ("slot.expect_outputs", "outputs: {compensation: '3.00'}"),
    "expect.error": ("slot.expect_error", "error: true"),
    # holiday notices (book/notices.py)
    "notices": ("slot.notices", "notices: [{id: spring_festival_2026, name: …, source: …, window: …, effects: …}]"),
    "notices.[]": ("slot.notice", "- {id: spring_festival_2026, name: …, source: …, window: …, effects: …}"),
    "window": ("slot.window", "window: {by: order.paid_at, from: 2026-02-05T00:00:00+08:00, until: 2026-02-24T00:00:00+08:00}"),
    "by": ("slot.window_by", "by: order.paid_at"),
    "effects": ("slot.effects", "effects: {merchant_ship_timeout: {no_earlier_than: 2026-02-25T00:00:00+08:00}}"),
    "effects.*": ("slot.effect", "merchant_ship_timeout: {extend_by: 10d}"),
    "no_earlier_than": ("slot.timestamp", "no_earlier_than: 2026-02-25T00:00:00+08:00"),
    "extend_by": ("slot.extend_by", "extend_by: 10d"),
    "pause": ("slot.pause", "pause: {from: 2026-02-15T00:00:00+08:00, until: 2026-02-24T00:00:00+08:00}"),
    # shop overlays (dsl/book/overlay.py)
    "extends": ("slot.extends", "extends: douyin"),
    "new_parameters": ("slot.new_parameters", "new_parameters: {review_min_amount: 1000.00}"),
    "new_parameters.*": ("slot.parameter", "review_min_amount: 1000.00"),
    "new_parameters.*.value": ("slot.parameter", "value: 1000.00"),
    "new_parameters.*.[]": ("slot.parameter_item", "[seven_day_no_reason, dislike]"),
    "new_parameters.*.value.[]": ("slot.parameter_item", "value: [seven_day_no_reason, dislike]"),
    "new_parameters.*.zh": ("slot.text", "zh: 大额审核金额下限"),
    "new_parameters.*.en": ("slot.text", "en: lowest amount reviewed by hand"),
    "disable": ("slot.disable", "disable: [{rule: lightning_return, reason: 本店不开通闪电退货}]"),
    "disable.[]": ("slot.disable_entry", "- {rule: lightning_return, reason: 本店不开通闪电退货}"),
    "rule": ("slot.rule_ref", "rule: lightning_return"),
    "reason": ("slot.reason", "reason: 店长 2026-03 决定"),
    "override": ("slot.override", "override: true"),
    "base": ("slot.base_example", "base: 300.00 exactly is within the limit"),
}
# Names of this pattern; a value that misses it gets the nearest such name as its example.
SNAKE: Final = re.compile(r"[a-z][a-z0-9_]*")
_SNAKE_SLOTS: Final = {"rulebook", "id", "action", "then", "else"}
_AUTHOR_NAMED: Final = {"parameters", "outputs", "effects", "new_parameters"}   # their keys are names the author chose


# The YAML key a definition of the schema is written under, to say where a stray key belongs.
_HOLDERS: Final = {"rule": "rules", "version": "versions", "example": "examples", "expect": "expect",
                   "source": "source", "bilingual": "name", "parameter": "parameters", "action": "action",
                   "notice": "notices", "window": "window", "effect": "effects",
                   "disable_entry": "disable", "overlay_example": "examples"}


@lru_cache(maxsize=1)
def key_holders() -> dict[str, list[str]]:
    """`'seed'` -> `['source']`: under which keys each key of the schema is written ('rulebook': the top)."""
    schema = rulebook_schema()
    out: dict[str, list[str]] = {key: ["rulebook"] for key in schema.get("properties", {})}

    def walk(node: Any, holder: str) -> None:
        if isinstance(node, dict):
            for key in node.get("properties", {}):
                out.setdefault(key, [])
                if holder not in out[key]:
                    out[key].append(holder)
            for name, value in node.items():
                for child in (value.values() if name == "properties" else (value,)):
                    walk(child, holder)
        elif isinstance(node, list):
            for value in node:
                walk(value, holder)

    for name, definition in schema.get("$defs", {}).items():
        if name in _HOLDERS:
            walk(definition, _HOLDERS[name])
    return out


@lru_cache(maxsize=1)
def rulebook_schema() -> dict[str, Any]:
    return json.loads(resources.files("dsl.book").joinpath("rulebook.schema.json").read_text(encoding="utf-8"))


def describe_path(path: tuple[Any, ...], data: Any = None) -> Phrase:
    """`('rules', 2, 'when')` -> "rule 'lightning_return' (rules[2].when)", in either language."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    rule_id = None
    if len(path) >= 2 and path[0] == "rules" and isinstance(data, dict):
        rules = data.get("rules")
        if isinstance(rules, list) and isinstance(path[1], int) and path[1] < len(rules) and isinstance(rules[path[1]], dict):
            rule_id = rules[path[1]].get("id")
    if rule_id:
        return Phrase("where.rule", id=rule_id, path=text)
    return Phrase("where.path", path=text) if text else Phrase("where.top")


def place_of(path: tuple[Any, ...]) -> str:
    """`('rules', 0, 'examples', 1, 'name')` -> 'rules.[].examples.[].name'; author-chosen names -> '*'."""
    parts: list[str] = []
    for i, part in enumerate(path):
        if isinstance(part, int):
            parts.append("[]")
        elif i > 0 and path[i - 1] in _AUTHOR_NAMED and parts[-1] in _AUTHOR_NAMED:
            parts.append("*")
        else:
            parts.append(str(part))
    return ".".join(parts)


def slot_of(path: tuple[Any, ...]) -> tuple[str, str | None]:
    """What the key at `path` expects (a phrase key) and an example, by the longest known suffix."""
    parts = place_of(path).split(".") if path else []
    for start in range(len(parts) + 1):
        suffix = ".".join(parts[start:])
        if suffix in SLOTS and (suffix or not parts):
            return SLOTS[suffix]
    return "slot.any", None


def snake_case(text: str) -> str | None:
    """`Lightning-Return` -> `lightning_return`; None when nothing usable is left."""
    words = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", text.strip())
    out = re.sub(r"[^a-z0-9]+", "_", words.lower()).strip("_")
    return out if SNAKE.fullmatch(out) else None


def validate_shape(doc: Document) -> None:
    """Add one diagnostic per schema violation to `doc.diagnostics`, located in the file."""
    for error, prefix in shape_errors(doc.data):
        if _report_source(doc, error, prefix + tuple(error.absolute_path)):
            continue
        deepest = _deepest(error)
        _report(doc, deepest, prefix + tuple(deepest.absolute_path))


_RULE_ERRORS: Memo[list[Any]] = Memo(2048)
_TOP_ERRORS: Memo[list[Any]] = Memo(16)   # an error about the whole document holds all its data


def shape_errors(data: Any) -> Iterator[tuple[Any, tuple[Any, ...]]]:
    """The schema's errors of a rulebook's data, each with the path its own path is under.

    The same errors, in the same order, as validating the whole document at once; but each
    rule is validated on its own and its errors remembered by its content, so a rule left
    unchanged since the last check is not validated again (validating is most of a check's
    time). The document's other keys are validated with `rules` taking any items; the
    schema's `rules` is its last property, so the rules' errors come last, as before."""
    top, rule = _validators()
    rules = data.get("rules") if isinstance(data, dict) else None
    if isinstance(data, dict):   # the rest of the document by its content, the rules by their kind
        rest = content_key({k: v for k, v in data.items() if k != "rules"}), "rules" in data, type(rules)
        yield from ((error, ()) for error in _TOP_ERRORS.get(rest, lambda: list(top.iter_errors(data))))
    else:
        yield from ((error, ()) for error in top.iter_errors(data))
    for index, raw in enumerate(rules if isinstance(rules, list) else []):
        errors = _RULE_ERRORS.get(content_key(raw), lambda: list(rule.iter_errors(raw)))
        yield from ((error, ("rules", index)) for error in errors)


@lru_cache(maxsize=1)
def _validators() -> tuple[Any, Any]:
    """The schema compiled once: the document without its rules' items, and one rule."""
    from jsonschema import Draft202012Validator          # imported only when validating

    schema = rulebook_schema()
    assert list(schema["properties"])[-1] == "rules" and schema["properties"]["rules"]["items"] == {"$ref": "#/$defs/rule"}
    top = {**schema, "properties": {**schema["properties"], "rules": {**schema["properties"]["rules"], "items": True}}}
    rule = {key: schema[key] for key in ("$schema", "$id", "$defs")} | {"$ref": "#/$defs/rule"}
    return Draft202012Validator(top), Draft202012Validator(rule)


SOURCE_FORMS = {"en": "write one of seed: FILE (a seed article), ref: TEXT (e.g. ref: 抖店公告 2026-03-01) "
                      "or url: https://…; section and note are optional",
                "zh": "请写 seed: 文件名（种子文章）、ref: 文字（例如 ref: 抖店公告 2026-03-01）"
                      "或 url: https://… 之一；section 和 note 可选"}


def _report_source(doc: Document, error: Any, path: tuple[Any, ...]) -> bool:
    """A rule's `source` naming none of seed/ref/url, or a blank one, or a url that is no web
    address: one E302 that shows the accepted forms (jsonschema would name only 'seed')."""
    on_source = len(path) >= 3 and path[0] == "rules" and (
        (path[-1] == "source" and error.validator == "anyOf") or
        (path[-2] == "source" and error.validator == "pattern"))
    if not on_source:
        return False
    where = describe_path(path, doc.data)
    en, zh = (where.label("en"), where.label("zh")) if isinstance(where, Phrase) else (str(where), str(where))
    if error.validator == "anyOf":
        detail = Phrase("pair", en=f"{en}: needs one of 'seed', 'ref' or 'url'", zh=f"{zh}：需要 'seed'、'ref' 或 'url' 之一")
    elif path[-1] == "url":
        detail = Phrase("pair", en=f"{en}: {error.instance!r} is not a web address (it must start with http:// or https://)",
                        zh=f"{zh}：{error.instance!r} 不是网址（必须以 http:// 或 https:// 开头）")
    else:
        detail = Phrase("pair", en=f"{en} is empty", zh=f"{zh} 为空")
    doc.error("E302", doc.nearest_span(path), ("text", SOURCE_FORMS), detail=detail)
    return True




def _deepest(error: Any) -> Any:
    """For oneOf/anyOf: the error of the branch the author evidently meant, else the error itself.

    A branch failing deeper down (a typo inside a list of alternatives) is the one meant; a
    mapping missing a key names the key; a mapping with a key no branch knows (`zn:` beside
    a parameter's `value:`) names that key; otherwise the value itself has the wrong shape.
    """
    from jsonschema.exceptions import best_match

    if not error.context:
        return error
    depth = len(error.absolute_path)
    deeper = [e for e in error.context if len(e.absolute_path) > depth]
    if deeper:
        return _deepest(best_match(deeper))
    if isinstance(error.instance, dict):
        for kind in ("required", "additionalProperties"):
            found = [e for e in error.context if e.validator == kind]
            if found:
                return found[0]
    return error


def _report(doc: Document, error: Any, path: tuple[Any, ...]) -> None:
    where = describe_path(path, doc.data)
    kind = error.validator
    if kind == "additionalProperties" and isinstance(error.instance, dict):
        _unknown_keys(doc, error, path, where)
        return
    instance = error.instance
    if kind == "type" and isinstance(instance, str) and instance.lower() in YAML11_BOOL_WORDS:
        return   # already reported by the loader as E307
    if kind == "required" and isinstance(instance, dict):
        for key in (k for k in error.validator_value if k not in instance):
            _missing(doc, path, where, key)
        return
    if kind == "dependentRequired" and isinstance(instance, dict):
        for key, others in error.validator_value.items():
            for other in (o for o in others if key in instance and o not in instance):
                doc.error("E302", doc.nearest_span(path + (key,), key=True), None,
                          detail=Phrase("shape.needs", where=where, key=key, other=other))
        return
    if kind == "pattern" and path[-1:] in (("from",), ("until",)) and _read_by_loader(doc.data, path):
        return   # the version's bound is read and reported (E106, with why) by the loader
    if "propertyNames" in error.relative_schema_path:   # a parameter or output name
        _bad_name(doc, path, where, str(instance))
        return
    _wrong_value(doc, path, where, instance, kind, error.validator_value)


def _read_by_loader(data: Any, path: tuple[Any, ...]) -> bool:
    """True when the rule at `path` is one the loader reads (its id is text), so it reports this too."""
    try:
        return isinstance(data[path[0]][path[1]]["id"], str)
    except (KeyError, IndexError, TypeError):
        return False


def _wrong_value(doc: Document, path: tuple[Any, ...], where: Phrase, instance: Any, kind: str, rule: Any) -> None:
    expected, example = slot_of(path)
    place = place_of(path)
    key = next((p for p in reversed(path) if isinstance(p, str)), None)
    meant = snake_case(instance) if isinstance(instance, str) else None
    if meant and key and any(place == s or place.endswith("." + s) for s in _SNAKE_SLOTS):
        example = f"{key}: {meant}"
    hint: tuple[str, dict[str, Any]] | None = None
    if kind == "enum":
        hint = ("schema_enum", {"options": ", ".join(map(str, rule))})
    elif kind == "const":
        hint = ("schema_enum", {"options": str(rule)})
    elif key == "id" and example:
        hint = ("snake_case", {"example": example})
    elif key == "source" and path[-1] == "source":
        hint = ("missing_source", {})
    elif example:
        hint = ("shape_example", {"example": example})
    doc.error("E302", doc.nearest_span(path), hint,
              detail=Phrase("shape.value", where=where, expected=Phrase(expected), found=found(instance)))


def _missing(doc: Document, path: tuple[Any, ...], where: Phrase, key: str) -> None:
    expected, example = slot_of(path + (key,))
    hint: tuple[str, dict[str, Any]] | None = ("shape_example", {"example": example}) if example else None
    if key == "source" or path[-1:] == ("source",):   # also a source with none of seed/ref/url
        hint = ("missing_source", {})
    doc.error("E302", doc.nearest_span(path), hint,
              detail=Phrase("shape.missing", where=where, key=key, expected=Phrase(expected)))


def _bad_name(doc: Document, path: tuple[Any, ...], where: Phrase, name: str) -> None:
    owner = path[-1] if path else ""
    expected = "slot.parameter_name" if owner in ("parameters", "new_parameters") else "slot.output_name"
    meant = snake_case(name)
    hint = ("snake_name", {"example": meant or "max_amount"})
    doc.error("E302", doc.nearest_span(path + (name,), key=True), hint,
              detail=Phrase("shape.value", where=where, expected=Phrase(expected), found=found(name)))


def _unknown_keys(doc: Document, error: Any, path: tuple[Any, ...], where: Phrase) -> None:
    allowed = set(error.schema.get("properties", {}))
    for key in error.instance:
        if key in allowed:
            continue
        suggestion = did_you_mean(str(key), allowed, cutoff=0.6) or one_slip(str(key), allowed)
        here = path[-2] if len(path) > 1 and isinstance(path[-1], int) else (path[-1] if path else "rulebook")
        holders = [h for h in key_holders().get(str(key), []) if h not in (here, "rulebook")]
        hint = ("did_you_mean", {"suggestion": suggestion}) if suggestion else \
            ("yaml_belongs", {"key": key, "holders": ", ".join(f"{h}:" for h in holders)}) if holders else \
            ("schema_enum", {"options": ", ".join(sorted(allowed))})
        odd = [ch for ch in str(key) if suspicious(ch)]
        if odd:
            meant = "".join(ascii_for(ch) or ch for ch in str(key) if ch not in INVISIBLE)
            hint = ("text", {"en": f"the key contains {char_name(odd[0])} ({odd[0]!r}): write {meant!r}",
                             "zh": f"键中含有 {char_name(odd[0])}（{odd[0]!r}）：请写 {meant!r}"})
        doc.error("E306", doc.nearest_span(path + (key,), key=True), hint, key=key, where=where)


def found(value: Any) -> Phrase:
    """What the author wrote, described in words: "the text 'manual review'", "an empty list"."""
    if value is None:
        return Phrase("found.null")
    if isinstance(value, bool):
        return Phrase("found.bool", value="true" if value else "false")
    if isinstance(value, (int, Decimal, float)):
        return Phrase("found.number", value=value)
    if isinstance(value, str):
        return Phrase("found.text", value=value) if value else Phrase("found.empty_text")
    if isinstance(value, list):
        return Phrase("found.list", n=len(value)) if value else Phrase("found.empty_list")
    return Phrase("found.mapping") if value else Phrase("found.empty_mapping")
