"""A first look at a rulebook for the decider, before any code is written: in what groups
the rules are decided, how often each field is read, and what is read up front.

How a field is read depends on how often the decider reads it (once: inline, no local;
more: a local converted on first read; only by enum/flag tables: a raw local). The counts
come from the typed trees, walked in the order and with the folding the generator uses,
so the code is generated once (it was generated twice to count). A count that is off
costs speed, never a decision: every way of reading a field checks it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator

from dsl.lang import ast
from dsl.engine.python.codegen import ExprGen, cost_order
from dsl.lang.interpreter import Env, interpret
from dsl.book.model import Rule, Version
from dsl.lang.unparse import unparse
from dsl.lang.vocabulary import Field, Vocabulary


@dataclass(frozen=True)
class Plan:
    """single: fields read once; tabled: fields read only by table conditions (more than
    once); eager: objects and fields read up front, in order."""

    single: frozenset[str]
    tabled: frozenset[str]
    eager: tuple[str, ...]


@dataclass(frozen=True)
class Unit:
    """What the body decides in one piece: one rule (`members` of one), or rules that begin
    with the same condition (`shared`), or a rule with versions chosen by a selector."""

    members: tuple[tuple[int, Rule, tuple[ast.Expr, ...]], ...]
    shared: bool = False
    versioned: bool = False


def units(rules: list[Rule]) -> Iterator[Unit]:
    """Each rule once, in the rulebook's order; rules that begin with the same condition
    (most test the application type first) come together at the first of them."""
    orders = [tuple(cost_order([c.tree for c in rule.versions[0].conditions])) if rule.versions_by is None else ()
              for rule in rules]
    groups: dict[str, list[int]] = {}
    for i, conds in enumerate(orders):
        if conds:
            groups.setdefault(unparse(conds[0]), []).append(i)
    done: set[int] = set()
    for i, rule in enumerate(rules):
        if i in done:
            continue
        if rule.versions_by is not None:
            yield Unit(((i, rule, ()),), versioned=True)
            continue
        members = groups.get(unparse(orders[i][0]), [i]) if orders[i] else [i]
        done.update(members)
        yield Unit(tuple((j, rules[j], orders[j]) for j in members), shared=len(members) > 1)


def plan_reads(gen: ExprGen, rules: list[Rule], plan_units: list[Unit], vocabulary: Vocabulary) -> Plan:
    """How each field is read, from the reads the body of `plan_units` will make."""
    counter = _Counter(gen, vocabulary)
    for unit in plan_units:
        counter.unit(unit)
    reads, table_reads = counter.reads, counter.table_reads
    single = frozenset(path for path, n in reads.items() if n == 1)
    tabled = frozenset(path for path, n in reads.items() if n > 1 and table_reads.get(path, 0) == n)
    order = ("order",) if any(path.startswith("order.") for path in reads) else ()
    return Plan(single, tabled, tuple(dict.fromkeys(order + _up_front(rules, vocabulary, reads))))


class _Counter:
    """The reads the generator will make, counted as it will make them."""

    def __init__(self, gen: ExprGen, vocabulary: Vocabulary):
        self.gen, self.vocabulary = gen, vocabulary
        self.reads: dict[str, int] = {}
        self.table_reads: dict[str, int] = {}   # reads by conditions that could be tables

    def unit(self, unit: Unit) -> None:
        if unit.versioned:
            rule = unit.members[0][1]
            self.value(rule.versions_by.tree)   # type: ignore[union-attr]
            for version in rule.versions:
                self.version(version, cost_order([c.tree for c in version.conditions]))
            return
        if unit.shared:
            self.truth(unit.members[0][2][0])
        for _, rule, conds in unit.members:
            self.version(rule.versions[0], list(conds[1:] if unit.shared else conds))
        if unit.shared:   # each member's action again, where the shared test failed
            for _, rule, _ in unit.members:
                self.action(rule.versions[0])

    def version(self, version: Version, conds: list[ast.Expr]) -> None:
        for c in conds:
            self.truth(c)
        if version.deadline is not None:
            self.value(version.deadline.tree)
        self.action(version)
        for _, out in version.outputs:
            self.value(out.tree)

    def action(self, version: Version) -> None:
        for alt in reversed(version.actions):
            if alt.condition is not None:
                self.truth(alt.condition.tree)

    def value(self, node: ast.Expr) -> None:
        for path in self._paths(node):
            self.reads[path] = self.reads.get(path, 0) + 1

    def truth(self, node: ast.Expr) -> None:
        self.value(node)
        path = only_field(node)
        fld = self.vocabulary.fields.get(path) if path else None
        if fld is not None and finite(fld) and not self.gen.folded(node)[0] and path is not None \
                and table_domain(self.gen, node, path, fld) is not None:
            self.table_reads[path] = self.table_reads.get(path, 0) + len(self._paths(node))

    def _paths(self, node: ast.Expr) -> list[str]:
        """The fields the code for `node` reads, once per read (folded parts read nothing)."""
        found: list[str] = []
        stack = [node]
        while stack:
            n = stack.pop()
            if self.gen.folded(n)[0]:
                continue
            if isinstance(n, ast.Name):
                if n.reads_case:
                    found.append(n.dotted)
                continue
            stack.extend(ast.children(n))
        return found


def table_domain(gen: ExprGen, node: ast.Expr, path: str, fld: Field) -> tuple[list[Any], list[Any]] | None:
    """(every value the field can take, those for which `node` holds), or None when some
    value is one the expression cannot take (then no table: plain code)."""
    domain: list[Any] = [None, True, False] if fld.type.kind == "bool" else [None, *sorted(fld.type.values)]
    try:
        return domain, [x for x in domain if interpret(node, Env({path: x}, gen.module.params, None)) is True]
    except Exception:  # noqa: BLE001
        return None


def first_read(gen: ExprGen, node: ast.Expr) -> str | None:
    """The field whose read the generated code for `node` always starts with, when that is
    sure (operands are evaluated left to right; a null-guarded operand first)."""
    if gen.folded(node)[0]:
        return None
    match node:
        case ast.Name():
            return node.dotted if node.reads_case else None
        case ast.Compare(left=left, right=right) | ast.Binary(left=left, right=right):
            is_const, value = gen.folded(left)
            if is_const:   # a null on the left decides without reading the right
                return None if value is None else first_read(gen, right)
            return None if gen.nonnull(left) else first_read(gen, left)
        case ast.Call(args=args) if args:
            return None if gen.nonnull(args[0]) else first_read(gen, args[0])
        case ast.Logical(items=items):
            return first_read(gen, items[0])
        case ast.Unary(operand=operand):
            return first_read(gen, operand)
        case ast.Cond(test=test):
            return first_read(gen, test)
    return None


def only_field(node: ast.Expr) -> str | None:
    """The one case field a condition reads (no `now`), else None."""
    names = ast.names(node)
    if any(n.kind == "now" for n in names):
        return None
    paths = {n.dotted for n in names if n.reads_case}
    return paths.pop() if len(paths) == 1 else None


def finite(fld: Field) -> bool:
    return fld.type.kind == "bool" or (fld.type.kind == "str" and fld.type.values is not None
                                       and len(fld.type.values) <= 256)


def _up_front(rules: list[Rule], vocabulary: Vocabulary, reads: dict[str, int]) -> tuple[str, ...]:
    """What every decision reads: the objects and cheap fields of each rule's first
    condition (and of the version selector). Cheap fields read only once stay inline."""
    always: list[str] = []
    for rule in rules:
        first = [rule.versions_by.tree] if rule.versions_by is not None else []
        for version in rule.versions:
            first += cost_order([c.tree for c in version.conditions])[:1]
            if rule.versions_by is not None:
                break
        for node in first:
            for n in ast.names(node):
                if not n.reads_case:
                    continue
                fld = vocabulary.fields.get(n.dotted)
                take = [".".join(n.path[:j]) for j in range(1, len(n.path))]
                if fld is not None and fld.type.kind in ("bool", "str", "int") and reads.get(n.dotted, 0) > 1:
                    take.append(n.dotted)
                always += [p for p in take if p not in always]
    return tuple(always)
