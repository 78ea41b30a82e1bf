"""Did-you-mean suggestions: close matches only, or nothing rather than nonsense."""
from __future__ import annotations

import difflib


def did_you_mean(word: str, options: list[str] | set[str] | frozenset[str], cutoff: float = 0.75) -> str | None:
    options = sorted(options)
    matches = difflib.get_close_matches(word, options, n=1, cutoff=cutoff)
    if matches:
        return matches[0]
    # A path whose last segment is close to a known path's last segment (order.ammount).
    if "." in word:
        head, _, tail = word.rpartition(".")
        same_head = [o.rpartition(".")[2] for o in options if o.rpartition(".")[0] == head]
        tail_match = difflib.get_close_matches(tail, same_head, n=1, cutoff=0.6)
        if tail_match:
            return f"{head}.{tail_match[0]}"
        tails = {o.rpartition(".")[2]: o for o in options}
        tail_match = difflib.get_close_matches(tail, list(tails), n=1, cutoff=cutoff)
        if tail_match:
            return tails[tail_match[0]]
    return None
