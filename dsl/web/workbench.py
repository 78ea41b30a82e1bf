"""What the workbench's endpoints compute, without HTTP: check a text, evaluate a case,
run the examples, describe the vocabulary. Each reuses what the command line runs (the
checker, the eval JSON writer, `rulebook test`), so the page and the terminal never differ.

Every function takes and returns plain data (text, dicts) so that it can run in the
worker process (worker.py) and be cut off there; it returns `(status, body)`, the body
a dict or, for eval, the JSON text `rulebook eval --format json` prints.
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from dsl.book.checking import check_text
from dsl.book.loader import document_from_bytes
from dsl.book.quickfix import quick_fixes
from dsl.cases.inputs import CaseInput
from dsl.diagnostics import Diagnostic, DslError, Phrase, problem_text
from dsl.engine.python.loading import compile_text
from dsl.engine.python.runtime import CompiledRulebook
from dsl.lang.values import BadValueError, parse_timestamp, to_json
from dsl.lang.vocabulary import Field, default_vocabulary
from dsl.tools.batch import Sink, evaluate_one, run_batch
from dsl.tools.examples import ExampleOutcome, example_case, run_examples
from dsl.tools.trace import trace as trace_rules, trace_json

Answer = tuple[int, Any]


def diagnostic_json(d: Diagnostic, lang: str, text: str) -> dict[str, Any]:
    """One diagnostic of `text` as the API gives it: where (1-based, end exclusive), what, in
    `lang`, and its quick fixes (the edits the hint names, as the language server offers them)."""
    span = d.span
    where = d.rule_path.label(lang) if isinstance(d.rule_path, Phrase) else d.rule_path
    return {"code": d.code, "severity": d.severity,
            "line": span.line if span else None, "col": span.col if span else None,
            "end_line": span.end_line if span else None, "end_col": span.end_col if span else None,
            "message": d.message(lang), "hint": d.hint_text(lang), "where": where,
            "fixes": [fix.as_json(lang) for fix in quick_fixes(text, d)]}


def error_json(phrase: str, lang: str, **args: Any) -> dict[str, Any]:
    """The body of a refused request: {"error": {"code", "message"}}, the message from the catalog."""
    return {"error": {"code": phrase, "message": Phrase(phrase, **args).label(lang)}}


def check(text: str, name: str, lang: str, path: str | None = None) -> Answer:
    """`rulebook check` of the text: every diagnostic, sorted by position. `path` (here and
    below): the served file the text is of, from which a shop overlay's relative `extends:`
    is read."""
    return 200, {"diagnostics": [diagnostic_json(d, lang, text) for d in check_text(text, name, path)]}


@lru_cache(maxsize=8)
def compiled(text: str, name: str, path: str | None = None) -> CompiledRulebook:
    """The compiled rulebook of a text; the editor sends the same text again and again."""
    return compile_text(text, name, path)


def _book_or_answer(text: str, name: str, lang: str, path: str | None = None) -> CompiledRulebook | Answer:
    try:
        return compiled(text, name, path)
    except DslError as exc:   # a rulebook with errors cannot decide anything: say which
        errors = [d for d in exc.diagnostics if d.severity == "error"] or exc.diagnostics
        body = error_json("web.text_errors", lang, n=len(errors), detail=errors[0].message(lang))
        body["diagnostics"] = [diagnostic_json(d, lang, text) for d in exc.diagnostics]
        return 422, body


def evaluate(text: str, name: str, case: Any, at: str | None, lang: str, explain: str,
             path: str | None = None) -> Answer:
    """One case as `rulebook eval --format json` judges and writes it (the same Sink and
    batch), so the body is the line the command prints. A case the command would reject
    is a 422 naming the reason."""
    judge = judge_of(text, name, at, lang, path)
    if not isinstance(judge, Judge):
        return judge
    out = io.StringIO()
    summary = run_batch([CaseInput("case", case)], [judge.book], Sink(out, "jsonl", explain, lang), judge.at, None, lang,
                        report=lambda line, key=None: None)
    if summary.rejections:
        _, reason = summary.rejections[0]
        return 422, error_json("web.rejected", lang, detail=problem_text(reason, lang))
    return 200, out.getvalue().strip()


@dataclass
class Judge:
    """What judging a case needs: the compiled rulebook and the request's `at` (None: the case's `now`)."""

    book: CompiledRulebook
    at: datetime | None


def judge_of(text: str, name: str, at: str | None, lang: str, path: str | None = None) -> Judge | Answer:
    """The rulebook and moment of a request, or the answer refusing it: the text's errors
    (422), or a bad `at` (400, named as eval's --at names it)."""
    book = _book_or_answer(text, name, lang, path)
    if not isinstance(book, CompiledRulebook):
        return book
    if at is None:
        return Judge(book, None)
    try:
        return Judge(book, parse_timestamp(at.strip()))
    except BadValueError as exc:
        bad = Diagnostic("E404", args={"option": "at", "text": at, "detail": exc.problem})
        return 400, {"error": {"code": "E404", "message": bad.message(lang)}}


def trace(text: str, name: str, case: Any, at: str | None, lang: str, path: str | None = None) -> Answer:
    """Every rule's decision for the case with each condition's place in the text, its state
    and the CLI's sentence for it (dsl/tools/trace.py): the editor's gutter. The case is read,
    judged and rejected exactly as by eval (the same `evaluate_one`)."""
    judge = judge_of(text, name, at, lang, path)
    if not isinstance(judge, Judge):
        return judge
    done = evaluate_one(CaseInput("case", case), [judge.book], judge.at, lang, report=lambda line, key=None: None)
    if isinstance(done, Phrase):
        return 422, error_json("web.rejected", lang, detail=problem_text(done, lang))
    [(_, result)] = done[0]
    traced = trace_json(trace_rules(judge.book.rules, result))
    return 200, {"case": result.case, "at": result.at_text, "rules": traced,
                 "errors": result.errors, "warnings": result.warnings}


def run_tests(text: str, name: str, lang: str, path: str | None = None) -> Answer:
    """`rulebook test` of one rulebook: every example's outcome, then the coverage."""
    book = _book_or_answer(text, name, lang, path)
    if not isinstance(book, CompiledRulebook):
        return book
    outcomes, coverage = run_examples(book, lang)
    return 200, {
        "passed": sum(o.passed for o in outcomes), "failed": sum(not o.passed and not o.listed() for o in outcomes),
        "changed": sum(o.listed() for o in outcomes),   # a shop overlay's base examples it changes: listed
        "examples": [_outcome_json(o, lang) for o in outcomes],
        "coverage": {"percent": coverage.percent,
                     "items": [{"item": problem_text(item, lang), "hit": hit} for item, hit in coverage.items.items()]},
    }


def _outcome_json(outcome: ExampleOutcome, lang: str) -> dict[str, Any]:
    span = outcome.example.span
    return {"rule": outcome.rule, "example": outcome.example.name, "passed": outcome.passed,
            "inherited": outcome.inherited, "changed": outcome.listed(),
            "line": span.line if span else None, "col": span.col if span else None,
            "differences": [problem_text(d, lang) for d in outcome.differences]}


def examples(text: str, name: str, lang: str, path: str | None = None) -> Answer:
    """Every example of the rulebook, in the file's order, with the whole case it is judged
    on (`base_case` merged), its `at` and `expect`: the case form starts from any of them."""
    book = _book_or_answer(text, name, lang, path)
    if not isinstance(book, CompiledRulebook):
        return book
    model = book.model
    return 200, {"examples": [
        {"rule": rule.id, "example": example.name,
         "line": example.span.line if example.span else None, "col": example.span.col if example.span else None,
         "case": to_json(example_case(model, example)), "at": example.at, "expect": to_json(example.expect)}
        for rule in model.rules for example in rule.examples]}


def platform_of(text: str) -> Answer:
    """The platform a rulebook's text names (`rulebook: douyin`), or None when it cannot be read."""
    data = document_from_bytes(text.encode("utf-8"), "<text>").data
    platform = data.get("rulebook") if isinstance(data, dict) else None
    return 200, platform if isinstance(platform, str) else None


def vocabulary() -> Answer:
    """Every case field: path, kind, labels, bounds, enum values with labels (the case form)."""
    return 200, {"fields": [_field_json(f) for f in default_vocabulary().fields.values()]}


def _field_json(f: Field) -> dict[str, Any]:
    kind = "enum" if f.value_labels else f.type.kind   # a drop-down of its values, with their labels
    return {"path": f.path, "kind": kind, "type": str(f.type),
            "item": f.type.item.kind if f.type.item is not None else None,
            "zh": f.zh, "en": f.en, "required": f.required,
            "min": None if f.minimum is None else str(f.minimum), "max": None if f.maximum is None else str(f.maximum),
            "decimals": f.decimals if f.type.kind == "money" else None,
            "values": [{"value": v, "zh": zh, "en": en} for v, zh, en in f.value_labels]}
