"""Generate one Python function that decides every rule of a rulebook in a single pass.

`decide_or_raise(doc, at)` reads the raw case document and returns, per rule,
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
values in every field (tests/engine/test_fuzz.py). `decide(v, at)` is the public fast entry: the
same body behind a guard, falling back to the exact path on anything unusual.

How it is written (the pattern of jinja's `CodeGenerator`): the code is generated once, in
the order it runs. A `Frame` says what the code being written can rely on (the locals
certainly assigned there); it is copied for each branch and the copies are merged after
(what every branch assigned). A first look at the rules (dsl/engine/python/decider_plan.py, no code written)
counts the reads of each field, which decides how each is read. One allocator (`Names`) makes
every name; the `Emitter` (dsl/engine/python/emitter.py) lays the code out, one condition per line.
bench/show_decider.py prints it; tests/golden/decider/ holds it for the fixture rulebooks;
runtime.generate compiles it with `emitter.compile_generated` (the layout costs no instruction).

Names in the generated code (tests/engine/test_decider_golden.py checks every local against this):
  v, at            the arguments: the raw case document, the moment in Beijing time
  given, pair, _A  `decide` only: `at` as passed, and the last moment converted (one tuple)
  o_<path>         a case object (dict) on the path, read once
  f_<path>         a field's checked, converted value; `_U` until read where not certain
  x_<key>          a raw value, before its check (a walrus temporary; `_2`... when keys repeat)
  _t<n>            a temporary of an expression (codegen.ExprGen)
  r<i>             the decision of the rulebook's i-th rule
  _d, _s           the deadline of the version that matched; the version selector's value
Module globals:
  _F<i>, _E<i>     the i-th field read (a vocabulary Field) and its enum's allowed values
  _v<i>            the exact converter of field i (raises on a bad value; converters.py writes it)
  _T<n>            a table: enum value -> whether the condition holds (KeyError: not in the enum)
  _k<n>            a constant (codegen.ModuleBuilder); _NO_VERSION no version applies;
  _U               'not read yet' (namespace.py); _slow, _obj, _D, _fromiso, ... helpers (cases/converters.py)
"""
from __future__ import annotations

import re
from contextlib import contextmanager
from typing import Iterator

from dsl.lang import ast
from dsl.engine.python.codegen import ExprGen, ModuleBuilder, cost_order
from dsl.cases.converters import money_shape, timestamp_shape, valid_check, value_converter_source
from dsl.engine.python.decider_frame import Frame, Names
from dsl.engine.python.decider_plan import Plan, Unit, finite, first_read, only_field, plan_reads, table_domain, units
from dsl.engine.python.emitter import WIDTH, Emitter, lay_out
from dsl.lang.interpreter import Env, interpret
from dsl.book.model import Rule, Version
from dsl.lang.unparse import unparse
from dsl.lang.vocabulary import Field, Vocabulary




