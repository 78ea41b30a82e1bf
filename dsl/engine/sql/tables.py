"""Reading cases held as typed columns: nested structs (`order.paid_amount` a struct field, as
JSON readers give) or flat columns named by path (as CSV and Parquet exports give).

The query is printed without seeing the table, so it cannot know a column's type. Each field
becomes the raw value the JSON reader gives (reading.py: a JSON kind and a text) by the
column's type as the engine names it (`typeof`, a constant per query), with expressions that
bind whatever the type is; the values are those `backtest` writes for a Parquet column
(sources.py): a DECIMAL amount keeps its digits, a TIMESTAMP WITH TIME ZONE its instant
(written in Beijing time, whatever the session time zone), a TIMESTAMP without a zone is
Beijing wall time, an amount in a DOUBLE column is not exact and reads as a value no amount
check accepts (a rule reading it is undecided). A type nothing maps (a MAP, a BLOB) is a
kind no check accepts either: the field is bad, never guessed. A DuckDB JSON column keeps
each value's JSON kind, as the JSON text column does.

Absent and null are the same to the Python engine; a SQL NULL is null. In the flat form an
object is null when every column under it is, as the CSV reader makes it; in the struct form
an object is what its struct is. A field whose column the table does not have is an error
of the engine (the column is named), unless the columns are listed (`columns`): then a
field no listed column gives is absent.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from sqlglot import exp

from dsl.engine.sql.build import (
    case,
    coalesce,
    col,
    eq,
    if_,
    in_list,
    is_null,
    not_null,
    or_,
)
from dsl.engine.sql.dialect import BIGINT, TEXT, Dialect, fn, lit
from dsl.engine.sql.reading import Columns, Reader
from dsl.lang.vocabulary import Vocabulary

FORMS: Final = ("json", "struct", "flat")
#: microseconds from UTC to Beijing time
_BJ_US: Final = 8 * 3600 * 1_000_000


@dataclass(frozen=True)
class TableShape:
    """How a table holds its cases: `form` struct or flat; `columns` the table's columns when
    listed (flat: the column names; struct: paths of struct fields), else None: every field
    the query reads is a column (or struct field) of the table."""

    form: str
    columns: tuple[str, ...] | None = None


class Typed:
    """A column of unknown type as a raw value (kind, text), per dialect."""

    def __init__(self, d: Dialect):
        self.d = d

    def raw(self, x: exp.Expression, money: bool) -> tuple[exp.Expression, exp.Expression]:
        raise NotImplementedError

    def items(self, x: exp.Expression) -> tuple[exp.Expression, exp.Expression]:
        """The kinds and texts of a list's items (NULL unless the column is a list)."""
        raise NotImplementedError

    def imprecise(self, x: exp.Expression) -> exp.Expression:
        """A number the engine may have read as a double (a JSON column only)."""
        return exp.false()

    def _kinds(self, t: exp.Expression, x: exp.Expression, money: bool,
               types: list[tuple[exp.Expression, str, str, exp.Expression]]) -> tuple[exp.Expression, exp.Expression]:
        """(kind, text) by the first matching type test: (test, kind, kind if money, text)."""
        kinds = [(is_null(x), lit("NULL"))] + [(test, lit(mk if money else k)) for test, k, mk, _ in types]
        texts = [(is_null(x), exp.Null())] + [(test, tx) for test, _, _, tx in types]
        return case(kinds, lit("OTHER")), case(texts, exp.Null())


def _like(t: exp.Expression, pattern: str) -> exp.Expression:
    return exp.Like(this=t, expression=lit(pattern))


