"""Field converters, generated from the vocabulary: raw JSON value -> typed value.

One generator serves both users: the lazy case view (`converters_for`, doc -> value) and
the one-pass decider (`value_converter_source`, raw value -> value, emitted into each
rulebook's module). Each has a fast path for well-formed input ("129.90",
"2026-11-05T09:00:00+08:00"); anything else goes to the exact, slower check in kinds.py,
which accepts or rejects with a message naming the problem. The fast path never accepts
what the exact check rejects: it only saves time on input the exact check would accept.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any, Callable

from dsl.cases.kinds import FAST_TIMESTAMP, FieldError, FieldProblem, checked, kind_of
from dsl.diagnostics import Phrase, kind_phrase
from dsl.lang.values import SHANGHAI
from dsl.limits import MAX_AMOUNT_CHARS
from dsl.lang.vocabulary import Field, Vocabulary

Converter = Callable[[dict[str, Any]], Any]


def object_at(container: dict[str, Any], key: str, path: str) -> dict[str, Any]:
    """The object under `key`: a dict, `EMPTY` when absent, FieldError when not an object."""
    value = container.get(key)
    if value is None:
        return EMPTY
    if type(value) is dict:
        return value
    raise FieldError(FieldProblem(path, Phrase("case.must_be_object", kind=kind_phrase(kind_of(value)))))


EMPTY: dict[str, Any] = {}

# What generated converters may call; bound by name, never pickled.
RUNTIME: dict[str, Any] = {
    "_D": Decimal, "_slow": checked, "_obj": object_at, "_EMPTY": EMPTY, "_fts": FAST_TIMESTAMP,
    "_BJ": SHANGHAI, "_8H": timedelta(hours=8), "_fromiso": datetime.fromisoformat,
}


def value_converter_source(name: str, fld: Field, constants: dict[str, Any], field_const: str) -> str:
    """`def name(r)`: raw value -> the field's value (None stays None). It reads module
    globals, not defaults: on 3.11 a specialised global load costs about what a local does,
    and each default costs every call."""
    body = [line.replace("_F, r", f"{field_const}, r") for line in _fast_path(fld, constants, name)]
    lines = [f"def {name}(r):", "    if r is None:", "        return None"]
    lines += body
    lines.append(f"    return _slow({field_const}, r)")
    return "\n".join(lines) + "\n"


def _fast_path(fld: Field, constants: dict[str, Any], tag: str) -> list[str]:
    kind = fld.type.kind
    if kind == "money":
        constants[f"{tag}_lo"], constants[f"{tag}_hi"] = fld.minimum, fld.maximum
        # digits and one dot are never negative: a lower bound of 0 needs no test here
        bounds = " and ".join(([f"x >= {tag}_lo"] if fld.minimum is not None and fld.minimum > 0 else []) +
                              ([f"x <= {tag}_hi"] if fld.maximum is not None else [])) or "True"
        return [f"    if {money_shape(fld, constants, 'r', tag)}:",
                "        try:", "            x = _D(r)", "        except ArithmeticError:", "            return _slow(_F, r)",
                f"        if {bounds}:", "            return x"]
    if kind == "timestamp":
        # The usual shapes (…T09:00:00+08:00, …Z, naive) are recognised by their separators
        # (positions 4, 7, 10, 13 and 16: one slice) and length; the rest by the exact
        # pattern. fromisoformat (3.11) alone would also take `+08`, `,5`, week dates or
        # `14:20:080`, which the exact check rejects. A `+08:00` suffix is Beijing time as
        # it stands: no offset arithmetic.
        # Beijing time is built by fromisoformat itself (`+08:00` appended to a naive time,
        # 8 hours added to a UTC one): datetime.replace(tzinfo=…) and astimezone cost
        # several times as much.
        return [f"    if type(r) is str and {timestamp_shape('r')}:",
                "        n = len(r)",
                "        try:",
                "            if n == 25:",
                "                if r[19:] == '+08:00':",
                "                    return _fromiso(r)",
                "                if r[22] == ':' and r[19] in '+-':",
                "                    t = _fromiso(r)",
                "                    return t if t.utcoffset() == _8H else t.astimezone(_BJ)",
                "            elif n == 20:",
                "                if r[19] == 'Z':",
                "                    return _fromiso(r[:19] + '+08:00') + _8H",
                "            elif n == 19:",
                "                return _fromiso(r + '+08:00')",
                "        except (ValueError, OverflowError):",
                "            return _slow(_F, r)",
                "    if type(r) is str and _fts(r):",
                "        try:", "            t = _fromiso(r)", "        except ValueError:",
                "            return _slow(_F, r)", "        z = t.tzinfo", "        if z is None:",
                "            return t.replace(tzinfo=_BJ)", "        if z.utcoffset(None) == _8H:",
                "            return t", "        try:", "            return t.astimezone(_BJ)",
                "        except OverflowError:", "            pass"]
    check = valid_check(fld, constants, "r", f"{tag}_enum")
    if check is not None:
        return [f"    if {check}:", "        return r"]
    if kind == "list":
        return ["    if type(r) is list:", "        for x in r:", "            if type(x) is not str:",
                "                break", "        else:", "            return tuple(r)"]
    return []


def timestamp_shape(var: str) -> str:
    """The condition under which text `var` may go to fromisoformat on a fast path: the
    separators at 4, 7, 10, 13 and 16 (one slice) rule out what fromisoformat takes and the
    exact check does not (basic or week dates), and no NUL, which CPython 3.11's
    fromisoformat takes for the end of the text ("…T20:00:Z\\0+08:00" reads as 20:00 UTC)."""
    return f"{var}[4:17:3] == '--T::' and '\\x00' not in {var}"


def money_shape(fld: Field, constants: dict[str, Any], var: str, tag: str) -> str:
    """The condition under which text `var` is a plain amount (digits, then at most one dot
    and the field's decimals) that Decimal reads exactly as the exact check does: no sign,
    exponent, space, '_', NaN or non-ASCII digit gets through, nor '' or '.' (which only a
    trapping decimal context would reject). Up to 2 decimals, what is left after the
    leading digits is looked up in the set {'', '.0', …, '.99'}; a final '.' ("5.") is not
    in it, and a first '.' (".5") is tested apart: both are left to the exact check, which
    rejects them (values.AMOUNT_RE)."""
    if fld.decimals > 2:
        return (f"type({var}) is str and len({var}) <= {MAX_AMOUNT_CHARS} and {var}.isascii() "
                f"and {var}.replace('.', '', 1).isdigit() and {var}[0] != '.' and {var}[-1] != '.' "
                f"and len({var}) - {var}.find('.') <= {fld.decimals + 1} + {MAX_AMOUNT_CHARS} * ('.' not in {var})")
    constants[f"_FRAC{fld.decimals}"] = _fractions(fld.decimals)
    return (f"type({var}) is str and 0 < len({var}) <= {MAX_AMOUNT_CHARS} "
            f"and {var}.lstrip('0123456789') in _FRAC{fld.decimals} and {var}[0] != '.'")


@lru_cache(maxsize=None)
def _fractions(decimals: int) -> frozenset[str]:
    return frozenset([""] + ["." + str(k).zfill(n) for n in range(1, decimals + 1) for k in range(10 ** n)])


def valid_check(fld: Field, constants: dict[str, Any], var: str, enum_name: str) -> str | None:
    """For kinds whose value is the raw value itself (flags, enums, text, counts, objects):
    the condition under which `var` is already valid. The view's converters and the
    decider's inline reads both use it, so the two accept exactly the same values."""
    kind = fld.type.kind
    if kind == "bool":
        return f"{var} is True or {var} is False"
    if kind == "str" and fld.type.values is not None:
        constants[enum_name] = fld.type.values
        return f"type({var}) is str and {var} in {enum_name}"
    if kind == "str":
        return f"type({var}) is str"
    if kind == "int":
        low = f" and {var} >= {int(fld.minimum)}" if fld.minimum is not None else ""
        high = f" and {var} <= {int(fld.maximum)}" if fld.maximum is not None else ""
        return f"type({var}) is int{low}{high}"
    if kind == "object":
        return f"type({var}) is dict"
    return None


@lru_cache(maxsize=8)
def converters_for(vocabulary: Vocabulary) -> dict[str, Converter]:
    """path -> converter (case document -> value), for every path of the vocabulary."""
    namespace = value_converters(vocabulary)
    return {path: namespace[f"_c{i}"] for i, path in enumerate(vocabulary.fields)}


@lru_cache(maxsize=8)
def value_converters(vocabulary: Vocabulary) -> dict[str, Any]:
    """The generated module of the vocabulary's converters: `_v{i}(raw)` (raw value -> value)
    and `_c{i}(doc)` (case document -> value) for the i-th field, `_F{i}` the field."""
    namespace: dict[str, Any] = dict(RUNTIME)
    sources = []
    for i, fld in enumerate(vocabulary.fields.values()):
        namespace[f"_F{i}"] = fld
        sources.append(value_converter_source(f"_v{i}", fld, namespace, f"_F{i}"))
        sources.append(_navigation_source(i, fld))
    exec(compile("\n".join(sources), "<converters>", "exec"), namespace)  # generated code, not user text
    return namespace


def _navigation_source(i: int, fld: Field) -> str:
    """`def _c{i}(d)`: walk from the case document to the field's parent, then convert."""
    parts = fld.path.split(".")
    lines = [f"def _c{i}(d):", "    o = d"]
    for depth, name in enumerate(parts[:-1]):
        lines.append(f"    o = _obj(o, {name!r}, {'.'.join(parts[: depth + 1])!r})")
    lines.append(f"    return _v{i}(o.get({parts[-1]!r}))")
    return "\n".join(lines) + "\n"
