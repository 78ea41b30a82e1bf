"""Holiday notices: dated platform announcements that move the deadlines of timer rules.

Platforms change their timers around holidays by announcement (Douyin's 7-day waybill timer
says 节假日或疫情期间会调整时效; Taobao/Tmall's yearly Spring Festival notices: orders paid in
a window must ship by a fixed date, a timer extended from 10 to 20 days). A rulebook keeps
such announcements as data, in `notices:`; each has an id, a source, a window chosen by one
timestamp of the case, and per timer rule ONE effect on its deadline:

    no_earlier_than: T            the deadline is T when it would be earlier
    extend_by: N                  the deadline moves N later
    pause: {from: A, until: B}    the clock stops during [A, B): a deadline after A moves by B - A

This module reads and checks them (every problem located, E330); engine/notices.py applies
them to the deadlines and names the notice that moved one.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Callable

from dsl.book.model import ExprRef
from dsl.diagnostics import Phrase, Span
from dsl.lang.lower import duration_bound_phrase, within_bound
from dsl.lang.types import TIMESTAMP, Type
from dsl.lang.values import BadValueError, parse_duration, parse_timestamp, suggest_duration
from dsl.text.suggest import did_you_mean
from dsl.text.yamlload import Document, KeyPath

EFFECTS = ("no_earlier_than", "extend_by", "pause")

# (build, path, raw, want, what) -> a checked expression (loader._expr)
ExprReader = Callable[[Any, KeyPath, Any, "Type | None", str], "ExprRef | None"]


@dataclass(frozen=True)
class Effect:
    """What one notice does to one rule's deadline; `kind` is one of EFFECTS."""

    rule: str
    kind: str
    at: datetime | None = None          # no_earlier_than
    by: timedelta | None = None         # extend_by
    start: datetime | None = None       # pause from
    until: datetime | None = None       # pause until (exclusive)
    span: Span | None = None


@dataclass(frozen=True)
class Notice:
    """One platform announcement: the cases it covers (`by` in [start, until)) and its effects."""

    id: str
    name_zh: str
    name_en: str
    source: dict[str, Any]
    by: ExprRef
    start: datetime | None
    until: datetime | None
    effects: tuple[Effect, ...]
    description: str | None = None
    span: Span | None = None

    def name(self, lang: str = "en") -> str:
        return self.name_zh if lang == "zh" else self.name_en

    def effect_for(self, rule: str) -> Effect | None:
        return next((e for e in self.effects if e.rule == rule), None)


def read_notices(doc: Document, build: Any, expr: ExprReader, timers: dict[str, bool]) -> list[Notice]:
    """The `notices:` of the document, checked; `timers` says, per rule id, whether the rule
    has a deadline (an effect needs one)."""
    raw = doc.data.get("notices") if isinstance(doc.data, dict) else None
    out: list[Notice] = []
    seen: dict[str, Span | None] = {}
    for index, item in enumerate(raw if isinstance(raw, list) else []):
        path: KeyPath = ("notices", index)
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            continue   # the shape check said what is wrong
        notice = _notice(doc, build, expr, timers, path, item)
        if notice is None:
            continue
        if notice.id in seen:
            first = seen[notice.id]
            _error(doc, path + ("id",), notice.id, Phrase("notice.duplicate", line=first.line if first else 0))
            continue
        seen[notice.id] = notice.span
        out.append(notice)
    return out


def _error(doc: Document, path: KeyPath, notice: str, detail: Phrase, hint: tuple[str, dict[str, Any]] | None = None,
           key: bool = False) -> None:
    doc.error("E330", doc.nearest_span(path, key=key), hint, id=notice, detail=detail)


