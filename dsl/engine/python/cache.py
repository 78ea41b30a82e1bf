"""An on-disk cache of checked rulebooks, keyed by content (like `__pycache__`).

Entries are pickles (the checked model) and marshalled code, so a writable cache would be
a way to run code: the folder is created private (0700), and a folder or file that is not
the user's own, or that others may write, is never read.

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
from functools import lru_cache
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


@lru_cache(maxsize=1)
def _engine_fingerprint() -> bytes:
    """The content of every file of the engine, in every subpackage: an edited engine never
    reads an old cache. Files are taken in a fixed order by their path inside the package."""
    here = Path(__file__).resolve().parent
    while here.name != "dsl" and here.parent != here:   # this module may sit in a subpackage
        here = here.parent
    digest = hashlib.sha256(f"{_FORMAT}:{sys.version_info[:2]}".encode())
    for relative in engine_files(here):
        digest.update(relative.encode() + b"\0")
        with open(os.path.join(here, relative), "rb") as handle:
            digest.update(handle.read())
    return digest.digest()


def engine_files(root: Path) -> list[str]:
    """Every source and data file of the package under `root`, as sorted '/'-paths."""
    found: list[str] = []
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = [d for d in subfolders if d != "__pycache__" and not d.startswith(".")]
        for name in files:
            if name.endswith((".py", ".lark", ".yaml", ".json")):
                found.append(os.path.relpath(os.path.join(folder, name), root).replace(os.sep, "/"))
    return sorted(found)


def key_for(content: bytes) -> str:
    return hashlib.sha256(_engine_fingerprint() + b"\0" + content).hexdigest()[:32]


def _trusted(path: Path) -> bool:
    """Ours, and nobody else may write it (POSIX); elsewhere the folder's own ACLs decide."""
    if not hasattr(os, "getuid"):
        return True
    try:
        st = path.stat()
    except OSError:
        return False
    return st.st_uid == os.getuid() and not st.st_mode & 0o022


def load(name: str, content: bytes, shape: int) -> tuple[Any, ...] | None:
    """The cached tuple of `shape` items for this content, or None (a miss)."""
    folder = cache_dir()
    if folder is None or not _trusted(folder):
        return None
    path = folder / f"{name}.{key_for(content)}.pickle"
    if not _trusted(path):
        return None
    try:
        with path.open("rb") as handle:
            value = pickle.load(handle)
    except Exception:  # noqa: BLE001 - any unreadable entry is a miss, and is rewritten
        return None
    return value if isinstance(value, tuple) and len(value) == shape else None


def store(name: str, content: bytes, value: Any) -> None:
    folder = cache_dir()
    if folder is None:
        return
    import tempfile

    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not _trusted(folder):
            return
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-")
        with os.fdopen(fd, "wb") as handle:
            pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, folder / f"{name}.{key_for(content)}.pickle")
    except OSError:
        pass  # a read-only home or a full disk only costs speed
