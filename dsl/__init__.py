"""rulebook: e-commerce after-sale policies as data.

    >>> from dsl import load_rulebook
    >>> book = load_rulebook("douyin")                 # or a path to a YAML file
    >>> result = book.evaluate(case_dict, at=None)     # -> CaseResult
    >>> result.result("lightning_return").matched

Pipeline (each stage callable alone): `read_document` (YAML with positions) ->
`validate_shape` (JSON Schema) -> `parse_expr` (Lark) -> `check_expr` (types) ->
`ModuleBuilder` (Python source) -> `CompiledRulebook.evaluate`.
"""
from __future__ import annotations

from pathlib import Path

from .analysis import find_unreachable
from .checker import check_expr
from .errors import Diagnostic, DslError, Span, render, render_all
from .locate import find_rulebook
from .model import Rulebook
from .parser import parse_expr
from .results import CaseResult, RuleResult
from .rulebook import load_model
from .runtime import CompiledRulebook

RulebookError = DslError

__all__ = [
    "load_rulebook", "check_rulebook", "compile_rulebook", "find_rulebook", "parse_expr", "check_expr",
    "CompiledRulebook", "CaseResult", "RuleResult", "Diagnostic", "DslError", "RulebookError", "Span",
    "render", "render_all",
]


def _resolve(path_or_platform: str | Path) -> Path:
    path = Path(path_or_platform)
    if path.suffix in (".yaml", ".yml") or path.exists():
        return path
    return find_rulebook(str(path_or_platform))


def check_rulebook(path_or_platform: str | Path) -> list[Diagnostic]:
    """Every problem of one rulebook file (shape, expressions, types, versions, reachability)."""
    try:
        path = _resolve(path_or_platform)
    except DslError as exc:
        return exc.diagnostics
    model, diags = load_model(path)
    if model is not None and not any(d.severity == "error" for d in diags):
        diags = diags + find_unreachable(model)
    return sorted(diags, key=Diagnostic.sort_key)


def compile_rulebook(model: Rulebook) -> CompiledRulebook:
    return CompiledRulebook(model)


def load_rulebook(path_or_platform: str | Path) -> CompiledRulebook:
    """A platform name (`"douyin"`) or a file path -> CompiledRulebook; raises DslError with all problems."""
    path = _resolve(path_or_platform)
    model, diags = load_model(path)
    errors = [d for d in diags if d.severity == "error"]
    if model is None or errors:
        raise DslError(errors or [Diagnostic("E302", None, str(path), {"detail": "not a rulebook"})])
    return CompiledRulebook(model)
