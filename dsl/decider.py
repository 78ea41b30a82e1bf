"""Generate one Python function that decides every rule of a rulebook in a single pass.

`decide_all(doc, at)` reads the raw case document and returns, per rule,
`(matched, action, deadline, due, version, outputs)`. It is the hot path:
- what every decision reads (the objects and cheap fields of each rule's first condition)
  is read and checked once, up front; other fields are read where they are used, or
  converted once into a local shared by all rules (so a short-circuited condition never
  pays for parsing what it skips); reads the code has certainly done are not re-checked;
- a condition on one enum or flag field is a table lookup or identity test that checks
  the value while testing it; amounts and Beijing-time timestamps of the usual shape are
  converted in place;
- conditions use the truth form with short-circuits, cheapest first and grouped by the
  object they read; rules that begin with the same condition share one test of it;
  parameters are folded constants.
A bad field raises (FieldError, or the ValueError of a conversion); the caller then decides
rule by rule on the slower path in runtime.py, which isolates the error to the rules that
read it and explains decisions. A test holds the two paths to the same decisions on odd
values in every field (tests/test_fuzz.py).
"""
from __future__ import annotations

from typing import Any

import re

from . import ast
from .compiler import ExprGen, ModuleBuilder, cost_order
from .converters import RUNTIME as CONVERTER_RUNTIME
from .converters import money_shape, timestamp_shape, valid_check, value_converter_source
from .interpreter import Env, interpret
from .model import Rule, Version
from .unparse import unparse
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
    """The fields the decider reads, and how each read is written.

    What every decision reads anyway (the objects and cheap fields of each rule's first
    condition) is read once, up front, and checked there: the rules then test plain
    locals. A field read just once is read where it is used. Other fields are locals
    converted on first read (`_U` until then). A condition on one enum or flag field read
    once becomes a table lookup or identity test that also checks the value. Anything not
    well-formed goes to the exact check in cases.py, which raises FieldError: the caller
    then decides rule by rule on the slow path, which isolates the error to the rules
    that read the field.
    """

    def __init__(self, module: ModuleBuilder, vocabulary: Vocabulary, single: frozenset[str] = frozenset(),
                 eager: tuple[str, ...] = (), tabled: frozenset[str] = frozenset()):
        self.module, self.vocabulary, self.single, self.tabled = module, vocabulary, single, tabled
        self.reads: dict[str, int] = {}
        self.table_reads: dict[str, int] = {}  # reads by conditions that could be tables
        self.index: dict[str, int] = {}
        self.parents: dict[str, int] = {}
        self.converters: list[str] = []
        self.emitted: set[int] = set()
        self.prologue: list[str] = []
        self.ready: set[str] = set()           # names certainly assigned where code is being written
        self.written: set[str] = set()         # names some code written so far assigns
        self.unset: set[str] = set()           # names read with a test for `_U`
        for path in eager:
            self._read_up_front(path)
        self.upfront = frozenset(self.ready)   # names assigned by the prologue

    def _read_up_front(self, path: str) -> None:
        head, _, key = path.rpartition(".")
        if head and head not in self.parents:
            self._read_up_front(head)
        fld = self.vocabulary.fields.get(path)
        if fld is None or fld.type.kind == "object":     # an object the rules read into
            k = self.parents.setdefault(path, len(self.parents))
            container = self.parent(head)
            self.prologue += [f"_q{k} = {container}.get({key!r})",
                              f"if type(_q{k}) is not dict:",
                              f"    _q{k} = _obj({container}, {key!r}, {path!r})"]
            self.ready.add(f"_q{k}")
            return
        i = self.number(path)
        self.prologue.append(f"_p{i} = {self.parent(head)}.get({key!r})")
        if path not in self.tabled:   # else every test of it is a table that checks it
            check = valid_check(fld, self.module.constants, f"_p{i}", f"_E{i}")
            assert check is not None, path
            # the exact check's value, not the raw one: 2.0 in a JSON case is the count 2
            self.prologue += [f"if _p{i} is not None and not ({check}):", f"    _p{i} = _slow(_F{i}, _p{i})"]
        self.ready.add(f"_p{i}")

    def number(self, path: str) -> int:
        i = self.index.get(path)
        if i is None:
            i = self.index[path] = len(self.index)
            self.module.constants[f"_F{i}"] = self.vocabulary.fields[path]
        return i

    def parent(self, path: str) -> str:
        """The object at `path` (a dict, `_EMPTY` when absent), read once."""
        if not path:
            return "v"
        k = self.parents.setdefault(path, len(self.parents))
        if f"_q{k}" in self.ready:
            return f"_q{k}"
        head, _, key = path.rpartition(".")
        container = self.parent(head)
        read = f"(_x{k} if type(_x{k} := {container}.get({key!r})) is dict else _obj({container}, {key!r}, {path!r}))"
        return self._cached(f"_q{k}", read)

    def raw(self, path: str) -> str:
        """The field's value as the document has it (for tests that check it themselves)."""
        self.number(path)
        self.reads[path] = self.reads.get(path, 0) + 1
        head, _, key = path.rpartition(".")
        return f"{self.parent(head)}.get({key!r})"

    def access(self, path: str) -> str:
        assert path not in self.tabled, f"{path} is read unchecked"
        i = self.number(path)
        self.reads[path] = self.reads.get(path, 0) + 1
        if f"_p{i}" in self.ready:
            return f"_p{i}"
        head, _, key = path.rpartition(".")
        raw = f"{self.parent(head)}.get({key!r})"
        if path in self.single:
            return self.convert(i, raw)
        return self._cached(f"_p{i}", self.convert(i, raw))

    def _cached(self, name: str, read: str) -> str:
        """A local read once. The first place written assigns it plainly (harmless where it is
        already set: the same value again); every later place tests for `_U`, and only
        names so tested start as `_U`. Whether a plain read is safe is `ready`'s business,
        which follows the branches, not the order of the text."""
        if name not in self.written:
            self.written.add(name)
            return f"({name} := {read})"
        self.unset.add(name)
        return f"({name} if {name} is not _U else ({name} := {read}))"

    def convert(self, i: int, raw: str) -> str:
        fld: Field = self.module.constants[f"_F{i}"]
        r = f"_r{i}"
        check = valid_check(fld, self.module.constants, r, f"_E{i}")
        if check is not None:   # cheap kinds: checked inline, no call
            return f"({r} if ({r} := {raw}) is None or ({check}) else _slow(_F{i}, {r}))"
        if i not in self.emitted:
            self.emitted.add(i)
            self.converters.append(value_converter_source(f"_v{i}", fld, self.module.constants, f"_F{i}"))
        # Null and the commonest shapes are converted in place, without a call; a bad value of
        # such a shape raises (Decimal, fromisoformat, or slicing what is not text), which
        # sends the case to the exact path.
        kind = fld.type.kind
        if kind == "money" and fld.decimals <= 2 and (fld.minimum is None or fld.minimum <= 0) and fld.maximum is None:
            shape = money_shape(fld, self.module.constants, r, f"_v{i}")
            return f"(None if ({r} := {raw}) is None else _D({r}) if {shape} else _v{i}({r}))"
        if kind == "timestamp":
            # `+08:00` at [19:] means 25 characters, in the shape fromisoformat reads as we do
            return (f"(None if ({r} := {raw}) is None else _fromiso({r}) if {r}[19:] == '+08:00' "
                    f"and {timestamp_shape(r)} else _v{i}({r}))")
        return f"_v{i}({raw})"

    def lazy_names(self) -> list[str]:
        """The locals that start as `_U` (read on first use, tested where they may be set)."""
        return sorted(self.unset - self.upfront)

    def mark(self, gen: ExprGen, node: ast.Expr) -> None:
        """After code for `node` has run: what its first read assigned is certainly there."""
        path = _first_read(gen, node)
        if path is None:
            return
        parts = path.split(".")
        for j in range(1, len(parts)):
            k = self.parents.get(".".join(parts[:j]))
            if k is not None:
                self.ready.add(f"_q{k}")
        i = self.index.get(path)
        if i is not None and path not in self.single:
            self.ready.add(f"_p{i}")

    def _count_test(self, gen: ExprGen, node: ast.Expr, path: str, fld: Field) -> str:
        """A condition on one count read only here: tested on a value checked to be a whole
        number in range. Only when that fails is the value checked further: a bad one
        raises, and one the exact check accepts as it stands not (2.0 in a JSON case is
        the count 2) is tested again as the int it is."""
        try:
            if interpret(node, Env({path: None}, gen.module.params, None)) is True:
                return gen.truth(node)   # true on null: the plain form says so
        except Exception:  # noqa: BLE001
            return gen.truth(node)
        i = self.number(path)
        r = f"_r{i}"
        valid = valid_check(fld, self.module.constants, r, f"_E{i}")
        known = _Known(self.module, path, r, gen.counter)
        test = known.truth(node)
        gen.counter = known.counter
        first = valid.replace(f"type({r})", f"type({r} := {self.raw(path)})", 1)
        again = f"(({r} := _slow(_F{i}, {r})) is not None and {test})"
        return f"(({first}) and {test} or {r} is not None and not ({valid}) and {again})"

    def truth(self, gen: ExprGen, node: ast.Expr) -> str:
        """The truth form of a condition; on one enum or flag field read only here, a table
        lookup (enum) or identity tests (flag) that check the value as they test it."""
        path = _only_field(node)
        fld = self.vocabulary.fields.get(path) if path else None
        if fld is not None and fld.type.kind == "int" and path in self.single:
            return self._count_test(gen, node, path, fld)
        if fld is None or not _finite(fld) or gen.folded(node)[0]:
            return gen.truth(node)
        domain: list[Any] = [None, True, False] if fld.type.kind == "bool" else [None, *sorted(fld.type.values)]
        try:
            holds = [x for x in domain if interpret(node, Env({path: x}, gen.module.params, None)) is True]
        except Exception:  # noqa: BLE001 - a value the expression cannot take: no table, plain code
            return gen.truth(node)
        if path in self.single:
            raw = self.raw(path)
        elif path in self.tabled:   # several tables read the raw value: one local
            i = self.number(path)
            if f"_p{i}" in self.ready:
                self.reads[path] = self.reads.get(path, 0) + 1
                raw = f"_p{i}"
            else:
                raw = self._cached(f"_p{i}", self.raw(path))
        else:
            # First pass: count the reads this plain form makes (none where a folded part
            # decides), so that a field is tabled only when no other code reads it.
            before = self.reads.get(path, 0)
            code = gen.truth(node)
            self.table_reads[path] = self.table_reads.get(path, 0) + self.reads.get(path, 0) - before
            return code
        if fld.type.kind == "str":
            name = f"_T{len([k for k in self.module.constants if k.startswith('_T')])}"
            self.module.constants[name] = {x: x in holds for x in domain}
            return f"{name}[{raw}]"   # KeyError (a value not in the enum) -> the exact path
        i = self.number(path)
        r = f"_r{i}"
        others = [x for x in domain if x not in holds]
        test = " or ".join(f"{r} is {x!r}" for x in holds)
        bad = " and ".join([f"{r} is not {x!r}" for x in others] + [f"_slow(_F{i}, {r})"])
        first = f"({r} := {raw})"
        if holds:
            return "(" + test.replace(r, first, 1) + f" or ({bad}))"
        return "(" + bad.replace(r, first, 1) + ")"


