"""Run the rulebooks' examples as tests, and measure which rules and conditions they exercise."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from dsl.diagnostics import Phrase
from dsl.book.model import Example, Rulebook
from dsl.engine.results import RuleResult
from dsl.book.model import example_case as merged_example, merge  # noqa: F401 - merge: tests/test_regressions.py imports it from here
from dsl.cases.document import ParsedCase
from dsl.engine.compiled import CompiledRule
from dsl.engine.python.runtime import CompiledRulebook
from dsl.lang.values import SHANGHAI, BadValueError, format_timestamp, parse_date, parse_duration, parse_timestamp, to_json


@dataclass
class ExampleOutcome:
    rulebook: str
    file: str
    rule: str
    example: Example
    passed: bool
    differences: list[str] = field(default_factory=list)   # Phrases: str in English, label(lang)
    result: RuleResult | None = None
    inherited: bool = False   # a shop overlay's base's example, run under the overlay
    changed: bool = False     # ... whose outcome the overlay changes: listed, not a failure

    def listed(self) -> bool:
        """Not passed, yet no failure: a base example whose expectation alone the overlay changes."""
        return self.changed and not self.passed

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


def run_examples(book: CompiledRulebook, lang: str = "en") -> tuple[list[ExampleOutcome], Coverage]:
    """Every example of every rule: outcomes (differences are Phrases, `why` lines in `lang`) and coverage."""
    model = book.model
    outcomes: list[ExampleOutcome] = []
    coverage = Coverage()
    for rule in book.rules:
        _declare(coverage, rule)
        if not rule.rule.examples:
            continue
        for example in rule.rule.examples:
            outcomes.append(_run(book, model, rule, example, coverage, lang))
    return outcomes, coverage


def _declare(coverage: Coverage, rule: CompiledRule) -> None:
    rid = rule.rule.id
    coverage.need(Phrase("cov.matches", tag=rid))
    coverage.need(Phrase("cov.no_match", tag=rid))
    for cv in rule.versions:
        tag = _tag(rid, cv.version.name)
        if cv.version.name:
            coverage.need(Phrase("cov.chosen", tag=tag))
        for ref, _ in cv.conditions:
            coverage.need(Phrase("cov.true", tag=tag, cond=ref.text.strip()))
            coverage.need(Phrase("cov.false", tag=tag, cond=ref.text.strip()))
        if len(cv.alternatives) > 1:
            for alt, _ in cv.alternatives:
                coverage.need(Phrase("cov.action", tag=tag, action=alt.action))


def _tag(rule_id: str, version: str | None) -> str:
    return Phrase("cov.version", rule=rule_id, version=version) if version else rule_id


def _run(book: CompiledRulebook, model: Rulebook, rule: CompiledRule, example: Example,
         coverage: Coverage, lang: str) -> ExampleOutcome:
    rid = rule.rule.id
    outcome = ExampleOutcome(model.label, example.file or model.file, rid, example, False,
                             inherited=example.file not in (None, model.file))
    opened = example_input(book, example)
    if isinstance(opened, Phrase):
        outcome.differences.append(opened)
        return outcome
    case, parsed, at = opened
    problems = [Phrase("diff.field", path=p.path, detail=p.detail) for p in parsed.problems]
    unknown = [Phrase("diff.unknown_field", name=u) for u in parsed.unknown]
    result = book.evaluate_rule(rule, parsed.view, at, lang="zh" if lang == "zh" else "en")
    outcome.result = result
    if example.expect.get("error") in (None, False):   # a bad value is the point of an example expecting an error
        outcome.differences.extend(problems)
    outcome.differences.extend(unknown)                 # a typo never is (as `rulebook check`, E502)
    expected = _compare(example.expect, result)
    outcome.differences.extend(expected)
    outcome.differences.extend(_fast_path_agrees(book, rule, case, at, result))
    outcome.differences.extend(_interpreter_agrees(book, rule, parsed.view, at))
    outcome.passed = not outcome.differences
    # a base's example under a shop overlay: a different outcome is the overlay's doing, listed
    # (never a case it cannot read, an unknown field, or engines that disagree)
    outcome.changed = outcome.inherited and bool(expected) and len(expected) == len(outcome.differences)
    if outcome.passed:
        _record(coverage, rule, parsed.view, at, result)
    return outcome


def example_case(model: Rulebook, example: Example) -> dict[str, Any]:
    """The whole case an example is judged on: its base case (the rulebook's `base_case`, or
    for a shop overlay's inherited example its own file's) with the example's changes merged
    in, named after the example unless it has an `id`, as JSON values (what `rulebook test`
    runs, and what the workbench's case form starts from)."""
    return _jsonish(merged_example(model, example))  # type: ignore[no-any-return]


def example_input(book: CompiledRulebook, example: Example) -> tuple[dict[str, Any], ParsedCase, datetime] | Phrase:
    """What an example is judged on: its case merged over `base_case` (as given and opened,
    every field checked) and its moment; or why it cannot be judged. `rulebook test` and the
    editor's inlay hints read an example the same way."""
    case = example_case(book.model, example)
    parsed = book.parse(case, example.name)
    if parsed.fatal:
        return Phrase("diff.unreadable", detail=parsed.fatal)
    parsed.validate()
    try:
        at = parse_timestamp(example.at) if example.at else (parsed.now or datetime.now(SHANGHAI))
    except BadValueError as exc:
        return Phrase("diff.bad_at", detail=exc)
    return case, parsed, at


def _fast_path_agrees(book: CompiledRulebook, rule: CompiledRule, case: dict[str, Any], at: datetime,
                      slow: RuleResult) -> list[str]:
    """The one-pass decider must agree with the per-rule path on every example."""
    fast = book.evaluate(book.parse(_jsonish(case)), at, validate=False).result(rule.rule.id)
    got = (fast.matched, fast.action, fast.deadline, fast.due, fast.version, fast.outputs, bool(fast.error))
    want = (slow.matched, slow.action, slow.deadline, slow.due, slow.version, slow.outputs, bool(slow.error))
    return [] if got == want else [Phrase("diff.internal", detail=f"the compiled one-pass decider gave {got}, the per-rule path {want}")]


def _interpreter_agrees(book: CompiledRulebook, rule: CompiledRule, view: Any, at: datetime) -> list[str]:
    """Every compiled condition must give what the reference interpreter gives."""
    from dsl.lang.semantics import FieldError
    from dsl.lang.interpreter import Env, interpret

    env = Env(view, book.params, at)
    out: list[str] = []
    for cv in rule.versions:
        for ref, fn in cv.conditions:
            try:
                compiled, reference = fn(view, at), interpret(ref.tree, env)
            except FieldError:
                continue
            if compiled != reference or type(compiled) is not type(reference):
                out.append(Phrase("diff.internal", detail=f"{ref.text.strip()!r} compiled to {compiled!r}, the reference gives {reference!r}"))
    return out


def _record(coverage: Coverage, rule: CompiledRule, view: dict[str, Any], at: datetime, result: RuleResult) -> None:
    rid = rule.rule.id
    coverage.hit(Phrase("cov.matches" if result.matched else "cov.no_match", tag=rid))
    cv, _ = rule.pick(view, at) if result.error is None else (None, None)
    if cv is None:
        return
    tag = _tag(rid, cv.version.name)
    if cv.version.name:
        coverage.hit(Phrase("cov.chosen", tag=tag))
    for ref, fn in cv.conditions:
        value = fn(view, at)
        if value is True:
            coverage.hit(Phrase("cov.true", tag=tag, cond=ref.text.strip()))
        elif value is False:
            coverage.hit(Phrase("cov.false", tag=tag, cond=ref.text.strip()))
    if result.matched and len(cv.alternatives) > 1:
        coverage.hit(Phrase("cov.action", tag=tag, action=result.action))


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
                if not _same(value, got.get(name)) and not _same_written_otherwise(value, result.outputs.get(name)):
                    shown_want, shown_got = _shown_output(value, result.outputs.get(name))
                    diffs.append(Phrase("diff.expected", key=f"outputs.{name}", want=shown_want, got=shown_got))
            continue
        if key == "error":
            if want is False and result.error:
                diffs.append(Phrase("diff.error_none", got=result.error))
            elif want and not result.error:
                diffs.append(Phrase("diff.error_expected"))
            elif isinstance(want, str) and result.error and want not in result.error:
                diffs.append(Phrase("diff.error_text", want=want, got=result.error))
            continue
        if key == "deadline" and want is not None and _same_written_otherwise(str(want), result.deadline):
            continue
        if not _same(want, actual.get(key)):
            shown_want, shown_got = _shown_output(want, result.deadline) if key == "deadline" else \
                (_show(want), _show(actual.get(key)))
            diffs.append(Phrase("diff.expected", key=key, want=shown_want, got=shown_got))
    if diffs:
        diffs.extend(Phrase("diff.why", line=line) for line in result.why)
    return diffs


def _same(want: Any, got: Any) -> bool:
    if isinstance(want, (Decimal, int)) and not isinstance(want, bool) or isinstance(got, (Decimal,)):
        try:
            return Decimal(str(want)) == Decimal(str(got))
        except ArithmeticError:
            return False
    return want == got


def _same_written_otherwise(want: Any, got: Any) -> bool:
    """An expected duration or time written another way than the engine writes it: `2d` for
    48h, `2026-11-05 09:00` for 2026-11-05T09:00:00+08:00 (an output's, or the deadline)."""
    if not isinstance(want, str):
        return False
    try:
        if isinstance(got, timedelta):
            return parse_duration(want) == got
        if isinstance(got, datetime):
            return parse_timestamp(want) == got
        if isinstance(got, date):
            return parse_date(want) == got
    except BadValueError:
        return False
    return False


def _shown_output(want: Any, got: Any) -> tuple[str, str]:
    """An output's expected and actual value in one form, the actual's: text quoted on both
    sides; an amount, number, duration, time or date bare on both, as a rulebook writes it
    (`expected 4.00, got 3.00`, not `expected 4.00, got '3.00'` where YAML read 4.00 as a number)."""
    if got is None or isinstance(got, (str, bool, list, tuple, dict, set, frozenset)):
        return _show(want), _show(to_json(got))
    return (_show(want) if want is None or isinstance(want, bool) else str(want)), str(to_json(got))


def _show(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value) if not isinstance(value, str) else repr(value)
