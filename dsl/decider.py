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

import re

from .compiler import ExprGen, ModuleBuilder, cost_order
from .converters import RUNTIME as CONVERTER_RUNTIME
from .converters import valid_check, value_converter_source
from .model import Rule, Version
from .values import to_beijing
from .vocabulary import Field, Vocabulary

class _Unset:
    """'Not read yet' for the decider's field locals; pickles as this module's singleton."""

    def __reduce__(self) -> str:
        return "_UNSET"

    def __repr__(self) -> str:
        return "<unset>"


_UNSET = _Unset()


class _Fields:
    """The fields the decider reads: each a local converted on first read.

    Reading is inlined for the cheap kinds (flags, enums, counts, text); amounts, times and
    lists call a converter generated for the field. Anything not well-formed goes to the
    exact check in cases.py, which raises FieldError: the caller then decides rule by
    rule on the slow path, which isolates the error to the rules that read the field.
    """

    def __init__(self, module: ModuleBuilder, vocabulary: Vocabulary, single: frozenset[str] = frozenset()):
        self.module, self.vocabulary, self.single = module, vocabulary, single
        self.reads: dict[str, int] = {}
        self.index: dict[str, int] = {}
        self.parents: dict[str, int] = {}
        self.converters: list[str] = []
        self.emitted: set[int] = set()

    def parent(self, path: str) -> str:
        """The object at `path` (a dict, `_EMPTY` when absent), read once."""
        if not path:
            return "v"
        k = self.parents.setdefault(path, len(self.parents))
        head, _, key = path.rpartition(".")
        container = self.parent(head)
        read = f"(_x{k} if type(_x{k} := {container}.get({key!r})) is dict else _obj({container}, {key!r}, {path!r}))"
        return f"(_q{k} if _q{k} is not _U else (_q{k} := {read}))"

    def access(self, path: str) -> str:
        i = self.index.get(path)
        if i is None:
            i = self.index[path] = len(self.index)
            self.module.constants[f"_F{i}"] = self.vocabulary.fields[path]
        self.reads[path] = self.reads.get(path, 0) + 1
        head, _, key = path.rpartition(".")
        raw = f"{self.parent(head)}.get({key!r})"
        if path in self.single:
            return self.convert(i, raw)
        return f"(_p{i} if _p{i} is not _U else (_p{i} := {self.convert(i, raw)}))"

    def convert(self, i: int, raw: str) -> str:
        fld: Field = self.module.constants[f"_F{i}"]
        r = f"_r{i}"
        check = valid_check(fld, self.module.constants, r, f"_E{i}")
        if check is not None:   # cheap kinds: checked inline, no call
            return f"({r} if ({r} := {raw}) is None or ({check}) else _slow(_F{i}, {r}))"
        if i not in self.emitted:
            self.emitted.add(i)
            self.converters.append(value_converter_source(f"_v{i}", fld, self.module.constants, f"_F{i}"))
        return f"_v{i}({raw})"


DECIDER_RUNTIME: dict[str, Any] = {**CONVERTER_RUNTIME, "_U": _UNSET, "_to_bj": to_beijing}


def add_decider(module: ModuleBuilder, rules: list[Rule], vocabulary: Vocabulary, name: str = "decide_all") -> None:
    module.constants["_NO_VERSION"] = (False, None, None, False, None, None)
    # A first pass counts where each field is read: one read needs no cached local.
    scratch = _Fields(ModuleBuilder(module.params), vocabulary)
    _body(ExprGen(scratch.module, field_code=scratch.access), rules)
    single = frozenset(path for path, n in scratch.reads.items() if n == 1)
    fields = _Fields(module, vocabulary, single)
    body = _body(ExprGen(module, field_code=fields.access), rules)
    names = [f"_p{j}" for p, j in fields.index.items() if p not in single] + [f"_q{k}" for k in fields.parents.values()]
    for text in fields.converters:
        module.add_source(text)
    tail = ["    return (" + "".join(f"r{i}, " for i in range(len(rules))) + ")"]
    code = "\n".join(body + tail)
    # Globals the body reads become defaults: local loads are cheaper in the hot loop.
    hoisted = sorted(set(re.findall(r"\b(_(?:U|E\d+|F\d+|k\d+|v\d+|slow|obj|NO_VERSION|as_money|fn_\w+|add|sub|mul|div))\b", code)))
    defaults = "".join(f", {g}={g}" for g in hoisted)
    module.add_source(f"def {name}(v, at{defaults}):\n" + _init(names) + code + "\n")
    # The public fast entry: the same body behind a cheap guard, one call per decision. The
    # guard's `order` is the order object the body reads. Anything unusual (no `at`, not a
    # case, a bad field) goes to `_fallback`, the exact path.
    order = f"_q{fields.parents['order']}" if "order" in fields.parents else "_order"
    guarded = "\n".join("    " + line if line else line for line in code.split("\n"))
    module.add_source(
        f"def decide(v, at=None, _A=[(None, None)], _to_bj=_to_bj, _fallback=_fallback{defaults}):\n"
        f"    if at is None or type(v) is not dict or type({order} := v.get('order')) is not dict:\n"
        "        return _fallback(v, at)\n"
        "    pair = _A[0]\n"
        "    if at is not pair[0]:\n"
        "        pair = _A[0] = (at, _to_bj(at))   # one tuple: safe to share between threads\n"
        "    given, at = pair\n"
        "    try:\n" + "    " + _init([n for n in names if n != order]) + guarded + "\n"
        "    except Exception:\n"
        "        return _fallback(v, given)\n")


def _init(names: list[str]) -> str:
    return ("    " + " = ".join(names) + " = _U\n") if names else ""


def _body(gen: ExprGen, rules: list[Rule]) -> list[str]:
    module = gen.module
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
    return body


def _version_block(gen: ExprGen, version: Version, target: str, indent: str, name: str | None) -> list[str]:
    conds = cost_order([c.tree for c in version.conditions])
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
