"""Where a shop overlay's base is: `extends:` resolved to a file, without the YAML loader.

Kept apart from overlay.py (which builds the merged model with the loader, the parser and
the checker) because `rulebook eval` of an overlay with a warm cache needs only this: the
on-disk cache keys an overlay by the bytes of every file of its chain, found here by reading
the top-level `extends:` line of each file. That reading is a shortcut; the cache checks it
against the chain the full build recorded (engine/python/loading.py), so a file it reads
otherwise is rebuilt, never served stale.
"""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from dsl.diagnostics import DslError, Phrase

NAME = re.compile(r"[a-z][a-z0-9_]*")        # a platform name; anything else is a path
_EXTENDS = re.compile(rb"^extends[ \t]*:[ \t]*(.*?)[ \t]*$", re.M)


def resolve_base(written: str, origin: Path | None) -> tuple[Path | None, Phrase | None, Any]:
    """The file `extends: written` names, as (path, None, None), or (None, why, hint): a
    platform name is found as `--platform` finds it, anything else is a path relative to
    `origin`, the extending file (None: text that is not in a file, names only)."""
    from dsl.book.locate import available_platforms, find_rulebook, meant_platform

    if NAME.fullmatch(written):
        try:
            return _shown(find_rulebook(written)), None, None
        except DslError as exc:
            from dsl.text.suggest import did_you_mean

            known = available_platforms()
            close = meant_platform(written, known=known) or did_you_mean(written, set(known), cutoff=0.6)
            hint = ("did_you_mean", {"suggestion": close}) if close else ("overlay_platforms", {"names": ", ".join(known)})
            return None, Phrase("overlay.no_platform", where=exc.diagnostics[0].args.get("where", "")), hint
    if origin is None:
        return None, Phrase("overlay.no_origin"), ("overlay_name_only", {})
    path = Path(os.path.normpath(origin.parent / written))
    if not path.is_file():   # `extends: Douyin` or `抖音`: a platform written as its name
        meant = None if any(c in written for c in "/\\.") else meant_platform(written)
        return None, Phrase("overlay.no_file", path=str(path)), ("did_you_mean", {"suggestion": meant}) if meant else None
    return path, None, None


def file_path(name: str) -> Path | None:
    """The file a rulebook's name in diagnostics is; None for text that is not a file
    (`<text>`, `<editor>`, an editor's URI)."""
    return None if not name or name.startswith("<") or "://" in name else Path(name)


def _shown(path: Path) -> Path:
    """The path relative to the working folder when it is inside it: what messages show."""
    try:
        return path.relative_to(Path.cwd())
    except ValueError:
        return path


def written_extends(content: bytes) -> str | None:
    """The value of a top-level `extends:` line (a trailing comment and quotes removed)."""
    found = _EXTENDS.search(content)
    if found is None:
        return None
    value = re.sub(r"\s+#.*$", "", found.group(1).decode("utf-8", "replace")).strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        value = value[1:-1].strip()
    return value or None


def chain_sources(content: bytes, origin: Path | None) -> list[tuple[str, bytes]] | None:
    """The bases of a rulebook (`origin`: its file) with their bytes, its own base first: what
    the on-disk cache keys an overlay by. None when a base cannot be found or read, or the
    chain comes back to a file of itself (nothing to cache; the build says why)."""
    out: list[tuple[str, bytes]] = []
    while (written := written_extends(content)) is not None:
        path, _, _ = resolve_base(written, origin)
        if path is None or any(p == str(path) for p, _ in out) or len(out) > 64:
            return None
        try:
            content = path.read_bytes()
        except OSError:
            return None
        out.append((str(path), content))
        origin = path
    return out
