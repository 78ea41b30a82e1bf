"""Raw platform API payloads -> case documents, by a mapping (mapping.py).

A document read from the input is a whole response page when the mapping's `items` path
holds a list in it (or its `item` path an object), else one item. Each item becomes one
case document, or is rejected naming the source field, the value and the mapping file:
an unknown code is never mapped to a default, a time that reads as milliseconds where
seconds are expected (or the other way) is refused, an amount is exact (fen / 100 in
Decimal, never through a float).
"""
from __future__ import annotations

import json
import re
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any, Final, Iterable, Iterator

from dsl.cases.inputs import CaseInput, FileNotice
from dsl.cases.mappingmodel import FieldSpec, Mapping, Reject
from dsl.diagnostics import Phrase
from dsl.lang.values import AMOUNT_RE, SHANGHAI

#: epoch seconds at or above this are milliseconds (year 5138); milliseconds below it are seconds
EPOCH_MS_FROM: Final = 10 ** 11
#: the epoch seconds an API's time may be: from 1970 (a negative count is no time a platform
#: records: `-5` became 1970-01-01T07:59:55 without a word) to the last second datetime holds
EPOCH_S_RANGE: Final = (0, 253402300799 - 8 * 3600)
#: a whole number is one a 64-bit integer holds, signed or not (what JSON readers, DuckDB's included, give exactly)
WHOLE_RANGE: Final = (-(2 ** 63), 2 ** 64 - 1)
DATETIME_TEXT: Final = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}")
_WHOLE: Final = re.compile(r"-?[0-9]{1,20}")
_STEP: Final = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)(?:\[(only|[0-9]+)\])?")


class ItemError(Exception):
    """An item the mapping cannot turn into a case; carries the catalogued reason."""

    def __init__(self, problem: Phrase):
        super().__init__(problem)
        self.problem = problem


def adapt_items(items: Iterable[Any], mapping: Mapping) -> Iterator[Any]:
    """The cases of every document read (`CaseInput`s of raw JSON), in order: a page gives
    one case per item, labelled `source#items[i]`; a rejected item is a `CaseInput` with
    the reason, so the batch reports it and goes on. Notices pass through."""
    for item in items:
        if isinstance(item, FileNotice) or not isinstance(item, CaseInput) or item.error is not None:
            yield item
            continue
        yield from adapt_document(item.doc, item.source, mapping)


def adapted_cases(name: str, adapter: Mapping, **reading: Any) -> Iterator[Any]:
    """The case documents a mapping makes of the raw API payloads of one file (`read_cases`'s options)."""
    from dsl.cases.readers import read_cases

    return adapt_items(read_cases(name, **reading), adapter)


def adapt_document(doc: Any, source: str, mapping: Mapping) -> Iterator[CaseInput]:
    """One document read: a page's items, or the document as one item."""
    try:
        found = page_items(doc, mapping)
    except ItemError as exc:
        yield CaseInput(source, error=_rejected(mapping, exc.problem))
        return
    if found is None:
        yield adapt_one(doc, source, mapping)
        return
    where, items = found
    for i, raw in enumerate(items):
        yield adapt_one(raw, f"{source}#{where}[{i}]" if where else source, mapping)


def page_items(doc: Any, mapping: Mapping) -> tuple[str, list[Any]] | None:
    """(label, items) when `doc` is a page, None when it is an item itself."""
    path = mapping.items or mapping.item
    if path is None or not isinstance(doc, dict) or path.split(".")[0].split("[")[0] not in doc:
        return None
    value = read_path(doc, path)
    if mapping.items is not None:
        parent = path.rpartition(".")[0]
        if value is None and parent and read_path(doc, parent) is None:   # {"code": 50002, "data": null}
            raise ItemError(Phrase("adapt.page_without", path=parent, keys=", ".join(map(str, doc))))
        if value is None:   # an empty page (Go SDKs write an empty list as null)
            return path, []
        if not isinstance(value, list):
            raise ItemError(Phrase("adapt.page_not_list", path=path))
        return path, value
    if not isinstance(value, dict):
        raise ItemError(Phrase("adapt.page_not_object", path=path))
    return "", [value]


