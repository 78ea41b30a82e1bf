"""An on-disk cache of checked rulebooks, keyed by content (like `__pycache__`).

Loading a rulebook means parsing YAML, validating the schema, parsing and type-checking
every expression: ~200 ms. A clean rulebook's checked model is pickled under
`$RULEBOOK_CACHE_DIR` (default `$XDG_CACHE_HOME/rulebook`, else `~/.cache/rulebook`), keyed
by a hash of the file, the vocabulary and the engine's own source files, so any change
to any of them misses the cache. `RULEBOOK_NO_CACHE=1` turns it off. Only models without
errors are cached; a cache file that cannot be read is ignored and rewritten.
"""
from __future__ import annotations

import hashlib
import os
import pickle
import sys
from pathlib import Path
from typing import Any

_FORMAT = 1


def cache_dir() -> Path | None:
    if os.environ.get("RULEBOOK_NO_CACHE"):
        return None
    explicit = os.environ.get("RULEBOOK_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "rulebook"


def _engine_fingerprint() -> bytes:
    """Size and mtime of every file of the package: an edited engine never reads an old cache."""
    here = Path(__file__).resolve().parent
    parts = [f"{_FORMAT}:{sys.version_info[:2]}"]
    for entry in sorted(os.scandir(here), key=lambda e: e.name):
        if entry.is_file() and entry.name.endswith((".py", ".lark", ".yaml", ".json")):
            st = entry.stat()
            parts.append(f"{entry.name}:{st.st_size}:{st.st_mtime_ns}")
    return "|".join(parts).encode()


def key_for(content: bytes) -> str:
    return hashlib.sha256(_engine_fingerprint() + b"\0" + content).hexdigest()[:32]


def load(name: str, content: bytes) -> Any | None:
    folder = cache_dir()
    if folder is None:
        return None
    path = folder / f"{name}.{key_for(content)}.pickle"
    try:
        with path.open("rb") as handle:
            return pickle.load(handle)
    except (OSError, pickle.PickleError, EOFError, AttributeError, ImportError, TypeError, ValueError):
        return None


def store(name: str, content: bytes, value: Any) -> None:
    folder = cache_dir()
    if folder is None:
        return
    import tempfile

    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-")
        with os.fdopen(fd, "wb") as handle:
            pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, folder / f"{name}.{key_for(content)}.pickle")
    except OSError:
        pass  # a read-only home or a full disk only costs speed