class _Reads:
    """How each field read is written, given the plan and the current frame.

    What every decision reads anyway is read once, up front (`prologue`), and checked
    there: the rules then test plain locals. A field read just once is read where it is
    used. Other fields are locals converted on first read (`_U` until then). A condition
    on one enum or flag field becomes a table lookup or identity test that also checks the
    value. Anything not well-formed goes to the exact check in cases/kinds.py, which raises
    FieldError: the caller then decides rule by rule on the slow path.
    """

    def __init__(self, module: ModuleBuilder, names: Names, plan: Plan):
        self.module, self.names, self.plan = module, names, plan
        self.converters: list[str] = []   # source of the exact converters `_v<i>`, once each
        self.emitted: set[int] = set()    # the i of each converter written
        self.written: set[str] = set()    # locals some code written so far assigns
        self.unset: set[str] = set()      # locals read with a test for `_U`
        self.frame = Frame()

    @contextmanager
    def at(self, frame: Frame) -> Iterator[Frame]:
        """Write code that runs where `frame` holds (ExprGen calls back into `access`)."""
        outer, self.frame = self.frame, frame
        try:
            yield frame
        finally:
            self.frame = outer

    def parent(self, path: str) -> str:
        """The object at `path` (a dict, `_EMPTY` when absent), read once."""
        if not path:
            return "v"
        name = self.names.obj(path)
        if name in self.frame.ready:
            return name
        head, _, key = path.rpartition(".")
        container, x = self.parent(head), self.names.raw(path, of_object=True)
        read = f"({x} if type({x} := {container}.get({key!r})) is dict else _obj({container}, {key!r}, {path!r}))"
        return self._cached(name, read)

    def raw(self, path: str) -> str:
        """The field's value as the document has it (for tests that check it themselves)."""
        self.names.number(path)
        head, _, key = path.rpartition(".")
        return f"{self.parent(head)}.get({key!r})"

    def access(self, path: str) -> str:
        """The field's checked value (ExprGen's `field_code`)."""
        i = self.names.number(path)
        name = self.names.value(path)
        if name in self.frame.ready and path not in self.plan.tabled:
            return name
        head, _, key = path.rpartition(".")
        raw = name if name in self.frame.ready else f"{self.parent(head)}.get({key!r})"
        if path in self.plan.single or path in self.plan.tabled:   # tabled: the local is raw
            return self.convert(i, path, raw)
        return self._cached(name, self.convert(i, path, raw))

    def _cached(self, name: str, read: str) -> str:
        """A local read once. The first place written assigns it plainly (harmless where it is
        already set: the same value again); every later place tests for `_U`, and only
        names so tested start as `_U`. Whether a plain read is safe is the frame's business,
        which follows the branches, not the order of the text."""
        if name not in self.written:
            self.written.add(name)
            return f"({name} := {read})"
        self.unset.add(name)
        return f"({name} if {name} is not _U else ({name} := {read}))"

    def convert(self, i: int, path: str, raw: str) -> str:
        fld: Field = self.module.constants[f"_F{i}"]
        r = self.names.raw(path)
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

    def mark(self, gen: ExprGen, node: ast.Expr) -> None:
        """After code for `node` has run: what its first read assigned is certainly there."""
        path = first_read(gen, node)
        if path is None:
            return
        parts = path.split(".")
        for j in range(1, len(parts)):
            head = ".".join(parts[:j])
            if self.names.has_obj(head):
                self.frame.ready.add(self.names.obj(head))
        if path in self.names.index and path not in self.plan.single:
            self.frame.ready.add(self.names.value(path))

    def truth(self, gen: ExprGen, node: ast.Expr) -> str:
        """The truth form of a condition; on one enum or flag field, a table lookup (enum) or
        identity tests (flag) that check the value as they test it."""
        path = only_field(node)
        fld = self.names.vocabulary.fields.get(path) if path else None
        if fld is not None and path is not None and fld.type.kind == "int" and path in self.plan.single:
            return self._count_test(gen, node, path, fld)
        if fld is None or path is None or not finite(fld) or gen.folded(node)[0]:
            return gen.truth(node)
        table = table_domain(gen, node, path, fld)
        if table is None or (path not in self.plan.single and path not in self.plan.tabled):
            return gen.truth(node)
        domain, holds = table
        i = self.names.number(path)
        name = self.names.value(path)
        if path in self.plan.single:
            raw = self.raw(path)
        elif name in self.frame.ready:   # several tables read the raw value: one local
            raw = name
        else:
            raw = self._cached(name, self.raw(path))
        if fld.type.kind == "str":
            return f"{self.names.table({x: x in holds for x in domain})}[{raw}]"   # KeyError -> the exact path
        r = self.names.raw(path)
        others = [x for x in domain if x not in holds]
        test = " or ".join(f"{r} is {x!r}" for x in holds)
        bad = " and ".join([f"{r} is not {x!r}" for x in others] + [f"_slow(_F{i}, {r})"])
        first = f"({r} := {raw})"
        if holds:
            return "(" + test.replace(r, first, 1) + f" or ({bad}))"
        return "(" + bad.replace(r, first, 1) + ")"

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
        i = self.names.number(path)
        r = self.names.raw(path)
        valid = valid_check(fld, self.module.constants, r, f"_E{i}")
        assert valid is not None, path
        known = _Known(self.module, path, r, gen.counter)
        test = known.truth(node)
        gen.counter = known.counter
        first = valid.replace(f"type({r})", f"type({r} := {self.raw(path)})", 1)
        again = f"(({r} := _slow(_F{i}, {r})) is not None and {test})"
        return f"(({first}) and {test} or {r} is not None and not ({valid}) and {again})"


class _Known(ExprGen):
    """ExprGen for a condition whose one field is already a checked, present local."""

    def __init__(self, module: ModuleBuilder, path: str, local: str, counter: int):
        super().__init__(module, field_code=lambda p: local)
        self.path, self.counter = path, counter

    def nonnull(self, node: ast.Expr) -> bool:
        return (isinstance(node, ast.Name) and node.dotted == self.path) or super().nonnull(node)


