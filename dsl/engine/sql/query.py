"""A rulebook as one SQL query: every rule of every case, decided as the Python engine decides.

The query has four layers (common table expressions), each one projection over the last:
- `raw`: each field's JSON kind and text, read once per case document;
- `typed`: each field checked (fields.py) into a value, a `bad` flag and a problem path,
  and the moment of evaluation `_at` (`--at`, else the case's `now`, else the clock given);
- `decided`: per rule the columns of its decision (exprs.py compiles every expression),
  with the rule-level semantics of `engine/python/runtime.py`: the version in effect at the
  rule's moment, `matched` when every condition holds, an `error` naming the bad fields
  when the outcome hangs on them, the action of the first alternative that holds, the
  deadline and outputs of a matched rule, `due` when the deadline is at or before `_at`;
- the result: one row per case, or (`long=True`) one per case and rule.

Per rule `r` the wide result has `r_matched` (NULL when undecided), `r_action`,
`r_deadline` (epoch microseconds), `r_due`, `r_version`, `r_outputs` (a JSON object as text)
and `r_error` (the paths the outcome hangs on, `; `-separated).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlglot import exp

from dsl.book.model import ExprRef, Rulebook, Version
from dsl.diagnostics import Diagnostic, Phrase
from dsl.engine.sql import calendar as cal
from dsl.engine.sql.build import alias, and_, case, coalesce, col, concat, eq, gte, if_, is_null, lt, lte, not_, not_null, or_
from dsl.engine.sql.dialect import Dialect, lit
from dsl.engine.sql.exprs import ExprSql
from dsl.engine.sql.fieldstages import FieldStages, moment_literal
from dsl.engine.sql.svalue import FieldRef, Layers, Sv, Unsupported, json_text, needs_python
from dsl.engine.sql.fields import field_columns
from dsl.engine.sql.reading import Reader, reader
from dsl.lang import ir
from dsl.lang.lower import lower
from dsl.lang.vocabulary import Vocabulary

ROW = "_row"


@dataclass
class RuleColumns:
    """The names of one rule's result columns in the wide result; `outputs_kinds` lists its
    outputs (name, kind), whose values are the columns `<prefix>_o<j>`."""

    rule: str
    prefix: str
    outputs_kinds: list[tuple[str, str]] = field(default_factory=list)
    const_outputs: list[str] = field(default_factory=list)    # outputs constant in every version: `_o<j>_json`

    def __getattr__(self, name: str) -> str:   # matched, action, deadline, due, version, outputs, error
        if name.startswith("_"):
            raise AttributeError(name)
        return f"{self.prefix}_{name}"


@dataclass
class CompiledQuery:
    """A rulebook's query for one dialect; `diagnostics` lists what could not be compiled."""

    dialect: Dialect
    tree: exp.Expression | None
    rules: list[RuleColumns] = field(default_factory=list)
    outputs: dict[str, list[list[str]]] = field(default_factory=dict)   # rule -> per version its output names
    versions: dict[str, list[str | None]] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)

    def sql(self, pretty: bool = True) -> str:
        assert self.tree is not None
        return self.dialect.render(self.tree, pretty=pretty)


def carried_column(path: str) -> str:
    """The column of `decided` holding the value of a carried field (QueryBuilder's `carry`)."""
    return "_carry_" + path.replace(".", "_")


