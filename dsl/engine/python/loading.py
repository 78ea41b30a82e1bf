"""`load_rulebook`: a rulebook file (or platform name) to a CompiledRulebook, through the
on-disk cache of checked models (cache.py)."""
from __future__ import annotations

import dataclasses
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


def compile_text(text: str, name: str = "<text>", path: str | Path | None = None) -> CompiledRulebook:
    """A rulebook's text (the workbench's editor, not a file) -> CompiledRulebook, through the
    same checks and on-disk cache as `load_rulebook`; raises DslError with all problems.
    `path`: the file the text is of, from which a shop overlay's relative `extends:` is read."""
    return _compile(text.encode("utf-8"), "text", name, True, Path(path) if path is not None else None)


def _same_bases(model: Rulebook, bases: list[str]) -> bool:
    """The cached model was built from the files the key was made of: no base (a rulebook),
    or the very chain of an overlay (the key reads `extends:` lines; the build, the YAML)."""
    return (list(model.overlay.bases) if model.overlay is not None else []) == bases


def _compile(content: bytes, stem: str, file: str, use_cache: bool, origin: Path | None = None) -> CompiledRulebook:
    """A rulebook's bytes, named `file` in diagnostics, from the cache or checked and compiled
    (`origin`: where a shop overlay's relative `extends:` is read from, default `file`)."""
    from dsl.engine.python import cache
    from dsl.diagnostics import Diagnostic, DslError, Phrase
    from dsl.engine.python.runtime import CompiledRulebook

    key, bases = content, []
    if use_cache and b"extends" in content:   # a shop overlay: its bases are part of what is cached
        from dsl.book.overlaysource import chain_sources, file_path

        sources = chain_sources(content, origin or file_path(file))
        use_cache = sources is not None
        bases = [path for path, _ in sources or []]
        key = content + b"".join(b"\0" + path.encode() + b"\0" + raw for path, raw in sources or [])
    cached = cache.load(stem, key, 4) if use_cache else None
    if cached is not None and _same_bases(cached[0], bases):   # the key read the chain the build read
        model, vocabulary, constants, code = cached
        model.file = file
        if model.overlay is not None:
            model.overlay = dataclasses.replace(model.overlay, file=file)
        return CompiledRulebook(model, vocabulary, (constants, marshal.loads(code)))
    from dsl.book.loader import document_from_bytes, model_of
    from dsl.lang.vocabulary import default_vocabulary

    model, diags = model_of(document_from_bytes(content, file), origin=origin)
    errors = [d for d in diags if d.severity == "error"]
    if model is None or errors:
        raise DslError(errors or [Diagnostic("E302", None, file, {"detail": Phrase("shape.not_rulebook")})])
    book = CompiledRulebook(model, default_vocabulary())
    if use_cache:
        constants, code = book.artifact
        cache.store(stem, key, (model, book.vocabulary, constants, marshal.dumps(code)))
    return book
