"""Case documents -> the values rules read, each converted once, on first read.

A case is opened cheaply (`open_case`): only the fields a rule actually reads are parsed,
and each is parsed once and shared by every rule. A bad value raises `FieldError` when a
rule reads it, so only that rule gives an error; `validate()` converts every known field
to report all problems of a case (what `rulebook eval` does).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Callable

from .errors import Phrase, kind_phrase
from .typesys import Type
from .values import ValueError_, parse_timestamp
from .vocabulary import Field, Vocabulary

_YAML11_BOOLS = {"yes", "no", "on", "off", "y", "n", "true", "false"}
_FAST_TIMESTAMP = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?(Z|[+-][0-9]{2}:[0-9]{2})?").fullmatch


@dataclass(frozen=True)
class FieldProblem:
    path: str
    detail: str
    hint: str | None = None


class FieldError(Exception):
    """A rule read a field whose value is bad; carries the problem."""

    def __init__(self, problem: FieldProblem):
        super().__init__(f"{problem.path}: {problem.detail}")
        self.problem = problem


Converter = Callable[[dict[str, Any]], Any]


class CaseView(dict):  # type: ignore[type-arg]
    """Parsed values keyed by path (`order.paid_amount`), converted from the document on first read."""

    __slots__ = ("doc", "converters", "problems")

    def __init__(self, doc: dict[str, Any], converters: dict[str, Converter]):
        super().__init__()
        self.doc = doc
        self.converters = converters
        self.problems: dict[str, FieldProblem] = {}

    def __missing__(self, path: str) -> Any:
        problem = self.problems.get(path)
        if problem is not None:
            raise FieldError(problem)
        return self.convert(path)

    def convert(self, path: str) -> Any:
        """Convert and keep the value at `path`; a problem is kept too (under the bad path and
        this one), then raised."""
        try:
            value = self.converters[path](self.doc)
        except FieldError as exc:
            self.problems.setdefault(exc.problem.path, exc.problem)
            self.problems[path] = exc.problem
            raise
        self[path] = value
        return value

    def get(self, path: str, default: Any = None) -> Any:  # type: ignore[override]
        try:
            return self[path]
        except (FieldError, KeyError):
            return default


@dataclass
class ParsedCase:
    """One case, ready for every rule of every rulebook."""

    id: str
    view: CaseView | dict[str, Any]
    now: datetime | None = None
    fatal: str | None = None                                       # the case cannot be read at all
    unknown: list[str] = field(default_factory=list)               # paths not in the vocabulary
    vocabulary: Vocabulary | None = None
    validated: bool = False

    @property
    def problems(self) -> list[FieldProblem]:
        view = self.view
        if not isinstance(view, CaseView):
            return []
        seen: dict[str, FieldProblem] = {}
        for problem in view.problems.values():
            seen.setdefault(problem.path, problem)
        return list(seen.values())

    def validate(self) -> ParsedCase:
        """Convert every known field (collecting each problem) and list the unknown ones."""
        if self.validated or self.fatal or not isinstance(self.view, CaseView) or self.vocabulary is None:
            return self
        view = self.view
        for path in view.converters:
            if path not in view and path not in view.problems:
                try:
                    view.convert(path)
                except FieldError:
                    pass   # kept in view.problems
        self.unknown = _unknown_keys(view.doc, "", self.vocabulary)
        self.validated = True
        return self


def open_case(doc: Any, vocabulary: Vocabulary, fallback_id: str = "?") -> ParsedCase:
    """A case whose fields are converted when first read. `fatal` says why it cannot be used."""
    if not isinstance(doc, dict):
        return ParsedCase(fallback_id, {}, fatal=Phrase("case.not_object", kind=kind_phrase(_kind(doc))))
    case_id = doc.get("id")
    case_id = str(case_id) if isinstance(case_id, (str, int)) and not isinstance(case_id, bool) else fallback_id
    order = doc.get("order")
    if not isinstance(order, dict):
        fatal = Phrase("case.missing_order") if order is None else Phrase("case.order_not_object", kind=kind_phrase(_kind(order)))
        return ParsedCase(case_id, {}, fatal=fatal)
    from .converters import converters_for

    view = CaseView(doc, converters_for(vocabulary))
    now = view.get("now")
    return ParsedCase(case_id, view, now if isinstance(now, datetime) else None, vocabulary=vocabulary)


def parse_case(doc: Any, vocabulary: Vocabulary, fallback_id: str = "?") -> ParsedCase:
    """`parse_case({"order": {...}}, vocab)`: open the case and validate every field."""
    return open_case(doc, vocabulary, fallback_id).validate()


# -- conversion ------------------------------------------------------------------------------

def _checked(fld: Field, raw: Any) -> Any:
    """The slow, exact conversion with a message naming what is wrong."""
    try:
        return convert(fld, raw)
    except ValueError_ as exc:
        raise FieldError(FieldProblem(fld.path, exc.problem, _hint(fld, raw))) from None


def _hint(fld: Field, raw: Any) -> Phrase | None:
    """What to write instead: true/false for a YAML 1.1 word, the code for an enum's label,
    a close enum value, else the values to choose from."""
    if fld.type.kind == "bool" and isinstance(raw, str) and raw.strip().lower() in _YAML11_BOOLS | {"是", "否", "对", "错"}:
        return Phrase("case.hint_bool")
    if fld.type.values is None or not isinstance(raw, str) or len(raw) > 100:
        return None
    code = label_code(fld, raw)
    if code is not None:
        return Phrase("case.hint_label", label=raw, value=code)
    from .suggest import did_you_mean

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


_MAX_COUNT_DIGITS = 30   # as caseio refuses longer JSON integers


def convert(fld: Field, raw: Any) -> Any:
    """A JSON/YAML value as the field's type, or ValueError_ saying what is wrong."""
    kind = fld.type.kind
    if kind == "money":
        return _money(fld, raw)
    if kind == "int":
        if isinstance(raw, bool) or not isinstance(raw, (int, Decimal)):
            raise ValueError_(Phrase("case.not_whole", shown=_shown(raw)))
        # A Decimal (a JSON number with a point or an exponent) is checked before int() of it:
        # sNaN cannot be compared, int() of Infinity raises OverflowError, and `1e1000000`
        # would build a million digits. (An int is taken as it is, as on the fast path.)
        if isinstance(raw, Decimal):
            if not raw.is_finite() or raw != raw.to_integral_value():
                raise ValueError_(Phrase("case.not_whole", shown=_shown(raw)))
            if raw and raw.adjusted() >= _MAX_COUNT_DIGITS:
                raise ValueError_(Phrase("case.too_many_digits", digits=_MAX_COUNT_DIGITS))
        value = int(raw)
        _bounds(fld, Decimal(value))
        return value
    if kind == "bool":
        if not isinstance(raw, bool):
            raise ValueError_(Phrase("case.not_bool", shown=_shown(raw)))
        return raw
    if kind == "timestamp":
        if not isinstance(raw, str):
            raise ValueError_(Phrase("case.not_timestamp", shown=_shown(raw)))
        if len(raw) > 64:
            raise ValueError_(Phrase("case.timestamp_too_long", shown=_shown(raw)))
        try:
            return parse_timestamp(raw.strip())
        except ValueError_ as exc:
            raise ValueError_(Phrase("case.bad_timestamp", shown=_shown(raw), detail=exc.problem)) from None
    if kind == "list":
        return _list(fld.type, raw)
    if kind == "str":
        if not isinstance(raw, str):
            raise ValueError_(Phrase("case.not_text", shown=_shown(raw)))
        if fld.type.values is not None and raw not in fld.type.values:
            raise ValueError_(Phrase("case.not_enum", shown=_shown(raw), what=Phrase("pair", en=fld.en, zh=fld.zh)))
        return raw
    if kind == "object":
        if not isinstance(raw, dict):
            raise ValueError_(Phrase("case.must_be_object", kind=kind_phrase(_kind(raw))))
        return raw
    raise ValueError_(f"unsupported field type {fld.type}")  # pragma: no cover


