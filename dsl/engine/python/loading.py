"""`load_rulebook`: a rulebook file (or platform name) to a CompiledRulebook, through the
on-disk cache of checked models (cache.py)."""
from __future__ import annotations

import marshal
from pathlib import Path
from typing import TYPE_CHECKING

from dsl.book.locate import resolve

if TYPE_CHECKING:
    from dsl.book.model import Rulebook
    from dsl.engine.python.runtime import CompiledRulebook


def compile_rulebook(model: Rulebook) -> CompiledRulebook:
    from dsl.engine.python.runtime import CompiledRulebook

    return CompiledRulebook(model)


def load_rulebook(path_or_platform: str | Path, use_cache: bool = True) -> CompiledRulebook:
    """A platform name (`"douyin"`) or a file path -> CompiledRulebook; raises DslError with all problems.

    A clean rulebook's checked model is cached on disk by content (see dsl/engine/python/cache.py).
    """
    from dsl.diagnostics import Diagnostic, DslError

    path = resolve(path_or_platform)
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise DslError([Diagnostic("E309", None, str(path), {"path": str(path), "detail": exc.strerror or str(exc)})]) from None
    return _compile(content, path.stem, str(path), use_cache)


def compile_text(text: str, name: str = "<text>") -> CompiledRulebook:
    """A rulebook's text (the workbench's editor, not a file) -> CompiledRulebook, through the
    same checks and on-disk cache as `load_rulebook`; raises DslError with all problems."""
    return _compile(text.encode("utf-8"), "text", name, True)


def _compile(content: bytes, stem: str, file: str, use_cache: bool) -> CompiledRulebook:
    """A rulebook's bytes, named `file` in diagnostics, from the cache or checked and compiled."""
    from dsl.engine.python import cache
    from dsl.diagnostics import Diagnostic, DslError, Phrase
    from dsl.engine.python.runtime import CompiledRulebook

    cached = cache.load(stem, content, 4) if use_cache else None
    if cached is not None:
        model, vocabulary, constants, code = cached
        model.file = file
        return CompiledRulebook(model, vocabulary, (constants, marshal.loads(code)))
    from dsl.book.loader import document_from_bytes, model_of
    from dsl.lang.vocabulary import default_vocabulary

    model, diags = model_of(document_from_bytes(content, file))
    errors = [d for d in diags if d.severity == "error"]
    if model is None or errors:
        raise DslError(errors or [Diagnostic("E302", None, file, {"detail": Phrase("shape.not_rulebook")})])
    book = CompiledRulebook(model, default_vocabulary())
    if use_cache:
        constants, code = book.artifact
        cache.store(stem, content, (model, book.vocabulary, constants, marshal.dumps(code)))
    return book
