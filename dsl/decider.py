"""Generate one Python function that decides every rule of a rulebook in a single pass.

`decide_all(doc, at)` reads the raw case document and returns, per rule,
`(matched, action, deadline, due, version, outputs)`. It is the hot path:
- each field is converted at most once, on first read, into a local variable shared by
  all rules (so a short-circuited condition never pays for parsing what it skips);
- conditions use the truth form with short-circuits; parameters are folded constants.
A bad field raises `FieldError`; the caller then decides rule by rule on the slower path
in runtime.py, which isolates the error to the rules that read it and explains decisions.
"""
from __future__ import annotations

from typing import Any

from .compiler import ExprGen, ModuleBuilder
from .converters import converters_for
from .model import Rule, Version
from .vocabulary import Vocabulary

class _Unset:
    """'Not read yet' for the decider's field locals; pickles as this module's singleton."""

    def __reduce__(self) -> str:
        return "_UNSET"

    def __repr__(self) -> str:
        return "<unset>"


_UNSET = _Unset()


class _Fields:
    """Numbers the fields the decider reads; `link` binds `_c{i}` to their converters."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}

    def access(self, path: str) -> str:
        i = self.index.setdefault(path, len(self.index))
        return f"(_p{i} if _p{i} is not _U else (_p{i} := _c{i}(v)))"


def bind_converters(namespace: dict[str, Any], vocabulary: Vocabulary) -> None:
    """Give a generated module the converters of the fields its decider reads."""
    converters = converters_for(vocabulary)
    for i, path in enumerate(namespace.get("_FIELD_PATHS", ())):
        namespace[f"_c{i}"] = converters[path]


def add_decider(module: ModuleBuilder, rules: list[Rule], name: str = "decide_all") -> None:
    module.constants["_U"] = _UNSET
    module.constants["_NO_VERSION"] = (False, None, None, False, None, None)
    fields = _Fields()
    gen = ExprGen(module, field_code=fields.access)
    body: list[str] = []
    for i, rule in enumerate(rules):
        body.append(f"    # {rule.id}")
        if rule.versions_by is None:
            body += _version_block(gen, rule.versions[0], f"r{i}", "    ", None)
            continue
        body.append(f"    _s = {gen.value(rule.versions_by.tree)}")
        body.append("    if _s is None:")
        body.append(f"        r{i} = _NO_VERSION")
        for version in rule.versions:
            tests = []
            if version.start is not None:
                tests.append(f"{module.constant(version.start)} <= _s")
            if version.until is not None:
                tests.append(f"_s < {module.constant(version.until)}")
            body.append(f"    elif {' and '.join(tests) or 'True'}:")
            body += _version_block(gen, version, f"r{i}", "        ", version.name)
        body.append("    else:")
        body.append(f"        r{i} = _NO_VERSION")
    head = [f"def {name}(v, at):"]
    if fields.index:
        head.append("    " + " = ".join(f"_p{j}" for j in fields.index.values()) + " = _U")
    tail = ["    return (" + "".join(f"r{i}, " for i in range(len(rules))) + ")"]
    module.constants["_FIELD_PATHS"] = tuple(fields.index)
    module.add_source("\n".join(head + body + tail) + "\n")


def _version_block(gen: ExprGen, version: Version, target: str, indent: str, name: str | None) -> list[str]:
    conds = [c.tree for c in version.conditions]
    match = " and ".join(gen.truth(c) for c in conds) if conds else "True"
    action = _action(gen, version)
    lines = [f"{indent}if {match}:"]
    outputs = "(" + "".join(gen.value(o.tree) + ", " for _, o in version.outputs) + ")" if version.outputs else "None"
    if version.deadline is not None:
        lines.append(f"{indent}    _d = {gen.value(version.deadline.tree)}")
        lines.append(f"{indent}    {target} = (True, {action}, _d, _d is not None and _d <= at, {name!r}, {outputs})")
    else:
        lines.append(f"{indent}    {target} = (True, {action}, None, False, {name!r}, {outputs})")
    lines.append(f"{indent}else:")
    lines.append(f"{indent}    {target} = (False, {action}, None, False, {name!r}, None)")
    return lines


def _action(gen: ExprGen, version: Version) -> str:
    """The first alternative whose `if` holds (the last one is the fallback)."""
    expr = "None"
    for alt in reversed(version.actions):
        if alt.condition is None:
            expr = repr(alt.action)
        else:
            expr = f"({alt.action!r} if {gen.truth(alt.condition.tree)} else {expr})"
    return expr