def _money(fld: Field, raw: Any) -> Decimal:
    if isinstance(raw, bool):
        raise ValueError_(Phrase("case.not_amount", shown=_shown(raw)))
    if isinstance(raw, int):
        value = Decimal(raw)
    elif isinstance(raw, Decimal):
        value = raw
    elif isinstance(raw, float):   # only from callers that parsed JSON themselves
        value = Decimal(repr(raw))
    elif isinstance(raw, str):
        text = raw.strip()
        if len(text) > 40:
            raise ValueError_(Phrase("case.amount_too_long", shown=_shown(raw)))
        if not re.fullmatch(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)", text):
            raise ValueError_(Phrase("case.amount_form", shown=repr(raw)))
        value = Decimal(text)
    else:
        raise ValueError_(Phrase("case.not_amount", shown=_shown(raw)))
    if not value.is_finite():
        raise ValueError_(Phrase("case.not_amount", shown=_shown(raw)))
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -fld.decimals and value != round(value, fld.decimals):
        raise ValueError_(Phrase("case.decimals_fen", shown=_shown(raw)) if fld.decimals == 2 else
                          Phrase("case.decimals", shown=_shown(raw), decimals=fld.decimals))
    _bounds(fld, value)
    return value


def _bounds(fld: Field, value: Decimal) -> None:
    if fld.minimum is not None and value < fld.minimum:
        raise ValueError_(Phrase("case.below_min", shown=_shown(value), limit=fld.minimum))
    if fld.maximum is not None and value > fld.maximum:
        raise ValueError_(Phrase("case.above_max", shown=_shown(value), limit=fld.maximum))


def _list(typ: Type, raw: Any) -> tuple[Any, ...]:
    if not isinstance(raw, list):
        raise ValueError_(Phrase("case.not_list", shown=_shown(raw)))
    if typ.item is not None and typ.item.kind == "str" and not all(isinstance(x, str) for x in raw):
        raise ValueError_(Phrase("case.list_items_text"))
    return tuple(raw)


def _unknown_keys(obj: dict[str, Any], prefix: str, vocabulary: Vocabulary) -> list[str]:
    out: list[str] = []
    known = vocabulary.keys_under(prefix)
    for key, value in obj.items():
        fld = known.get(key)
        path = f"{prefix}.{key}" if prefix else str(key)
        if fld is None:
            out.append(path)
        elif fld.type.kind == "object" and isinstance(value, dict):
            out.extend(_unknown_keys(value, path, vocabulary))
    return out


def _kind(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "text", bool: "a boolean", type(None): "null"}.get(
        type(value), "a number")


def _shown(raw: Any) -> str:
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if isinstance(raw, (dict, list)):
        return _kind(raw)
    if isinstance(raw, int) and raw.bit_length() > 1000:   # str() refuses past 4300 digits
        return f"a number of about {int(raw.bit_length() * 0.30103) + 1} digits"
    text = repr(raw) if isinstance(raw, str) else str(raw)
    return text if len(text) <= 60 else text[:57] + "..."
