"""A compiled rulebook: decides every rule for a case and explains each decision."""
from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable

from dsl.cases.document import CaseView, ParsedCase, open_case
from dsl.lang.semantics import FieldError, FieldProblem
from dsl.engine.python.namespace import moment_of, runtime_namespace
from dsl.diagnostics import Diagnostic, Phrase, problem_text
from dsl.engine.explain import Explainer, Reason, say
from dsl.book.model import ExprRef, Rulebook
from dsl.engine.deadlinecheck import check_deadlines
from dsl.engine.results import CaseResult, RuleResult
from dsl.lang.semantics import Undecided
from dsl.engine.compiled import CompiledRule, CompiledVersion, Fn
from dsl.engine.notices import apply_notices, notice_lines
from dsl.engine.verdict import Hangs, action_of, careful, condition_value, matches, value_of
from dsl.lang.values import SHANGHAI, to_beijing
from dsl.lang.vocabulary import Vocabulary, default_vocabulary

class CompiledRulebook:
    """`load_rulebook("douyin").evaluate(case)` -> CaseResult, the same as `rulebook eval`.

    `decide(case, at=None)` is the fast path for batches (generated per rulebook): per rule,
    in `rule_ids` order, a tuple `(matched, action, deadline, due, version, outputs)`;
    `matched` is None when the rule could not decide (a bad field it reads). It computes no
    explanations and checks only the fields the rules read. A case that is not an object or
    has no `order` raises ValueError.

    The ways to decide, by what they give:
    - `decide(case, at)`: tuples per rule, never stopped by a bad field (public, batches);
    - `decide_or_raise(doc, at)`: the generated one-pass code behind it, which raises on a bad
      field; `decide` then goes `_decide_rule_by_rule`, where verdict.py settles each rule;
    - `evaluate(case, at, lang)`: a CaseResult with reasons (`rulebook eval`);
    - `evaluate_rule(rule, view, at, lang)`: one rule's RuleResult (`rulebook test`).
    """

    def __init__(self, model: Rulebook, vocabulary: Vocabulary | None = None,
                 artifact: tuple[dict[str, Any], Any] | None = None):
        self.source = model   # as written; `model` has the holiday notices folded into its deadlines
        self.vocabulary = vocabulary or default_vocabulary()
        self.model, self.notice_steps = apply_notices(model, self.vocabulary)
        model = self.model
        self.params = {name: p.value for name, p in model.params.items()}
        self.artifact = artifact or generate(model, self.params, self.vocabulary)
        self.rules, self.decide_or_raise, self.decide = link(model, self.vocabulary, *self.artifact, fallback=self._decide_rule_by_rule)
        self.moment_rules = frozenset(r.rule.id for r in self.rules if r.rule.reads_moment)

    @property
    def platform(self) -> str:
        return self.model.platform

    @property
    def overlay_id(self) -> str | None:
        """A shop overlay's own id (`acme`), None for a platform's rulebook."""
        return self.model.overlay.id if self.model.overlay is not None else None

    @property
    def rule_ids(self) -> list[str]:
        return [r.rule.id for r in self.rules]

    def only(self, *rule_ids: str) -> CompiledRulebook:
        """A rulebook with just these rules (compiled anew, so only their fields are read)."""
        unknown = [r for r in rule_ids if r not in self.rule_ids]
        if unknown:
            raise KeyError(f"no rule {unknown[0]!r} in {self.platform}; rules: {', '.join(self.rule_ids)}")
        model = copy.copy(self.source)
        model.rules = [r for r in self.source.rules if r.id in rule_ids]
        return CompiledRulebook(model, self.vocabulary)

    def parse(self, case: dict[str, Any], fallback_id: str = "?") -> ParsedCase:
        """Open a case: its fields are converted when a rule first reads them."""
        return open_case(case, self.vocabulary, fallback_id)

    def _moment(self, parsed: ParsedCase, at: datetime | None) -> datetime:
        return to_beijing(at) if at is not None else (parsed.now or datetime.now(SHANGHAI))

    def _decide_rule_by_rule(self, case: dict[str, Any] | ParsedCase, at: datetime | None = None) -> tuple[tuple[Any, ...], ...]:
        """`decide` for what its generated fast entry does not handle: no `at`, a case that is
        not a well-formed document, a bad field (decided rule by rule)."""
        parsed = case if isinstance(case, ParsedCase) else open_case(case, self.vocabulary)
        if parsed.fatal:
            raise ValueError(f"case {parsed.id}: {parsed.fatal}")
        moment = self._moment(parsed, moment_of(at))   # ISO text too, as `evaluate` takes it
        try:
            decided = self.decide_or_raise(parsed.view.doc, moment)  # type: ignore[union-attr]
        except Exception:  # noqa: BLE001 - isolate the failing rule on the slow path
            results = [self.evaluate_rule(rule, parsed.view, moment) for rule in self.rules]
            decided = tuple((None if r.error else r.matched, r.action, r.deadline, r.due, r.version,
                             tuple(r.outputs.values()) or None) for r in results)
        if bad_moment(parsed, moment_of(at)) is None:
            return decided
        return tuple((None, None, None, False, None, None) if rid in self.moment_rules else d
                     for rid, d in zip(self.rule_ids, decided))

    def evaluate(self, case: dict[str, Any] | ParsedCase, at: datetime | str | None = None, lang: str = "zh",
                 validate: bool = True) -> CaseResult:
        """Every rule's decision for one case at the moment `at` (else the case's `now`, else now).

        `at` is a datetime (naive = Beijing time) or ISO 8601 text; anything else is a TypeError.
        `lang` ("zh" or "en") is the language of the reasons in `why` and of errors. With `validate`, every
        known field is checked (so `errors` lists all bad fields, even ones no rule read) and
        unknown fields are listed in `warnings`. Decisions are the same either way.
        """
        at = moment_of(at)
        parsed = case if isinstance(case, ParsedCase) else self.parse(case)
        if parsed.fatal:
            raise ValueError(f"case {parsed.id}: {parsed.fatal}")
        moment = self._moment(parsed, at)
        view = parsed.view
        try:
            decisions = self.decide_or_raise(view.doc, moment)  # type: ignore[union-attr]
            results = [self._result(rule, d, view, moment, lang) for rule, d in zip(self.rules, decisions)]
        except Exception:  # noqa: BLE001 - a bad field or a runtime failure: decide rule by rule
            results = [self.evaluate_rule(rule, view, moment, lang) for rule in self.rules]
        bad_now = bad_moment(parsed, at)
        if bad_now is not None:   # the moment is unknown: what depends on it cannot decide
            results = [RuleResult(r.rule, False, None, error=_problem_error(bad_now, lang),
                                  _why=[_problem_reason(bad_now, lang)]) if r.rule in self.moment_rules else r
                       for r in results]
        check_deadlines(results, view, lang)
        if validate:
            parsed.validate()
        errors = [field_error_text(p, lang) for p in parsed.problems]
        warnings = [Phrase("case.unknown_field", path=path).label(lang) for path in parsed.unknown]
        # a bad `now` and no `at`: the case has no moment, and says so (`at` null), not the clock's
        shown_at = moment if bad_now is None else None
        return CaseResult(parsed.id, self.platform, shown_at, results, errors, warnings, self.overlay_id)

    def _result(self, rule: CompiledRule, d: tuple[Any, ...], view: Any, at: datetime, lang: str) -> RuleResult:
        matched, action, deadline, due, version, outputs = d
        cv = rule.version_named(version)
        names = [name for name, _ in cv.outputs] if cv is not None else []
        out = dict(zip(names, outputs)) if outputs else {}
        if cv is None:
            return RuleResult(rule.rule.id, False, None,
                              explain=lambda full: _explain_no_version(rule, view, at, self, lang, rule.moment(view, at)))
        return RuleResult(rule.rule.id, matched, action, deadline, due, version, out,
                          explain=lambda full: _explain(rule, cv, view, at, self, lang, matched, full))

    def evaluate_rule(self, rule: CompiledRule, view: dict[str, Any], at: datetime, lang: str = "zh") -> RuleResult:
        """One rule for one case on the slow path; never raises (failures become `error`)."""
        rid = rule.rule.id
        try:
            return _rule_result(rule, view, at, self, lang)
        except Hangs as exc:
            return _undecided(rule, exc, view, at, self, lang)
        except FieldError as exc:
            p = exc.problem
            return RuleResult(rid, False, None, error=Phrase("case.bad_field", path=p.path, detail=p.detail).label(lang),
                              _why=[say("bad_field", lang, path=p.path)])
        except Exception as exc:  # noqa: BLE001 - any runtime failure is reported with its rule
            span, file = rule.rule.span, rule.rule.file or self.model.file
            where = f"{file}:{span.line}:{span.col}" if span else file
            failed = Diagnostic("E403", args={"where": where, "rule": rid, "detail": f"{type(exc).__name__}: {exc}"})
            return RuleResult(rid, False, None, error=f"E403 {failed.message(lang)}",
                              _why=[say("failed", lang, detail=str(exc))])


