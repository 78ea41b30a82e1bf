"""The rulebook files a workbench was started with: the only files it reads or writes.

A request names a file by its name in this list (`douyin`), never by a path, so no path
from a request reaches the file system. Saving is atomic (a temporary file in the same
folder, renamed over the old one) and keeps the previous text as `NAME.yaml.bak`.

A file is read afresh for every request: one removed or renamed since the start (a `git
checkout`, an editor's save) is `FileGone` for the requests naming it, not for the others,
and one that is not UTF-8 is read with its problem (the E309 `rulebook check` gives), so
that its text, shown with U+FFFD, is never written back over the real one.
"""
from __future__ import annotations

import difflib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from dsl.book.loader import decode_rulebook, unreadable
from dsl.diagnostics import Diagnostic, Phrase


class ServedFilesError(ValueError):
    """Two files of the same name: a request could not say which it means."""

    def __init__(self, problem: Phrase):
        super().__init__(problem)
        self.problem = problem


class FileGone(Exception):
    """The served file is not there any more (removed or renamed since the server started)."""

    def __init__(self, file: ServedFile):
        super().__init__(str(file.path))
        self.file = file


@dataclass(frozen=True)
class Reading:
    """A served file as it is now: its text, and E309 when it cannot be read as UTF-8 text
    (the text is then a view with U+FFFD, to show, never to save over the file)."""

    text: str
    problem: Diagnostic | None = None


@dataclass(frozen=True)
class ServedFile:
    name: str     # what requests use: the file's stem
    path: Path

    def read(self) -> Reading:
        """The file's text now; FileGone when it is not there any more."""
        try:
            raw = self.path.read_bytes()
        except (FileNotFoundError, NotADirectoryError):
            raise FileGone(self) from None
        except OSError as exc:   # a folder now, or no permission: said as `rulebook check` says it
            return Reading("", unreadable(self.path.name, exc.strerror or str(exc)))
        return Reading(*decode_rulebook(raw, self.path.name))

    def exists(self) -> bool:
        return self.path.exists()


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


def write_atomically(file: ServedFile, text: str) -> Path | None:
    """Write `text` over the file: the old text first to NAME.bak, then the new text into a
    temporary file beside it, renamed over the original (a crash leaves one or the other,
    never half a file). The backup's path is returned; None when the file was gone (removed
    since the start) and is written again, so there was nothing to back up."""
    path = file.path
    backup: Path | None = path.with_name(path.name + ".bak")
    try:
        old, mode = path.read_bytes(), path.stat().st_mode & 0o777
    except FileNotFoundError:
        backup, mode = None, 0o644   # written again: an ordinary file's mode
    else:
        backup.write_bytes(old)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return backup
