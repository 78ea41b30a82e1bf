"""Why a case's `platform` finds no rulebook, with what it may have meant.

A case says `"platform": "Douyin"` or `"抖音"` where the id is `douyin`: the message names the
id it stands for (the id in another case, a rulebook's name, a close spelling) and suggests
`-p NAME` only for a platform that has a rulebook not given (never `-p all` when every
platform's rulebook is already given)."""
from __future__ import annotations

from typing import Any

from dsl.book.locate import available_platforms, meant_platform
from dsl.diagnostics import Phrase


def platform_problem(name: str, books: list[Any]) -> Phrase:
    """The reason a case for platform `name` is rejected when no rulebook of `books` is its."""
    given = list(dict.fromkeys(book.platform for book in books))
    known = sorted(set(available_platforms()) | set(given))
    meant = _meant(name, books, known)
    if meant in given:
        return Phrase("case.platform_meant", platform=name, meant=meant)
    if meant is not None:
        return Phrase("case.platform_meant_add", platform=name, meant=meant, given=", ".join(given))
    if name in known:
        return Phrase("case.wrong_platform", platform=name, given=", ".join(given))
    return Phrase("case.unknown_platform", platform=name, known=", ".join(known))


def _meant(name: str, books: list[Any], known: list[str]) -> str | None:
    """The platform id `name` stands for, by the names of the rulebooks given (`meant_platform`)."""
    named = [(book.platform, (getattr(book.model, "name_zh", None) or "", getattr(book.model, "name_en", None) or ""))
             for book in books]
    return meant_platform(name, named, known)