def bad_moment(parsed: ParsedCase, at: datetime | None) -> FieldProblem | None:
    """The problem of the case's `now` when it is present but bad and no `at` replaces it:
    the case has no moment, so the clock must not stand in for it (the rules that read the
    moment are undecided, naming `now`)."""
    if at is not None or not isinstance(parsed.view, CaseView):
        return None
    return parsed.view.problems.get("now")


def judged_at(parsed: ParsedCase, at: datetime | None, clock: datetime) -> datetime | None:
    """The `at` a tool passes to `evaluate`: `at`, else the case's `now`, else `clock`; None
    when `now` is bad, so that `evaluate` keeps the moment unknown (bad_moment) rather than
    judging the case at `clock`."""
    if at is not None:
        return at
    return None if bad_moment(parsed, None) is not None else (parsed.now or clock)


def _rule_result(rule: CompiledRule, view: dict[str, Any], at: datetime, book: CompiledRulebook, lang: str) -> RuleResult:
    """Compiled code decides; where it reads a bad value, verdict.py does (never the order)."""
    rid = rule.rule.id
    params = book.params
    moment = value_of(rule.by, rule.rule.versions_by.tree, view, at, params) if rule.by is not None else None
    cv, moment = rule.pick(view, at, moment)
    if cv is None:
        return RuleResult(rid, False, None, explain=lambda full: _explain_no_version(rule, view, at, book, lang, moment))
    try:
        matched = matches(cv, view, at, params)
        action = action_of(cv, view, at, params)
    except Hangs as exc:
        exc.version = cv
        raise
    deadline = value_of(cv.deadline, cv.version.deadline.tree, view, at, params) if (matched and cv.deadline) else None
    outputs = {name: value_of(fn, ref.tree, view, at, params)
               for (name, fn), (_, ref) in zip(cv.outputs, cv.version.outputs)} if matched else {}
    due = bool(matched and deadline is not None and deadline <= at)
    return RuleResult(rid, matched, action, deadline, due, cv.version.name, outputs,
                      explain=lambda full: _explain(rule, cv, view, at, book, lang, matched, full))