class _Known(ExprGen):
    """ExprGen for a condition whose one field is already a checked, present local."""

    def __init__(self, module: ModuleBuilder, path: str, local: str, counter: int):
        super().__init__(module, field_code=lambda p: local)
        self.path, self.counter = path, counter

    def nonnull(self, node: ast.Expr) -> bool:
        return (isinstance(node, ast.Name) and node.dotted == self.path) or super().nonnull(node)


def _first_read(gen: ExprGen, node: ast.Expr) -> str | None:
    """The field whose read the generated code for `node` always starts with, when that is
    sure (operands are evaluated left to right; a null-guarded operand first)."""
    if gen.folded(node)[0]:
        return None
    match node:
        case ast.Name(path=path):
            return None if path[0] == "params" or path == ("now",) else node.dotted
        case ast.Compare(left=left, right=right) | ast.Binary(left=left, right=right):
            is_const, value = gen.folded(left)
            if is_const:   # a null on the left decides without reading the right
                return None if value is None else _first_read(gen, right)
            return None if gen.nonnull(left) else _first_read(gen, left)
        case ast.Call(args=args) if args:
            return None if gen.nonnull(args[0]) else _first_read(gen, args[0])
        case ast.Logical(items=items):
            return _first_read(gen, items[0])
        case ast.Unary(operand=operand):
            return _first_read(gen, operand)
        case ast.Cond(test=test):
            return _first_read(gen, test)
    return None


