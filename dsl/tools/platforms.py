"""Why a case's `platform` finds no rulebook, with what it may have meant.

A case says `"platform": "Douyin"` or `"抖音"` where the id is `douyin`: the message names the
id it stands for (the id in another case, a rulebook's name, a close spelling) and suggests
`-p NAME` only for a platform that has a rulebook not given (never `-p all` when every
platform's rulebook is already given)."""
from __future__ import annotations

from typing import Any

from dsl.book.locate import available_platforms
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
    """The platform id `name` stands for: the same id in other letter case, the start of a
    rulebook's name (抖音 for 抖音售后规则, Douyin for "Douyin after-sale rules"), or a close
    spelling of an id; None when it is an id itself or stands for none."""
    if name in known:
        return None
    folded = name.casefold()
    for pid in known:
        if pid.casefold() == folded:
            return pid
    for book in books:
        names = (getattr(book.model, "name_zh", None) or "", getattr(book.model, "name_en", None) or "")
        if len(name) >= 2 and any(n.casefold().startswith(folded) for n in names if n):
            return book.platform
    from dsl.text.suggest import did_you_mean

    return did_you_mean(folded, known)