def _undecided(rule: CompiledRule, hangs: Hangs, view: dict[str, Any], at: datetime, book: CompiledRulebook,
               lang: str) -> RuleResult:
    """A rule whose outcome hangs on bad values: an error naming them; `why` shows its conditions
    (an undecided one marked `!`) where the version is known, else the bad fields."""
    error = "; ".join(_problem_error(p, lang) for p in hangs.problems)
    fields = [_problem_reason(p, lang) for p in hangs.problems]
    cv = hangs.version
    if cv is None:
        return RuleResult(rule.rule.id, False, None, error=error, _why=fields)

    def explain(full: bool) -> list[Reason]:
        lines = _explain(rule, cv, view, at, book, lang, False, full)
        return lines if any(line.text.startswith("! ") for line in lines) else lines + [Reason(f) for f in fields]
    return RuleResult(rule.rule.id, False, None, error=error, explain=explain)


def _no_calendar(p: FieldProblem) -> bool:
    """The problem is a year the statutory calendar lacks (lang/workdays.py), not a bad value."""
    return getattr(p.detail, "key", None) == "calendar.missing"


def _problem_error(p: FieldProblem, lang: str) -> str:
    if _no_calendar(p):
        return Phrase("case.no_calendar", path=p.path, detail=p.detail).label(lang)
    return Phrase("case.bad_field", path=p.path, detail=p.detail).label(lang)


