"""Type values of the expression language; the checker and the vocabulary speak these."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

Kind = Literal["bool", "int", "money", "str", "duration", "timestamp", "date",
               "list", "null", "object", "any"]

_LABELS: Final[dict[str, tuple[str, str]]] = {
    "bool": ("bool", "布尔"),
    "int": ("int", "整数"),
    "money": ("money", "金额"),
    "str": ("text", "文本"),
    "duration": ("duration", "时长"),
    "timestamp": ("timestamp", "时间"),
    "date": ("date", "日期"),
    "list": ("list", "列表"),
    "null": ("null", "空值"),
    "object": ("object", "对象"),
    "any": ("any", "任意"),
}


@dataclass(frozen=True)
class Type:
    """A type; `item` for lists, `values` for text restricted to an enumeration."""

    kind: Kind
    item: Type | None = None
    values: frozenset[str] | None = None

    def __str__(self) -> str:
        if self.kind == "list":
            return f"list of {self.item}"
        if self.values is not None:
            return "text (enum)"
        return _LABELS[self.kind][0]

    def label(self, lang: str = "en") -> str:
        zh = lang == "zh"
        if self.kind == "list":
            inner = self.item.label(lang) if self.item else "any"
            return f"{inner}列表" if zh else f"list of {inner}"
        return _LABELS[self.kind][1 if zh else 0]

    @property
    def is_numeric(self) -> bool:
        return self.kind in ("int", "money")

    def plain(self) -> Type:
        """The type without its enumeration (an enum is still text)."""
        return Type(self.kind, self.item) if self.values is not None else self


BOOL: Final = Type("bool")
INT: Final = Type("int")
MONEY: Final = Type("money")
STR: Final = Type("str")
DURATION: Final = Type("duration")
TIMESTAMP: Final = Type("timestamp")
DATE: Final = Type("date")
NULL: Final = Type("null")
OBJECT: Final = Type("object")
ANY: Final = Type("any")


def list_of(item: Type) -> Type:
    return Type("list", item)


def enum(values: list[str] | frozenset[str]) -> Type:
    return Type("str", values=frozenset(values))


def parse_type(text: str, values: list[str] | None = None) -> Type:
    """Vocabulary spelling -> Type: `money`, `list[str]`, `enum` (with values)."""
    if text.startswith("list[") and text.endswith("]"):
        return list_of(parse_type(text[5:-1]))
    if text == "enum":
        return enum(values or [])
    simple = {"bool": BOOL, "int": INT, "money": MONEY, "str": STR, "duration": DURATION,
              "timestamp": TIMESTAMP, "date": DATE, "object": OBJECT}
    return simple[text]


def unify(a: Type, b: Type) -> Type | None:
    """The common type of two values that may meet (for lists, if/else, coalesce, ==)."""
    if a.kind == "any" or a.kind == "null":
        return b
    if b.kind == "any" or b.kind == "null":
        return a
    if a.is_numeric and b.is_numeric:
        return MONEY if "money" in (a.kind, b.kind) else INT
    if a.kind == "list" and b.kind == "list":
        inner = unify(a.item or ANY, b.item or ANY)
        return list_of(inner) if inner else None
    if a.kind == b.kind:
        return a if a.values is None or b.values is None else Type(a.kind, values=a.values | b.values)
    return None
