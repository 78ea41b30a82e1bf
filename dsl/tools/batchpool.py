"""`--jobs N` where processes can be forked and the output is a file descriptor: the parent
and N - 1 forked workers, with nothing large crossing a pipe.

`multiprocessing.Pool` (batch.py's path elsewhere) pickles every chunk of input to a worker
and every chunk of output back, through threads of the parent that compete with it for the
GIL. Here a worker reads the lines of a regular file itself (`os.pread`, at the offsets the
parent's reading found; other input goes through a scratch file) and leaves its output in
a scratch file (memfd) that the parent copies to the output with `os.sendfile`, so the parent
only reads and cuts the input, sends a few numbers per chunk, and evaluates chunks itself.

Chunks go to a worker while it has room, else the parent takes one (smaller, so it comes
back soon to hand out more): neither process waits for the other while there is work. The
chunk size shrinks with what is left of the file, so both finish at about the same time.
Output is written in input order, one whole chunk at a time by the parent alone, so an
interrupted batch ends at a case boundary; memory is bounded by SLOTS chunks per worker
and OWN_AHEAD of the parent's own.
"""
from __future__ import annotations

import os
import pickle
import signal
import tempfile
from collections import deque
from dataclasses import dataclass
from multiprocessing.connection import wait
from typing import Any, Iterable, Iterator

from dsl.cases.readers import BLOCK_READ, LineBlock
from dsl.tools.batch import _work, merge_chunk
from dsl.tools.summary import Progress, Summary

SLOTS = 3               # chunks a worker holds at most: sent to it and not yet written out
AHEAD = 2               # of which at most this many not yet evaluated (its queue)
WORKER_BYTES = 1 << 20  # a worker's chunk of JSON Lines, at most (about 1,000 cases of 1 KB)
OWN_BYTES = 1 << 18     # the parent's own chunk, at most: it hands out work between two of them
WORKER_LINES, OWN_LINES = 2000, 500   # the same in cases (CSV rows, short lines)
OWN_AHEAD = 16          # the parent's own evaluated chunks waiting for a worker's before them
INLINE = 1 << 14        # a task this large or larger goes through the worker's scratch file


@dataclass(frozen=True)
class FileRange:
    """Lines a worker reads from the file itself: a LineBlock (or several in a row) without
    its bytes. `dev`/`ino` are checked, so a file replaced since is never read instead."""

    name: str
    start: int
    offset: int
    length: int
    lines: int
    dev: int
    ino: int


class Unreadable(Exception):
    """A worker could not read a FileRange as the parent did: the parent sends the bytes."""


def _scratch() -> int:
    """A file descriptor of an anonymous file in memory (a temporary file where memfd is missing)."""
    if hasattr(os, "memfd_create"):
        return os.memfd_create("rulebook-chunk")
    with tempfile.TemporaryFile() as handle:
        return os.dup(handle.fileno())


# -- the worker ------------------------------------------------------------------------------