def _notice(doc: Document, build: Any, expr: ExprReader, timers: dict[str, bool], path: KeyPath,
            item: dict[str, Any]) -> Notice | None:
    notice_id = item["id"]
    window = item.get("window") if isinstance(item.get("window"), dict) else {}
    by = expr(build, path + ("window", "by"), window.get("by"), TIMESTAMP, "what.notice_by")
    start = read_timestamp(doc, path + ("window", "from"), window.get("from"))
    until = read_timestamp(doc, path + ("window", "until"), window.get("until"))
    reversed_window = start is not None and until is not None and until <= start
    if reversed_window:   # said, and the effects still read: every error of the notice in one run
        _error(doc, path + ("window",), notice_id, Phrase("notice.empty_window"))
    raw_effects = item.get("effects") if isinstance(item.get("effects"), dict) else {}
    effects = [_effect(doc, path + ("effects", rule), notice_id, str(rule), spec, timers)
               for rule, spec in raw_effects.items()]
    if by is None or reversed_window or None in effects or (window.get("from") is not None and start is None) \
            or (window.get("until") is not None and until is None):
        return None
    name = item.get("name") if isinstance(item.get("name"), dict) else {}
    return Notice(notice_id, str(name.get("zh", notice_id)), str(name.get("en", notice_id)),
                  item.get("source") if isinstance(item.get("source"), dict) else {}, by, start, until,
                  tuple(e for e in effects if e is not None), item.get("description"), doc.span_of(path))


def read_timestamp(doc: Document, path: KeyPath, raw: Any) -> datetime | None:
    """The timestamp written at `path` (None when absent); a bad one is E106 there, with an example."""
    if raw is None:
        return None
    try:
        return parse_timestamp(str(raw))
    except BadValueError as exc:
        doc.error("E106", doc.nearest_span(path), ("shape_example", {"example": f"{path[-1]}: 2023-09-13T00:00:00+08:00"}),
                  text=str(raw), detail=exc.args[0])
        return None


def _effect(doc: Document, path: KeyPath, notice: str, rule: str, spec: Any, timers: dict[str, bool]) -> Effect | None:
    """One rule's effect: the rule must exist and have a deadline; exactly one kind."""
    if rule not in timers:
        meant = did_you_mean(rule, set(timers))
        _error(doc, path, notice, Phrase("notice.unknown_rule", rule=rule),
               ("did_you_mean", {"suggestion": meant}) if meant else None, key=True)
        return None
    if not timers[rule]:
        _error(doc, path, notice, Phrase("notice.no_deadline", rule=rule), key=True)
        return None
    if not isinstance(spec, dict) or any(k not in EFFECTS for k in spec):
        return None   # the shape check reported it (E302, or E306 naming the unknown key)
    kinds = [k for k in EFFECTS if k in spec]
    if len(kinds) != 1:
        _error(doc, path, notice, Phrase("notice.one_effect", rule=rule, found=", ".join(kinds) or "-"),
               ("shape_example", {"example": f"{rule}: {{extend_by: 10d}}"}), key=True)
        return None
    kind, value = kinds[0], spec[kinds[0]]
    span = doc.nearest_span(path + (kind,))
    if kind == "extend_by":
        try:
            length = parse_duration(str(value))
        except BadValueError as exc:
            _bad_duration(doc, path + (kind,), notice, str(value), getattr(exc.problem, "key", "") == "value.duration_range")
            return None
        if not within_bound(length):   # the bound of every duration a rulebook uses (E212 elsewhere)
            _bad_duration(doc, path + (kind,), notice, str(value), too_long=True)
            return None
        return Effect(rule, kind, by=length, span=span)
    if kind == "no_earlier_than":
        at = read_timestamp(doc, path + (kind,), value)
        return Effect(rule, kind, at=at, span=span) if at is not None else None
    pause = value if isinstance(value, dict) else {}
    start = read_timestamp(doc, path + (kind, "from"), pause.get("from"))
    until = read_timestamp(doc, path + (kind, "until"), pause.get("until"))
    if start is None or until is None:
        return None
    if until <= start:
        _error(doc, path + (kind,), notice, Phrase("notice.empty_pause"))
        return None
    return Effect(rule, kind, start=start, until=until, span=span)


def _bad_duration(doc: Document, path: KeyPath, notice: str, text: str, too_long: bool) -> None:
    """E330 at an extend_by that is no duration (with the one meant, `10 days` → `10d`), or
    one too long to compute; not again where the shape check spoke (`-1d`: E302)."""
    span = doc.nearest_span(path)
    if any(d.span == span and d.code == "E302" for d in doc.diagnostics):
        return
    meant = None if too_long else suggest_duration(text)
    detail = Phrase("notice.duration_bound", text=text, detail=duration_bound_phrase()) if too_long \
        else Phrase("notice.bad_duration", text=text)
    _error(doc, path, notice, detail,
           ("did_you_mean", {"suggestion": meant}) if meant else ("shape_example", {"example": "extend_by: 10d"}))
