"""rulebook: e-commerce after-sale policies as data.

    >>> from dsl import load_rulebook
    >>> book = load_rulebook("douyin")                 # or a path to a YAML file
    >>> result = book.evaluate(case_dict, at=None)     # -> CaseResult
    >>> result.result("lightning_return").matched

Pipeline (each stage callable alone): `read_document` (YAML with positions) ->
`validate_shape` (JSON Schema) -> `parse_expr` (Lark) -> `check_expr` (types, resolution) ->
`lower` (the IR) -> `compile_expr` / `ModuleBuilder` (Python source) -> `CompiledRulebook.evaluate`.
The layers: docs/architecture.md.

Names are imported on first use, so `rulebook eval` with a cached rulebook never imports
Lark or jsonschema.
"""
from __future__ import annotations

import importlib
from typing import Any

_LAZY = {
    "parse_expr": "lang.parser", "check_expr": "lang.checker", "CompiledRulebook": "engine.python.runtime", "CaseResult": "engine.results",
    "RuleResult": "engine.results", "Diagnostic": "diagnostics", "DslError": "diagnostics", "RulebookError": "diagnostics",
    "Span": "diagnostics", "render": "diagnostics", "render_all": "diagnostics", "find_rulebook": "book.locate",
    "load_rulebook": "engine.python.loading", "compile_rulebook": "engine.python.loading",
    "check_rulebook": "book.checking", "compile_expr": "engine.python.codegen",
}
_ALIASES = {"RulebookError": "DslError"}

__all__ = list(_LAZY)


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'dsl' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), _ALIASES.get(name, name))
    globals()[name] = value
    return value
