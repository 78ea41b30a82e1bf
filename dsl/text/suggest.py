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


def one_slip(word: str, options: list[str] | set[str] | frozenset[str]) -> str | None:
    """The one option a slip of one key away from `word` (a letter wrong, missing, extra or
    swapped): for short words, where a single slip is half the word and `did_you_mean`'s
    likeness (`zn` and `zh`: 0.5) says nothing. Several such options: the one that starts as
    `word` does (`zn` -> `zh`, not `en`), else none."""
    near = [o for o in sorted(options) if _one_edit(word, o)]
    if len(near) > 1:
        near = [o for o in near if o[:1] == word[:1]]
    return near[0] if len(near) == 1 else None


def _one_edit(a: str, b: str) -> bool:
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1
                                  and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]])
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1:] == short for i in range(len(long_)))