class DuckTyped(Typed):
    """DuckDB's type names (typeof): a branch for another type is folded away, but must bind."""

    _INTS: Final = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER",
                    "UBIGINT", "UHUGEINT")
    _WALL: Final = ("TIMESTAMP", "TIMESTAMP_S", "TIMESTAMP_MS", "TIMESTAMP_NS", "DATE")

    def raw(self, x: exp.Expression, money: bool) -> tuple[exp.Expression, exp.Expression]:
        t = fn("typeof", x)
        text = exp.Cast(this=x, to=TEXT)
        json_kind = fn("json_type", x)
        instant = fn("epoch_us", exp.TryCast(this=text, to=exp.DataType.build("TIMESTAMPTZ")))
        beijing = exp.DPipe(this=fn("strftime", fn("make_timestamp", exp.Add(this=instant, expression=exp.Cast(
            this=lit(_BJ_US), to=BIGINT))), lit("%Y-%m-%dT%H:%M:%S.%f")), expression=lit("+08:00"))
        types = [
            (eq(t, lit("JSON")), "", "", fn("json_extract_string", x, lit("$"))),
            (or_(eq(t, lit("VARCHAR")), _like(t, "ENUM(%")), "VARCHAR", "VARCHAR", text),
            (eq(t, lit("BOOLEAN")), "BOOLEAN", "BOOLEAN", text),
            (in_list(t, [lit(n) for n in self._INTS]), "BIGINT", "VARCHAR", text),
            (_like(t, "DECIMAL(%,0)"), "BIGINT", "VARCHAR", text),
            (_like(t, "DECIMAL(%"), "DOUBLE", "VARCHAR", text),
            (in_list(t, [lit("DOUBLE"), lit("FLOAT")]), "DOUBLE", "VARCHAR",
             exp.DPipe(this=lit("inexact "), expression=text) if money else text),
            (eq(t, lit("TIMESTAMP WITH TIME ZONE")), "VARCHAR", "VARCHAR", beijing),
            (in_list(t, [lit(n) for n in self._WALL]), "VARCHAR", "VARCHAR", text),
            (_like(t, "STRUCT(%"), "OBJECT", "OBJECT", exp.Null()),
            (_like(t, "%[]"), "ARRAY", "ARRAY", exp.Null()),
        ]
        kind, value = self._kinds(t, x, money, types)
        # a JSON column's kind is its value's (JSON null: 'NULL')
        return if_(eq(t, lit("JSON")), json_kind, kind), value

    def items(self, x: exp.Expression) -> tuple[exp.Expression, exp.Expression]:
        t = fn("typeof", x)
        doc = fn("to_json", x)
        texty = or_(in_list(t, [lit("VARCHAR[]"), lit("JSON[]"), lit("JSON")]), _like(t, "ENUM(%)[]"))
        kinds = fn("json_type", doc, lit("$[*]"))
        other = fn("list_transform", kinds, exp.Lambda(this=lit("OTHER"), expressions=[exp.to_identifier("k")]))
        listed = or_(_like(t, "%[]"), eq(t, lit("JSON")))
        return (if_(listed, if_(texty, kinds, other)),
                if_(listed, fn("json_extract_string", doc, lit("$[*]"))))

    def imprecise(self, x: exp.Expression) -> exp.Expression:
        from dsl.engine.sql.fields import IMPRECISE_NUMBER

        t = fn("typeof", x)
        text = exp.DPipe(this=lit(":"), expression=exp.Cast(this=x, to=TEXT))
        return coalesce(if_(eq(t, lit("JSON")), fn("regexp_matches", text, lit(IMPRECISE_NUMBER))), exp.false())


class SparkTyped(Typed):
    """Spark's type names (typeof); a TIMESTAMP is an instant, written by to_json in the fixed
    zone +08:00 (neither the session time zone nor Asia/Shanghai's history applies)."""

    _INTS: Final = ("tinyint", "smallint", "int", "bigint")
    _WALL: Final = ("timestamp_ntz", "date")

    def raw(self, x: exp.Expression, money: bool) -> tuple[exp.Expression, exp.Expression]:
        t = fn("typeof", x)
        text = exp.Cast(this=x, to=TEXT)
        options = fn("map", lit("timestampFormat"), lit("yyyy-MM-dd'T'HH:mm:ss.SSSSSSxxx"), lit("timeZone"), lit("+08:00"))
        whole = fn("to_json", fn("named_struct", lit("v"), x), options)
        beijing = fn("substring", whole, lit(7), exp.Sub(this=exp.Length(this=whole), expression=lit(8)))
        types = [
            (eq(t, lit("string")), "VARCHAR", "VARCHAR", text),
            (eq(t, lit("boolean")), "BOOLEAN", "BOOLEAN", text),
            (in_list(t, [lit(n) for n in self._INTS]), "BIGINT", "VARCHAR", text),
            (_like(t, "decimal(%,0)"), "BIGINT", "VARCHAR", text),
            (_like(t, "decimal(%"), "DOUBLE", "VARCHAR", text),
            (in_list(t, [lit("double"), lit("float")]), "DOUBLE", "VARCHAR",
             exp.DPipe(this=lit("inexact "), expression=text) if money else text),
            (eq(t, lit("timestamp")), "VARCHAR", "VARCHAR", beijing),
            (in_list(t, [lit(n) for n in self._WALL]), "VARCHAR", "VARCHAR", text),
            (_like(t, "struct<%"), "OBJECT", "OBJECT", exp.Cast(this=exp.Null(), to=TEXT)),
            (_like(t, "array<%"), "ARRAY", "ARRAY", exp.Cast(this=exp.Null(), to=TEXT)),
        ]
        return self._kinds(t, x, money, types)

    def items(self, x: exp.Expression) -> tuple[exp.Expression, exp.Expression]:
        t = fn("typeof", x)
        values = exp.Dot(this=fn("from_json", fn("to_json", fn("named_struct", lit("v"), x)), lit("v ARRAY<STRING>")),
                         expression=exp.to_identifier("v"))
        s = exp.to_identifier("s")
        texty = eq(t, lit("array<string>"))
        kind = case([(exp.Not(this=texty), lit("OTHER")), (is_null(s), lit("NULL"))], lit("VARCHAR"))
        listed = _like(t, "array<%")
        return (if_(listed, fn("transform", values, exp.Lambda(this=kind, expressions=[s]))), if_(listed, values))


