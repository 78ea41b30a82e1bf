"""Characters an input method slips into text, and what was meant (for hints)."""
from __future__ import annotations

import unicodedata
from typing import Final

# Full-width forms U+FF01..U+FF5E map to ASCII by offset; these are the others.
LOOKALIKES: Final[dict[str, str]] = {
    "“": '"', "”": '"', "‘": "'", "’": "'", "、": ",", "。": ".", "【": "[", "】": "]",
    "《": "<", "》": ">", "\u3000": " ", "≤": "<=", "≥": ">=", "≠": "!=", "×": "*", "÷": "/",
    "\u00a0": " ", "\u202f": " ", "\u2007": " ",
}
INVISIBLE: Final = frozenset({"\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"})


def ascii_for(ch: str) -> str | None:
    """The ASCII character meant by a full-width or look-alike one (None if it is not one)."""
    if "\uff01" <= ch <= "\uff5e":
        return chr(ord(ch) - 0xFEE0)
    return LOOKALIKES.get(ch)


def char_name(ch: str) -> str:
    return unicodedata.name(ch, f"U+{ord(ch):04X}")


def suspicious(ch: str) -> bool:
    return ch in INVISIBLE or ascii_for(ch) is not None
