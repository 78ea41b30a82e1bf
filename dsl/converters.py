"""Fast field converters, generated once per vocabulary: raw case document -> typed value.

Each path gets a specialised function that walks to its parent object and has a fast
path for well-formed input (`"129.90"`, `"2026-11-05T09:00:00+08:00"`, an enum value);
anything else goes to the exact, slower check in cases.py, which names the problem.
The one-pass decider and the lazy case view both use these functions.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any, Callable

from .cases import _FAST_TIMESTAMP, FieldError, FieldProblem, _checked
from .values import SHANGHAI
from .vocabulary import Field, Vocabulary

Converter = Callable[[dict[str, Any]], Any]


def _bad_parent(path: str, value: Any) -> Any:
    kind = "a list" if isinstance(value, list) else "text" if isinstance(value, str) else "a number"
    raise FieldError(FieldProblem(path, f"must be an object, not {kind}"))


@lru_cache(maxsize=8)
def converters_for(vocabulary: Vocabulary) -> dict[str, Converter]:
    """path -> converter, for every path of the vocabulary."""
    namespace: dict[str, Any] = {
        "_D": Decimal, "_slow": _checked, "_bad_parent": _bad_parent, "_fts": _FAST_TIMESTAMP,
        "_BJ": SHANGHAI, "_8H": timedelta(hours=8), "_fromiso": datetime.fromisoformat,
    }
    sources = [_source(i, fld, namespace) for i, fld in enumerate(vocabulary.fields.values())]
    exec(compile("\n".join(sources), "<converters>", "exec"), namespace)  # generated code, not user text
    return {path: namespace[f"_c{i}"] for i, path in enumerate(vocabulary.fields)}


def _source(i: int, fld: Field, ns: dict[str, Any]) -> str:
    ns[f"_F{i}"] = fld
    parts = fld.path.split(".")
    lines = [f"def _c{i}(d):", "    _o = d"]
    for depth, name in enumerate(parts[:-1]):
        parent = ".".join(parts[: depth + 1])
        lines += [f"    _o = _o.get({name!r})", "    if _o is None:", "        return None",
                  "    if type(_o) is not dict:", f"        return _bad_parent({parent!r}, _o)"]
    lines += [f"    _r = _o.get({parts[-1]!r})", "    if _r is None:", "        return None"]
    lines += _fast_path(i, fld, ns)
    lines.append(f"    return _slow(_F{i}, _r)")
    return "\n".join(lines) + "\n"


def _fast_path(i: int, fld: Field, ns: dict[str, Any]) -> list[str]:
    kind = fld.type.kind
    if kind == "money":
        ns[f"_M{i}"] = re.compile(r"[0-9]{1,15}(\.[0-9]{1,%d})?" % fld.decimals).fullmatch
        ns[f"_LO{i}"], ns[f"_HI{i}"] = fld.minimum, fld.maximum
        bounds = ([f"_x >= _LO{i}"] if fld.minimum is not None else []) + \
                 ([f"_x <= _HI{i}"] if fld.maximum is not None else [])
        return [f"    if type(_r) is str and _M{i}(_r):", "        _x = _D(_r)",
                f"        if {' and '.join(bounds) or 'True'}:", "            return _x"]
    if kind == "timestamp":
        return ["    if type(_r) is str and _fts(_r):", "        try:", "            _t = _fromiso(_r)",
                "        except ValueError:", f"            return _slow(_F{i}, _r)", "        _z = _t.tzinfo",
                "        if _z is None:", "            return _t.replace(tzinfo=_BJ)",
                "        if _z is _BJ or _z.utcoffset(None) == _8H:", "            return _t",
                "        return _t.astimezone(_BJ)"]
    if kind == "bool":
        return ["    if _r is True or _r is False:", "        return _r"]
    if kind == "str" and fld.type.values is not None:
        ns[f"_E{i}"] = fld.type.values
        return [f"    if type(_r) is str and _r in _E{i}:", "        return _r"]
    if kind == "str":
        return ["    if type(_r) is str:", "        return _r"]
    if kind == "int":
        low = f" and _r >= {int(fld.minimum)}" if fld.minimum is not None else ""
        high = f" and _r <= {int(fld.maximum)}" if fld.maximum is not None else ""
        return [f"    if type(_r) is int{low}{high}:", "        return _r"]
    if kind == "object":
        return ["    if type(_r) is dict:", "        return _r"]
    return []
