"""The case vocabulary: the paths a rulebook may read, their types and zh/en labels (from data)."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache

from dsl.lang.types import Type, parse_type


@dataclass(frozen=True)
class Field:
    path: str
    type: Type
    zh: str
    en: str
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    required: bool = False
    decimals: int = 2                                       # money: most decimals a case may give
    value_labels: tuple[tuple[str, str, str], ...] = ()   # (value, zh, en) for enums

    def label(self, lang: str = "en") -> str:
        return self.zh if lang == "zh" else self.en

    def value_label(self, value: str, lang: str = "en") -> str | None:
        for v, zh, en in self.value_labels:
            if v == value:
                return zh if lang == "zh" else en
        return None


@dataclass(frozen=True, eq=False)
class Vocabulary:
    fields: dict[str, Field]
    _keys: dict[str, dict[str, Field]] = field(default_factory=dict, repr=False, compare=False)

    def get(self, path: str) -> Field | None:
        return self.fields.get(path)

    def paths(self) -> list[str]:
        return list(self.fields)

    def keys_under(self, prefix: str) -> dict[str, Field]:
        """key -> field for the direct sub-fields of an object path (cached: read per case)."""
        keys = self._keys.get(prefix)
        if keys is None:
            keys = self._keys[prefix] = {f.path.rpartition(".")[2]: f for f in self.children(prefix)}
        return keys

    def children(self, prefix: str) -> list[Field]:
        """The direct sub-fields of an object path ('' for the case's top level)."""
        depth = prefix.count(".") + 1 if prefix else 0
        lead = prefix + "." if prefix else ""
        return [f for p, f in self.fields.items() if p.startswith(lead) and p.count(".") == depth]


@lru_cache(maxsize=1)
def default_vocabulary() -> Vocabulary:
    """The project's vocabulary, read once from `dsl/lang/vocabulary.yaml`."""
    from importlib import resources

    import yaml

    text = resources.files("dsl.lang").joinpath("vocabulary.yaml").read_text(encoding="utf-8")
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)   # libyaml when available: faster start
    return vocabulary_from_data(yaml.load(text, Loader=loader))


def vocabulary_from_data(data: dict) -> Vocabulary:
    fields: dict[str, Field] = {}
    for path, spec in data["fields"].items():
        values = spec.get("values") or {}
        labels = tuple((v, lab.get("zh", v), lab.get("en", v)) for v, lab in values.items())
        fields[path] = Field(
            path=path,
            type=parse_type(spec["type"], list(values)),
            zh=spec.get("zh", path),
            en=spec.get("en", path),
            minimum=_dec(spec.get("min")),
            maximum=_dec(spec.get("max")),
            required=bool(spec.get("required", False)),
            decimals=int(spec.get("decimals", 2)),
            value_labels=labels,
        )
    return Vocabulary(fields)


def _dec(value: object) -> Decimal | None:
    return None if value is None else Decimal(str(value))