def _only_field(node: ast.Expr) -> str | None:
    """The one case field a condition reads (no `now`), else None."""
    paths = {n.dotted for n in ast.names(node) if n.path[0] != "params"}
    return paths.pop() if len(paths) == 1 and "now" not in paths else None


def _finite(fld: Field) -> bool:
    return fld.type.kind == "bool" or (fld.type.kind == "str" and fld.type.values is not None
                                       and len(fld.type.values) <= 256)


def _up_front(rules: list[Rule], vocabulary: Vocabulary, reads: dict[str, int]) -> tuple[str, ...]:
    """What every decision reads: the objects and cheap fields of each rule's first
    condition (and of the version selector). Cheap fields read only once stay inline."""
    always: list[str] = []
    for rule in rules:
        first = [rule.versions_by.tree] if rule.versions_by is not None else []
        for version in rule.versions:
            conds = cost_order([c.tree for c in version.conditions])
            first += conds[:1]
            if rule.versions_by is not None:
                break
        for node in first:
            for n in ast.names(node):
                if n.path[0] == "params" or n.path == ("now",):
                    continue
                path = n.dotted
                fld = vocabulary.fields.get(path)
                cheap = fld is not None and fld.type.kind in ("bool", "str", "int")
                take = [".".join(n.path[:j]) for j in range(1, len(n.path))]
                if cheap and reads.get(path, 0) > 1:
                    take.append(path)
                always += [p for p in take if p not in always]
    return tuple(always)