def adapt_one(raw: Any, source: str, mapping: Mapping) -> CaseInput:
    try:
        return CaseInput(source, case_of(raw, mapping))
    except ItemError as exc:
        return CaseInput(source, error=_rejected(mapping, exc.problem))


def _rejected(mapping: Mapping, problem: Phrase) -> Phrase:
    return Phrase("adapt.rejected", mapping=mapping.label, detail=problem)


def case_of(raw: Any, mapping: Mapping) -> dict[str, Any]:
    """`case_of({"aftersale_info": {...}}, mapping)`: the case document of one item."""
    if not isinstance(raw, dict):
        raise ItemError(Phrase("adapt.item_not_object"))
    case: dict[str, Any] = {"id": None, "platform": mapping.platform, "order": {}}   # the usual order of keys
    for spec in mapping.fields:
        value = field_value(raw, spec, mapping)
        if value is not None:
            _put(case, spec.target, value)
    return {key: value for key, value in case.items() if value is not None}


def field_value(raw: dict[str, Any], spec: FieldSpec, mapping: Mapping) -> Any:
    """The case value of one field (None: absent), or ItemError naming the source field."""
    if spec.source is None:
        return spec.value
    value = read_path(raw, spec.source)
    if spec.zero_is_absent and (value == 0 or value == "0") and not isinstance(value, bool):
        value = None
    if value is None:
        if spec.required:
            raise ItemError(Phrase("adapt.missing", field=spec.source))
        return None
    try:
        return convert(value, spec, mapping)
    except (ValueError, ArithmeticError, OverflowError):
        raise ItemError(Phrase("adapt.bad_value", field=spec.source, value=_shown(value),
                               convert=Phrase("adapt.conv." + (spec.convert if spec.convert != "timestamp"
                                                               else "datetime"))))
    except ItemError as exc:
        if exc.problem.key in ("adapt.unknown_code", "adapt.rejected_code"):   # they name the field already
            raise
        raise ItemError(Phrase("adapt.in_field", field=spec.source, detail=exc.problem)) from None


def read_path(doc: dict[str, Any], path: str) -> Any:
    """The value at `a.b[only].c` (None when a step is absent or null); a step through
    something that is not an object, or an `[only]` list of another length, is an ItemError."""
    value: Any = doc
    for name, index, walked in _steps(path):
        if value is None:   # an absent (or null) step: the value is absent
            return None
        if type(value) is not dict:
            raise ItemError(Phrase("adapt.not_object", path=walked))
        value = value.get(name)
        if value is None or index is None:
            continue
        walked += f".{name}" if walked else name
        if not isinstance(value, list):
            raise ItemError(Phrase("adapt.not_list", path=walked))
        if index == "only" and len(value) != 1:
            raise ItemError(Phrase("adapt.not_one", path=walked, n=len(value)))
        position = 0 if index == "only" else int(index)
        value = value[position] if position < len(value) else None
    return value


@lru_cache(maxsize=1024)
def _steps(path: str) -> tuple[tuple[str, str | None, str], ...]:
    """`a.b[only]` -> (name, index, the path walked before the step), parsed once per path."""
    out, walked = [], ""
    for step in path.split("."):
        name, index = _STEP.fullmatch(step).groups()  # type: ignore[union-attr]  # checked when loaded
        out.append((name, index, walked))
        walked = f"{walked}.{name}" if walked else name
        walked += f"[{index}]" if index else ""
    return tuple(out)


def convert(value: Any, spec: FieldSpec, mapping: Mapping) -> Any:
    """One raw value by the field's converter (ValueError: not a value of its shape)."""
    name = spec.convert
    if name == "copy":
        return value
    if name == "code":
        return _code(value, spec, mapping)
    if name == "timestamp":
        return _any_time(value, spec.formats)
    return CONVERT[name](value)