def _prologue(out: Emitter, reads: _Reads, eager: tuple[str, ...]) -> None:
    """Read and check, once, what every decision reads; the frame then holds those locals."""
    for path in eager:
        head, _, key = path.rpartition(".")
        fld = reads.names.vocabulary.fields.get(path)
        if fld is None or fld.type.kind == "object":     # an object the rules read into
            name, container = reads.names.obj(path), reads.parent(head)
            out.writeline(f"{name} = {container}.get({key!r})")
            with out.block(f"if type({name}) is not dict"):
                out.writeline(f"{name} = _obj({container}, {key!r}, {path!r})")
        else:
            i, name = reads.names.number(path), reads.names.value(path)
            out.writeline(f"{name} = {reads.parent(head)}.get({key!r})")
            if path not in reads.plan.tabled:   # else every test of it is a table that checks it
                check = valid_check(fld, reads.module.constants, name, f"_E{i}")
                assert check is not None, path
                # the exact check's value, not the raw one: 2.0 in a JSON case is the count 2
                with out.block(f"if {name} is not None and not ({check})"):
                    out.writeline(f"{name} = _slow(_F{i}, {name})")
        reads.frame.ready.add(name)


def _body(out: Emitter, gen: ExprGen, reads: _Reads, groups: list[Unit]) -> None:
    """Each rule's block, in the rulebook's order (rules that share a first test, together)."""
    for unit in groups:
        if unit.versioned:
            _versioned(out, gen, reads, unit.members[0][0], unit.members[0][1])
        elif unit.shared:
            _shared_first(out, gen, reads, unit)
        else:
            i, rule, conds = unit.members[0]
            out.comment(rule.id)
            _version_block(out, gen, reads, rule.versions[0], list(conds), f"r{i}", None)


def _versioned(out: Emitter, gen: ExprGen, reads: _Reads, i: int, rule: Rule) -> None:
    """`_s = selector`, then one branch per version whose span holds `_s`."""
    out.comment(rule.id)
    out.writeline(f"_s = {gen.value(rule.versions_by.tree)}")   # type: ignore[union-attr]
    reads.mark(gen, rule.versions_by.tree)                      # type: ignore[union-attr]
    selected = reads.frame
    with out.block("if _s is None"):
        out.writeline(f"r{i} = _NO_VERSION")
    for version in rule.versions:
        tests = []
        if version.start is not None:
            tests.append(f"{gen.module.constant(version.start)} <= _s")
        if version.until is not None:
            tests.append(f"_s < {gen.module.constant(version.until)}")
        with out.if_block("elif", tests), reads.at(selected.branch()):
            conds = cost_order([c.tree for c in version.conditions])
            _version_block(out, gen, reads, version, conds, f"r{i}", version.name)
    with out.block("else"):
        out.writeline(f"r{i} = _NO_VERSION")


def _shared_first(out: Emitter, gen: ExprGen, reads: _Reads, unit: Unit) -> None:
    """`if first: <each rule's block on the rest> else: <each rule unmatched>`."""
    first = unit.members[0][2][0]
    out.comment(f"{', '.join(rule.id for _, rule, _ in unit.members)}: all begin with {unparse(first)}")
    test = reads.truth(gen, first)
    reads.mark(gen, first)   # the test runs on both branches
    before = reads.frame
    with out.if_block("if", [test]), reads.at(before.branch()):
        for i, rule, conds in unit.members:   # each block leaves what its first condition read
            out.comment(rule.id)
            _version_block(out, gen, reads, rule.versions[0], list(conds[1:]), f"r{i}", None)
    with out.block("else"), reads.at(before.branch()):   # no member's block has run
        for i, rule, _ in unit.members:
            out.writeline(f"r{i} = (False, {_action(gen, reads, rule.versions[0])}, None, False, None, None)")
    # after the `if`, what both branches assigned: what `before` held, as it stands


def _version_block(out: Emitter, gen: ExprGen, reads: _Reads, version: Version, conds: list[ast.Expr],
                   target: str, name: str | None) -> None:
    """`if <conditions>: target = matched ... else: target = unmatched`. Each condition runs
    only after the ones before it held; the first always runs, so after the block what it
    read is there on both branches."""
    tested = reads.frame.branch()
    with reads.at(tested.branch()) as matched:
        tests = []
        for c in conds:
            tests.append(reads.truth(gen, c))
            reads.mark(gen, c)
    if conds:
        with reads.at(tested):
            reads.mark(gen, conds[0])
    # Text in the order it runs: the deadline (matched only), then the action, then outputs,
    # so a read the deadline starts is cached for the action, not read again.
    with reads.at(matched):
        deadline = gen.value(version.deadline.tree) if version.deadline is not None else None
    with reads.at(tested):
        action = _action(gen, reads, version)    # written once, run on both branches
    with reads.at(matched):
        outputs = "(" + "".join(gen.value(o.tree) + ", " for _, o in version.outputs) + ")" if version.outputs else "None"
    with out.if_block("if", tests):
        if deadline is not None:
            out.writeline(f"_d = {deadline}")
            out.writeline(f"{target} = (True, {action}, _d, _d is not None and _d <= at, {name!r}, {outputs})")
        else:
            out.writeline(f"{target} = (True, {action}, None, False, {name!r}, {outputs})")
    with out.block("else"):
        out.writeline(f"{target} = (False, {action}, None, False, {name!r}, None)")
    reads.frame.ready.update(Frame.merge(matched, tested).ready)   # = tested: matched only adds