DECIDER_RUNTIME: dict[str, Any] = {**CONVERTER_RUNTIME, "_U": _UNSET, "_to_bj": to_beijing}


def add_decider(module: ModuleBuilder, rules: list[Rule], vocabulary: Vocabulary, name: str = "decide_all") -> None:
    module.constants["_NO_VERSION"] = (False, None, None, False, None, None)
    # A first pass counts where each field is read: one read needs no cached local.
    scratch = _Fields(ModuleBuilder(module.params), vocabulary)
    _body(ExprGen(scratch.module, field_code=scratch.access), scratch, rules)
    single = frozenset(path for path, n in scratch.reads.items() if n == 1)
    tabled = frozenset(path for path, n in scratch.reads.items()
                       if n > 1 and scratch.table_reads.get(path, 0) == n)
    # `order` is always there (the guard checks it): read first, like what all rules read.
    eager = (("order",) if "order" in scratch.parents else ()) + _up_front(rules, vocabulary, scratch.reads)
    fields = _Fields(module, vocabulary, single, tuple(dict.fromkeys(eager)), tabled)
    body = _body(ExprGen(module, field_code=fields.access), fields, rules)
    names = fields.lazy_names()
    for text in fields.converters:
        module.add_source(text)
    tail = ["    return (" + "".join(f"r{i}, " for i in range(len(rules))) + ")"]
    code = "\n".join(["    " + line for line in fields.prologue] + body + tail)
    # Module globals, not defaults: on 3.11 a specialised global load costs about what a
    # local does, while each default costs every call (measured: 3-5 % with ~20 of them).
    module.add_source(f"def {name}(v, at):\n" + _init(names) + code + "\n")
    # The public fast entry: the same body behind a cheap guard, one call per decision. The
    # guard's `order` is the order object the body reads. Anything unusual (no `at`, not a
    # case, a bad field) goes to `_fallback`, the exact path.
    order = f"_q{fields.parents['order']}" if "order" in fields.parents else "_order"
    prologue = fields.prologue
    if order in fields.ready:   # the guard has read and checked it
        prologue = prologue[3:] if prologue[:1] == [f"{order} = v.get('order')"] else prologue
    code = "\n".join(["    " + line for line in prologue] + body + tail)
    guarded = "\n".join("    " + line if line else line for line in code.split("\n"))
    if re.search(r"\bat\b", code):
        # `at` in Beijing time, converted once per distinct moment (one tuple: safe to share
        # between threads); without it the case's `now` decides, on the exact path.
        moment = ("    if at is None or type(v) is not dict or type({order} := v.get('order')) is not dict:\n"
                  "        return _fallback(v, at)\n"
                  "    pair = _A[0]\n"
                  "    if at is not pair[0]:\n"
                  "        pair = _A[0] = (at, _to_bj(at))\n"
                  "    given, at = pair\n").format(order=order)
    else:   # no rule reads the moment: any `at` gives the same decisions
        moment = (f"    if type(v) is not dict or type({order} := v.get('order')) is not dict:\n"
                  "        return _fallback(v, at)\n"
                  "    given = at\n")
    module.add_source(
        "def decide(v, at=None, _A=[(None, None)]):\n"
        + moment +
        "    try:\n" + _init([n for n in names if n != order], "        ") + guarded + "\n"
        "    except Exception:\n"
        "        return _fallback(v, given)\n")


def _init(names: list[str], indent: str = "    ") -> str:
    return (indent + " = ".join(names) + " = _U\n") if names else ""