TYPED: Final[dict[str, type[Typed]]] = {"duckdb": DuckTyped, "spark": SparkTyped}


class TableReader(Reader):
    """The fields of a case from the columns of a table (see the module's docstring)."""

    def __init__(self, d: Dialect, vocabulary: Vocabulary, shape: TableShape):
        super().__init__(d)
        self.vocabulary, self.shape = vocabulary, shape
        self.typed = TYPED[d.name](d)
        self.listed = set(shape.columns) if shape.columns is not None else None
        self.read: list[str] = []     # the columns (struct fields) the query reads, as SQL, once built
        self.wanted: set[str] = {"order"}   # the objects whose kind counts: `order`, those the rules read

    def rules_read(self, paths: list[str]) -> None:
        self.wanted |= set(paths)

    def stages(self, doc: exp.Expression, paths: list[str], lists: list[int],
               objects: list[tuple[str, list[str]]]) -> list[Columns]:
        values: Columns = []
        imprecise: list[exp.Expression] = []
        for i, path in enumerate(paths):
            kind, text, source = self._field(path)
            if source is not None:
                self.read.append(source.sql(dialect=self.d.name))
            values += [(f"k{i}", kind), (f"t{i}", text)]
            if i in lists:
                kinds, texts = self.typed.items(source) if source is not None else (exp.Null(), exp.Null())
                values += [(f"lk{i}", kinds), (f"lv{i}", texts)]
            if source is not None and self.vocabulary.fields[path].type.kind in ("money", "int"):
                imprecise.append(self.typed.imprecise(source))
        index = {p: i for i, p in enumerate(paths)}
        order = col(f"k{index['order']}") if "order" in index else exp.Null()
        values.append(("_imprecise", or_(*imprecise) if imprecise else exp.false()))
        meta: Columns = [("_doc", lit("")), ("_shape", lit("OBJECT")), ("_order", order), ("_unknown", exp.false()),
                         ("_twice", exp.false()), ("_unreadable", exp.false())]
        self.read = list(dict.fromkeys(self.read))
        return [values, meta]

    def raw(self, i: int) -> tuple[exp.Expression, exp.Expression]:
        return col(f"k{i}"), col(f"t{i}")

    def _field(self, path: str) -> tuple[exp.Expression, exp.Expression, exp.Expression | None]:
        """(kind, text, the column read) of a field."""
        fld = self.vocabulary.fields[path]
        if fld.type.kind == "object" and path not in self.wanted:
            # read only for its keys (unknown keys are not reported here): a NULL object is no problem
            return exp.Cast(this=exp.Null(), to=TEXT), exp.Cast(this=exp.Null(), to=TEXT), None
        source = self._source(path)
        if source is not None:
            kind, text = self.typed.raw(source, fld.type.kind == "money")
            return kind, text, source
        if self.shape.form == "flat" and fld.type.kind == "object":
            leaves = [self._source(p) for p in self._leaves(path)]
            present = [not_null(s) for s in leaves if s is not None]
            self.read += [s.sql(dialect=self.d.name) for s in leaves if s is not None]
            kind = case([(or_(*present), lit("OBJECT"))], lit("NULL")) if present else exp.Null()
            return kind, exp.Cast(this=exp.Null(), to=TEXT), None
        return exp.Cast(this=exp.Null(), to=TEXT), exp.Cast(this=exp.Null(), to=TEXT), None

    def _leaves(self, path: str) -> list[str]:
        """The paths under an object that a flat table gives as columns: the listed ones, else
        every field of the vocabulary under it that is not an object itself."""
        if self.listed is not None:   # a column that names no field is not read (the CSV reader's notice)
            return sorted(c for c in self.listed if c.startswith(path + ".") and c in self.vocabulary.fields)
        return sorted(p for p, f in self.vocabulary.fields.items()
                      if p.startswith(path + ".") and f.type.kind != "object")

    def _source(self, path: str) -> exp.Expression | None:
        """The column expression a field is read from; None when the table does not give it."""
        parts = path.split(".")
        if self.shape.form == "struct":
            if self.listed is not None and not any(
                    c == path or c.startswith(path + ".") or path.startswith(c + ".") for c in self.listed):
                return None
            return _dotted(parts)
        # flat: the column named by the path, or a field inside a listed column above it
        if self.listed is None:
            return None if self.vocabulary.fields[path].type.kind == "object" else exp.column(path, quoted=True)
        for n in range(len(parts), 0, -1):
            name = ".".join(parts[:n])
            if name in self.listed:
                return _dotted([name] + parts[n:])
        return None


def _dotted(parts: list[str]) -> exp.Expression:
    """`a`.`b`.`c`: the column `a` and the struct fields below it."""
    out: exp.Expression = exp.column(parts[0], quoted=True)
    for part in parts[1:]:
        out = exp.Dot(this=out, expression=exp.to_identifier(part, quoted=True))
    return out


def table_reader(d: Dialect, vocabulary: Vocabulary, shape: TableShape) -> TableReader:
    return TableReader(d, vocabulary, shape)
