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

from datetime import timedelta
from decimal import Decimal
from typing import Any

from .cases import FieldError, FieldProblem, _checked, _FAST_TIMESTAMP
from .compiler import ExprGen, ModuleBuilder
from .model import Rule, Version
from .values import SHANGHAI
from .vocabulary import Field, Vocabulary

class _Unset:
    """'Not read yet' for the decider's field locals; pickles as this module's singleton."""

    def __reduce__(self) -> str:
        return "_UNSET"

    def __repr__(self) -> str:
        return "<unset>"


_UNSET = _Unset()


def _bad_parent(path: str, value: Any) -> Any:
    kind = "a list" if isinstance(value, list) else "text" if isinstance(value, str) else "a number"
    raise FieldError(FieldProblem(path, f"must be an object, not {kind}"))


RUNTIME: dict[str, Any] = {
    "_U": _UNSET, "_D": Decimal, "_slow": _checked, "_bad_parent": _bad_parent, "_fts": _FAST_TIMESTAMP,
    "_BJ": SHANGHAI, "_8H": timedelta(hours=8),
}


class _Fields:
    """Numbers the fields the decider reads and writes a converter for each."""

    def __init__(self, module: ModuleBuilder, vocabulary: Vocabulary):
        self.module, self.vocabulary = module, vocabulary
        self.index: dict[str, int] = {}

    def access(self, path: str) -> str:
        i = self.index.get(path)
        if i is None:
            i = self.index[path] = len(self.index)
            self.module.add_source(_converter_source(i, self.vocabulary.fields[path], self.module))
        return f"(_p{i} if _p{i} is not _U else (_p{i} := _c{i}(v)))"


def _converter_source(i: int, fld: Field, module: ModuleBuilder) -> str:
    """A specialised converter: walk to the parent object, then a fast path for well-formed input."""
    module.constants[f"_F{i}"] = fld
    parts = fld.path.split(".")
    lines = [f"def _c{i}(d):", "    _o = d"]
    for depth, name in enumerate(parts[:-1]):
        parent = ".".join(parts[: depth + 1])
        lines += [f"    _o = _o.get({name!r})", "    if _o is None:", "        return None",
                  "    if type(_o) is not dict:", f"        return _bad_parent({parent!r}, _o)"]
    lines += [f"    _r = _o.get({parts[-1]!r})", "    if _r is None:", "        return None"]
    kind = fld.type.kind
    if kind == "money":
        module.constants[f"_M{i}"] = __import__("re").compile(r"[0-9]{1,15}(\.[0-9]{1,%d})?" % fld.decimals).fullmatch
        bounds = []
        if fld.minimum is not None:
            bounds.append(f"_x >= {module.constant(fld.minimum)}")
        if fld.maximum is not None:
            bounds.append(f"_x <= {module.constant(fld.maximum)}")
        lines += [f"    if type(_r) is str and _M{i}(_r):", "        _x = _D(_r)",
                  f"        if {' and '.join(bounds) or 'True'}:", "            return _x"]
    elif kind == "timestamp":
        lines += ["    if type(_r) is str and _fts(_r):", "        _t = _fromiso(_r)", "        _z = _t.tzinfo",
                  "        if _z is None:", "            return _t.replace(tzinfo=_BJ)",
                  "        if _z is _BJ or _z.utcoffset(None) == _8H:", "            return _t",
                  "        return _t.astimezone(_BJ)"]
        module.constants["_fromiso"] = __import__("datetime").datetime.fromisoformat
    elif kind == "bool":
        lines += ["    if _r is True or _r is False:", "        return _r"]
    elif kind == "str" and fld.type.values is not None:
        module.constants[f"_E{i}"] = fld.type.values
        lines += [f"    if type(_r) is str and _r in _E{i}:", "        return _r"]
    elif kind == "str":
        lines += ["    if type(_r) is str:", "        return _r"]
    elif kind == "int":
        low = f" and _r >= {int(fld.minimum)}" if fld.minimum is not None else ""
        high = f" and _r <= {int(fld.maximum)}" if fld.maximum is not None else ""
        lines += [f"    if type(_r) is int{low}{high}:", "        return _r"]
    elif kind == "object":
        lines += ["    if type(_r) is dict:", "        return _r"]
    lines.append(f"    return _slow(_F{i}, _r)")
    return "\n".join(lines) + "\n"


def add_decider(module: ModuleBuilder, rules: list[Rule], vocabulary: Vocabulary, name: str = "decide_all") -> None:
    module.constants.update(RUNTIME)
    module.constants["_NO_VERSION"] = (False, None, None, False, None, None)
    fields = _Fields(module, vocabulary)
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
