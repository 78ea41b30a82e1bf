"""The rulebook files a workbench was started with: the only files it reads or writes.

A request names a file by its name in this list (`douyin`), never by a path, so no path
from a request reaches the file system. Saving is atomic (a temporary file in the same
folder, renamed over the old one) and keeps the previous text as `NAME.yaml.bak`.
"""
from __future__ import annotations

import difflib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from dsl.diagnostics import Phrase


class ServedFilesError(ValueError):
    """Two files of the same name: a request could not say which it means."""

    def __init__(self, problem: Phrase):
        super().__init__(problem)
        self.problem = problem


@dataclass(frozen=True)
class ServedFile:
    name: str     # what requests use: the file's stem
    path: Path

    def read(self) -> str:
        return self.path.read_bytes().decode("utf-8-sig", errors="replace").replace("\r\n", "\n")


class ServedFiles:
    """name -> file, fixed when the server starts."""

    def __init__(self, paths: list[Path]):
        self.files: dict[str, ServedFile] = {}
        for path in paths:
            path = path.resolve()
            known = self.files.get(path.stem)
            if known is not None and known.path != path:
                raise ServedFilesError(Phrase("web.twice", a=str(known.path), b=str(path), name=path.stem))
            self.files[path.stem] = ServedFile(path.stem, path)

    def get(self, name: str) -> ServedFile | None:
        """The file served under `name`; anything else (a path, `..`) is no file at all."""
        return self.files.get(name) if isinstance(name, str) else None

    def names(self) -> list[str]:
        return list(self.files)


def unified_diff(old: str, new: str, name: str) -> str:
    """What a save changes, as `diff -u` shows it."""
    lines = difflib.unified_diff(old.splitlines(keepends=True), new.splitlines(keepends=True),
                                 f"{name} (saved)", f"{name} (edited)")
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def write_atomically(file: ServedFile, text: str) -> Path:
    """Write `text` over the file: the old text first to NAME.bak, then the new text into a
    temporary file beside it, renamed over the original (a crash leaves one or the other,
    never half a file). The backup's path is returned."""
    path = file.path
    backup = path.with_name(path.name + ".bak")
    backup.write_bytes(path.read_bytes())
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, path.stat().st_mode & 0o777)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return backup
