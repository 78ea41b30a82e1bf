"""Compare two rulebooks: their rules and parameters, and (over cases) their decisions.

Answers "what happens to our orders if this threshold moves from 300 to 500?" before
the change ships.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Iterable

from .caseio import CaseInput
from .model import Rule, Version
from .runtime import CompiledRulebook
from .unparse import const_text, unparse
from .values import SHANGHAI, format_timestamp

MAX_EXAMPLES = 5


@dataclass
class RuleChange:
    rule: str
    lines: list[tuple[str, str, str]]     # (what, in A, in B)


@dataclass
class StructureDiff:
    only_a: list[str]
    only_b: list[str]
    params: list[tuple[str, str, str]]    # (name, in A, in B); "—" when absent
    rules: list[RuleChange]

    @property
    def same(self) -> bool:
        return not (self.only_a or self.only_b or self.params or self.rules)


def _version_lines(v: Version | None) -> dict[str, str]:
    if v is None:
        return {}
    out = {f"when[{i}]": unparse(c.tree) for i, c in enumerate(v.conditions)}
    out["action"] = " ; ".join((f"if {unparse(a.condition.tree)} then " if a.condition else
                                ("else " if len(v.actions) > 1 else "")) + a.action for a in v.actions)
    if v.deadline is not None:
        out["deadline"] = unparse(v.deadline.tree)
    for name, ref in v.outputs:
        out[f"outputs.{name}"] = unparse(ref.tree)
    if v.start or v.until:
        out["effective"] = f"{format_timestamp(v.start) if v.start else '…'} – {format_timestamp(v.until) if v.until else '…'}"
    return out


def _rule_lines(rule: Rule) -> dict[str, str]:
    out: dict[str, str] = {}
    if rule.versions_by is not None:
        out["versions_by"] = unparse(rule.versions_by.tree)
    for v in rule.versions:
        prefix = f"version {v.name}: " if v.name else ""
        out.update({prefix + k: t for k, t in _version_lines(v).items()})
    return out


def diff_structure(a: CompiledRulebook, b: CompiledRulebook) -> StructureDiff:
    ids_a, ids_b = a.rule_ids, b.rule_ids
    params: list[tuple[str, str, str]] = []
    for name in sorted(set(a.params) | set(b.params)):
        va = const_text(a.params[name]) if name in a.params else "—"
        vb = const_text(b.params[name]) if name in b.params else "—"
        if va != vb:
            params.append((name, va, vb))
    rules_b = {r.rule.id: r.rule for r in b.rules}
    changes: list[RuleChange] = []
    for compiled in a.rules:
        other = rules_b.get(compiled.rule.id)
        if other is None:
            continue
        la, lb = _rule_lines(compiled.rule), _rule_lines(other)
        lines = [(k, la.get(k, "—"), lb.get(k, "—")) for k in dict.fromkeys(list(la) + list(lb)) if la.get(k) != lb.get(k)]
        if lines:
            changes.append(RuleChange(compiled.rule.id, lines))
    return StructureDiff([i for i in ids_a if i not in ids_b], [i for i in ids_b if i not in ids_a], params, changes)


@dataclass
class DecisionDiff:
    cases: int = 0
    rejected: int = 0
    changed_cases: int = 0
    per_rule: Counter[str] = field(default_factory=Counter)
    transitions: Counter[tuple[str, str, str]] = field(default_factory=Counter)   # (rule, A, B)
    examples: dict[str, list[str]] = field(default_factory=dict)


def _decision(r: Any) -> str:
    if r.error:
        return "error"
    if not r.matched:
        return "no match"
    text = r.action or "match"
    if r.deadline is not None:
        text += f" @ {format_timestamp(r.deadline)}"
    return text


def diff_decisions(a: CompiledRulebook, b: CompiledRulebook, items: Iterable[CaseInput],
                   at: datetime | None = None) -> DecisionDiff:
    """Evaluate both rulebooks over the cases (at one moment) and count every decision that changes.

    A rule only in one rulebook counts as changed where it matches (`absent → action`).
    """
    out = DecisionDiff()
    moment = at or datetime.now(SHANGHAI)
    for item in items:
        out.cases += 1
        if item.error:
            out.rejected += 1
            continue
        pa, pb = a.parse(item.doc, item.source), b.parse(item.doc, item.source)
        if pa.fatal or pb.fatal:
            out.rejected += 1
            continue
        when = at or pa.now or moment
        ra, rb = a.evaluate(pa, when, validate=False), b.evaluate(pb, when, validate=False)
        decisions_a = {r.rule: _decision(r) for r in ra.results}
        decisions_b = {r.rule: _decision(r) for r in rb.results}
        changed = False
        for rule in list(decisions_a) + [r for r in decisions_b if r not in decisions_a]:
            da, db = decisions_a.get(rule, "absent"), decisions_b.get(rule, "absent")
            if da == db or {da, db} <= {"absent", "no match"}:
                continue
            changed = True
            out.per_rule[rule] += 1
            out.transitions[(rule, da.split(" @ ")[0], db.split(" @ ")[0])] += 1
            examples = out.examples.setdefault(rule, [])
            if len(examples) < MAX_EXAMPLES:
                examples.append(f"{ra.case}: {da} → {db}")
        out.changed_cases += changed
    return out


def render_structure(d: StructureDiff, name_a: str, name_b: str) -> str:
    if d.same:
        return f"{name_a} and {name_b} have the same rules and parameters"
    lines = [f"--- {name_a}", f"+++ {name_b}"]
    for rid in d.only_a:
        lines.append(f"- rule {rid} (only in {name_a})")
    for rid in d.only_b:
        lines.append(f"+ rule {rid} (only in {name_b})")
    if d.params:
        lines.append("parameters:")
        for name, va, vb in d.params:
            lines.append(f"  {name}: {va}  →  {vb}")
    for change in d.rules:
        lines.append(f"rule {change.rule}:")
        for what, va, vb in change.lines:
            lines.append(f"  {what}:")
            lines.append(f"    - {va}")
            lines.append(f"    + {vb}")
    return "\n".join(lines)


def render_decisions(d: DecisionDiff) -> str:
    lines = [f"{d.cases} case(s): {d.changed_cases} with a changed decision, {d.rejected} rejected"]
    for rule, n in d.per_rule.most_common():
        lines.append(f"  {rule}: {n} case(s) change")
        for (r, da, db), count in sorted(d.transitions.items()):
            if r == rule:
                lines.append(f"    {da} → {db}: {count}")
        for example in d.examples.get(rule, []):
            lines.append(f"    e.g. {example}")
    return "\n".join(lines)


def diff_to_json(s: StructureDiff, d: DecisionDiff | None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "only_a": s.only_a, "only_b": s.only_b,
        "parameters": [{"name": n, "a": va, "b": vb} for n, va, vb in s.params],
        "rules": [{"rule": c.rule, "changes": [{"what": w, "a": va, "b": vb} for w, va, vb in c.lines]} for c in s.rules],
    }
    if d is not None:
        out["decisions"] = {
            "cases": d.cases, "rejected": d.rejected, "changed_cases": d.changed_cases,
            "per_rule": dict(d.per_rule),
            "transitions": [{"rule": r, "a": a, "b": b, "count": n} for (r, a, b), n in sorted(d.transitions.items())],
            "examples": d.examples,
        }
    return out
