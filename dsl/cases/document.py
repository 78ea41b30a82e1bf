"""Case documents -> the values rules read, each converted once, on first read.

A case is opened cheaply (`open_case`): only the fields a rule actually reads are parsed,
and each is parsed once and shared by every rule. A bad value raises `FieldError` when a
rule reads it, so only that rule gives an error; `validate()` checks every known field
(what `rulebook eval` does): a clean case in one generated pass (`validator`), a case with
a problem field by field, to report each problem.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable

from dsl.cases.converters import converters_for
from dsl.diagnostics import Phrase, kind_phrase
from dsl.cases.kinds import FieldError, FieldProblem, kind_of
from dsl.cases.validator import validator_once_worth_it
from dsl.lang.vocabulary import Vocabulary

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
        clean = validator_once_worth_it(self.vocabulary)
        if clean is not None and not view.problems and clean(view.doc):
            self.validated = True   # every field holds a value of its kind and every key is known
            return self
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
        return ParsedCase(fallback_id, {}, fatal=Phrase("case.not_object", kind=kind_phrase(kind_of(doc))))
    case_id = doc.get("id")
    case_id = str(case_id) if isinstance(case_id, (str, int)) and not isinstance(case_id, bool) else fallback_id
    order = doc.get("order")
    if not isinstance(order, dict):
        fatal = Phrase("case.missing_order") if order is None else Phrase("case.order_not_object", kind=kind_phrase(kind_of(order)))
        return ParsedCase(case_id, {}, fatal=fatal)
    view = CaseView(doc, converters_for(vocabulary))
    platform = doc.get("platform")
    if type(platform) is str and not platform.strip() and "platform" in vocabulary.fields:
        # empty text names no platform: said (E402), and the case goes to every rulebook given
        view.problems["platform"] = FieldProblem("platform", Phrase("case.empty_platform"))  # type: ignore[arg-type]
    now = view.get("now")
    return ParsedCase(case_id, view, now if isinstance(now, datetime) else None, vocabulary=vocabulary)


def parse_case(doc: Any, vocabulary: Vocabulary, fallback_id: str = "?") -> ParsedCase:
    """`parse_case({"order": {...}}, vocab)`: open the case and validate every field."""
    return open_case(doc, vocabulary, fallback_id).validate()


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


__all__ = ["CaseView", "ParsedCase", "open_case", "parse_case"]
