"""`--jobs` with forked workers that read their share of a file themselves and hand their
output back through scratch files (dsl/tools/batchpool.py): the same bytes, reports, counts
and exit as one process, whatever the input holds and wherever the chunks fall; Ctrl-C
ends the output at a case boundary; a worker's failure is the parent's, at that chunk."""
from __future__ import annotations

import json
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from conftest import AT, EXAMPLES, FIXTURES, ROOT, RULEBOOKS
from dsl.cases import readers
from dsl.cases.readers import read_cases
from dsl.engine.python.loading import load_rulebook
from dsl.tools import batch, batchpool
from dsl.tools.batch import BatchOptions, Sink, output_names, run_batch, run_parallel

LONG = 3000   # MAX_LINE_CHARS in these tests: a line longer than this is rejected alone


def _odd_lines() -> bytes:
    """JSON Lines with everything a reader must get right, cut by reads anywhere: a BOM,
    CRLF endings, blank lines, a case without id (its label is its line number), bad
    bytes, bad JSON, a line too long, and a last line without a newline."""
    source = (EXAMPLES / "batch.jsonl").read_text(encoding="utf-8").splitlines()
    rows: list[bytes] = []
    for i in range(400):
        case = json.loads(source[i % len(source)])
        case["id"] = f"P{i:04d}"
        if i % 37 == 5:
            del case["id"]
        rows.append(json.dumps(case, ensure_ascii=False).encode("utf-8"))
    rows[0] = b"\xef\xbb\xbf" + rows[0]
    rows[50] = b'{"id": "\xff\xfe bad bytes"}'
    rows[90] = b"{not json"
    rows[120] = b"   "
    rows[121] = b""
    rows[200] = b'{"id": "' + b"x" * (LONG + 10) + b'"}'
    text = b"".join(row + (b"\r\n" if i % 3 == 0 else b"\n") for i, row in enumerate(rows[:-1]))
    return text + rows[-1]   # no final newline


def _csv_rows(n: int) -> str:
    return "id,platform,order.paid_amount\n" + "".join(f"V{i},douyin,{i % 500}.50\n" for i in range(n))


@pytest.fixture()
def inputs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Three files of three kinds, read in small odd-sized pieces so that the chunks (tiny
    too) fall mid-line, across CRLF pairs and across files."""
    monkeypatch.setattr(readers, "MAX_LINE_CHARS", LONG)
    monkeypatch.setattr(readers, "BLOCK_READ", 97)
    monkeypatch.setattr(batchpool, "BLOCK_READ", 97)
    monkeypatch.setattr(batchpool, "WORKER_BYTES", 3000)
    monkeypatch.setattr(batchpool, "OWN_BYTES", 700)
    monkeypatch.setattr(batchpool, "WORKER_LINES", 60)
    monkeypatch.setattr(batchpool, "OWN_LINES", 15)
    monkeypatch.setattr(batchpool, "INLINE", 2000)   # most CSV chunks go through the scratch file
    first, second, third = tmp_path / "odd.jsonl", tmp_path / "rows.csv", tmp_path / "more.jsonl"
    first.write_bytes(_odd_lines())
    second.write_text(_csv_rows(400), encoding="utf-8")
    third.write_bytes(_odd_lines()[3:])
    return [first, second, third]


def _books() -> list[Any]:
    return [load_rulebook(str(RULEBOOKS / f"{name}.yaml")) for name in ("douyin", "kuaishou", "pinduoduo")]


def _evaluate(paths: list[Path], jobs: int, out: Path, fmt: str = "jsonl", mode: str = "w",
              interrupt: Any = None) -> tuple[bytes, list[str], Any]:
    books = _books()
    said: list[str] = []
    with open(out, mode, encoding="utf-8", newline="") as handle:
        sink = Sink(handle, fmt, "none" if fmt == "jsonl" else "failing", "en", outputs=output_names(books))
        items = (item for path in paths for item in read_cases(str(path), vocabulary=books[0].vocabulary,
                                                                raw_lines=jobs > 1, notices=True))
        if jobs == 1:
            summary = run_batch(items, books, sink, AT, None, "en", report=said.append)
        else:
            files = [str(book.model.file) for book in books]
            summary = run_parallel(items, files, sink, jobs, BatchOptions(AT, None, "en"), said.append,
                                   interrupt=interrupt, books=books)
    return out.read_bytes(), said, summary


def _counts(summary: Any) -> tuple[Any, ...]:
    return (summary.read, summary.evaluated, summary.rejected, summary.with_field_errors, summary.with_rule_errors,
            summary.shown, dict(summary.matched), dict(summary.unknown_fields), summary.rejections,
            summary.interrupted)


@pytest.mark.parametrize("fmt, mode", [("jsonl", "w"), ("jsonl", "a"), ("csv", "w")])
def test_forked_workers_write_what_one_process_writes(inputs: list[Path], tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch, fmt: str, mode: str) -> None:
    """Mode "a": an O_APPEND output, which os.sendfile refuses; the copy is then written."""
    travelled: list[str] = []
    ranges = batchpool._ranges
    monkeypatch.setattr(batchpool, "_ranges", lambda chunk: _note(ranges(chunk), travelled))
    one = _evaluate(inputs, 1, tmp_path / "one.out", fmt, mode)
    two = _evaluate(inputs, 2, tmp_path / "two.out", fmt, mode)
    three = _evaluate(inputs, 3, tmp_path / "three.out", fmt, mode)
    assert one[0] == two[0] == three[0] and one[0].count(b"\n") > 1000
    assert one[1] == two[1] == three[1]
    assert _counts(one[2]) == _counts(two[2]) == _counts(three[2])
    assert {"FileRange", "CaseInput"} <= set(travelled)   # the JSON Lines read by the workers, the CSV sent
    for line in (51, 91, 201):
        assert any(f"odd.jsonl:{line}:" in said for said in two[1]), line
    assert multiprocessing.active_children() == []


def _note(items: list[Any], travelled: list[str]) -> list[Any]:
    travelled.extend(type(item).__name__ for item in items)
    return items


def test_a_file_replaced_under_its_name_is_sent_not_read(inputs: list[Path], tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker that finds another file under the name (here: a wrong inode) never reads
    it: the parent sends the chunk's bytes instead."""
    ranges = batchpool._ranges

    def elsewhere(chunk: list[Any]) -> list[Any]:
        return [batchpool.FileRange(r.name, r.start, r.offset, r.length, r.lines, r.dev, r.ino + 1)
                if isinstance(r, batchpool.FileRange) else r for r in ranges(chunk)]

    monkeypatch.setattr(batchpool, "_ranges", elsewhere)
    one = _evaluate(inputs, 1, tmp_path / "one.out")
    two = _evaluate(inputs, 2, tmp_path / "two.out")
    assert one[0] == two[0] and one[1] == two[1] and _counts(one[2]) == _counts(two[2])


