"""Run the rulebooks' examples as tests, and measure which rules and conditions they exercise."""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from .model import Example, Rulebook
from .results import RuleResult
from .runtime import CompiledRulebook, CompiledRule
from .values import SHANGHAI, ValueError_, format_timestamp, parse_timestamp, to_json


@dataclass
class ExampleOutcome:
    rulebook: str
    file: str
    rule: str
    example: Example
    passed: bool
    differences: list[str] = field(default_factory=list)
    result: RuleResult | None = None

    @property
    def location(self) -> str:
        span = self.example.span
        return f"{self.file}:{span.line}:{span.col}" if span else self.file

    @property
    def test_id(self) -> str:
        return f"{self.rulebook}::{self.rule}::{self.example.name}"


@dataclass
class Coverage:
    """Items an example suite should exercise, and which it did."""

    items: dict[str, bool] = field(default_factory=dict)

    def need(self, key: str) -> None:
        self.items.setdefault(key, False)

    def hit(self, key: str) -> None:
        self.items[key] = True

    @property
    def percent(self) -> float:
        return 100.0 if not self.items else 100.0 * sum(self.items.values()) / len(self.items)

    @property
    def missing(self) -> list[str]:
        return [k for k, v in self.items.items() if not v]


def merge(base: Any, change: Any) -> Any:
    """Deep merge: mappings merge key by key; anything else (lists, null) replaces."""
    if isinstance(base, dict) and isinstance(change, dict):
        out = dict(base)
        for key, value in change.items():
            out[key] = merge(base.get(key), value) if key in base else copy.deepcopy(value)
        return out
    return copy.deepcopy(change)


def run_examples(book: CompiledRulebook) -> tuple[list[ExampleOutcome], Coverage]:
    model = book.model
    outcomes: list[ExampleOutcome] = []
    coverage = Coverage()
    for rule in book.rules:
        _declare(coverage, rule)
        if not rule.rule.examples:
            continue
        for example in rule.rule.examples:
            outcomes.append(_run(book, model, rule, example, coverage))
    return outcomes, coverage


def _declare(coverage: Coverage, rule: CompiledRule) -> None:
    rid = rule.rule.id
    coverage.need(f"{rid}: an example that matches")
    coverage.need(f"{rid}: an example that does not match")
    for cv in rule.versions:
        tag = f"{rid}" + (f" version {cv.version.name}" if cv.version.name else "")
        if cv.version.name:
            coverage.need(f"{tag}: chosen by an example")
        for ref, _ in cv.conditions:
            coverage.need(f"{tag}: condition {ref.text.strip()!r} true in an example")
            coverage.need(f"{tag}: condition {ref.text.strip()!r} false in an example")
        if len(cv.alternatives) > 1:
            for alt, _ in cv.alternatives:
                coverage.need(f"{tag}: action {alt.action!r} chosen by a matching example")


def _run(book: CompiledRulebook, model: Rulebook, rule: CompiledRule, example: Example,
         coverage: Coverage) -> ExampleOutcome:
    rid = rule.rule.id
    outcome = ExampleOutcome(model.platform, model.file, rid, example, False)
    case = merge(model.base_case, example.case)
    case.setdefault("id", example.name)
    parsed = book.parse(_jsonish(case), example.name)
    if parsed.fatal:
        outcome.differences.append(f"the example's case cannot be read: {parsed.fatal}")
        return outcome
    parsed.validate()
    problems = [f"field {p.path}: {p.detail}" for p in parsed.problems]
    unknown = [f"unknown field {u!r} in the example's case" for u in parsed.unknown]
    try:
        at = parse_timestamp(example.at) if example.at else (parsed.now or datetime.now(SHANGHAI))
    except ValueError_ as exc:
        outcome.differences.append(f"bad 'at': {exc}")
        return outcome
    result = book.decide_rule(rule, parsed.view, at, lang="en")
    outcome.result = result
    if example.expect.get("error") in (None, False):   # a bad value is the point of an example expecting an error
        outcome.differences.extend(problems)
    outcome.differences.extend(unknown)                 # a typo never is (as `rulebook check`, E502)
    outcome.differences.extend(_compare(example.expect, result))
    outcome.differences.extend(_fast_path_agrees(book, rule, case, at, result))
    outcome.differences.extend(_interpreter_agrees(book, rule, parsed.view, at))
    outcome.passed = not outcome.differences
    if outcome.passed:
        _record(coverage, rule, parsed.view, at, result)
    return outcome


