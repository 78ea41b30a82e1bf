"""Case documents -> the view rules read: every vocabulary path parsed once, each problem named.

A bad field never stops the other rules: it is reported with the case and the path, and
only the rules that read it give an error instead of a decision.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from .suggest import did_you_mean
from .typesys import Type
from .values import ValueError_, parse_timestamp
from .vocabulary import Field, Vocabulary

_YAML11_BOOLS = {"yes", "no", "on", "off", "y", "n", "true", "false"}


@dataclass(frozen=True, slots=True)
class FieldProblem:
    path: str
    detail: str
    hint: str | None = None


@dataclass
class ParsedCase:
    """One case, ready for every rule of every rulebook."""

    id: str
    view: dict[str, Any]
    now: datetime | None
    problems: list[FieldProblem] = field(default_factory=list)     # bad fields: located errors
    unknown: list[str] = field(default_factory=list)               # paths not in the vocabulary
    fatal: str | None = None                                       # the case cannot be read at all

    @property
    def bad_paths(self) -> frozenset[str]:
        return frozenset(p.path for p in self.problems)


def parse_case(doc: Any, vocabulary: Vocabulary, fallback_id: str = "?") -> ParsedCase:
    """`parse_case({"order": {...}}, vocab)` -> ParsedCase with a typed value for every path."""
    if not isinstance(doc, dict):
        return ParsedCase(fallback_id, {}, None, fatal=f"a case is a JSON object, not {_kind(doc)}")
    case_id = doc.get("id")
    case_id = str(case_id) if isinstance(case_id, (str, int)) and not isinstance(case_id, bool) else fallback_id
    parsed = ParsedCase(case_id, {}, None)
    if not isinstance(doc.get("order"), dict):
        parsed.fatal = "missing 'order'" if doc.get("order") is None else f"'order' must be an object, not {_kind(doc['order'])}"
        return parsed
    _walk(doc, "", vocabulary, parsed)
    now = parsed.view.get("now")
    parsed.now = now if isinstance(now, datetime) else None
    return parsed


def _walk(obj: dict[str, Any], prefix: str, vocabulary: Vocabulary, parsed: ParsedCase) -> None:
    for fld in vocabulary.children(prefix):
        key = fld.path.rpartition(".")[2]
        raw = obj.get(key)
        if fld.type.kind == "object":
            if raw is None:
                parsed.view[fld.path] = None
                _absent(fld.path, vocabulary, parsed)
            elif not isinstance(raw, dict):
                parsed.problems.append(FieldProblem(fld.path, f"must be an object, not {_kind(raw)}"))
                parsed.view[fld.path] = None
                _absent(fld.path, vocabulary, parsed)
            else:
                parsed.view[fld.path] = raw
                _walk(raw, fld.path, vocabulary, parsed)
            continue
        parsed.view[fld.path] = _field_value(fld, raw, parsed)
    known = {f.path.rpartition(".")[2] for f in vocabulary.children(prefix)}
    for key in obj:
        if key not in known:
            parsed.unknown.append(f"{prefix}.{key}" if prefix else str(key))


def _absent(prefix: str, vocabulary: Vocabulary, parsed: ParsedCase) -> None:
    """Every path under a missing object is null."""
    for path in vocabulary.paths():
        if path.startswith(prefix + "."):
            parsed.view[path] = None


def _field_value(fld: Field, raw: Any, parsed: ParsedCase) -> Any:
    if raw is None:
        return None
    try:
        return convert(fld, raw)
    except ValueError_ as exc:
        hint = None
        if fld.type.kind == "bool" and isinstance(raw, str) and raw.lower() in _YAML11_BOOLS:
            hint = "write true or false without quotes"
        elif fld.type.values is not None and isinstance(raw, str):
            close = did_you_mean(raw, fld.type.values, cutoff=0.6)
            hint = f"did you mean {close!r}?" if close else "one of: " + ", ".join(sorted(fld.type.values))
        parsed.problems.append(FieldProblem(fld.path, str(exc), hint))
        return None


def convert(fld: Field, raw: Any) -> Any:
    """A JSON/YAML value as the field's type, or ValueError_ saying what is wrong."""
    kind = fld.type.kind
    if kind == "money":
        return _money(fld, raw)
    if kind == "int":
        if isinstance(raw, bool) or not isinstance(raw, (int, Decimal)) or (isinstance(raw, Decimal) and raw != raw.to_integral_value()):
            raise ValueError_(f"{_shown(raw)} is not a whole number")
        value = int(raw)
        _bounds(fld, Decimal(value))
        return value
    if kind == "bool":
        if not isinstance(raw, bool):
            raise ValueError_(f"{_shown(raw)} is not true or false")
        return raw
    if kind == "timestamp":
        if not isinstance(raw, str):
            raise ValueError_(f"{_shown(raw)} is not a timestamp")
        try:
            return parse_timestamp(raw.strip())
        except ValueError_ as exc:
            raise ValueError_(f"{_shown(raw)}: {exc}") from None
    if kind == "list":
        return _list(fld.type, raw)
    if kind == "str":
        if not isinstance(raw, str):
            raise ValueError_(f"{_shown(raw)} is not text")
        if fld.type.values is not None and raw not in fld.type.values:
            raise ValueError_(f"{raw!r} is not a known {fld.en}")
        return raw
    raise ValueError_(f"unsupported field type {fld.type}")  # pragma: no cover


def _money(fld: Field, raw: Any) -> Decimal:
    if isinstance(raw, bool):
        raise ValueError_(f"{_shown(raw)} is not an amount")
    if isinstance(raw, int):
        value = Decimal(raw)
    elif isinstance(raw, Decimal):
        value = raw
    elif isinstance(raw, float):   # only from callers that parsed JSON themselves
        value = Decimal(repr(raw))
    elif isinstance(raw, str):
        text = raw.strip()
        if not text or not all(c in "0123456789.+-" for c in text) or text.count(".") > 1:
            raise ValueError_(f"{raw!r} is not an amount such as \"129.90\"")
        try:
            value = Decimal(text)
        except ArithmeticError:
            raise ValueError_(f"{raw!r} is not an amount such as \"129.90\"") from None
    else:
        raise ValueError_(f"{_shown(raw)} is not an amount")
    if not value.is_finite():
        raise ValueError_(f"{_shown(raw)} is not an amount")
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -fld.decimals and value != round(value, fld.decimals):
        raise ValueError_(f"{_shown(raw)} has more than {fld.decimals} decimals"
                          + (" (yuan are counted to the fen)" if fld.decimals == 2 else ""))
    _bounds(fld, value)
    return value


def _bounds(fld: Field, value: Decimal) -> None:
    if fld.minimum is not None and value < fld.minimum:
        raise ValueError_(f"{value} is below the minimum {fld.minimum}")
    if fld.maximum is not None and value > fld.maximum:
        raise ValueError_(f"{value} is above the maximum {fld.maximum}")


def _list(typ: Type, raw: Any) -> tuple[Any, ...]:
    if not isinstance(raw, list):
        raise ValueError_(f"{_shown(raw)} is not a list")
    if typ.item is not None and typ.item.kind == "str" and not all(isinstance(x, str) for x in raw):
        raise ValueError_("every item must be text")
    return tuple(raw)


def _kind(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "text", bool: "a boolean", type(None): "null"}.get(
        type(value), "a number")


def _shown(raw: Any) -> str:
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if isinstance(raw, (dict, list)):
        return _kind(raw)
    text = repr(raw) if isinstance(raw, str) else str(raw)
    return text if len(text) <= 60 else text[:57] + "..."