def _problem_reason(p: FieldProblem, lang: str) -> str:
    return p.detail.label(lang) if _no_calendar(p) else say("bad_field", lang, path=p.path)  # type: ignore[attr-defined]


def _explainer(book: CompiledRulebook, view: dict[str, Any], at: datetime, lang: str) -> Explainer:
    return Explainer(book.vocabulary, book.params, view, at, lang)


def _explain_no_version(rule: CompiledRule, view: dict[str, Any], at: datetime, book: CompiledRulebook,
                        lang: str, moment: Any) -> list[Reason]:
    """No version is in effect: the `versions_by` line, unknown when its moment is missing."""
    by = rule.rule.versions_by
    assert by is not None
    try:
        shown = _explainer(book, view, at, lang).describe(by.tree)
    except FieldError as exc:
        return [Reason(say("bad_field", lang, path=exc.problem.path), by, None)]
    except Exception as exc:  # noqa: BLE001 - explaining never raises
        return [Reason(say("failed", lang, detail=f"{type(exc).__name__}: {exc}"), by, None)]
    missing = moment is None
    return [Reason(say("no_version_missing" if missing else "no_version", lang, by=shown), by, None if missing else False)]


def _explain(rule: CompiledRule, cv: CompiledVersion, view: dict[str, Any], at: datetime,
             book: CompiledRulebook, lang: str, matched: bool, full: bool = False) -> list[Reason]:
    """The version chosen, then each condition with its value (those that hold only for a
    match or when `full`), then the summary of a match."""
    explainer = _explainer(book, view, at, lang)
    lines: list[Reason] = []
    by = rule.rule.versions_by
    if cv.version.name is not None and by is not None:
        lines.append(Reason(say("version", lang, name=cv.version.name, by=explainer.describe(by.tree)), by, True))
    for line in _condition_lines(cv, view, at, book, explainer):
        if line.state is True and not matched and not full:
            continue
        lines.append(Reason(line.text, line.ref, line.state if isinstance(line.state, bool) else None))
    if matched:
        lines.append(Reason(say("all_hold", lang, n=len(cv.conditions)) if len(cv.conditions) != 1 else say("one_holds", lang)))
        steps = book.notice_steps.get((rule.rule.id, cv.version.name))
        if steps:
            lines += [Reason(text) for text in notice_lines(steps, lambda tree: careful(tree, view, at, book.params), lang)]
    return lines


@dataclass(frozen=True)
class ConditionLine:
    """One condition of a version for one case: its state (True, False, None when a field it
    needs is missing, "!" when it hangs on a bad value or fails) and the explanation line."""

    ref: ExprRef
    state: bool | None | str
    text: str


def _condition_lines(cv: CompiledVersion, view: dict[str, Any], at: datetime, book: CompiledRulebook,
                     explainer: Explainer) -> list[ConditionLine]:
    lang = explainer.lang
    out: list[ConditionLine] = []
    for ref, fn in cv.conditions:
        try:
            value = condition_value(fn, ref.tree, view, at, book.params)
        except Exception as exc:  # noqa: BLE001 - e.g. a date beyond year 9999 in a condition not needed to decide
            out.append(ConditionLine(ref, "!", f"! {ref.text.strip()}: " + say("failed", lang, detail=f"{type(exc).__name__}: {exc}")))
            continue
        if isinstance(value, Undecided) and value.may_hold:   # it hangs on a bad value
            problems = "; ".join(_problem_reason(p, lang) for p in value.problems)
            out.append(ConditionLine(ref, "!", f"! {ref.text.strip()}: {problems}"))
            continue
        state = False if isinstance(value, Undecided) else value
        out.append(ConditionLine(ref, state, explainer.condition(ref.tree, state)))
    return out


