"""The IR (lang/ir.py) as sqlglot trees: one method per node, each giving an `Sv`.

An `Sv` is what the reference interpreter computes, in three parts:
- `val`: the value as SQL computes it with every bad field read as NULL; SQL's NULL and its
  AND/OR/NOT are the language's null and three-valued logic;
- `und`: the value hangs on a bad field (`semantics.Undecided`), a BOOLEAN never NULL;
- `probs`: the paths it hangs on (a list of text), read only where `und` holds.
A condition also has a `mask`, the set of outcomes still possible (1 true, 2 false, 4 null):
`and`/`or` combine masks by table, so `false and ?` is false and `true or ?` is true in any
order, exactly as `semantics.logical` folds outcome sets. Where `und` is false, `val` is the
interpreter's value: a bad field read as NULL only ever gives an outcome its mask allows.

A construct this backend cannot compute as the Python engine does is an `Unsupported` at
the node, reported by the query builder at the expression's file:line:col (E601). `Sv`, the
outcome tables, `Layers` and `Unsupported` are defined in svalue.py.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Callable, Final

from sqlglot import exp

from dsl.engine.sql import calendar as cal
from dsl.engine.sql import workdays as wd
from dsl.engine.sql.build import (COMPARE, add, and_, case, cast, coalesce, if_, in_list, is_null, mul, not_,
                                  not_null, or_, par, sub)
from dsl.engine.sql.dialect import BIGINT, INT128, Dialect, fn, lit
from dsl.engine.sql.svalue import (ALL as _ALL, AND_TABLE as _AND, F as _F, N as _N, NOT_TABLE as _NOT,
                                   OR_TABLE as _OR, T as _T, VERDICTS, FieldRef, Layers, Sv, Unsupported)
from dsl.lang import ir


class ExprSql:
    """Compiles IR nodes for one dialect; `fields` maps a path to its columns, `now` is the
    moment of evaluation (epoch microseconds). Each node's parts become columns of `layers`."""

    def __init__(self, d: Dialect, fields: Callable[[str], FieldRef], now: exp.Expression, layers: Layers,
                 decimals: Callable[[str], int] = lambda path: 2):
        self.d = d
        self.fields = fields
        self.decimals = decimals      # a money field's decimals (the scale of its DECIMAL column)
        self.now = now
        self.layers = layers
        self._memo: dict[tuple[ir.Node, str], tuple[int, Sv]] = {}
        self._verdicts: dict[tuple[str, Sv], exp.Expression] = {}

    def bound(self, node: ir.Node) -> tuple[int, Sv]:
        """The node's height and its value as columns (computed once per distinct node)."""
        key = (node, repr(node))      # Const(True) == Const(1) == Const(Decimal("1.00")): the repr tells them apart
        hit = self._memo.get(key)
        if hit is not None:
            return hit
        sv = self.node(node)
        height = 1 + max((self.bound(c)[0] for c in ir.children(node)), default=-1)
        if height > 0 and not isinstance(node, ir.ListOf):
            b = self.layers.bind
            sv = Sv(sv.kind, b(height, sv.val, "n"),
                    b(height, sv.und, "u") if sv.may_hang else sv.und,
                    b(height, sv.probs, "p") if sv.may_hang and sv.probs is not None else sv.probs,
                    b(height, sv.mask, "m") if sv.mask is not None else None)
        self._memo[key] = (height, sv)
        return height, sv

    def sub(self, node: ir.Node) -> Sv:
        return self.bound(node)[1]

    # -- outcome sets --------------------------------------------------------------------
    def mask(self, sv: Sv) -> exp.Expression:
        if sv.mask is not None:
            return sv.mask
        definite = case([(exp.Is(this=par(sv.val), expression=exp.true()), lit(_T)),
                         (exp.Is(this=par(sv.val), expression=exp.false()), lit(_F))], lit(_N))
        return if_(sv.und, lit(_ALL), definite) if sv.may_hang else definite

    def _table(self, table: list[int], index: exp.Expression) -> exp.Expression:
        return self.d.at_index(exp.Array(expressions=[lit(v) for v in table]), add(index, 1))

    def holds(self, sv: Sv) -> exp.Expression:
        """The condition is definitely true (a column of the verdicts' layer)."""
        value = exp.Is(this=par(sv.val), expression=exp.true()) if not sv.may_hang else \
            and_(not_(sv.und), exp.Is(this=par(sv.val), expression=exp.true()))
        return self._verdict(("holds", sv), value)

    def hangs(self, sv: Sv, layer: bool = True) -> exp.Expression:
        """The condition is undecided and may hold (`Undecided.may_hold`): its verdict hangs.
        `layer`: computed in the verdicts' layer (else inline, for a node's own use)."""
        if not sv.may_hang:
            return exp.false()
        value = and_(sv.und, exp.EQ(this=exp.Paren(this=exp.BitwiseAnd(this=par(self.mask(sv)), expression=lit(_T))),
                                         expression=lit(_T)))
        return self._verdict(("hangs", sv), value) if layer else value

    def _verdict(self, key: tuple[str, Sv], value: exp.Expression) -> exp.Expression:
        """A condition's verdict, computed once in the layer after every expression's."""
        hit = self._verdicts.get(key)
        if hit is None:
            hit = self._verdicts[key] = self.layers.bind(VERDICTS, value, "v")
        return hit

    def problems(self, parts: list[Sv]) -> exp.Expression:
        """The paths of the undecided among `parts` (`semantics.undecided`)."""
        lists = [coalesce(if_(p.und, p.probs), self.d.empty_list()) for p in parts if p.may_hang and p.probs is not None]
        return self.d.concat_lists(lists) if lists else self.d.empty_list()

    # -- nodes ---------------------------------------------------------------------------
    def node(self, node: ir.Node) -> Sv:  # noqa: C901 - one case per node
        match node:
            case ir.Const(value=value):
                return self.const(node, value)
            case ir.Field(path=path, kind=kind):
                ref = self.fields(path)
                return Sv(_field_kind(kind), ref.value, ref.bad, exp.Array(expressions=[ref.problem]))
            case ir.Now():
                return Sv("timestamp", self.now)
            case ir.Not(operand=operand):
                x = self.sub(operand)
                m = self.mask(x) if x.may_hang else None
                return Sv("bool", not_(x.val), x.und, x.probs, self._table(_NOT, m) if m is not None else None)
            case ir.Logical(op=op, items=items):
                return self.logical(op, [self.sub(i) for i in items])
            case ir.IsNull(operand=operand, negated=negated):
                x = self.sub(operand)
                return Sv("bool", not_null(x.val) if negated else is_null(x.val), x.und, x.probs)
            case ir.Compare():
                return self.compare(node)
            case ir.Arith():
                return self.arith(node)
            case ir.Neg(operand=operand):
                x = self.sub(operand)
                value = exp.Neg(this=par(x.val))
                fits = _small(x.val, 10 ** (_DECIMAL_DIGITS - self.scale(node))) if x.kind == "money" else None
                return self.strict(node, x.kind, [x], value, cal.in_duration_range if x.kind == "duration" else None,
                                   fits=fits)
            case ir.CalendarDay(operand=operand, of=of):
                x = self.sub(operand)
                value = cal.beijing_day(self.d, x.val) if of == "timestamp" else x.val
                return self.strict(node, "date", [x], value)
            case ir.ToMoney(operand=operand):
                x = self.sub(operand)
                return replace(x, kind="money" if x.kind in ("int", "money", "null") else x.kind)
            case ir.If(test=test, then=then, orelse=orelse):
                then_sv, else_sv = self.common_scale([then, orelse], [self.sub(then), self.sub(orelse)])
                return self.if_(self.sub(test), then_sv, else_sv)
            case ir.Call():
                return self.call(node)
            case ir.ListOf(items=items):
                parts = [self.sub(i) for i in items]
                return self.null_safe("list", parts, exp.Array(expressions=[p.val for p in parts]))
        raise Unsupported(node, "node")

    def const(self, node: ir.Node, value: object) -> Sv:
        if value is None:
            return Sv("null", exp.Null())
        if isinstance(value, bool):
            return Sv("bool", exp.Boolean(this=value))
        if isinstance(value, int):
            return Sv("int", cast(exp.Literal.number(value), INT128))
        if isinstance(value, Decimal):
            return Sv("money", exp.Literal.number(format(value, "f")))
        if isinstance(value, str):
            return Sv("str", lit(value))
        if isinstance(value, datetime):
            return Sv("timestamp", cast(exp.Literal.number(cal.micros(value)), BIGINT))
        if isinstance(value, date):
            return Sv("date", cast(exp.Literal.number(cal.day_number(value)), BIGINT))
        if isinstance(value, timedelta):
            return Sv("duration", cast(exp.Literal.number(cal.duration_micros(value)), INT128))
        if isinstance(value, (tuple, frozenset, list)):
            items = sorted(value, key=repr) if isinstance(value, frozenset) else list(value)
            if not all(isinstance(i, str) for i in items):
                raise Unsupported(node, "const_list")
            return Sv("list", exp.Array(expressions=[lit(i) for i in items]))
        raise Unsupported(node, "const")

    def logical(self, op: str, parts: list[Sv]) -> Sv:
        build = and_ if op == "and" else or_
        value = build(*[p.val for p in parts])
        if not any(p.may_hang for p in parts):
            return Sv("bool", value)
        table = _AND if op == "and" else _OR
        acc = self.mask(parts[0])
        for p in parts[1:]:
            acc = self._table(table, add(mul(acc, 8), self.mask(p)))
        undecided = exp.Not(this=in_list(acc, [lit(_T), lit(_F), lit(_N)]))
        return Sv("bool", value, undecided, self.problems(parts), acc)

    def if_(self, test: Sv, then: Sv, orelse: Sv) -> Sv:
        kind = then.kind if then.kind != "null" else orelse.kind
        if kind == "int" and orelse.kind == "money" or kind == "money" and orelse.kind == "int":
            kind = "money"
        chosen = exp.Is(this=par(test.val), expression=exp.true())
        value = case([(chosen, then.val)], orelse.val)
        if not (test.may_hang or then.may_hang or orelse.may_hang):
            return Sv(kind, value)
        test_hangs = self.hangs(test, layer=False)
        und = or_(test_hangs, and_(chosen, then.und), and_(not_(chosen), orelse.und))
        probs = case([(test_hangs, test.probs or self.d.empty_list()), (chosen, then.probs or self.d.empty_list())],
                     orelse.probs or self.d.empty_list())
        mask = None
        if kind == "bool":
            mask = case([(test_hangs, lit(_ALL)), (chosen, self.mask(then))], self.mask(orelse))
        return Sv(kind, value, und, probs, mask)

    def strict(self, node: ir.Node, kind: str, parts: list[Sv], value: exp.Expression,
               in_range: Callable[[exp.Expression], exp.Expression] | None = None,
               fits: exp.Expression | None = None) -> Sv:
        """An operator that gives null for a null operand (`semantics.strict`): null when a
        decided operand is null, else undecided when an operand is; a result out of the
        calendar (`in_range` false) is undecided too, as the interpreter's OverflowError.
        `fits`: the operands are small enough for the SQL types to compute exactly (a
        DECIMAL(38) that overflows fails the whole query); beyond, the result is undecided."""
        if fits is not None:
            value = if_(fits, value)
            check = in_range
            in_range = (lambda v: and_(fits, check(v))) if check is not None else (lambda v: fits)
        hanging = [p for p in parts if p.may_hang]
        if not hanging and in_range is None:
            return Sv(kind, value)
        some_null = or_(*[and_(not_(p.und), is_null(p.val)) if p.may_hang else is_null(p.val) for p in parts])
        some_und = or_(*[p.und for p in hanging]) if hanging else exp.false()
        und = and_(not_(some_null), some_und)
        probs = self.problems(hanging) if hanging else self.d.empty_list()
        if in_range is None:
            return Sv(kind, value, und, probs)
        out_of_range = coalesce(and_(not_(some_null), not_(some_und), not_(in_range(value))), exp.false())
        paths = sorted({n.path for n in ir.walk(node) if isinstance(n, ir.Field)})
        overflow = exp.Array(expressions=[lit(", ".join(paths) or "now")])
        kept = if_(out_of_range, exp.Null(), value)
        if kind == "timestamp" or kind == "date":
            kept = cast(kept, BIGINT)
        return Sv(kind, kept, or_(und, out_of_range), case([(out_of_range, overflow)], probs))

    def null_safe(self, kind: str, parts: list[Sv], value: exp.Expression) -> Sv:
        hanging = [p for p in parts if p.may_hang]
        if not hanging:
            return Sv(kind, value)
        return Sv(kind, value, or_(*[p.und for p in hanging]), self.problems(hanging))

    def compare(self, node: ir.Compare) -> Sv:
        a, b = self.sub(node.left), self.sub(node.right)
        if node.op in ("in", "not in"):
            value = self.member(node, a, node.right, b)
            if node.op == "not in":
                value = not_(value)
        else:
            if "list" in (a.kind, b.kind):
                raise Unsupported(node, "list_compare")
            value = COMPARE[node.op](a.val, b.val)
        return self.strict(node, "bool", [a, b], value)

    def member(self, node: ir.Node, a: Sv, right: ir.Node, b: Sv) -> exp.Expression:
        match right:
            case ir.Const(value=items):     # `null in [...]` is null (semantics.strict), also for []
                values = b.val.expressions if isinstance(b.val, exp.Array) else []
                return in_list(a.val, values) if values else if_(not_null(a.val), exp.false())
            case ir.ListOf():
                items = b.val.expressions if isinstance(b.val, exp.Array) else []
                return if_(not_null(a.val),
                           or_(*[coalesce(exp.EQ(this=par(i), expression=par(a.val)), exp.false()) for i in items]))
        return self.d.contains(b.val, a.val)

    def arith(self, node: ir.Arith) -> Sv:
        a, b = self.sub(node.left), self.sub(node.right)
        kinds = {a.kind, b.kind} - {"null"}
        known = next(iter(kinds)) if len(kinds) == 1 else None
        match node.fn, node.op:
            case "div", _:
                raise Unsupported(node, "division")
            case "days", op:
                value = add(a.val, b.val) if op == "+" else sub(a.val, b.val)
                return self.strict(node, "date", [a, b], value, cal.in_day_range)
            case "date_diff", _:
                return self.strict(node, "int", [a, b], cast(sub(a.val, b.val), INT128))
            case "scale", _:
                fits = and_(_below(a.val, 20), _below(b.val, 20), or_(_below(a.val, 13), _below(b.val, 13)),
                            self.d.exact_product(a.val, b.val))
                product = if_(fits, mul(a.val, b.val))
                whole = sub(product, exp.Mod(this=par(product), expression=lit(1)))
                return self.strict(node, "duration", [a, b], cast(whole, INT128), cal.in_duration_range, fits=fits)
            case "num", op:
                if "timestamp" in kinds:
                    if op == "-" and kinds == {"timestamp"} and a.kind == b.kind == "timestamp":
                        return self.strict(node, "duration", [a, b], cast(sub(a.val, b.val), INT128))
                    value = add(a.val, b.val) if op == "+" else sub(a.val, b.val)
                    return self.strict(node, "timestamp", [a, b], value,
                                       lambda v: cal.in_local_range(v))
                if "duration" in kinds:
                    value = add(a.val, b.val) if op == "+" else sub(a.val, b.val)
                    return self.strict(node, "duration", [a, b], value, cal.in_duration_range)
                kind = "money" if "money" in kinds else (known or "int")
                build = {"+": add, "-": sub, "*": mul}[op]
                # a product past DECIMAL(38) fails the query (NULL without Spark's ANSI mode)
                fits = and_(_small(a.val, _MAX_FACTOR), _small(b.val, _MAX_FACTOR),
                            self.d.exact_product(a.val, b.val)) if op == "*" else None
                if kind == "money":    # Python's decimals round a result past 28 significant digits
                    exact = _small(build(a.val, b.val), 10 ** (_DECIMAL_DIGITS - self.scale(node)))
                    fits = case([(fits, exact)], exp.false()) if fits is not None else exact
                return self.strict(node, kind, [a, b], build(a.val, b.val), fits=fits)
        raise Unsupported(node, "node")

    def scale(self, node: ir.Node) -> int:
        """The decimals of a number's SQL type (DECIMAL(38, scale)), as DuckDB types it."""
        match node:
            case ir.Const(value=Decimal() as value):
                exponent = value.as_tuple().exponent
                return max(0, -exponent) if isinstance(exponent, int) else 0
            case ir.Field(path=path, kind="money"):
                return self.decimals(path)
            case ir.Arith(fn="num", op="*", left=left, right=right):
                return self.scale(left) + self.scale(right)
            case ir.Arith(fn="num", left=left, right=right):
                return max(self.scale(left), self.scale(right))
            case ir.Neg(operand=x) | ir.ToMoney(operand=x):
                return self.scale(x)
            case ir.If(then=then, orelse=orelse):
                return max(self.scale(then), self.scale(orelse))
            case ir.Call(name="coalesce" | "min" | "max", args=args):
                return max((self.scale(a) for a in args), default=0)
        return 0

    def common_scale(self, nodes: list[ir.Node], parts: list[Sv]) -> list[Sv]:
        """Numbers that one value may be (if/else, coalesce, min, max) cast to one DECIMAL type:
        DuckDB types DECIMAL(38, 2) and DECIMAL(38, 4) together as DECIMAL(38, 2) (and an
        amount with a whole number as DECIMAL(38, 0)), rounding 0.0015 to 0.00."""
        if not any(p.kind == "money" for p in parts):
            return parts
        scale = max(self.scale(n) for n in nodes)
        typ = exp.DataType.build(f"DECIMAL(38, {scale})")
        return [replace(p, val=cast(p.val, typ)) if p.kind in ("money", "int") else p for p in parts]

    def call(self, node: ir.Call) -> Sv:
        args = [self.sub(a) for a in node.args]
        name = node.name
        if name in ("coalesce", "min", "max"):
            args = self.common_scale(list(node.args), args)
            kinds = {a.kind for a in args} - {"null"}
            kind = "money" if "money" in kinds else (next(iter(kinds)) if kinds else "null")
            values = [a.val for a in args]
            # least/greatest skip nulls as `min`/`max` do (DuckDB, Spark); sqlglot's exp.Least
            # renders for DuckDB as null when any argument is null, so they are written as named
            value = {"coalesce": lambda: coalesce(*values),
                     "min": lambda: fn("least", *values) if len(values) > 1 else values[0],
                     "max": lambda: fn("greatest", *values) if len(values) > 1 else values[0],
                     }[name]()
            return self.null_safe(kind, args, value)
        if name == "is_null":
            return self.null_safe("bool", args, is_null(args[0].val))
        if name == "len":
            return self.strict(node, "int", args, cast(self.d.size(args[0].val), INT128))
        if name in ("days", "hours"):
            unit = cal.US_PER_DAY if name == "days" else 3_600_000_000
            return self.strict(node, "duration", args, mul(args[0].val, cast(lit(unit), INT128)), cal.in_duration_range,
                               fits=_below(args[0].val, 15))
        if name == "date":
            return self.strict(node, "date", args, cal.beijing_day(self.d, args[0].val))
        if name in ("workdays_between", "add_workdays"):
            return self.workdays(node, args)
        raise Unsupported(node, "node")

    def workdays(self, node: ir.Call, args: list[Sv]) -> Sv:
        """The statutory calendar's functions (sql/workdays.py); a day outside the calendar's
        years is undecided, as the Python engine's NoCalendarError."""
        days = [cal.beijing_day(self.d, a.val) if a.kind == "timestamp" else a.val for a in args]
        if node.name == "workdays_between":
            value, covered = wd.workdays_between(self.d, days[0], days[1])
            return self.strict(node, "int", args, value, lambda v: covered)
        moved, covered = wd.add_workdays(self.d, days[0], args[1].val)
        kind = args[0].kind
        return self.strict(node, kind, args, wd.shift(kind, args[0].val, days[0], moved), lambda v: covered)


# The largest factor of a product computed in SQL: two of them multiply within DECIMAL(38, 8)
# (and within the 28 significant digits Python's decimals keep); beyond, undecided
_MAX_FACTOR: Final = 10 ** 14
# The significant digits of Python's decimal context: an amount computed past them is rounded
# there and exact here, so such a result is undecided (a sum of 30-digit amounts, say)
_DECIMAL_DIGITS: Final = 28


def _small(value: exp.Expression, limit: int) -> exp.Expression:
    """|value| < limit: an operand small enough for the SQL types to compute with exactly (an
    engine fails the query on a DECIMAL(38) overflow, or Spark without ANSI mode gives NULL);
    with larger operands the result is undecided, as the Python engine's OverflowError is."""
    return exp.LT(this=exp.Abs(this=value), expression=exp.Literal.number(limit))


def _below(value: exp.Expression, digits: int) -> exp.Expression:
    return _small(value, 10 ** digits)


def _field_kind(kind: str) -> str:
    return {"enum": "str"}.get(kind, kind)