class QueryBuilder:
    """Builds the query of a rulebook over a table of case documents (a JSON text column)."""

    def __init__(self, book: Rulebook, params: dict[str, Any], vocabulary: Vocabulary, d: Dialect,
                 source: exp.Expression, doc_column: str | None = "doc", keep: tuple[str, ...] = (),
                 at: datetime | None = None, clock: datetime | None = None, at_column: str | None = None,
                 check_all: bool = False, read_with: Reader | None = None, carry: tuple[str, ...] = ()):
        self.book, self.params, self.vocabulary, self.d = book, params, vocabulary, d
        self.source, self.doc_column, self.keep = source, doc_column, keep
        self.at, self.clock, self.at_column = at, clock, at_column
        self.check_all = check_all     # check every field of the vocabulary, not only those read
        self.carry = carry             # fields whose values `decided` keeps as `_carry_<path>` (carried_column)
        self.diagnostics: list[Diagnostic] = []
        self.paths: dict[str, None] = {}
        # how fields are read: from a JSON text column, or (tables.py) from typed columns, doc_column None
        self.reader = read_with if read_with is not None else reader(d)

    # -- reading fields -------------------------------------------------------------------
    def _lower(self, ref: ExprRef) -> ir.Node:
        node = lower(ref.tree, self.params)
        for n in ir.walk(node):
            if isinstance(n, ir.Field):
                self.paths[n.path] = None
        return node

    def build(self, long: bool = False, no_case_lang: str | None = None) -> CompiledQuery:
        """The query; `long`: one row per case and rule. With `no_case_lang` (en, zh), a
        document that is no case (not JSON the Python reader reads, no order, another
        platform) has its rows too, the reason in `error` in that language (`rulebook sql`:
        nothing the table holds vanishes); without it, such a document has no rows (the
        callers that count or report those documents themselves)."""
        lowered = [(rule, [(v, self._version_nodes(v)) for v in rule.versions],
                    self._lower(rule.versions_by) if rule.versions_by is not None else None)
                   for rule in self.book.rules]
        self.reader.rules_read(list(self.paths))
        for path in ("id", "now", "platform"):
            if path in self.vocabulary.fields:
                self.paths.setdefault(path, None)
        for path, fld in self.vocabulary.fields.items():   # every object: its keys are checked
            if fld.type.kind == "object":
                self.paths.setdefault(path, None)
        if self.check_all:
            for path in self.vocabulary.fields:
                self.paths.setdefault(path, None)
        for path in self.carry:
            if path in self.vocabulary.fields:
                self.paths.setdefault(path, None)
        paths = field_columns(self.vocabulary, list(self.paths))
        index = {p: i for i, p in enumerate(paths)}
        refs = {p: FieldRef(col(f"v{i}"), col(f"b{i}"), col(f"p{i}")) for p, i in index.items()}
        self.layers = Layers()
        gen = ExprSql(self.d, lambda path: refs[path], col("_at"), self.layers,
                      lambda path: self.vocabulary.fields[path].decimals)
        query = CompiledQuery(self.d, None)
        selects: list[exp.Expression] = [col(k) for k in self.keep] + [col("_id"), col("_at"), col("_nowbad"), col("_fatal"),
                                                                       col("_dirty"), col("_doc")]
        selects += [col(self.doc_column)] if self.doc_column else []
        selects += [alias(col(f"v{index[p]}"), carried_column(p), quoted=True) for p in self.carry if p in index]
        for ri, (rule, versions, by) in enumerate(lowered):
            names = RuleColumns(rule.id, f"r{ri}")
            query.rules.append(names)
            query.versions[rule.id] = [v.name for v, _ in versions]
            query.outputs[rule.id] = [[name for name, _ in v.outputs] for v, _ in versions]
            try:
                selects.extend(self._rule(gen, rule, versions, by, names))
            except Unsupported as exc:
                self._unsupported(rule, versions, by, exc)
        query.diagnostics = self.diagnostics
        if self.diagnostics:
            return query
        fields = FieldStages(self)
        stages: list[tuple[str, exp.Expression]] = fields.read(paths)
        stages += fields.typed(paths, index)
        for level in sorted(self.layers.columns):
            named = [alias(e, name, quoted=True) for name, e in self.layers.columns[level]]
            stages.append((f"l{level}", exp.select(exp.Star(), *named).from_(stages[-1][0], copy=False)))
        stages.append(("decided", exp.select(*selects).from_(stages[-1][0], copy=False)))
        tree = self._long(query, no_case_lang) if long else exp.select("*").from_("decided", copy=False)
        for name, stage in stages:
            # the long form reads `decided` once per rule: computed once where the engine can be told
            materialized = long and name == "decided" and self.d.materialized_ctes
            tree = tree.with_(name, stage, copy=False, materialized=materialized or None)
        query.tree = tree
        return query

    def _version_nodes(self, v: Version) -> dict[str, Any]:
        return {
            "conditions": [self._lower(c) for c in v.conditions],
            "actions": [(a.action, self._lower(a.condition) if a.condition is not None else None) for a in v.actions],
            "deadline": self._lower(v.deadline) if v.deadline is not None else None,
            "outputs": [(name, self._lower(ref)) for name, ref in v.outputs],
        }

    # -- rules ----------------------------------------------------------------------------
    def _rule(self, gen: ExprSql, rule: Any, versions: list[tuple[Version, dict[str, Any]]], by: ir.Node | None,
              names: RuleColumns) -> list[exp.Expression]:
        """The decision columns of one rule (runtime._rule_result, as SQL)."""
        d = self.d
        empty = d.empty_list()
        # the version in effect at the rule's moment
        if by is not None:
            moment = gen.sub(by)
            by_hangs = moment.und
            by_probs = moment.probs or empty
            picks = []
            for vi, (v, _) in enumerate(versions):
                bounds = [not_null(moment.val)]
                if v.start is not None:
                    bounds.append(lte(moment_literal(v.start), moment.val))
                if v.until is not None:
                    bounds.append(lt(moment.val, moment_literal(v.until)))
                picks.append((and_(*bounds), lit(vi)))
            chosen = self.layers.bind(1000, case(picks, lit(-1)))
        else:
            by_hangs, by_probs, chosen = exp.false(), empty, lit(0)
        per_version = [self._version(gen, v, nodes) for v, nodes in versions]

        def pick(key: str, default: exp.Expression) -> exp.Expression:
            if len(per_version) == 1 and by is None:
                return per_version[0][key]
            return case([(eq(chosen, lit(vi)), pv[key]) for vi, pv in enumerate(per_version)], default)

        b = self.layers.bind
        output_names = list(dict.fromkeys(n for pv in per_version for n in pv["outputs"]))
        output_kinds: dict[str, str] = {}
        for pv in per_version:
            for n, sv in pv["outputs"].items():
                if output_kinds.setdefault(n, sv.kind) != sv.kind and "null" not in (sv.kind, output_kinds[n]):
                    raise Unsupported(versions_nodes_output(versions, n), "output")
                if output_kinds[n] == "null":
                    output_kinds[n] = sv.kind
        names.outputs_kinds = [(n, output_kinds[n]) for n in output_names]

        def pick_output(n: str) -> exp.Expression:
            if len(per_version) == 1 and by is None:
                sv = per_version[0]["outputs"].get(n)
                return sv.val if sv is not None else exp.Null()
            return case([(eq(chosen, lit(vi)), pv["outputs"][n].val) for vi, pv in enumerate(per_version)
                         if n in pv["outputs"]], exp.Null())

        const_json: dict[str, exp.Expression] = {}
        for n in output_names:
            nodes_for = [dict(nodes["outputs"]).get(n) for _, nodes in versions]
            if all(isinstance(x, ir.Const) or x is None for x in nodes_for):
                texts = [lit(_const_json(x.value)) if x is not None else lit("null") for x in nodes_for]
                const_json[n] = texts[0] if len(texts) == 1 and by is None else case(
                    [(eq(chosen, lit(vi)), t) for vi, t in enumerate(texts)], lit("null"))
        names.const_outputs = [n for n in output_names if n in const_json]

        # no moment (no --at, no `now` in the case, no clock given): nothing is decided
        no_moment = is_null(col("_at"))
        if rule.reads_moment:   # a bad `now` nothing replaces: no moment for this rule either
            no_moment = or_(no_moment, col("_nowbad"))
        hang = b(1001, or_(no_moment, by_hangs, and_(not_(by_hangs), pick("hang", exp.false()))))
        probs = b(1001, case([(no_moment, exp.Array(expressions=[lit("now")])), (by_hangs, by_probs)],
                             pick("probs", empty)))
        matched = b(1001, pick("matched", exp.false()))
        error = if_(hang, d.join(d.sorted_distinct(probs), "; "))
        no_version = eq(chosen, lit(-1))
        version = pick("version", exp.Null())
        return [
            alias(if_(not_(hang), matched), names.matched, quoted=True),
            alias(if_(or_(hang, no_version), exp.Null(), pick("action", exp.Null())), names.action, quoted=True),
            alias(if_(and_(not_(hang), matched), pick("deadline", exp.Null())), names.deadline, quoted=True),
            alias(coalesce(and_(not_(hang), matched, gte(col("_at"), pick("deadline", exp.Null()))), exp.false()),
                       names.due, quoted=True),
            alias(if_(or_(hang, no_version), exp.Null(), version), names.version, quoted=True),
            alias(error, names.error, quoted=True),
            *[alias(if_(and_(not_(hang), matched), pick_output(n)), f"{names.prefix}_o{j}", quoted=True)
              for j, n in enumerate(output_names)],
            *[alias(const_json[n], f"{names.prefix}_o{j}_json", quoted=True)
              for j, n in enumerate(output_names) if n in const_json],
        ]

    def _version(self, gen: ExprSql, v: Version, nodes: dict[str, Any]) -> dict[str, exp.Expression]:
        d = self.d
        empty = d.empty_list()
        conds = [gen.sub(n) for n in nodes["conditions"]]
        # matches(): one condition that does not hold settles it; else any that hangs is an error
        fails = or_(*[not_(or_(gen.holds(c), gen.hangs(c))) for c in conds]) if conds else exp.false()
        cond_hangs = or_(*[gen.hangs(c) for c in conds]) if conds else exp.false()
        match_hangs = and_(not_(fails), cond_hangs)
        match_probs = d.concat_lists([if_(gen.hangs(c), c.probs or empty, empty) for c in conds]) if conds else empty
        matched = and_(*[gen.holds(c) for c in conds]) if conds else exp.true()
        # action_of(): the first alternative that holds; one that hangs before it is an error
        whens: list[tuple[exp.Expression, exp.Expression]] = []
        action_hang_whens: list[tuple[exp.Expression, exp.Expression]] = []
        for action, node in nodes["actions"]:
            if node is None:
                whens.append((exp.true(), lit(action)))
                action_hang_whens.append((exp.true(), exp.false()))
                break
            test = gen.sub(node)
            whens.append((gen.hangs(test), exp.Null()))
            action_hang_whens.append((gen.hangs(test), exp.true()))
            whens.append((gen.holds(test), lit(action)))
            action_hang_whens.append((gen.holds(test), exp.false()))
        action = case(whens, exp.Null()) if whens else exp.Null()
        action_hangs = case(action_hang_whens, exp.false()) if action_hang_whens else exp.false()
        action_probs = empty
        for action_name, node in reversed(nodes["actions"]):
            if node is not None:
                test = gen.sub(node)
                action_probs = case([(gen.hangs(test), test.probs or empty), (gen.holds(test), empty)], action_probs)
        # value_of(): the deadline, then each output, of a matched rule
        value_whens: list[tuple[exp.Expression, exp.Expression]] = []
        deadline = exp.Null()
        if nodes["deadline"] is not None:
            dl = gen.sub(nodes["deadline"])
            if dl.kind not in ("timestamp", "null"):
                raise Unsupported(nodes["deadline"], "deadline")
            deadline = dl.val
            if dl.may_hang:
                value_whens.append((dl.und, dl.probs or empty))
        outputs: dict[str, Sv] = {}
        for name, node in nodes["outputs"]:
            out = gen.sub(node)
            if needs_python(out.kind) and not isinstance(node, ir.Const):
                raise Unsupported(node, "output")
            outputs[name] = out
            if out.may_hang:
                value_whens.append((out.und, out.probs or empty))
        value_hangs = or_(*[w for w, _ in value_whens]) if value_whens else exp.false()
        value_probs = case(value_whens, empty) if value_whens else empty
        hang = or_(match_hangs, and_(not_(match_hangs), action_hangs),
                   and_(not_(match_hangs), not_(action_hangs), matched, value_hangs))
        probs = case([(match_hangs, match_probs), (action_hangs, action_probs)], value_probs)
        b = self.layers.bind
        return {"matched": b(1000, matched), "hang": b(1000, hang), "probs": b(1000, probs), "action": b(1000, action),
                "deadline": b(1000, deadline), "outputs": outputs, "version": lit(v.name)}

    def _unsupported(self, rule: Any, versions: list[tuple[Version, dict[str, Any]]], by: ir.Node | None,
                     exc: Unsupported) -> None:
        ref = _find_ref(rule, exc.node, self.params)
        span = ref.span if ref is not None else rule.span
        self.diagnostics.append(Diagnostic("E601", span, file=rule.file or self.book.file, hint=("sql_python", {}),
                                           args={"what": exc.phrase(), "dialect": self.d.name, "rule": rule.id}))

    def _long(self, query: CompiledQuery, no_case_lang: str | None = None) -> exp.Expression:
        """One row per case and rule: case_id, rule, matched, action, deadline (ISO 8601 text),
        due, version, outputs (a JSON object as text), error; with `no_case_lang`, the rows of
        the documents that are no case after them (see `build`)."""
        d = self.d
        rows = []
        for names in query.rules:
            pieces = []
            for j, (n, kind) in enumerate(names.outputs_kinds):
                text = col(f"{names.prefix}_o{j}_json") if n in names.const_outputs else \
                    json_text(d, Sv(kind, col(f"{names.prefix}_o{j}")))
                pieces.append(concat(lit(_json_key(n)), text))
            outputs = concat(lit("{"), *_joined(pieces), lit("}")) if pieces else lit("{}")
            deadline = col(names.deadline)
            fields = {"case_id": col("_id"), "rule": lit(names.rule), "matched": col(names.matched),
                      "action": col(names.action),
                      "deadline": if_(not_null(deadline), cal.timestamp_text(d, deadline)),
                      "due": col(names.due), "version": col(names.version),
                      "outputs": if_(col(names.matched), outputs), "error": col(names.error)}
            fields.update(self._long_check(names))
            kept: exp.Expression = is_null(col("_fatal"))   # not a case (not JSON, no order): no rows
            if no_case_lang is not None:
                fields, kept = self._no_case(fields, no_case_lang)
            rows.append(exp.select(*[col(k) for k in self.keep],
                                   *[alias(v, k, quoted=True) for k, v in fields.items()]).from_("decided", copy=False)
                        .where(kept, copy=False))
        tree: exp.Expression = rows[0]
        for more in rows[1:]:
            tree = exp.union(tree, more, distinct=False, copy=False)
        return tree

    def _no_case(self, fields: dict[str, exp.Expression], lang: str) -> tuple[dict[str, exp.Expression], exp.Expression]:
        """A rule's row (`fields`) for a document that is no case (`_fatal`) too: undecided as
        a rule with a bad field is (matched NULL, due false), the reason in `error`; and the
        rows kept (an item a mapping rejected, `rulebook sql --from`, has a row of its own,
        its reason in `_reject`). One select per rule either way: Spark analyses each branch
        of the union anew, and twice as many branches ran out of heap."""
        ok = is_null(col("_fatal"))
        reason = case([(eq(col("_fatal"), lit(code)), lit(Phrase(f"sql.no_case_{code}").label(lang)))
                       for code in ("not_object", "order", "platform")], lit(Phrase("sql.no_case_json").label(lang)))
        given = {"case_id": fields["case_id"], "rule": fields["rule"],
                 "due": case([(ok, fields["due"])], exp.false()),
                 "error": case([(ok, fields["error"])], reason)}
        out = {k: given.get(k, if_(ok, v)) for k, v in fields.items()}
        return out, or_(ok, is_null(col("_reject"))) if "_reject" in self.keep else exp.true()

    def _long_check(self, names: RuleColumns) -> dict[str, exp.Expression]:
        """The deadline_check columns of a carried platform deadline (aftersale.platform_deadline):
        its ISO text, the platform's deadline minus ours in whole seconds, and whether they agree;
        NULL where the rule did not match with a deadline or the case gives none."""
        carried = [p for p in self.carry if p == "aftersale.platform_deadline"]
        if not carried:
            return {}
        platform, ours = col(carried_column(carried[0])), col(names.deadline)
        shown = and_(eq(col(names.matched), exp.true()), not_null(ours), not_null(platform))
        diff = exp.Sub(this=platform, expression=ours)
        whole = self.d.int_div(exp.Anonymous(this="abs", expressions=[diff]), lit(1_000_000))
        seconds = case([(lt(diff, lit(0)), exp.Neg(this=exp.Paren(this=whole)))], whole)
        return {"platform_deadline": if_(shown, cal.timestamp_text(self.d, platform)),
                "deadline_difference_seconds": if_(shown, seconds),
                "deadline_agrees": if_(shown, eq(diff, lit(0)))}


