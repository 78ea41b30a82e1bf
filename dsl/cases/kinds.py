"""What a case value of each field kind may be: one function per kind, the one definition.

`convert(fld, raw)` turns a raw JSON/YAML value into the field's value or raises BadValueError
saying what is wrong; `checked(fld, raw)` does the same with a FieldError that names the field
and a hint. The case view, the generated converters and decider (their fast paths only take
a shortcut on values these functions accept) and the readers (CSV cells) all come here.
The limits are the ones of `values` (MAX_NUMBER_DIGITS, MAX_AMOUNT_CHARS, ...).
"""
from __future__ import annotations

import re
from decimal import Decimal
from typing import Any, Callable, Final

from dsl.diagnostics import Phrase, kind_phrase
from dsl.lang.types import Type
from dsl.lang.values import AMOUNT_RE, BadValueError, parse_timestamp
from dsl.limits import MAX_AMOUNT_CHARS, MAX_NUMBER_DIGITS, MAX_TIMESTAMP_CHARS
from dsl.lang.semantics import FieldError, FieldProblem   # a bad field read is a notion of the language
from dsl.lang.vocabulary import Field

_YAML11_BOOLS: Final = frozenset({"yes", "no", "on", "off", "y", "n", "true", "false", "是", "否", "对", "错"})
_BARE_POINT: Final = re.compile(r"[+-]?([0-9]+\.|\.[0-9]+)").fullmatch   # "5." or ".5"
# The usual timestamp shapes, which a fast path may give to fromisoformat (see converters).
FAST_TIMESTAMP: Final = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?(Z|[+-][0-9]{2}:[0-9]{2})?").fullmatch


def checked(fld: Field, raw: Any) -> Any:
    """The exact conversion, with a FieldError naming the field, what is wrong and a hint."""
    try:
        return convert(fld, raw)
    except BadValueError as exc:
        raise FieldError(FieldProblem(fld.path, exc.problem, hint(fld, raw))) from None


def convert(fld: Field, raw: Any) -> Any:
    """A JSON/YAML value as the field's type, or BadValueError saying what is wrong."""
    check = KINDS.get(fld.type.kind)
    if check is None:  # pragma: no cover - the vocabulary's types are all in KINDS
        raise BadValueError(f"unsupported field type {fld.type}")
    return check(fld, raw)


def money(fld: Field, raw: Any) -> Decimal:
    """An amount: a JSON number or text such as "129.90", at most `fld.decimals` decimals, in bounds."""
    if isinstance(raw, bool):
        raise BadValueError(Phrase("case.not_amount", shown=shown(raw)))
    if isinstance(raw, int):
        value = Decimal(raw)
    elif isinstance(raw, Decimal):
        value = raw
    elif isinstance(raw, float):   # only from callers that parsed JSON themselves
        value = Decimal(repr(raw))
    elif isinstance(raw, str):
        text = raw.strip()
        if len(text) > MAX_AMOUNT_CHARS:
            raise BadValueError(Phrase("case.amount_too_long", shown=shown(raw)))
        if not AMOUNT_RE.fullmatch(text):
            raise BadValueError(Phrase("case.amount_form", shown=repr(raw)))
        value = Decimal(text)
    else:
        raise BadValueError(Phrase("case.not_amount", shown=shown(raw)))
    if not value.is_finite():
        raise BadValueError(Phrase("case.not_amount", shown=shown(raw)))
    if value and value.adjusted() >= MAX_NUMBER_DIGITS:   # `1e99999999`: a JSON number past any text's limit
        raise BadValueError(Phrase("case.amount_too_many_digits", shown=shown(raw), digits=MAX_NUMBER_DIGITS))
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -fld.decimals and value != round(value, fld.decimals):
        raise BadValueError(Phrase("case.decimals_fen", shown=shown(raw)) if fld.decimals == 2 else
                          Phrase("case.decimals", shown=shown(raw), decimals=fld.decimals))
    _bounds(fld, value)
    return value


def count(fld: Field, raw: Any) -> int:
    """A whole number of at most MAX_NUMBER_DIGITS digits, in bounds. A Decimal (a JSON number
    with a point or an exponent) is checked before int() of it: sNaN cannot be compared, int()
    of Infinity raises OverflowError, and `1e1000000` would build a million digits."""
    if isinstance(raw, bool) or not isinstance(raw, (int, Decimal)):
        raise BadValueError(Phrase("case.not_whole", shown=shown(raw)))
    if isinstance(raw, Decimal):
        if not raw.is_finite() or raw != raw.to_integral_value():
            raise BadValueError(Phrase("case.not_whole", shown=shown(raw)))
        if raw and raw.adjusted() >= MAX_NUMBER_DIGITS:
            raise BadValueError(Phrase("case.too_many_digits", digits=MAX_NUMBER_DIGITS))
    value = int(raw)
    _bounds(fld, Decimal(value))
    return value


