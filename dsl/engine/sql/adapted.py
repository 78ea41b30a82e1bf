"""An adapter mapping (cases/mapping.py) compiled to a SQL projection: a table of raw API
responses (a whole page or one item a row, JSON text) -> the table of case documents the
rulebook's query reads.

Each field is the same converter as cases/adapt.py, written as SQL over the item's JSON
(json_type / json_extract_string): exact yuan from fen by integer arithmetic, Beijing
times by calendar.py's formatter, code tables as CASE. A row the mapping cannot map has no
document and its reason in `_reject`, the catalogued words of the Python adapter with the
item's value put in; the first field that fails (in the mapping's order) gives it, as in
Python. A row may hold an item or a whole response page: a page becomes one row per item.
What this projection cannot read exactly is refused per row, never guessed: a yuan amount
sent as a JSON number with decimals (DuckDB reads it as a double). DuckDB only: another
dialect is refused by the caller.
"""
from __future__ import annotations

from typing import Any, Final

import sqlglot

from dsl.cases.adapt import DATETIME_TEXT, EPOCH_MS_FROM, EPOCH_S_RANGE, WHOLE_RANGE
from dsl.cases.mappingmodel import FieldSpec, Mapping, Reject
from dsl.cases.parquetfile import sql_ident, sql_string
from dsl.diagnostics import Phrase
from dsl.engine.sql import calendar as cal
from dsl.engine.sql.dialect import dialect

_WHOLE_TYPES: Final = "('BIGINT', 'UBIGINT')"
_HOLE: Final = "\x00"


