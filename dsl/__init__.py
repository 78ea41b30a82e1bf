"""rulebook: e-commerce after-sale policies as data.

    >>> from dsl import load_rulebook
    >>> book = load_rulebook("douyin")                 # or a path to a YAML file
    >>> result = book.evaluate(case_dict, at=None)     # -> CaseResult
    >>> result.result("lightning_return").matched

Pipeline (each stage callable alone): `read_document` (YAML with positions) ->
`validate_shape` (JSON Schema) -> `parse_expr` (Lark) -> `check_expr` (types) ->
`ModuleBuilder` (Python source) -> `CompiledRulebook.evaluate`.

Names are imported on first use, so `rulebook eval` with a cached rulebook never imports
Lark or jsonschema.
"""
from __future__ import annotations

import importlib
import marshal
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .errors import Diagnostic
    from .model import Rulebook
    from .runtime import CompiledRulebook

_LAZY = {
    "parse_expr": "parser", "check_expr": "checker", "CompiledRulebook": "runtime", "CaseResult": "results",
    "RuleResult": "results", "Diagnostic": "errors", "DslError": "errors", "RulebookError": "errors",
    "Span": "errors", "render": "errors", "render_all": "errors", "find_rulebook": "locate",
}
_ALIASES = {"RulebookError": "DslError"}

__all__ = ["load_rulebook", "check_rulebook", "compile_rulebook", *_LAZY]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'dsl' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), _ALIASES.get(name, name))
    globals()[name] = value
    return value


def _resolve(path_or_platform: str | Path) -> Path:
    from .locate import find_rulebook

    path = Path(path_or_platform)
    if path.suffix in (".yaml", ".yml") or path.exists():
        return path
    return find_rulebook(str(path_or_platform))


def check_rulebook(path_or_platform: str | Path) -> list[Diagnostic]:
    """Every problem of one rulebook file (shape, expressions, types, versions, reachability)."""
    from .analysis import find_unreachable
    from .errors import Diagnostic, DslError
    from .rulebook import load_model

    try:
        path = _resolve(path_or_platform)
    except DslError as exc:
        return exc.diagnostics
    model, diags = load_model(path, cases=True)
    if model is not None and not any(d.severity == "error" and d.code not in ("E502", "E503") for d in diags):   # example cases do not shape the rules
        diags = diags + find_unreachable(model)
    return sorted(diags, key=Diagnostic.sort_key)


def compile_rulebook(model: Rulebook) -> CompiledRulebook:
    from .runtime import CompiledRulebook

    return CompiledRulebook(model)


def load_rulebook(path_or_platform: str | Path, use_cache: bool = True) -> CompiledRulebook:
    """A platform name (`"douyin"`) or a file path -> CompiledRulebook; raises DslError with all problems.

    A clean rulebook's checked model is cached on disk by content (see dsl/cache.py).
    """
    from . import cache
    from .errors import Diagnostic, DslError, Phrase
    from .runtime import CompiledRulebook

    path = _resolve(path_or_platform)
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise DslError([Diagnostic("E309", None, str(path), {"path": str(path), "detail": exc.strerror or str(exc)})]) from None
    name = path.stem
    cached = cache.load(name, content, 4) if use_cache else None
    if cached is not None:
        model, vocabulary, constants, code = cached
        model.file = str(path)
        return CompiledRulebook(model, vocabulary, (constants, marshal.loads(code)))
    from .rulebook import load_model
    from .vocabulary import default_vocabulary

    model, diags = load_model(path)
    errors = [d for d in diags if d.severity == "error"]
    if model is None or errors:
        raise DslError(errors or [Diagnostic("E302", None, str(path), {"detail": Phrase("shape.not_rulebook")})])
    book = CompiledRulebook(model, default_vocabulary())
    if use_cache:
        constants, code = book.artifact
        cache.store(name, content, (model, book.vocabulary, constants, marshal.dumps(code)))
    return book
