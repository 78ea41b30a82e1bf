"""`rulebook test --engine duckdb`: every example also decided by the SQL backend, which must
give the Python engine's decision (matched, action, deadline, due, version, outputs, and an
error on the same fields)."""
from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from dsl.diagnostics import Diagnostic, Phrase
from dsl.engine.python.runtime import CompiledRulebook
from dsl.engine.results import RuleResult
from dsl.lang.values import SHANGHAI, BadValueError, parse_timestamp


def example_inputs(book: CompiledRulebook) -> list[tuple[int, Any, dict[str, Any], datetime | None]]:
    """(rule index, example, case document, moment) of every example, as `rulebook test` runs them."""
    from dsl.tools.examples import example_case

    out = []
    for ri, rule in enumerate(book.rules):
        for example in rule.rule.examples:
            case = example_case(book.model, example)
            try:
                at = parse_timestamp(example.at) if example.at else None
            except BadValueError:
                continue
            out.append((ri, example, case, at))
    return out


def decision_of(result: RuleResult) -> tuple[Any, ...]:
    """A Python result in the SQL backend's terms: the error is the fields it hangs on."""
    paths = sorted(set(re.findall(r"bad value in ([^:]+):", result.error or "")))
    return (None if result.error else result.matched, result.action, result.deadline, result.due, result.version,
            tuple(result.outputs.values()) or None, "; ".join(paths) or None)


def sql_differences(book: CompiledRulebook, engine: str = "duckdb", runner: Any = None,
                    con: Any = None) -> tuple[dict[tuple[str, str], list[Phrase]], list[Diagnostic]]:
    """Per (rule id, example name) the differences of the SQL engine from the Python engine;
    and the rulebook's E601 diagnostics when it cannot be compiled to SQL at all. `runner`
    makes the SQL rulebook from `book` (default: the engine's, duck.py or sparkrun.py);
    `con` is the connection or session its decide_many uses (default: its own)."""
    from dsl.engine.sql.duck import SqlRulebook, to_json_text

    if runner is None and engine == "spark":
        from dsl.engine.sql.sparkrun import SparkRulebook as runner
    clock = datetime.now(SHANGHAI)     # for an example with neither `at` nor `now`, as `rulebook test`
    sql = (runner or SqlRulebook)(book, clock=clock)
    if sql.diagnostics:
        return {}, sql.diagnostics
    inputs = example_inputs(book)
    docs = [(to_json_text(case), at) for _, _, case, at in inputs]
    got = sql.decide_many(docs, con)
    out: dict[tuple[str, str], list[Phrase]] = {}
    for (ri, example, case, at), sql_case in zip(inputs, got):
        rule = book.rules[ri]
        parsed = book.parse(case, example.name)
        if parsed.fatal:
            continue
        moment = at or parsed.now or clock
        want = decision_of(book.evaluate_rule(rule, parsed.view, moment, lang="en"))
        have = sql_case.decisions[ri]
        if have != want:
            out.setdefault((rule.rule.id, example.name), []).append(
                Phrase("diff.sql", engine=engine, got=_show(have), want=_show(want)))
    return out, []


def _show(decision: tuple[Any, ...]) -> str:
    names = ("matched", "action", "deadline", "due", "version", "outputs", "error")
    return ", ".join(f"{n}={v!r}" for n, v in zip(names, decision))