def _body(gen: ExprGen, fields: _Fields, rules: list[Rule]) -> list[str]:
    """Each rule's block, in the rulebook's order; rules that begin with the same condition
    (most test the application type first) share one test of it."""
    module = gen.module
    body: list[str] = []
    orders = [cost_order([c.tree for c in rule.versions[0].conditions]) if rule.versions_by is None else []
              for rule in rules]
    groups: dict[str, list[int]] = {}
    for i, conds in enumerate(orders):
        if conds:
            groups.setdefault(unparse(conds[0]), []).append(i)
    done: set[int] = set()
    for i, rule in enumerate(rules):
        if i in done:
            continue
        if rule.versions_by is None:
            members = groups.get(unparse(orders[i][0]), [i]) if orders[i] else [i]
            if len(members) > 1:
                body += _shared_first(gen, fields, [(j, rules[j], orders[j]) for j in members])
                done.update(members)
                continue
            body.append(f"    # {rule.id}")
            body += _version_block(gen, fields, rule.versions[0], orders[i], f"r{i}", "    ", None)
            continue
        body.append(f"    # {rule.id}")
        body.append(f"    _s = {gen.value(rule.versions_by.tree)}")
        fields.mark(gen, rule.versions_by.tree)
        after_selector = set(fields.ready)
        body.append("    if _s is None:")
        body.append(f"        r{i} = _NO_VERSION")
        for version in rule.versions:
            tests = []
            if version.start is not None:
                tests.append(f"{module.constant(version.start)} <= _s")
            if version.until is not None:
                tests.append(f"_s < {module.constant(version.until)}")
            body.append(f"    elif {' and '.join(tests) or 'True'}:")
            body += _version_block(gen, fields, version, cost_order([c.tree for c in version.conditions]),
                                   f"r{i}", "        ", version.name)
            fields.ready = set(after_selector)
        body.append("    else:")
        body.append(f"        r{i} = _NO_VERSION")
    return body


def _shared_first(gen: ExprGen, fields: _Fields, members: list[tuple[int, Rule, list[ast.Expr]]]) -> list[str]:
    """`if first: <each rule's block on the rest> else: <each rule unmatched>`."""
    first = members[0][2][0]
    lines = [f"    # {', '.join(rule.id for _, rule, _ in members)}: all begin with {unparse(first)}",
             f"    if {fields.truth(gen, first)}:"]
    fields.mark(gen, first)
    base = set(fields.ready)
    for i, rule, conds in members:   # each block leaves what its first condition read
        lines.append(f"        # {rule.id}")
        lines += _version_block(gen, fields, rule.versions[0], conds[1:], f"r{i}", "        ", None)
    fields.ready = set(base)   # where the first test failed, no member's block has run
    lines.append("    else:")
    for i, rule, _ in members:
        lines.append(f"        r{i} = (False, {_action(gen, fields, rule.versions[0])}, None, False, None, None)")
    fields.ready = base
    return lines


def _version_block(gen: ExprGen, fields: _Fields, version: Version, conds: list[ast.Expr], target: str,
                   indent: str, name: str | None) -> list[str]:
    # Each condition runs only after the ones before it held; the first always runs.
    base = set(fields.ready)
    tests = []
    for c in conds:
        tests.append(fields.truth(gen, c))
        fields.mark(gen, c)
    match = " and ".join(tests) if conds else "True"
    matched = fields.ready
    fields.ready = base
    if conds:
        fields.mark(gen, conds[0])
    after = fields.ready   # what both branches have read (writing code does not change it)
    # Text in the order it runs: the deadline (matched only), then the action, then outputs,
    # so a read the deadline starts is cached for the action, not read again.
    fields.ready = matched
    deadline = gen.value(version.deadline.tree) if version.deadline is not None else None
    fields.ready = after
    action = _action(gen, fields, version)    # written once, run on both branches
    fields.ready = matched
    lines = [f"{indent}if {match}:"]
    outputs = "(" + "".join(gen.value(o.tree) + ", " for _, o in version.outputs) + ")" if version.outputs else "None"
    if deadline is not None:
        lines.append(f"{indent}    _d = {deadline}")
        lines.append(f"{indent}    {target} = (True, {action}, _d, _d is not None and _d <= at, {name!r}, {outputs})")
    else:
        lines.append(f"{indent}    {target} = (True, {action}, None, False, {name!r}, {outputs})")
    lines.append(f"{indent}else:")
    lines.append(f"{indent}    {target} = (False, {action}, None, False, {name!r}, None)")
    fields.ready = after
    return lines


def _action(gen: ExprGen, fields: _Fields, version: Version) -> str:
    """The first alternative whose `if` holds (the last one is the fallback)."""
    expr = "None"
    for alt in reversed(version.actions):
        if alt.condition is None:
            expr = repr(alt.action)
        else:
            expr = f"({alt.action!r} if {fields.truth(gen, alt.condition.tree)} else {expr})"
    return expr