def _fast_path_agrees(book: CompiledRulebook, rule: CompiledRule, case: dict[str, Any], at: datetime,
                      slow: RuleResult) -> list[str]:
    """The one-pass decider must agree with the per-rule path on every example."""
    fast = book.evaluate(book.parse(_jsonish(case)), at, validate=False).result(rule.rule.id)
    got = (fast.matched, fast.action, fast.deadline, fast.due, fast.version, fast.outputs, bool(fast.error))
    want = (slow.matched, slow.action, slow.deadline, slow.due, slow.version, slow.outputs, bool(slow.error))
    return [] if got == want else [f"internal: the compiled one-pass decider gave {got}, the per-rule path {want}"]


def _interpreter_agrees(book: CompiledRulebook, rule: CompiledRule, view: Any, at: datetime) -> list[str]:
    """Every compiled condition must give what the reference interpreter gives."""
    from .cases import FieldError
    from .interpreter import Env, interpret

    env = Env(view, book.params, at)
    out = []
    for cv in rule.versions:
        for ref, fn in cv.conditions:
            try:
                compiled, reference = fn(view, at), interpret(ref.tree, env)
            except FieldError:
                continue
            if compiled != reference or type(compiled) is not type(reference):
                out.append(f"internal: {ref.text.strip()!r} compiled to {compiled!r}, the reference gives {reference!r}")
    return out


def _record(coverage: Coverage, rule: CompiledRule, view: dict[str, Any], at: datetime, result: RuleResult) -> None:
    rid = rule.rule.id
    coverage.hit(f"{rid}: an example that {'matches' if result.matched else 'does not match'}")
    cv, _ = rule.pick(view, at) if result.error is None else (None, None)
    if cv is None:
        return
    tag = f"{rid}" + (f" version {cv.version.name}" if cv.version.name else "")
    if cv.version.name:
        coverage.hit(f"{tag}: chosen by an example")
    for ref, fn in cv.conditions:
        value = fn(view, at)
        if value is True:
            coverage.hit(f"{tag}: condition {ref.text.strip()!r} true in an example")
        elif value is False:
            coverage.hit(f"{tag}: condition {ref.text.strip()!r} false in an example")
    if result.matched and len(cv.alternatives) > 1:
        coverage.hit(f"{tag}: action {result.action!r} chosen by a matching example")


def _jsonish(value: Any) -> Any:
    """YAML-loaded example data as a JSON case would be (timestamps and amounts as text)."""
    if isinstance(value, dict):
        return {str(k): _jsonish(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonish(v) for v in value]
    return value


def _compare(expect: dict[str, Any], result: RuleResult) -> list[str]:
    diffs: list[str] = []
    actual: dict[str, Any] = {
        "matched": result.matched, "action": result.action, "due": result.due, "version": result.version,
        "deadline": format_timestamp(result.deadline) if result.deadline else None,
    }
    for key, want in expect.items():
        if key == "outputs":
            got = {k: to_json(v) for k, v in result.outputs.items()}
            for name, value in (want or {}).items():
                if not _same(value, got.get(name)):
                    diffs.append(f"outputs.{name}: expected {_show(value)}, got {_show(got.get(name))}")
            continue
        if key == "error":
            if want is False and result.error:
                diffs.append(f"error: expected none, got {result.error!r}")
            elif want and not result.error:
                diffs.append("error: expected an error, got none")
            elif isinstance(want, str) and result.error and want not in result.error:
                diffs.append(f"error: expected {want!r} in {result.error!r}")
            continue
        if key == "deadline" and want is not None and actual["deadline"] is not None:
            try:
                if parse_timestamp(str(want)) == result.deadline:
                    continue
            except ValueError_:
                pass
        if not _same(want, actual.get(key)):
            diffs.append(f"{key}: expected {_show(want)}, got {_show(actual.get(key))}")
    if diffs:
        diffs.extend(f"  why: {line}" for line in result.why)
    return diffs


def _same(want: Any, got: Any) -> bool:
    if isinstance(want, (Decimal, int)) and not isinstance(want, bool) or isinstance(got, (Decimal,)):
        try:
            return Decimal(str(want)) == Decimal(str(got))
        except ArithmeticError:
            return False
    return want == got


def _show(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value) if not isinstance(value, str) else repr(value)