def explain_conditions(book: CompiledRulebook, rule: CompiledRule, view: dict[str, Any], at: datetime,
                       lang: str) -> list[ConditionLine]:
    """Each condition of the version in effect for the case, as `--explain` words it (the
    editor's inlay hints); none when no version is in effect or choosing it hangs on a bad value."""
    try:
        moment = value_of(rule.by, rule.rule.versions_by.tree, view, at, book.params) if rule.by is not None else None
        cv, _ = rule.pick(view, at, moment)
    except (Hangs, FieldError):
        return []
    return [] if cv is None else _condition_lines(cv, view, at, book, _explainer(book, view, at, lang))


def generate(model: Rulebook, params: dict[str, Any], vocabulary: Vocabulary) -> tuple[dict[str, Any], Any]:
    """The rulebook as one Python module: (its constants, its compiled code object).

    Function names follow the rules' positions (`r{rule}v{version}_...`), so `link` can
    find them again; both parts are picklable/marshallable for the on-disk cache.
    """
    from dsl.engine.python.codegen import ModuleBuilder   # only on a cache miss: start-up never pays for them
    from dsl.engine.python.decider import add_decider
    from dsl.engine.python.emitter import compile_generated

    module = ModuleBuilder(params)
    for ri, rule in enumerate(model.rules):
        if rule.versions_by is not None:
            module.add_function(f"r{ri}_by", "value", rule.versions_by.tree)
        for vi, version in enumerate(rule.versions):
            prefix = f"r{ri}v{vi}"
            module.add_conjunction(f"{prefix}_match", [c.tree for c in version.conditions])
            for ci, cond in enumerate(version.conditions):
                module.add_function(f"{prefix}_c{ci}", "value", cond.tree)
            for ai, alt in enumerate(version.actions):
                if alt.condition is not None:
                    module.add_function(f"{prefix}_a{ai}", "truth", alt.condition.tree)
            if version.deadline is not None:
                module.add_function(f"{prefix}_deadline", "value", version.deadline.tree)
            for oi, (_, out) in enumerate(version.outputs):
                module.add_function(f"{prefix}_o{oi}", "value", out.tree)
    add_decider(module, model.rules, vocabulary)
    return module.constants, compile_generated(module.source, f"<rulebook {model.file}>")


def link(model: Rulebook, vocabulary: Vocabulary, constants: dict[str, Any], code: Any,
         fallback: Callable[..., Any] | None = None) -> tuple[list[CompiledRule], Fn, Fn]:
    """Run the generated module and attach its functions to the rules they decide."""
    ns = runtime_namespace()
    ns.update(constants)
    ns["_fallback"] = fallback
    exec(code, ns)  # generated code, not user text
    compiled = []
    for ri, rule in enumerate(model.rules):
        cvs = []
        for vi, v in enumerate(rule.versions):
            p = f"r{ri}v{vi}"
            cvs.append(CompiledVersion(
                version=v,
                match=ns[f"{p}_match"],
                conditions=[(c, ns[f"{p}_c{i}"]) for i, c in enumerate(v.conditions)],
                alternatives=[(a, ns[f"{p}_a{i}"] if a.condition is not None else None) for i, a in enumerate(v.actions)],
                deadline=ns[f"{p}_deadline"] if v.deadline is not None else None,
                outputs=[(name, ns[f"{p}_o{i}"]) for i, (name, _) in enumerate(v.outputs)],
            ))
        compiled.append(CompiledRule(rule, ns.get(f"r{ri}_by"), cvs))
    return compiled, ns["decide_or_raise"], ns["decide"]


def field_error_text(p: FieldProblem, lang: str = "en") -> str:
    """`field order.paid_amount: 'abc' is not an amount (hint)` in `lang`."""
    text = Phrase("case.field_error", path=p.path, detail=p.detail).label(lang)
    return text + (f" ({problem_text(p.hint, lang)})" if p.hint else "")
