"""Holiday notices applied: each timer rule's deadline with the notices' effects folded in.

A notice (book/notices.py) moves the deadline of the cases in its window. The effect is
written into the deadline expression itself, so every backend computes the moved deadline
from one tree — the Python engine's generated code, its reference interpreter, DuckDB and
Spark alike — with the language's null and bad-value rules (a case without the window's
timestamp keeps its deadline; a bad one leaves the deadline undecided). Per notice, in file
order, with W the window (`by` in [from, until)) and D the deadline so far:

    no_earlier_than T:  if W and D < T then T else D
    extend_by N:        if W then D + N else D
    pause [A, B):       if W and D > A then D + (B - A) else D

The steps are kept, so an explanation can name the notice that moved a deadline and say
from what to what.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from typing import TYPE_CHECKING

from dsl.diagnostics import Phrase
from dsl.lang.values import format_duration, format_timestamp

if TYPE_CHECKING:   # a rulebook without notices (the warm cache's eval) imports neither parser nor checker
    from dsl.book.model import ExprRef, Rulebook, Version
    from dsl.book.notices import Effect, Notice
    from dsl.lang import ast
    from dsl.lang.checker import Scope
    from dsl.lang.vocabulary import Vocabulary


@dataclass(frozen=True)
class Step:
    """One notice's effect on one version's deadline: the trees before and after it."""

    notice: Notice
    effect: Effect
    before: ast.Expr
    after: ast.Expr


def _stamp(value: datetime) -> str:
    return format_timestamp(value)


def _moved_text(deadline: str, notice: Notice, effect: Effect) -> str:
    """The deadline expression `deadline` with one notice's effect, as expression text."""
    d, by = f"({deadline})", f"({notice.by.text.strip()})"
    window = [f"{by} >= {_stamp(notice.start)}"] if notice.start is not None else []
    window += [f"{by} < {_stamp(notice.until)}"] if notice.until is not None else []
    window = window or [f"{by} != null"]
    if effect.kind == "no_earlier_than":
        assert effect.at is not None
        test, then = window + [f"{d} < {_stamp(effect.at)}"], _stamp(effect.at)
    elif effect.kind == "extend_by":
        assert effect.by is not None
        test, then = window, f"{d} + {format_duration(effect.by)}"
    else:
        assert effect.start is not None and effect.until is not None
        test = window + [f"{d} > {_stamp(effect.start)}"]
        then = f"{d} + ({_stamp(effect.until)} - {_stamp(effect.start)})"
    return f"if {' and '.join(test)} then {then} else {d}"


def _typed(text: str, scope: Scope) -> ast.Expr:
    """The checked tree of a composed deadline; its parts were checked where they were written,
    so a problem here is a fault of this module, not of the rulebook."""
    from dsl.lang.checker import check_expr
    from dsl.lang.parser import parse_expr

    typed, diags = check_expr(parse_expr(text), scope)
    if diags:
        raise AssertionError(f"notice deadline does not check: {text}: {diags[0].message('en')}")
    return typed


def apply_notices(model: Rulebook, vocabulary: Vocabulary) -> tuple[Rulebook, dict[tuple[str, str | None], list[Step]]]:
    """A copy of `model` whose deadlines include its notices' effects, and the steps per
    (rule id, version name). A model without notices is returned as it is."""
    if not model.notices:
        return model, {}
    from dsl.lang.checker import Param, Scope

    scope = Scope(vocabulary, {n: Param(n, p.type, p.value) for n, p in model.params.items()})
    steps: dict[tuple[str, str | None], list[Step]] = {}
    rules = []
    for rule in model.rules:
        effects = [(n, e) for n in model.notices if (e := n.effect_for(rule.id)) is not None]
        if not effects:
            rules.append(rule)
            continue
        versions = tuple(_version(v, effects, scope, steps.setdefault((rule.id, v.name), [])) for v in rule.versions)
        rules.append(replace(rule, versions=versions))
    applied = copy.copy(model)
    applied.rules = rules
    return applied, steps


def _version(v: Version, effects: list[tuple[Notice, Effect]], scope: Scope, steps: list[Step]) -> Version:
    if v.deadline is None:
        return v
    text, tree = v.deadline.text.strip(), v.deadline.tree
    for notice, effect in effects:
        text = _moved_text(text, notice, effect)
        after = _typed(text, scope)
        steps.append(Step(notice, effect, tree, after))
        tree = after
    ref: ExprRef = replace(v.deadline, tree=tree)
    return replace(v, deadline=ref)


def effect_phrase(effect: Effect) -> Phrase:
    if effect.kind == "no_earlier_than":
        assert effect.at is not None
        return Phrase("notice.no_earlier_than", at=_stamp(effect.at))
    if effect.kind == "extend_by":
        assert effect.by is not None
        return Phrase("notice.extend_by", by=format_duration(effect.by))
    assert effect.start is not None and effect.until is not None
    return Phrase("notice.pause", start=_stamp(effect.start), until=_stamp(effect.until))


def _source_text(source: dict[str, Any]) -> str:
    parts = [str(source[k]) for k in ("ref", "seed", "url", "section") if source.get(k)]
    return ", ".join(parts)


def _covers(notice: Notice, moment: Any) -> bool:
    return isinstance(moment, datetime) and (notice.start is None or notice.start <= moment) \
        and (notice.until is None or moment < notice.until)


def notice_lines(steps: list[Step], value_of: Any, lang: str) -> list[str]:
    """The explanation's lines for a matched rule: each notice that covers the case, with
    the deadline before and after it (`value_of(tree)`: the tree's value for this case)."""
    lines = []
    for step in steps:
        notice = step.notice
        if not _covers(notice, value_of(notice.by.tree)):
            continue
        before, after = value_of(step.before), value_of(step.after)
        if not isinstance(before, datetime) or not isinstance(after, datetime):
            continue
        args = dict(id=notice.id, name=notice.name(lang), effect=effect_phrase(step.effect).label(lang),
                    before=_stamp(before))
        if after != before:
            lines.append(Phrase("notice.moved", source=_source_text(notice.source), after=_stamp(after),
                                **args).label(lang))
        else:
            lines.append(Phrase("notice.kept", **args).label(lang))
    return lines