def _serve(conn: Any, slots: list[tuple[int, int]], state: dict[str, Any]) -> None:
    """A worker's loop: tasks (chunk number, slot, items or the size of them in the slot's
    input file) in, (chunk number, output size, summary, reports) out; None ends it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)   # Ctrl-C is the parent's to handle
    files: dict[tuple[int, int], int] = {}
    while True:
        task = conn.recv()
        if task is None:
            return
        k, slot, payload = task
        try:
            if isinstance(payload, int):
                payload = pickle.loads(os.pread(slots[slot][0], payload, 0))
            output, summary, reports = _work([_resolve(item, files) for item in payload], state)
            _pwrite_all(slots[slot][1], output)
            conn.send((k, len(output), summary, reports))
        except Unreadable:
            conn.send((k, -1, None, None))
        except Exception as exc:  # noqa: BLE001 - raised again by the parent, at this chunk
            conn.send((k, -2, _picklable(exc), None))


def _resolve(item: Any, files: dict[tuple[int, int], int]) -> Any:
    """A FileRange read into the LineBlock it stands for; anything else as it is."""
    if not isinstance(item, FileRange):
        return item
    fd = files.get((item.dev, item.ino))
    if fd is None:
        try:
            fd = os.open(item.name, os.O_RDONLY)
        except OSError:
            raise Unreadable from None
        found = os.fstat(fd)
        if (found.st_dev, found.st_ino) != (item.dev, item.ino):
            os.close(fd)
            raise Unreadable
        for old in files.values():   # ranges come in file order: an earlier file is done
            os.close(old)
        files.clear()
        files[(item.dev, item.ino)] = fd
    data = b""
    while len(data) < item.length:
        more = os.pread(fd, item.length - len(data), item.offset + len(data))
        if not more:
            raise Unreadable   # the file is shorter than when the parent read it
        data += more
    return LineBlock(item.name, item.start, data, item.lines)


def _pwrite_all(fd: int, data: bytes) -> None:
    view, done = memoryview(data), 0
    while done < len(data):
        done += os.pwrite(fd, view[done:], done)


def _picklable(exc: Exception) -> Exception:
    try:
        pickle.dumps(exc)
        return exc
    except Exception:  # noqa: BLE001 - any failure to pickle: say what it was in text
        import traceback

        return RuntimeError("".join(traceback.format_exception(exc)))


# -- the parent ------------------------------------------------------------------------------

class _Cutter:
    """The input items, taken a chunk at a time: up to a number of bytes and cases, fewer
    as the end of the file nears (a share of what is left), so the last chunks are short."""

    def __init__(self, items: Iterable[Any], jobs: int):
        self.items: Iterator[Any] = iter(items)
        self.left = 1 << 62   # bytes of the current file after the last block taken
        self.jobs = jobs
        self.done = False

    def take(self, most_bytes: int, most_lines: int) -> list[Any]:
        limit = max(BLOCK_READ, min(most_bytes, self.left // (4 * self.jobs * AHEAD)))
        chunk: list[Any] = []
        volume = weight = 0
        while volume < limit and weight < most_lines:
            item = next(self.items, None)
            if item is None:
                self.done = True
                break
            chunk.append(item)
            if isinstance(item, LineBlock):
                volume += len(item.data)
                weight += item.lines
                if item.origin is not None:
                    self.left = item.origin[3] - item.origin[0] - len(item.data)
            else:
                weight += 1
        return chunk


def _ranges(chunk: list[Any]) -> list[Any]:
    """A worker's chunk as it travels: blocks of a regular file as FileRanges, consecutive
    ones merged; anything else as it is."""
    out: list[Any] = []
    for item in chunk:
        if not isinstance(item, LineBlock) or item.origin is None:
            out.append(item)
            continue
        offset, dev, ino, _ = item.origin
        last = out[-1] if out else None
        if (isinstance(last, FileRange) and (last.dev, last.ino, last.name) == (dev, ino, item.name)
                and last.offset + last.length == offset and last.start + last.lines == item.start):
            out[-1] = FileRange(last.name, last.start, last.offset, last.length + len(item.data),
                                last.lines + item.lines, dev, ino)
        else:
            out.append(FileRange(item.name, item.start, offset, len(item.data), item.lines, dev, ino))
    return out


@dataclass
class _Worker:
    process: Any
    conn: Any
    slots: list[tuple[int, int]]   # per slot: (input scratch fd, output scratch fd)
    free: list[int]
    queued: int = 0                # tasks sent and not yet answered


@dataclass
class _Sent:
    worker: _Worker
    slot: int
    k: int
    chunk: list[Any]               # kept to send again as bytes if the worker cannot read the file


@dataclass
class _Own:
    output: bytes
    summary: Summary
    reports: list[tuple[str, Any]]


class ForkedPool:
    """The parent's side: hands out chunks, evaluates its own, writes everything in order."""

    def __init__(self, state: dict[str, Any], binary: Any):
        self.state, self.binary, self.out_fd = state, binary, binary.fileno()
        self.workers: list[_Worker] = []
        self.order: deque[_Sent | _Own] = deque()
        self.results: dict[int, tuple[int, Any, Any]] = {}
        self.sent: dict[int, _Sent] = {}
        self.next_k = 0
        self.own_waiting = 0
        self.sendfile = hasattr(os, "sendfile")
        self.sendfile_worked = False

    def start(self, context: Any) -> None:
        """One more worker, forked now (with the parent's compiled rulebooks)."""
        slots = [(_scratch(), _scratch()) for _ in range(SLOTS)]
        mine, theirs = context.Pipe(duplex=True)
        others = [w.conn for w in self.workers] + [mine]   # the child closes its copies of these
        process = context.Process(target=_child, args=(theirs, others, slots, self.state), daemon=True)
        process.start()
        theirs.close()
        self.workers.append(_Worker(process, mine, slots, list(range(SLOTS))))

    def run(self, items: Iterable[Any], summary: Summary, report: Any, progress: Progress | None,
            interrupt: Any) -> None:
        """Evaluate every item and write the output in order, merging each chunk's counts
        into `summary` and saying its reports as it is written; stop after the chunk during
        which Ctrl-C came."""
        cutter = _Cutter(items, len(self.workers) + 1)
        while True:
            self._collect(block=False)
            if self._write_ready(summary, report, progress, interrupt):
                return
            if not cutter.done and self._hand_out(cutter):
                continue
            if not self.order:
                return
            self._collect(block=True)

    def _hand_out(self, cutter: _Cutter) -> bool:
        """The next chunk to a worker with room, else to the parent; False when both are full."""
        for worker in self.workers:
            if worker.free and worker.queued < AHEAD:
                chunk = cutter.take(WORKER_BYTES, WORKER_LINES)
                if chunk:
                    self._send(worker, chunk)
                return True
        if self.own_waiting >= OWN_AHEAD:
            return False
        chunk = cutter.take(OWN_BYTES, OWN_LINES)
        if chunk:
            self.order.append(_Own(*_work(chunk, self.state)))
            self.own_waiting += 1
        return True

    def _send(self, worker: _Worker, chunk: list[Any]) -> None:
        sent = _Sent(worker, worker.free.pop(), self.next_k, chunk)
        self.next_k += 1
        self._task(sent, _ranges(chunk))
        worker.queued += 1
        self.order.append(sent)
        self.sent[sent.k] = sent

    def _task(self, sent: _Sent, items: list[Any]) -> None:
        blob = pickle.dumps((sent.k, sent.slot, items), pickle.HIGHEST_PROTOCOL)
        if len(blob) >= INLINE:   # a message stays small: the socket never makes the parent wait
            data = pickle.dumps(items, pickle.HIGHEST_PROTOCOL)
            _pwrite_all(sent.worker.slots[sent.slot][0], data)
            blob = pickle.dumps((sent.k, sent.slot, len(data)), pickle.HIGHEST_PROTOCOL)
        sent.worker.conn.send_bytes(blob)

    def _collect(self, block: bool) -> None:
        """Take in the workers' answers (waiting for one when `block`)."""
        conns = {w.conn: w for w in self.workers if w.queued}
        if block and not conns:
            raise RuntimeError("nothing to wait for")   # cannot happen: the head is a worker's chunk
        for conn in wait(list(conns), None if block else 0):
            worker = conns[conn]
            while worker.queued and conn.poll():
                try:
                    k, size, part, reports = conn.recv()
                except (EOFError, OSError):
                    worker.process.join(1)
                    raise RuntimeError(f"a worker process ended unexpectedly (exit code {worker.process.exitcode})")
                if size == -1:   # the worker could not read the file: the bytes, then
                    self._task(self.sent[k], self.sent[k].chunk)
                    continue
                worker.queued -= 1
                self.results[k] = (size, part, reports)

    def _write_ready(self, summary: Summary, report: Any, progress: Progress | None, interrupt: Any) -> bool:
        """Write the chunks at the head of the order that are done; True when interrupted."""
        while self.order:
            head = self.order[0]
            if isinstance(head, _Own):
                self.binary.write(head.output)
                self.own_waiting -= 1
                part, reports = head.summary, head.reports
            else:
                done = self.results.pop(head.k, None)
                if done is None:
                    return False
                size, part, reports = done
                if size == -2:
                    raise part
                self._copy_out(head.worker.slots[head.slot][1], size)
                head.worker.free.append(head.slot)
                del self.sent[head.k]
            self.order.popleft()
            if merge_chunk(summary, part, reports, report, progress, interrupt):
                return True
        return False

    def _copy_out(self, fd: int, size: int) -> None:
        """A worker's output, from its scratch file to ours: by the kernel where it can."""
        self.binary.flush()   # the parent's own output before it
        done = 0
        if self.sendfile:
            try:
                while done < size:
                    done += os.sendfile(self.out_fd, fd, done, size - done)
                self.sendfile_worked = True
                return
            except OSError:
                if self.sendfile_worked or done:
                    raise   # it worked before: a failure of the output itself (a closed pipe, a full disk)
                self.sendfile = False   # an O_APPEND file, /dev/full, a terminal, not Linux: written as usual
        while done < size:
            data = os.pread(fd, min(size - done, 1 << 22), done)
            self.binary.write(data)
            done += len(data)

    def close(self, clean: bool) -> None:
        """Stop the workers (at once unless `clean`) and free their scratch files."""
        for worker in self.workers:
            try:
                if clean:
                    worker.conn.send(None)
                else:
                    worker.process.terminate()
            except OSError:
                worker.process.terminate()
        for worker in self.workers:
            worker.process.join()
            worker.conn.close()
            for pair in worker.slots:
                for fd in pair:
                    os.close(fd)


def _child(conn: Any, others: list[Any], slots: list[tuple[int, int]], state: dict[str, Any]) -> None:
    for other in others:   # the parent's ends: the worker must see EOF when the parent is gone
        other.close()
    _serve(conn, slots, state)


def run_forked(context: Any, items: Iterable[Any], jobs: int, state: dict[str, Any], binary: Any,
               summary: Summary, report: Any, progress: Progress | None, interrupt: Any) -> Summary:
    """batch.run_parallel's work with forked workers (see the module's docstring)."""
    pool = ForkedPool(state, binary)
    clean = False
    try:
        for _ in range(jobs - 1):
            pool.start(context)
        pool.run(items, summary, report, progress, interrupt)
        clean = not summary.interrupted
    finally:
        pool.close(clean)
    binary.flush()
    if progress is not None:
        progress.close()
    return summary


def forkable(context: Any, binary: Any) -> bool:
    """Whether run_forked can serve: forked workers, and an output with a file descriptor."""
    if binary is None or context.get_start_method() != "fork":
        return False
    try:
        binary.fileno()
    except (OSError, ValueError, AttributeError):
        return False
    return True
