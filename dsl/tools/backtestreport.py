"""What `rulebook backtest` prints: the text report in zh or en, the JSON report, and one
JSON line per changed or undecidable case and rule (`--changes FILE`).

Sentences come from the catalog ("backtest.*" and "whatif.*" in phrases.py); machine output
keeps the stable English tokens (transition kinds, "no match", "absent", "error").
"""
from __future__ import annotations

import json
from typing import Any

from dsl.diagnostics import Phrase
from dsl.lang.values import format_timestamp
from dsl.tools.backtest import BacktestResult, Change
from dsl.tools.diffreport import rejection_lines, word


def say(key: str, lang: str, **args: Any) -> str:
    """A piece of the backtest report from the catalog (dsl/phrases.py, "backtest.*")."""
    return Phrase("backtest." + key, **args).label("zh" if lang == "zh" else "en")


def render(r: BacktestResult, old: str, new: str, lang: str = "zh") -> str:
    lines = [f"--- {old}", f"+++ {new}"]
    lines += [say("removed", lang, rule=rule) for rule in r.removed]
    lines += [say("added", lang, rule=rule) for rule in r.added]
    lines += [say("read", lang, read=r.cases, judged=r.judged, rejected=r.rejected),
              say("of_judged", lang, judged=r.judged, changed=r.changed_cases, undecided=r.undecided_cases)]
    lines += r.unknown.lines(lang)   # the notices about the files are said on stderr, as eval says them
    lines += rejection_lines(r.rejections, r.rejected, lang)
    lines += _per_rule(r, lang) + _per_month(r, lang)
    return "\n".join(lines)


def _text(what: Any, lang: str) -> str:
    return what.label("zh" if lang == "zh" else "en") if isinstance(what, Phrase) else str(what)


def _rules(r: BacktestResult) -> list[str]:
    ranked = [rule for rule, _ in r.per_rule.most_common()]
    return ranked + sorted(rule for rule in r.undecided if rule not in r.per_rule)


def _per_rule(r: BacktestResult, lang: str) -> list[str]:
    rules = _rules(r)
    lines = [say("per_rule", lang)] if rules else []
    for rule in rules:
        lines.append(say("rule_changes", lang, rule=rule, n=r.per_rule[rule]))
        for (t_rule, kind, a, b), n in sorted(r.transitions.items(), key=lambda kv: (-kv[1], kv[0])):
            if t_rule == rule:
                lines.append(say("transition", lang, kind=say(f"kind.{kind}", lang), a=word(a, lang),
                                 b=word(b, lang), n=n))
        counts = r.undecided.get(rule)
        if counts:
            lines.append(say("undecided", lang, both=counts["both"], only_a=counts["only_a"], only_b=counts["only_b"]))
    return lines


def _per_month(r: BacktestResult, lang: str) -> list[str]:
    lines = [say("per_month", lang)] if r.months else []
    for month in sorted(r.months):
        c = r.months[month]
        shown = say("no_month", lang) if month == "-" else month   # JSON keeps "-"
        lines.append(say("month", lang, month=shown, cases=c["cases"], changed=c["changed"], undecided=c["undecided"]))
        for (rule, m), n in sorted(r.per_rule_month.items()):
            if m == month:
                lines.append(say("month_rule", lang, rule=rule, n=n))
    return lines


def to_json(r: BacktestResult, old: str, new: str, lang: str = "zh") -> dict[str, Any]:
    return {
        "old": old, "new": new, "added": r.added, "removed": r.removed,
        "cases": r.cases, "judged": r.judged, "rejected": r.rejected,
        "rejections": [{"source": s, "reason": why} for s, why in r.rejections],
        "changed_cases": r.changed_cases, "undecided_cases": r.undecided_cases,
        "per_rule": dict(r.per_rule),
        "transitions": [{"rule": rule, "transition": kind, "a": a, "b": b, "count": n}
                        for (rule, kind, a, b), n in sorted(r.transitions.items())],
        "undecided": {rule: {k: c[k] for k in ("only_a", "only_b", "both")} for rule, c in sorted(r.undecided.items())},
        "months": {m: {k: c[k] for k in ("cases", "changed", "undecided")} for m, c in sorted(r.months.items())},
        "per_rule_month": [{"rule": rule, "month": m, "count": n} for (rule, m), n in sorted(r.per_rule_month.items())],
        "notices": [{"where": where, "message": _text(what, lang)} for where, what in r.notices],
        **r.unknown.to_json(),
    }


def change_line(c: Change) -> str:
    """One JSON line of `--changes`: a case and rule that changed or that a side cannot decide."""
    return json.dumps({"case": c.case, "source": c.source, "month": c.month, "rule": c.rule, "transition": c.transition,
                       "a": c.a, "b": c.b,
                       "deadline_a": format_timestamp(c.deadline_a) if c.deadline_a else None,
                       "deadline_b": format_timestamp(c.deadline_b) if c.deadline_b else None,
                       "undecided": c.undecided}, ensure_ascii=False)
