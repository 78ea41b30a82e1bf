"""The backtest's statement: two rulebooks' wide queries over one view of cases, joined on
`_row`, with per rule pair the labels and the transition `backtest.transition_of` names.

The second query's common table expressions are renamed (`b_raw`, ..., `b_decided`) so both
chains live in one WITH. Each side adds per rule its label (`error`, `no match`, the action,
as `diff.label`), its deadline and its outputs as JSON text (the version's outputs in its
order, as the Python engine's `outputs` dict holds them); the join compares them.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from sqlglot import exp

from dsl.engine.sql import calendar as cal
from dsl.engine.sql.build import col
from dsl.engine.sql.dialect import Dialect
from dsl.engine.sql.svalue import Sv, json_text
from dsl.engine.sql.query import CompiledQuery, RuleColumns

OutputsOf = Callable[[str, RuleColumns], list[tuple[str | None, list[str]]]]


@dataclass(frozen=True)
class Pair:
    """A rule of OLD (`a`) and NEW (`b`) with the same id; None where a side lacks it."""

    rule: str
    a: RuleColumns | None
    b: RuleColumns | None


def _q(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def statement(d: Dialect, qa: CompiledQuery, qb: CompiledQuery, pairs: list[Pair], outputs_of: OutputsOf,
              dirty: bool = True, materialize: bool = True) -> str:
    """One row per case: `_row, _source, _reject, _suspect, _id, _fatal, _dirty, _month,
    _changes` (a list of {rule, kind, la, lb, da, db, und} for the rules that change or that
    a side cannot decide), `_changed`, `_undecided`."""
    assert qa.tree is not None and qb.tree is not None
    shared = _shared(d, qa.tree, qb.tree)
    ctes = [c.copy() for c in qa.tree.args["with_"].expressions] + _renamed(qb.tree, "b_", shared)
    if shared and materialize:
        ctes = _slimmed(ctes, dirty)
    side_a = _side(d, "decided", qa.rules, "a", outputs_of, dirty)
    side_b = _side(d, "b_decided", qb.rules, "b", outputs_of, dirty)
    month = cal.date_text(d, cal.beijing_day(d, col("_at", "sa"))).sql(dialect=d.name, copy=False)
    items = ", ".join(_item(p, qa.rules, qb.rules) for p in pairs)
    changes = f"list_filter([{items}], lambda c: c.kind IS NOT NULL OR c.und IS NOT NULL)" if pairs else \
        "CAST([] AS STRUCT(rule VARCHAR, kind VARCHAR, la VARCHAR, lb VARCHAR, da BIGINT, db BIGINT, und VARCHAR)[])"
    cmp = (f"SELECT sa._row, sa._source, sa._reject, sa._suspect, sa._id, sa._fatal, sa._dirty OR sb._dirty AS _dirty, "
           f"CASE WHEN NOT sa._nowbad THEN substr({month}, 1, 7) END AS _month, {changes} AS _changes "
           "FROM sa JOIN sb USING (_row)")   # a bad `now` (no --at): no moment, so no month (`-`), never the clock's
    final = ("SELECT *, len(list_filter(_changes, lambda c: c.kind IS NOT NULL)) > 0 AS _changed, "
             "len(list_filter(_changes, lambda c: c.und IS NOT NULL)) > 0 AS _undecided FROM cmp")
    head = exp.With(expressions=ctes).sql(dialect=d.name, copy=False)
    return f"{head}, sa AS ({side_a}), sb AS ({side_b}), cmp AS ({cmp}) {final}"


#: the last of the stages that read and check the fields (query.py); they are the same text in
#: both queries when both rulebooks read the same fields in the same order, and then computed once
LAST_FIELD_STAGE = "cased"


def field_stages(tree: exp.Expression) -> list[str]:
    """The names of a query's field stages: every stage up to LAST_FIELD_STAGE (the reader's
    stages, per dialect, come first)."""
    names = [c.alias for c in tree.args["with_"].expressions]
    return names[:names.index(LAST_FIELD_STAGE) + 1]


def _shared(d: Dialect, a: exp.Expression, b: exp.Expression) -> set[str]:
    """The field stages B can take from A: all of them when their text is the same, else none."""
    stages = field_stages(a)
    text_a = [c.this.sql(dialect=d.name, copy=False) for c in a.args["with_"].expressions if c.alias in stages]
    text_b = [c.this.sql(dialect=d.name, copy=False) for c in b.args["with_"].expressions if c.alias in stages]
    return set(stages) if stages == field_stages(b) and text_a == text_b else set()


def _slimmed(ctes: list[exp.Expression], dirty: bool) -> list[exp.Expression]:
    """The CTEs with the shared field stages computed once: `cased_slim`, materialized, holds
    only the columns the rules' stages read (not the documents, nor the raw kinds and texts
    of every field: a million cases of those did not fit in 1 GB), and both sides read it.
    Without `dirty` the flag is FALSE, so DuckDB leaves out the checks of unknown keys."""
    last = LAST_FIELD_STAGE
    names = [c.alias for c in ctes]
    stages = set(names[:names.index(last) + 1])
    later = [c for c in ctes if c.alias not in stages]
    defined = {e.alias for c in later for e in c.this.expressions if isinstance(e, exp.Alias)}
    needed = sorted({c.name for cte in later for c in cte.find_all(exp.Column)} - defined)
    for cte in later:
        for table in cte.find_all(exp.Table):
            if table.name == last and not table.args.get("db"):
                table.set("this", exp.to_identifier(f"{last}_slim"))
    columns = [exp.column(n, quoted=True) if dirty or n != "_dirty" else exp.alias_(exp.false(), n, quoted=True)
               for n in needed]
    slim = exp.CTE(this=exp.select(*columns).from_(last),
                   alias=exp.TableAlias(this=exp.to_identifier(f"{last}_slim")), materialized=True)
    at = [c.alias for c in ctes].index(last) + 1
    return ctes[:at] + [slim] + ctes[at:]


def _renamed(tree: exp.Expression, prefix: str, shared: set[str]) -> list[exp.Expression]:
    """The CTEs of `tree` but the `shared` ones, each name and every reference to one prefixed
    (references to a shared one are left to name A's)."""
    ctes = [c.copy() for c in tree.args["with_"].expressions if c.alias not in shared]
    names = {c.alias for c in ctes}
    for cte in ctes:
        for table in cte.find_all(exp.Table):
            if table.name in names and not table.args.get("db"):
                table.set("this", exp.to_identifier(prefix + table.name))
        cte.set("alias", exp.TableAlias(this=exp.to_identifier(prefix + cte.alias)))
    return ctes


def _side(d: Dialect, table: str, rules: list[RuleColumns], side: str, outputs_of: OutputsOf, dirty: bool) -> str:
    """The keys and, per rule `k`, `L<k>` (label), `D<k>` (deadline) and `O<k>` (outputs)."""
    parts = ["_row", "_source", "_reject", "_suspect", "_id", "_at", "_nowbad", "_fatal",
             "_dirty" if dirty else "FALSE AS _dirty"]
    for k, r in enumerate(rules):
        label = (f"CASE WHEN {r.matched} IS NULL OR {r.error} IS NOT NULL THEN 'error' WHEN {r.matched} "
                 f"THEN coalesce({r.action}, 'match') ELSE 'no match' END")
        parts += [f"{label} AS L{k}", f"CASE WHEN {r.matched} THEN {r.deadline} END AS D{k}",
                  f"{_outputs(d, r, outputs_of(side, r))} AS O{k}"]
    return f"SELECT {', '.join(parts)} FROM {table}"


def _outputs(d: Dialect, r: RuleColumns, versions: list[tuple[str | None, list[str]]]) -> str:
    """The matched version's outputs as one text (NULL when it has none or did not match)."""
    if not r.outputs_kinds:
        return "CAST(NULL AS VARCHAR)"
    value: dict[str, str] = {}
    for j, (n, kind) in enumerate(r.outputs_kinds):
        value[n] = f"{r.prefix}_o{j}_json" if n in r.const_outputs else \
            json_text(d, Sv(kind, col(f"{r.prefix}_o{j}"))).sql(dialect=d.name, copy=False)
    whens = []
    for name, outs in versions:
        if not outs:
            continue
        text = " || ', ' || ".join(f"{_q(n)} || ': ' || {value[n]}" for n in outs)
        cond = f"{r.version} IS NULL" if name is None else f"{r.version} = {_q(name)}"
        whens.append(f"WHEN {r.matched} AND {cond} THEN {text}")
    return f"CASE {' '.join(whens)} END" if whens else "CAST(NULL AS VARCHAR)"


def _item(p: Pair, rules_a: list[RuleColumns], rules_b: list[RuleColumns]) -> str:
    """The struct of one rule pair: labels, deadlines, the transition and the undecided side."""
    ka = rules_a.index(p.a) if p.a is not None else None
    kb = rules_b.index(p.b) if p.b is not None else None
    la = f"sa.L{ka}" if ka is not None else "'absent'"
    lb = f"sb.L{kb}" if kb is not None else "'absent'"
    da = f"sa.D{ka}" if ka is not None else "CAST(NULL AS BIGINT)"
    db = f"sb.D{kb}" if kb is not None else "CAST(NULL AS BIGINT)"
    same = "CAST(NULL AS VARCHAR)"
    if ka is not None and kb is not None:
        same = (f"CASE WHEN {da} IS DISTINCT FROM {db} THEN (CASE WHEN {da} IS NULL THEN 'deadline_added' "
                f"WHEN {db} IS NULL THEN 'deadline_removed' WHEN {db} < {da} THEN 'deadline_earlier' "
                f"ELSE 'deadline_later' END) WHEN sa.O{ka} IS DISTINCT FROM sb.O{kb} THEN 'outputs' END")
    quiet = "('absent', 'no match')"
    kind = (f"CASE WHEN {la} IN {quiet} AND {lb} IN {quiet} THEN NULL WHEN {la} = 'error' AND {lb} = 'error' THEN NULL "
            f"WHEN {la} = {lb} THEN {same} WHEN {la} = 'error' THEN 'out_of_error' WHEN {lb} = 'error' THEN 'into_error' "
            f"WHEN {la} IN {quiet} THEN 'matched' WHEN {lb} IN {quiet} THEN 'unmatched' ELSE 'action' END")
    und = (f"CASE WHEN {la} = 'error' AND {lb} = 'error' THEN 'both' WHEN {la} = 'error' THEN 'only_a' "
           f"WHEN {lb} = 'error' THEN 'only_b' END")
    return (f"{{'rule': {_q(p.rule)}, 'kind': {kind}, 'la': {la}, 'lb': {lb}, 'da': {da}, 'db': {db}, "
            f"'und': {und}}}")