def _action(gen: ExprGen, reads: _Reads, version: Version) -> str:
    """The first alternative whose `if` holds (the last one is the fallback)."""
    expr = "None"
    for alt in reversed(version.actions):
        if alt.condition is None:
            expr = repr(alt.action)
        else:
            expr = f"({alt.action!r} if {reads.truth(gen, alt.condition.tree)} else {expr})"
    return expr




def add_decider(module: ModuleBuilder, rules: list[Rule], vocabulary: Vocabulary, name: str = "decide_or_raise",
                width: int | None = WIDTH) -> None:
    """Add `decide_or_raise(v, at)` and `decide(v, at=None)` to `module` (the body generated once,
    written into both); `width=None` writes each statement on one line (same bytecode)."""
    module.constants["_NO_VERSION"] = (False, None, None, False, None, None)
    gen = ExprGen(module)
    groups = list(units(rules))
    plan = plan_reads(gen, rules, groups, vocabulary)
    names = Names(module, vocabulary)
    reads = _Reads(module, names, plan)
    gen.field_code = reads.access
    order_read, prologue, body = Emitter(), Emitter(), Emitter()
    guard_reads_order = plan.eager[:1] == ("order",)
    _prologue(order_read, reads, plan.eager[:1] if guard_reads_order else ())
    _prologue(prologue, reads, plan.eager[1:] if guard_reads_order else plan.eager)
    _body(body, gen, reads, groups)
    lazy = sorted(reads.unset - set(plan_names(reads, plan.eager)))
    for text in reads.converters:
        module.add_source(lay_out(text, width))
    result = "return (" + "".join(f"r{i}, " for i in range(len(rules))) + ")"
    # Module globals, not defaults: on 3.11 a specialised global load costs about what a
    # local does, while each default costs every call (measured: 3-5 % with ~20 of them).
    # laid out once, at the depth of `decide` (inside its `try`), and moved out a level for
    # `decide_or_raise`: every line of it starts with at least two levels of indentation
    code = [*prologue.render(2, width), *body.render(2, width), "        " + result]
    lines = [f"def {name}(v, at):", *_init(lazy, 1, width), *order_read.render(1, width), *(c[4:] for c in code)]
    module.add_source("\n".join(lines) + "\n")
    order = names.obj("order")
    module.add_source("\n".join([*_guard(order, body), *_init([n for n in lazy if n != order], 2, width), *code,
                                 "    except Exception:", "        return _fallback(v, given)"]) + "\n")


def plan_names(reads: _Reads, eager: tuple[str, ...]) -> list[str]:
    """The locals the prologue assigns."""
    fields = reads.names.vocabulary.fields
    return [reads.names.value(p) if p in fields and fields[p].type.kind != "object" else reads.names.obj(p)
            for p in eager]


def _guard(order: str, body: Emitter) -> list[str]:
    """The head of the public fast entry: anything unusual (no `at`, not a case, a bad
    field) goes to `_fallback`, the exact path. The guard's `order` is the order object
    the body reads."""
    if any(re.search(r"\bat\b", str(item)) for _, _, item in body.ops):
        # `at` in Beijing time, converted once per distinct moment (one tuple: safe to share
        # between threads); without it the case's `now` decides, on the exact path.
        head = [f"    if at is None or type(v) is not dict or type({order} := v.get('order')) is not dict:",
                "        return _fallback(v, at)",
                "    pair = _A[0]",
                "    if at is not pair[0]:",
                "        pair = _A[0] = (at, _to_bj(at))",
                "    given, at = pair"]
    else:   # no rule reads the moment: any `at` gives the same decisions
        head = [f"    if type(v) is not dict or type({order} := v.get('order')) is not dict:",
                "        return _fallback(v, at)",
                "    given = at"]
    return ["def decide(v, at=None, _A=[(None, None)]):", *head, "    try:"]


def _init(names: list[str], level: int, width: int | None) -> list[str]:
    """`a = b = ... = _U`, continued with backslashes past the width (one statement)."""
    if not names:
        return []
    pad = "    " * level
    lines, line = [], pad
    for name in names:
        if width is not None and line.strip() and len(line) + len(name) + 4 > width:
            lines.append(line + "\\")
            line = pad + "    "
        line += f"{name} = "
    return lines + [line + "_U"]