class _After:
    """Ctrl-C, as batch.Interrupt notes it, after `n` chunks were written."""

    def __init__(self, n: int):
        self.n = n

    @property
    def requested(self) -> bool:
        self.n -= 1
        return self.n < 0


def test_an_interrupt_ends_the_output_at_a_case_boundary(inputs: list[Path], tmp_path: Path) -> None:
    whole = _evaluate(inputs, 1, tmp_path / "one.out")[0]
    part, _, summary = _evaluate(inputs, 2, tmp_path / "two.out", interrupt=_After(7))
    assert summary.interrupted and 0 < len(part) < len(whole)
    assert whole.startswith(part) and part.endswith(b"\n")
    assert part.count(b"\n") == summary.shown
    assert multiprocessing.active_children() == []


def test_a_failure_in_a_worker_is_raised_by_the_parent(inputs: list[Path], tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    parent, process = os.getpid(), batch.process

    def failing(item: Any, *args: Any) -> None:
        # any case a worker takes (which line lands in a worker depends on timing: the parent
        # takes a chunk itself whenever the worker is busy, so a fixed line made this flaky)
        if os.getpid() != parent:
            raise ValueError("boom in a worker")
        process(item, *args)

    monkeypatch.setattr(batch, "process", failing)
    with pytest.raises(ValueError, match="boom in a worker"):
        _evaluate(inputs, 2, tmp_path / "two.out")
    assert multiprocessing.active_children() == []


def test_ctrl_c_with_jobs_stops_at_a_case_boundary(tmp_path: Path) -> None:
    """A real process and a real SIGINT: whole lines, in order, exit 130."""
    path = tmp_path / "many.jsonl"
    case = json.loads((EXAMPLES / "douyin-lightning-return.json").read_text(encoding="utf-8"))
    path.write_text("".join(json.dumps(dict(case, id=f"K{i}")) + "\n" for i in range(100_000)), encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([sys.executable, str(ROOT / "cli.py"), "eval", "-p", "douyin", str(path), "--format",
                             "jsonl", "--no-explain", "--lang", "en", "--jobs", "2"],
                            cwd=FIXTURES, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    assert proc.stdout is not None
    first = os.read(proc.stdout.fileno(), 1)   # under way: the first chunk is being written
    time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err.decode()
    lines = (first + out).decode("utf-8").splitlines(keepends=True)
    assert lines and all(line.endswith("\n") for line in lines)
    assert [json.loads(line)["case"] for line in lines] == [f"K{i}" for i in range(len(lines))]
    assert f"interrupted after {len(lines)} case(s)" in err.decode() and "Traceback" not in err.decode()


def test_standard_input_with_jobs(tmp_path: Path) -> None:
    """Standard input has no file to read again: its blocks travel to the workers."""
    data = _odd_lines()
    runs = [subprocess.run([sys.executable, str(ROOT / "cli.py"), "eval", "-p", "all", "-", "--format", "jsonl",
                            "--no-explain", "--lang", "en", "--jobs", jobs], input=data, cwd=FIXTURES,
                           capture_output=True, timeout=300) for jobs in ("1", "2")]
    assert runs[0].returncode == runs[1].returncode == 1
    assert runs[0].stdout == runs[1].stdout and runs[0].stdout.count(b"\n") > 300
    assert runs[0].stderr == runs[1].stderr
