"""A rule's verdict when it reads a bad value: the same whatever order its parts are tried in.

Compiled code is fast because it stops at the first condition that settles a rule; a bad
value raises where it is read. Where that happens, this module asks the reference
interpreter, which reads a bad value as `Undecided` (semantics.py) and evaluates every
part: a rule does not match when some condition fails whatever the bad values hold, and
is an error (naming the values it hangs on) when its outcome hangs on them. When compiled
code does not raise it read no bad value, and what it skipped could not change its answer
(`and` stops at a condition that does not hold, `or` at one that holds, an operator at a
null operand), so both ways give one decision.
"""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Callable, Mapping

from dsl.lang import ast
from dsl.lang.semantics import Env, FieldError, FieldProblem, Undecided, holds, undecided

if TYPE_CHECKING:
    from dsl.engine.compiled import CompiledVersion

Fn = Callable[[Any, datetime], Any]


class Hangs(Exception):
    """The outcome hangs on bad values; `problems` are theirs (by path)."""

    def __init__(self, problems: tuple[FieldProblem, ...]):
        super().__init__("; ".join(f"{p.path}: {p.detail}" for p in problems))
        self.problems = problems
        self.version: Any = None     # the rule version whose conditions or action hang, when known


# What makes compiled code give up on a rule and ask the interpreter: a bad case value, or a
# computation that leaves the calendar (a timestamp of year 1 minus 48h). The interpreter
# turns both into Undecided, so neither can make the order of conditions matter.
_UNSURE = (FieldError, OverflowError)


def careful(tree: ast.Expr, view: Any, at: datetime, params: Mapping[str, Any]) -> Any:
    """The value of `tree` by the reference interpreter: an Undecided where it hangs on a bad value."""
    from dsl.lang.interpreter import interpret   # only for a case with a bad value: start-up does not pay

    return interpret(tree, Env(view, params, at))


def value_of(fn: Fn, tree: ast.Expr, view: Any, at: datetime, params: Mapping[str, Any]) -> Any:
    """A deadline's or an output's value; raises Hangs when it hangs on a bad value."""
    try:
        return fn(view, at)
    except _UNSURE:
        value = careful(tree, view, at, params)
    if isinstance(value, Undecided):
        raise Hangs(value.problems)
    return value


def condition_value(fn: Fn, tree: ast.Expr, view: Any, at: datetime, params: Mapping[str, Any]) -> Any:
    """A condition's three-valued value (value-form `fn`), an Undecided when it hangs on a bad value."""
    try:
        return fn(view, at)
    except _UNSURE:
        return careful(tree, view, at, params)


def matches(cv: CompiledVersion, view: Any, at: datetime, params: Mapping[str, Any]) -> bool:
    """Whether the version's conditions all hold; raises Hangs when that hangs on bad values."""
    try:
        return cv.match(view, at) is True
    except _UNSURE:
        pass
    # One condition that does not hold settles it, whichever is found: compiled code first,
    # the interpreter only for the conditions that read a bad value.
    raised = []
    for ref, fn in cv.conditions:
        try:
            if fn(view, at) is not True:
                return False
        except _UNSURE:
            raised.append(ref.tree)
    hanging = []
    for tree in raised:
        verdict = holds(careful(tree, view, at, params))
        if verdict is False:
            return False
        if isinstance(verdict, Undecided):
            hanging.append(verdict)
    if hanging:
        raise Hangs(undecided(hanging).problems)
    return True


def action_of(cv: CompiledVersion, view: Any, at: datetime, params: Mapping[str, Any]) -> str | None:
    """The first alternative whose condition holds; raises Hangs when an earlier one hangs on a bad value."""
    try:
        return cv.select_action(view, at)
    except _UNSURE:
        pass
    for alt, test in cv.alternatives:
        if test is None or alt.condition is None:
            return alt.action
        verdict = holds(condition_value(test, alt.condition.tree, view, at, params))
        if isinstance(verdict, Undecided):
            raise Hangs(verdict.problems)
        if verdict:
            return alt.action
    return None