def flag(fld: Field, raw: Any) -> bool:
    """true or false, nothing else (not 1, "yes" or "true")."""
    if not isinstance(raw, bool):
        raise BadValueError(Phrase("case.not_bool", shown=shown(raw)))
    return raw


def timestamp(fld: Field, raw: Any) -> Any:
    """ISO 8601 text (no offset: Beijing time), as an aware datetime in Beijing time."""
    if not isinstance(raw, str):
        raise BadValueError(Phrase("case.not_timestamp", shown=shown(raw)))
    if len(raw) > MAX_TIMESTAMP_CHARS:
        raise BadValueError(Phrase("case.timestamp_too_long", shown=shown(raw)))
    try:
        return parse_timestamp(raw.strip())
    except BadValueError as exc:
        raise BadValueError(Phrase("case.bad_timestamp", shown=shown(raw), detail=exc.problem)) from None


def text(fld: Field, raw: Any) -> str:
    """Text; for an enum, one of its values (a label is not the value: the hint says which)."""
    if not isinstance(raw, str):
        raise BadValueError(Phrase("case.not_text", shown=shown(raw)))
    if fld.type.values is not None and raw not in fld.type.values:
        raise BadValueError(Phrase("case.not_enum", shown=shown(raw), what=Phrase("pair", en=fld.en, zh=fld.zh)))
    return raw


def items(fld: Field, raw: Any) -> tuple[Any, ...]:
    """A list (of text, when the field says so), as a tuple."""
    typ: Type = fld.type
    if not isinstance(raw, list):
        raise BadValueError(Phrase("case.not_list", shown=shown(raw)))
    if typ.item is not None and typ.item.kind == "str" and not all(isinstance(x, str) for x in raw):
        raise BadValueError(Phrase("case.list_items_text"))
    return tuple(raw)


def obj(fld: Field, raw: Any) -> dict[str, Any]:
    """An object (its own fields are checked each by its kind)."""
    if not isinstance(raw, dict):
        raise BadValueError(Phrase("case.must_be_object", kind=kind_phrase(kind_of(raw))))
    return raw


KINDS: Final[dict[str, Callable[[Field, Any], Any]]] = {
    "money": money, "int": count, "bool": flag, "timestamp": timestamp, "str": text, "list": items, "object": obj,
}


def _bounds(fld: Field, value: Decimal) -> None:
    if fld.minimum is not None and value < fld.minimum:
        raise BadValueError(Phrase("case.below_min", shown=shown(value), limit=fld.minimum))
    if fld.maximum is not None and value > fld.maximum:
        raise BadValueError(Phrase("case.above_max", shown=shown(value), limit=fld.maximum))


def hint(fld: Field, raw: Any) -> Phrase | None:
    """What to write instead: true/false for a YAML 1.1 word, the code for an enum's label,
    a close enum value, else the values to choose from."""
    if fld.type.kind == "bool" and isinstance(raw, str) and raw.strip().lower() in _YAML11_BOOLS:
        return Phrase("case.hint_bool")
    if fld.type.kind == "money" and isinstance(raw, str) and _BARE_POINT(raw.strip()):
        text = raw.strip()   # "5." or ".5": digits on both sides of the point
        return Phrase("case.hint_amount", meant=text + "0" if text.endswith(".") else text.replace(".", "0.", 1))
    if fld.type.values is None or not isinstance(raw, str) or len(raw) > 100:
        return None
    code = label_code(fld, raw)
    if code is not None:
        return Phrase("case.hint_label", label=raw, value=code)
    from dsl.text.suggest import did_you_mean   # only for a bad enum value

    close = did_you_mean(raw, fld.type.values, cutoff=0.6)
    if close:
        return Phrase("case.hint_did_you_mean", suggestion=close)
    return Phrase("case.hint_one_of", options=", ".join(sorted(fld.type.values)))


def label_code(fld: Field, text: str) -> str | None:
    """The enum value whose zh or en label is `text` (`质量问题` -> `quality_issue`), when
    exactly one value has that label."""
    wanted = text.strip().casefold()
    codes = {v for v, zh, en in fld.value_labels if wanted in (zh.casefold(), en.casefold())}
    return codes.pop() if len(codes) == 1 else None


def kind_of(value: Any) -> str:
    """The JSON kind of a value, as the catalog names it ("an object", "text", ...)."""
    return {dict: "an object", list: "a list", str: "text", bool: "a boolean", type(None): "null"}.get(
        type(value), "a number")


def shown(raw: Any) -> str:
    """A raw value as a message shows it: short, and never a 4,300-digit str() failure."""
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if isinstance(raw, (dict, list)):
        return kind_phrase(kind_of(raw))   # a Phrase: "a list" / "列表" in the message's language
    if isinstance(raw, int) and raw.bit_length() > 1000:   # str() refuses past 4300 digits
        return f"a number of about {int(raw.bit_length() * 0.30103) + 1} digits"
    value = repr(raw) if isinstance(raw, str) else str(raw)
    return value if len(value) <= 60 else value[:57] + "..."