def versions_nodes_output(versions: list[tuple[Version, dict[str, Any]]], name: str) -> ir.Node:
    for _, nodes in versions:
        for n, node in nodes["outputs"]:
            if n == name:
                return node
    raise KeyError(name)


def _joined(parts: list[exp.Expression]) -> list[exp.Expression]:
    out: list[exp.Expression] = []
    for i, p in enumerate(parts):
        if i:
            out.append(lit(", "))
        out.append(p)
    return out


def _json_key(name: str) -> str:
    import json
    return json.dumps(name, ensure_ascii=False) + ": "


def _const_json(value: Any) -> str:
    import json

    from dsl.lang.values import to_json
    return json.dumps(to_json(value), ensure_ascii=False)


def _find_ref(rule: Any, node: ir.Node, params: dict[str, Any]) -> ExprRef | None:
    """The expression of `rule` whose IR holds `node` (for the position of an E601)."""
    refs: list[ExprRef] = [rule.versions_by] if rule.versions_by is not None else []
    for v in rule.versions:
        refs += list(v.conditions) + [a.condition for a in v.actions if a.condition is not None]
        refs += [v.deadline] if v.deadline is not None else []
        refs += [ref for _, ref in v.outputs]
    for ref in refs:
        if any(n == node for n in ir.walk(lower(ref.tree, params))):
            return ref
    return None
