"""JSON Lines cut into raw blocks (for --jobs) by reads of a fixed size, not line by line:
read back out of the blocks they are exactly the cases and problems, with their line
numbers, that reading line by line gives, wherever the reads happen to cut."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from dsl.cases import readers as caseio
from dsl.cases.readers import LineBlock, read_cases


def _lines(long_limit: int) -> bytes:
    rows = [json.dumps({"id": f"C{i}", "order": {"note": "x" * (i * 37 % 200)}}).encode() for i in range(60)]
    rows[7] = b'{"id": "' + b"y" * 500 + b'", "order": {}}'      # longer than a read
    rows[20] = b"   "                                              # blank
    rows[33] = b'{"id": "' + b"z" * (long_limit + 5) + b'"}'    # longer than a line may be
    rows[41] = b"{not json"
    return b"\n".join(rows) + b"\n" + b'{"id": "' + b"w" * (long_limit + 5) + b'"}'   # no final newline, too long


@pytest.mark.parametrize("read", [16, 97, 256, 4096])
def test_blocks_read_back_as_the_lines_themselves(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, read: int) -> None:
    monkeypatch.setattr(caseio, "MAX_LINE_CHARS", 600)
    monkeypatch.setattr(caseio, "BLOCK_READ", read)
    path = tmp_path / "cases.jsonl"
    path.write_bytes(_lines(600))
    direct = list(read_cases(str(path)))
    items = list(read_cases(str(path), raw_lines=True))
    assert sum(isinstance(item, LineBlock) for item in items) >= 2
    assert [case for item in items for case in (item.cases() if isinstance(item, LineBlock) else [item])] == direct
    errors = sorted(int(c.source.rsplit(":", 1)[1]) for c in direct if c.error)
    assert errors == [34, 42, 61]   # too long, not JSON, too long without a final newline
