"""Compare two rulebooks: their rules and parameters, and (over cases) their decisions.

Answers "what happens to our orders if this threshold moves from 300 to 500?" before
the change ships.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable, Iterable

from dsl.cases.inputs import CaseInput, FileNotice
from dsl.diagnostics import problem_text
from dsl.book.model import Rule, Version
from dsl.engine.results import RuleResult
from dsl.engine.python.runtime import CompiledRulebook, judged_at
from dsl.lang.unparse import const_text, unparse
from dsl.lang.values import SHANGHAI, format_timestamp, to_json
from dsl.limits import MAX_KEPT_REJECTIONS
from dsl.tools.unknownfields import UnknownFields

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




@dataclass(frozen=True)
class Decision:
    """What one rule decided for one case, as the diff compares it."""

    matched: bool
    action: str | None             # only when matched: an unmatched rule takes no action
    deadline: datetime | None
    outputs: tuple[tuple[str, Any], ...]
    error: str | None              # the rule could not decide (a bad field it reads)

    @property
    def label(self) -> str:
        """The word of a transition (`no match → approve`): `error`, `no match` or the action."""
        if self.error:
            return "error"
        return (self.action or "match") if self.matched else "no match"

    def to_json(self) -> dict[str, Any]:
        return {"matched": self.matched, "action": self.action,
                "deadline": format_timestamp(self.deadline) if self.deadline else None,
                "outputs": {k: to_json(v) for k, v in self.outputs}, "error": self.error}


def decision_of(r: RuleResult) -> Decision:
    """A rule that could not decide is `error`, never folded into `no match`."""
    if r.error or r.matched is None:
        return Decision(False, None, None, (), r.error or "cannot decide")
    return Decision(r.matched, r.action if r.matched else None, r.deadline if r.matched else None,
                    tuple(r.outputs.items()) if r.matched else (), None)


def label(d: Decision | None) -> str:
    return "absent" if d is None else d.label


def changed(a: Decision | None, b: Decision | None) -> bool:
    """A rule absent on one side is the same as one that does not match; two errors are the
    same (the case is undecidable on both sides); anything else differs in label, deadline or outputs."""
    la, lb = label(a), label(b)
    if {la, lb} <= {"absent", "no match"} or la == lb == "error":
        return False
    return la != lb or (a is not None and b is not None and (a.deadline, a.outputs) != (b.deadline, b.outputs))


@dataclass
class Row:
    """One case and rule whose decision changed or that one side could not decide."""

    case: str
    source: str
    rule: str
    a: Decision | None          # None: the rule is not in A
    b: Decision | None
    changed: bool

    def to_json(self) -> dict[str, Any]:
        return {"case": self.case, "source": self.source, "rule": self.rule, "changed": self.changed,
                "a": self.a.to_json() if self.a else None, "b": self.b.to_json() if self.b else None}


@dataclass
class DecisionDiff:
    """Counts of a diff over cases: read == compared + rejected, always."""

    cases: int = 0                  # read
    compared: int = 0
    rejected: int = 0
    rejections: list[tuple[str, str]] = field(default_factory=list)    # (source, reason), the first ones
    changed_cases: int = 0          # compared cases with at least one changed decision
    undecided_cases: int = 0        # compared cases where some rule errs on one side or both
    per_rule: Counter[str] = field(default_factory=Counter)
    transitions: Counter[tuple[str, str, str]] = field(default_factory=Counter)   # (rule, A, B)
    undecided: dict[str, Counter[str]] = field(default_factory=dict)   # rule -> only_a / only_b / both
    examples: dict[str, list[Row]] = field(default_factory=dict)
    undecided_examples: dict[str, list[Row]] = field(default_factory=dict)
    unknown: UnknownFields = field(default_factory=UnknownFields)   # cases naming fields the vocabulary lacks

    def reject(self, source: str, reason: str) -> None:
        self.rejected += 1
        if len(self.rejections) < MAX_KEPT_REJECTIONS:
            self.rejections.append((source, reason))

    def rules(self) -> list[str]:
        """Rules to report: those with changes (most first), then those with undecidable cases."""
        ranked = [rule for rule, _ in self.per_rule.most_common()]
        return ranked + [rule for rule in self.undecided if rule not in self.per_rule]

    def count(self, row: Row) -> None:
        if row.changed:
            self.per_rule[row.rule] += 1
            self.transitions[(row.rule, label(row.a), label(row.b))] += 1
            _keep(self.examples, row)
        side = {(True, True): "both", (True, False): "only_a", (False, True): "only_b"}.get(
            (bool(row.a and row.a.error), bool(row.b and row.b.error)))
        if side is not None:
            self.undecided.setdefault(row.rule, Counter())[side] += 1
            _keep(self.undecided_examples, row)


def _keep(table: dict[str, list[Row]], row: Row) -> None:
    kept = table.setdefault(row.rule, [])
    if len(kept) < MAX_EXAMPLES:
        kept.append(row)


def diff_decisions(a: CompiledRulebook, b: CompiledRulebook, items: Iterable[CaseInput | FileNotice],
                   at: datetime | None = None, lang: str = "zh",
                   on_row: Callable[[Row | tuple[str, str | None, str]], None] | None = None) -> DecisionDiff:
    """Evaluate both rulebooks over the cases (at one moment) and count every decision that changes.

    A rule only in one rulebook counts as changed where it matches (`absent → action`). A rule
    that cannot decide (a bad field it reads) is counted per side; a move into or out of
    `error` is a change. `on_row` gets every changed or undecidable row, and every rejected
    case as `(source, case id or None, reason)`: the complete list, where the counts keep only examples.
    """
    out = DecisionDiff()
    moment = at or datetime.now(SHANGHAI)
    for item in items:
        if isinstance(item, FileNotice):   # a CSV column that names no field: said after the run, with the rest
            out.unknown.notices.append(item)
            continue
        parsed = judge_case(out, a, b, item, at, moment, lang, on_row)
        if parsed is not None:
            out.unknown.add(item.source, parsed.id, parsed.validate().unknown)
    return out


def judge_case(out: DecisionDiff, a: CompiledRulebook, b: CompiledRulebook, item: CaseInput, at: datetime | None,
               moment: datetime, lang: str, on_row: Callable[[Row | tuple[str, str | None, str]], None] | None) -> Any:
    """Read, decide and count one case (or its rejection) into `out`: the Python engine's
    share of `diff_decisions`, and of `--engine duckdb` (diffsql.py) for the cases it shows.
    The case as A's vocabulary parsed it, when it was compared (its unknown fields)."""
    out.cases += 1
    if item.error:
        _rejected(out, on_row, item.source, None, problem_text(item.error, lang))
        return None
    pa, pb = a.parse(item.doc, item.source), b.parse(item.doc, item.source)
    if pa.fatal or pb.fatal:
        _rejected(out, on_row, item.source, None if pa.id == item.source else pa.id, problem_text(pa.fatal or pb.fatal, lang))
        return None
    out.compared += 1
    when = judged_at(pa, at, moment)
    ra, rb = a.evaluate(pa, when, lang, validate=False), b.evaluate(pb, when, lang, validate=False)
    decisions_a = {r.rule: decision_of(r) for r in ra.results}
    decisions_b = {r.rule: decision_of(r) for r in rb.results}
    any_change = any_error = False
    for rule in list(decisions_a) + [r for r in decisions_b if r not in decisions_a]:
        da, db = decisions_a.get(rule), decisions_b.get(rule)
        row = Row(ra.case, item.source, rule, da, db, changed(da, db))
        erred = bool(da and da.error) or bool(db and db.error)
        if not (row.changed or erred):
            continue
        any_change, any_error = any_change or row.changed, any_error or erred
        out.count(row)
        if on_row is not None:
            on_row(row)
    out.changed_cases += any_change
    out.undecided_cases += any_error
    return pa


def _rejected(out: DecisionDiff, on_row: Callable[..., None] | None, source: str, case: str | None,
              reason: str) -> None:
    out.reject(source, f"case {case}: {reason}" if case else reason)
    if on_row is not None:
        on_row((source, case, reason))