def _code(value: Any, spec: FieldSpec, mapping: Mapping) -> Any:
    if not isinstance(value, str):
        value = _whole(value)   # a number code is a whole number a JSON reader holds exactly
    assert spec.table is not None
    meaning = mapping.tables[spec.table].get(str(value))
    if meaning is None:
        raise ItemError(Phrase("adapt.unknown_code", field=spec.source, code=_shown(value), table=spec.table))
    if isinstance(meaning, Reject):
        raise ItemError(Phrase("adapt.rejected_code", field=spec.source, code=_shown(value), table=spec.table,
                               reason=Phrase("pair", en=meaning.en, zh=meaning.zh)))
    return meaning


def _whole(value: Any) -> int:
    """A whole number: a JSON integer, or text of digits (platforms send ids and amounts both ways)."""
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, str) and _WHOLE.fullmatch(value):
        value = int(value)
    if isinstance(value, int) and WHOLE_RANGE[0] <= value <= WHOLE_RANGE[1]:
        return value
    raise ValueError(value)


def fen(value: Any) -> str:
    """129 fen -> "1.29": exact, as the case's yuan text."""
    return str(Decimal(_whole(value)).scaleb(-2))


def yuan(value: Any) -> str:
    """"129.90" or 129.90 (read as a Decimal, never a float) -> "129.90"."""
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal) and AMOUNT_RE.fullmatch(str(value)):   # not 1E+2, NaN
        return str(value)
    if isinstance(value, str) and AMOUNT_RE.fullmatch(value):
        return value
    raise ValueError(value)


def text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return str(_whole(value))


def _epoch(value: Any) -> int:
    """An epoch count: a whole number, never negative (no platform records a time before 1970)."""
    number = _whole(value)
    if number < 0:
        raise ItemError(Phrase("adapt.before_1970", value=number))
    return number


def epoch_s(value: Any) -> str:
    number = _epoch(value)
    if number >= EPOCH_MS_FROM:
        raise ItemError(Phrase("adapt.looks_ms", value=number))
    if number < EPOCH_S_RANGE[0]:
        raise ValueError(value)
    return datetime.fromtimestamp(number, SHANGHAI).isoformat()


def epoch_ms(value: Any) -> str:
    number = _epoch(value)
    if 0 < number < EPOCH_MS_FROM:
        raise ItemError(Phrase("adapt.looks_s", value=number))
    if not EPOCH_S_RANGE[0] * 1000 <= number <= EPOCH_S_RANGE[1] * 1000 + 999:
        raise ValueError(value)
    moment = datetime.fromtimestamp(number // 1000, SHANGHAI).replace(microsecond=number % 1000 * 1000)
    return moment.isoformat()


def beijing(value: Any) -> str:
    """"2026-11-05 09:00:00" (Beijing wall time) -> "2026-11-05T09:00:00+08:00"."""
    if not isinstance(value, str) or not DATETIME_TEXT.fullmatch(value):
        raise ValueError(value)
    return datetime.strptime(value, "%Y-%m-%d %H:%M:%S").replace(tzinfo=SHANGHAI).isoformat()


def _any_time(value: Any, formats: tuple[str, ...]) -> str:
    """The first of `formats` whose shape the value has (text of a date, or a whole number)."""
    if isinstance(value, str) and "datetime" in formats and DATETIME_TEXT.fullmatch(value):
        return beijing(value)
    for name in formats:
        if name != "datetime":
            return str(CONVERT[name](value))
    raise ValueError(value)


def _shown(value: Any) -> str:
    """A raw value in a message: text in quotes, anything else as JSON writes it."""
    if isinstance(value, str):
        shown = repr(value)
    elif isinstance(value, (bool, dict, list)):
        shown = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    else:
        shown = str(value)
    return shown if len(shown) <= 40 else shown[:37] + "..."


def _put(case: dict[str, Any], path: str, value: Any) -> None:
    parts = path.split(".")
    target = case
    for part in parts[:-1]:
        target = target.setdefault(part, {})
    target[parts[-1]] = value


CONVERT: Final = {"text": text, "int": _whole, "fen": fen, "yuan": yuan, "epoch_s": epoch_s, "epoch_ms": epoch_ms,
                  "datetime": beijing}

__all__ = ["EPOCH_MS_FROM", "EPOCH_S_RANGE", "WHOLE_RANGE", "ItemError", "adapt_document", "adapt_items", "adapted_cases", "case_of", "page_items", "read_path"]