class Projection:
    """`Projection(mapping, "en").select("raw_items", "doc")`: SQL text of `(doc, _reject, _item)`:
    the case document, or why there is none and the raw item itself."""

    def __init__(self, mapping: Mapping, lang: str = "en"):
        self.mapping, self.lang = mapping, "en" if lang == "both" else lang
        self.d = dialect("duckdb")
        self.paths: dict[str, int] = {}   # JSON path -> its place in `_v`, the item parsed once

    def _v(self, path: str) -> str:
        """The JSON value at `path` of the item (NULL when absent), from the one parse of the row."""
        k = self.paths.setdefault(path, len(self.paths) + 1)
        return f"_v[{k}]"

    def _type(self, path: str) -> str:
        return f"json_type({self._v(path)})"

    def _text(self, path: str) -> str:
        return f"json_extract_string({self._v(path)}, '$')"

    def select(self, table: str, column: str, keep: tuple[str, ...] = ()) -> str:
        raw = sql_ident(column)
        values: dict[str, str] = {}
        rejects = ["_page_reason",
                   f"CASE WHEN NOT coalesce(json_valid({raw}), false) THEN {self._say('adapt.sql_not_json')} "
                   f"WHEN coalesce({self._type('$')}, '') <> 'OBJECT' THEN {self._say('adapt.item_not_object')} END"]
        for spec in self.mapping.fields:
            value, reject = self._field(spec)
            values[spec.target] = value
            if reject != "NULL":
                rejects.append(reject)
        reason = f"coalesce({', '.join(rejects)})"
        doc = f"CASE WHEN _reason IS NULL THEN CAST({self._object(values)} AS VARCHAR) END"
        kept = "".join(f"{sql_ident(k)}, " for k in keep)
        paths = ", ".join(sql_string(p) for p in self.paths)
        parsed = (f"SELECT *, CASE WHEN json_valid({raw}) THEN json_extract({raw}, [{paths}]) END AS _v "
                  f"FROM ({self._pages(raw, table)})")
        return (f"SELECT {kept}{doc} AS doc, {self._say_rejected('_reason')} AS _reject, "
                f"CASE WHEN _reason IS NOT NULL THEN {raw} END AS _item "
                f"FROM (SELECT *, {reason} AS _reason FROM ({parsed}))")

    def _pages(self, raw: str, table: str) -> str:
        """Each row as the Python adapter reads a document: a page becomes one row per item
        (an empty page none), an item stays one row; a page that cannot be read is one row
        with its reason in `_page_reason`, as Python rejects it whole. The row is parsed once
        (`_pv`: the document, its first key of the page path, the path, the path's parent)."""
        path = self.mapping.items or self.mapping.item
        if path is None:
            return f"SELECT *, CAST(NULL AS VARCHAR) AS _page_reason FROM {table}"
        parent = path.rpartition(".")[0]
        paths = ", ".join(sql_string(p) for p in ("$", "$." + path.split(".")[0], "$." + path, "$." + (parent or path)))
        parsed = f"SELECT *, CASE WHEN json_valid({raw}) THEN json_extract({raw}, [{paths}]) END AS _pv FROM {table}"
        t = "json_type(_pv[3])"
        is_page = "(json_type(_pv[1]) = 'OBJECT' AND _pv[2] IS NOT NULL)"
        if self.mapping.items is not None:
            no_parent = "coalesce(json_type(_pv[4]), 'NULL') = 'NULL'" if parent else "false"
            keys = "array_to_string(json_keys(_pv[1]), ', ')"
            reason = (f"CASE WHEN {is_page} AND coalesce({t}, 'NULL') = 'NULL' AND {no_parent} THEN "
                      + self._say("adapt.page_without", path=parent or path, keys=_HOLE, values=[keys])
                      + f" WHEN {is_page} AND {t} <> 'NULL' AND {t} <> 'ARRAY' THEN "
                      + self._say("adapt.page_not_list", path=path) + " END")
            items = (f"CASE WHEN {is_page} AND {t} = 'ARRAY' THEN CAST(json_extract(_pv[3], '$[*]') AS VARCHAR[]) "
                     f"WHEN {is_page} AND coalesce({t}, 'NULL') = 'NULL' AND NOT ({no_parent}) THEN [] "
                     f"ELSE [{raw}] END")
        else:
            reason = f"CASE WHEN {is_page} AND coalesce({t}, '') <> 'OBJECT' THEN " \
                     + self._say("adapt.page_not_object", path=path) + " END"
            items = f"CASE WHEN {is_page} AND {t} = 'OBJECT' THEN [CAST(_pv[3] AS VARCHAR)] ELSE [{raw}] END"
        return (f"SELECT * EXCLUDE ({raw}, _pv), {reason} AS _page_reason, unnest({items}) AS {raw} "
                f"FROM ({parsed})")

    # --- the document ---------------------------------------------------------------------

    def _object(self, values: dict[str, str]) -> str:
        tree: dict[str, Any] = {}
        if self.mapping.platform:
            tree["platform"] = sql_string(self.mapping.platform)
        tree.setdefault("order", {})
        for target, value in values.items():
            node = tree
            *parents, last = target.split(".")
            for name in parents:
                node = node.setdefault(name, {})
            node[last] = value
        return self._json_object(tree)

    def _json_object(self, tree: dict[str, Any]) -> str:
        parts = []
        for key, value in tree.items():
            parts += [sql_string(key), self._json_object(value) if isinstance(value, dict) else value]
        return f"json_object({', '.join(parts)})"

    # --- one field ------------------------------------------------------------------------

    def _field(self, spec: FieldSpec) -> tuple[str, str]:
        """(the value's SQL, NULL when absent; the reason's SQL, NULL when none)."""
        if spec.source is None:
            return _constant(spec.value), "NULL"
        walk, path = self._walk(spec.source)
        t, s = self._type(path), self._text(path)
        absent = f"({t} IS NULL OR {t} = 'NULL')"
        if spec.zero_is_absent:
            absent = (f"({absent} OR ({t} IN ('BIGINT', 'UBIGINT', 'VARCHAR') AND {s} = '0') "
                      f"OR ({t} = 'DOUBLE' AND CAST({s} AS DOUBLE) = 0))")
        value, bad = self._convert(spec, path, t, s)
        missing = self._say("adapt.missing", field=spec.source) if spec.required else "NULL"
        reason = f"CASE {walk} WHEN {absent} THEN {missing} {bad} END"
        return f"CASE WHEN NOT {absent} THEN {value} END", reason

    def _walk(self, source: str) -> tuple[str, str]:
        """WHEN-clauses for a step through something that is not an object (or an [only]
        list of another length), and the JSON path of the value."""
        clauses, path, walked = [], "$", ""
        steps = source.split(".")
        for i, step in enumerate(steps):
            name, _, index = step.partition("[")
            path += "." + name
            walked = f"{walked}.{name}" if walked else name
            if index:
                index = index.rstrip("]")
                t = self._type(path)
                clauses.append(f"WHEN {t} IS NOT NULL AND {t} NOT IN ('NULL', 'ARRAY') "
                               f"THEN {self._say('adapt.not_list', path=walked)}")
                if index == "only":
                    n = f"json_array_length({self._v(path)})"
                    clauses.append(f"WHEN {t} = 'ARRAY' AND {n} <> 1 THEN "
                                   + self._say("adapt.not_one", path=walked, n=_HOLE, values=[f"CAST({n} AS VARCHAR)"]))
                path += f"[{0 if index == 'only' else index}]"
                walked += f"[{index}]"
            if i < len(steps) - 1:
                t = self._type(path)
                clauses.append(f"WHEN {t} IS NOT NULL AND {t} NOT IN ('NULL', 'OBJECT') "
                               f"THEN {self._say('adapt.not_object', path=walked)}")
        return " ".join(clauses), path

    def _convert(self, spec: FieldSpec, path: str, t: str, s: str) -> tuple[str, str]:
        """(the converted value's SQL, WHEN-clauses of its rejections) for a present value."""
        n = f"TRY_CAST({s} AS HUGEINT)"
        whole = (f"(({t} IN {_WHOLE_TYPES} OR ({t} = 'VARCHAR' AND regexp_full_match({s}, '-?[0-9]{{1,20}}'))) "
                 f"AND coalesce({n} BETWEEN {WHOLE_RANGE[0]} AND {WHOLE_RANGE[1]}, false))")
        bad = f"WHEN NOT {{ok}} THEN {self._bad(spec, t, s)}"
        name = spec.convert
        if name == "copy":
            return self._v(path), ""
        if name == "code":
            return self._code(spec, t, s)
        if name == "text":
            return s, bad.format(ok=f"({t} = 'VARCHAR' OR {whole})")
        if name == "int":
            return n, bad.format(ok=whole)
        if name == "fen":
            return _fen(n), bad.format(ok=whole)
        if name == "yuan":
            ok = f"({t} IN {_WHOLE_TYPES} OR ({t} = 'VARCHAR' AND regexp_full_match({s}, '[+-]?[0-9]+(\\.[0-9]+)?')))"
            double = f"WHEN {t} = 'DOUBLE' THEN {self._say('adapt.sql_yuan_number', field=spec.source)} "
            return s, double + bad.format(ok=ok)
        formats = spec.formats if name == "timestamp" else (name,)
        return self._time(spec, formats, whole, n, t, s, bad)

    def _time(self, spec: FieldSpec, formats: tuple[str, ...], whole: str, n: str, t: str, s: str,
              bad: str) -> tuple[str, str]:
        text_ok = f"({t} = 'VARCHAR' AND regexp_full_match({s}, {sql_string(DATETIME_TEXT.pattern)}) " \
                  f"AND try_strptime({s}, '%Y-%m-%d %H:%M:%S') IS NOT NULL)"
        as_text = f"replace({s}, ' ', 'T') || '+08:00'"
        epoch = next((f for f in formats if f != "datetime"), None)
        if epoch is None:
            return as_text, bad.format(ok=text_ok)
        scale = 1_000_000 if epoch == "epoch_s" else 1_000
        moment = _timestamp_text(f"{n} * {scale}")
        low, high = EPOCH_S_RANGE
        shown = [f"CAST({n} AS VARCHAR)"]
        # in adapt.py's order: a negative count (_epoch), then the other unit, then the range
        wrong = f"WHEN {n} < 0 THEN " + self._in_field(spec, "adapt.before_1970", value=_HOLE, values=shown)
        if epoch == "epoch_s":
            wrong += (f" WHEN {n} >= {EPOCH_MS_FROM} THEN " + self._in_field(spec, "adapt.looks_ms", value=_HOLE, values=shown)
                      + f" WHEN {n} < {low} THEN {self._bad(spec, t, s)}")
        else:
            wrong += (f" WHEN {n} > 0 AND {n} < {EPOCH_MS_FROM} THEN "
                      + self._in_field(spec, "adapt.looks_s", value=_HOLE, values=shown)
                      + f" WHEN {n} NOT BETWEEN {low * 1000} AND {high * 1000 + 999} THEN {self._bad(spec, t, s)}")
        value = f"CASE WHEN {text_ok} THEN {as_text} ELSE {moment} END" if "datetime" in formats else moment
        ok = f"({text_ok} OR {whole})" if "datetime" in formats else whole
        guard = f"(NOT {text_ok}) AND " if "datetime" in formats else ""
        return value, bad.format(ok=ok) + " " + wrong.replace("WHEN ", f"WHEN {guard}", 1)

    def _code(self, spec: FieldSpec, t: str, s: str) -> tuple[str, str]:
        assert spec.table is not None
        table = self.mapping.tables[spec.table]
        values = " ".join(f"WHEN {sql_string(code)} THEN {_constant(v)}" for code, v in table.items()
                          if not isinstance(v, Reject))
        rejected = " ".join(
            f"WHEN {s} = {sql_string(code)} THEN " + self._say(
                "adapt.rejected_code", field=spec.source, code=_HOLE, table=spec.table,
                reason=Phrase("pair", en=v.en, zh=v.zh), values=[_shown(t, s)])
            for code, v in table.items() if isinstance(v, Reject))
        known = ", ".join(sql_string(code) for code in table) or "NULL"
        ok = f"{t} IN ('BIGINT', 'UBIGINT', 'VARCHAR')"
        unknown = f"WHEN {s} NOT IN ({known}) THEN " + self._say(
            "adapt.unknown_code", field=spec.source, code=_HOLE, table=spec.table, values=[_shown(t, s)])
        return f"CASE {s} {values} END" if values else "NULL", \
            f"WHEN NOT ({ok}) THEN {self._bad(spec, t, s)} {rejected} {unknown}"

    # --- words ------------------------------------------------------------------------------

    def _bad(self, spec: FieldSpec, t: str, s: str) -> str:
        kind = spec.convert if spec.convert != "timestamp" else "datetime"
        return self._say("adapt.bad_value", field=spec.source, value=_HOLE, convert=Phrase("adapt.conv." + kind),
                         values=[_shown(t, s)])

    def _in_field(self, spec: FieldSpec, key: str, values: list[str], **args: Any) -> str:
        inner = Phrase(key, **args)
        return self._say("adapt.in_field", field=spec.source, detail=inner, values=values)

    def _say(self, key: str, values: list[str] | None = None, **args: Any) -> str:
        """The catalogued words as SQL text; each `_HOLE` argument is filled by the next of `values`."""
        parts = Phrase(key, **args).label(self.lang).split(_HOLE)
        out = [sql_string(parts[0])]
        for part, value in zip(parts[1:], values or []):
            out += [value, sql_string(part)]
        return " || ".join(out) if len(out) > 1 else out[0]

    def _say_rejected(self, reason: str) -> str:
        head, _, tail = Phrase("adapt.rejected", mapping=self.mapping.label, detail=_HOLE).label(self.lang) \
            .partition(_HOLE)
        return f"CASE WHEN {reason} IS NOT NULL THEN {sql_string(head)} || {reason} || {sql_string(tail)} END"


def _fen(n: str) -> str:
    """129 -> '1.29', -5 -> '-0.05': str(Decimal(n).scaleb(-2)) by integer arithmetic."""
    return (f"(CASE WHEN {n} < 0 THEN '-' ELSE '' END || CAST(abs({n}) // 100 AS VARCHAR) || '.' "
            f"|| lpad(CAST(abs({n}) % 100 AS VARCHAR), 2, '0'))")


def _timestamp_text(utc_us: str) -> str:
    """calendar.py's ISO 8601 Beijing text of epoch microseconds, as DuckDB SQL."""
    tree = cal.timestamp_text(dialect("duckdb"), sqlglot.parse_one(utc_us, read="duckdb"))
    return tree.sql(dialect="duckdb")


def _shown(t: str, s: str) -> str:
    """The value as the Python adapter shows it: text in quotes, a number as written."""
    return f"CASE WHEN {t} = 'VARCHAR' THEN '''' || {s} || '''' ELSE {s} END"


def _constant(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if value is None:
        return "NULL"
    return sql_string(str(value))


def projection_sql(mapping: Mapping, table: str, column: str, lang: str = "en") -> str:
    return Projection(mapping, lang).select(table, column)


__all__ = ["Projection", "projection_sql"]

