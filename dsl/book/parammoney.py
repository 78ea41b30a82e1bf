"""A money parameter's value checked against the decimals of the fields it is compared with (E214).

`order.paid_amount <= params.limit` with `limit: 300.005` is the literal `300.005` written
elsewhere (lang/moneyuse.py): no case can hold it. The checker notes every place a money
parameter is read (MoneyUse), with the field's decimals where it is compared with one; once
every expression is checked, each value is checked here, at its own position. A parameter
also read where no field sets its precision (arithmetic, a deadline, an output) may hold
any decimals and is not checked; one compared with several fields is held to the finest.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Iterable

from dsl.book.model import ParamDef
from dsl.book.paramenums import check_param_enums, param_items, uses_by_param
from dsl.diagnostics import Diagnostic, Phrase
from dsl.lang.moneyuse import MoneyUse, decimals_of, nearest
from dsl.text.yamlload import FLOAT_RE, Document, KeyPath


def check_param_money(docs: Iterable[Document], params: dict[str, ParamDef], uses: Iterable[object]) -> list[Diagnostic]:
    """Add E214 to the document where a parameter's value is written, at each amount with
    more decimals than every field the parameter is compared with holds; the diagnostics added."""
    by_file = {d.file: d for d in docs}
    found: list[Diagnostic] = []
    for param, its in uses_by_param(params, uses, MoneyUse):
        compared = [u for u in its if u.decimals is not None]
        places = {(u.file, u.span) for u in compared}
        free = any((u.file, u.span) not in places for u in its)   # read somewhere no field sets the precision
        if param.file not in by_file or not compared or free:
            continue
        finest = max(compared, key=lambda u: (u.decimals, -u.span.line, -u.span.col))
        found.extend(_check_param(by_file[param.file], param, finest))
    return found


def _check_param(doc: Document, param: ParamDef, use: MoneyUse) -> list[Diagnostic]:
    assert use.decimals is not None
    at = f"{use.file or doc.file}:{use.span.line}:{use.span.col}"
    name = Phrase("pair", en=f"{use.name} (compared with params.{param.name} at {at})",
                  zh=f"{use.name}（在 {at} 与 params.{param.name} 比较）")
    found: list[Diagnostic] = []
    for text, path in param_items(doc, param.path):
        value = _amount(doc, path, text)
        if value is None:
            continue
        more = decimals_of(value)
        if more > use.decimals:
            down, up = nearest(value, use.decimals)
            found.append(doc.error("E214", doc.nearest_span(path), ("money_decimals", {"down": down, "up": up}),
                                   value=str(value), more=more, name=name, decimals=use.decimals))
    return found


def _amount(doc: Document, path: KeyPath, text: str) -> Decimal | None:
    """The amount a plain scalar of a money parameter is (`param_items` gives the text as written)."""
    node = doc.nodes.get(path)
    if getattr(node, "style", None) or not FLOAT_RE.fullmatch(text):
        return None
    return Decimal(text)


def check_param_values(docs: Iterable[Document], params: dict[str, ParamDef], uses: Iterable[object]) -> list[Diagnostic]:
    """Every parameter value against its uses: text against enums (E213), amounts against
    money fields (E214); the diagnostics added to `docs`."""
    docs, uses = list(docs), list(uses)
    return check_param_enums(docs, params, uses) + check_param_money(docs, params, uses)
