"""Consecutive cases an SQL engine decided and wrote, taken by the batch as one item.

Per case, the batch's work for a case DuckDB wrote is only bookkeeping: count it, add its
matched rules, write its line. Done once per case in Python that was most of the time left
after DuckDB's (~12 us a case). A `DecidedRun` carries a run of such cases at once: their
lines as one string (bytes as DuckDB wrote them), how many, and per rule how many matched;
`take_run` adds the counts once and writes the bytes once, so the per-case work is left to
C loops (splitting, comparing, joining) in sqlruns.py.
"""
from __future__ import annotations

import codecs
import os
from collections import Counter
from dataclasses import dataclass
from typing import Any, Iterable, TextIO


@dataclass(frozen=True)
class DecidedRun:
    """`cases` consecutive cases decided and written by another engine (sqlruns.py): their
    output lines one after the other (UTF-8 bytes, or text once made CSV), and per rule i of
    the one rulebook how many of them it matched (rules past the end matched none)."""

    text: bytes | str
    cases: int
    matched: tuple[int, ...]


def mask_counts(masks: Iterable[bytes]) -> tuple[int, ...]:
    """Per rule, how many of these cases matched it, from their bit masks (bit i: rule i
    matched) as DuckDB wrote them. A run holds few distinct masks, so each is read once."""
    per = [0] * 64
    for mask, n in Counter(masks).items():
        bits = _BITS.get(mask)
        if bits is None:
            if len(_BITS) >= 1 << 16:   # a rulebook with very many rules: memory stays bounded
                _BITS.clear()
            bits = _BITS[mask] = _bits(int(mask))
        for i in bits:
            while i >= len(per):
                per.extend([0] * len(per))
            per[i] += n
    while per and not per[-1]:
        per.pop()
    return tuple(per)


def _bits(mask: int) -> tuple[int, ...]:
    return tuple(i for i in range(mask.bit_length()) if mask >> i & 1)


# the rules of each mask seen (a rulebook's cases show some hundreds of combinations)
_BITS: dict[bytes, tuple[int, ...]] = {}


def take_run(run: DecidedRun, book: Any, summary: Any, out: TextIO) -> None:
    """Count the run's cases (read, evaluated, shown; matches per rule, as `process` counts
    one `Decided`) and write their lines."""
    summary.read += run.cases
    summary.evaluated += run.cases
    summary.shown += run.cases
    label = book.model.label
    for rule_id, n in zip(book.rule_ids, run.matched):
        if n:   # a rule no case matched is not in the summary at all
            summary.matched[(label, rule_id)] += n
    if isinstance(run.text, str):
        out.write(run.text)
    else:
        write_utf8(out, run.text)


def write_utf8(out: TextIO, data: bytes) -> None:
    """Write UTF-8 `data` to the text stream `out` as its text: straight to the bytes
    underneath when `out` writes UTF-8 without translating anything (what is pending in
    its text layer goes first), else decoded and written as text."""
    target = binary_target(out)
    if target is None or codecs.lookup(target[1][0]).name != "utf-8":
        out.write(data.decode("utf-8"))
        return
    out.flush()
    target[0].write(data)


def binary_target(out: TextIO) -> tuple[Any, tuple[str, str]] | None:
    """The byte stream under `out` and how to encode for it, when writing encoded bytes
    there is the same as writing text: a codec without state (no BOM per chunk, as
    utf-8-sig or utf-16 would write) and no newline translation (Windows)."""
    binary = getattr(out, "buffer", None)
    encoding, errors = getattr(out, "encoding", None), getattr(out, "errors", None) or "strict"
    if binary is None or not encoding or os.linesep != "\n":
        return None
    try:
        if "a".encode(encoding, errors) * 2 != "aa".encode(encoding, errors):
            return None
    except LookupError:
        return None
    return binary, (encoding, errors)
