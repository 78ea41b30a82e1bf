"""A child process that runs the workbench's work with a time limit.

A check or an evaluation that runs too long (a pathological rulebook, a bug) must be cut
off, not the server: a thread cannot be stopped in Python, a process can. The child is
started once (a new interpreter, never a fork of a server with threads), runs one job at a time,
and is killed and replaced when a job overruns its limit; the server keeps answering.
"""
from __future__ import annotations

import os
import subprocess
import sys
import threading
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, Callable


class Overrun(Exception):
    """The job did not finish within the limit; its process was killed."""


class WorkerFailed(Exception):
    """The job raised, or its process died: the text of what happened."""


def _serve(jobs: Connection, answers: Connection) -> None:
    """The child's loop: a job (a module-level function and its arguments) in, its result out."""
    while True:
        try:
            fn, args = jobs.recv()
        except EOFError:
            return
        try:
            answers.send((True, fn(*args)))
        except Exception as exc:  # noqa: BLE001 - the parent reports it, the child lives on
            answers.send((False, f"{type(exc).__name__}: {exc}"))


def main() -> None:
    """`python -m dsl.web.worker`: jobs on standard input, answers on the original standard
    output; anything the jobs print goes to standard error instead of into the answers.
    Ctrl-C in the terminal is the server's to handle: it then closes the child."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    answers = os.dup(1)
    os.dup2(2, 1)
    _serve(Connection(0, writable=False), Connection(answers, readable=False))


class Worker:
    """One child process, used by one request at a time (the others wait their turn)."""

    def __init__(self, limit_seconds: float):
        self.limit = limit_seconds
        self.lock = threading.Lock()
        self.process: Any = None
        self.jobs: Any = None
        self.answers: Any = None

    def _start(self) -> None:
        """A fresh interpreter (`-m dsl.web.worker`), not a fork of a server with threads,
        and not multiprocessing's spawn, which re-runs the server's main script."""
        root = str(Path(__file__).resolve().parents[2])   # this checkout's or installation's dsl
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))}
        self.process = subprocess.Popen([sys.executable, "-m", "dsl.web.worker"], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, env=env)
        self.jobs = Connection(os.dup(self.process.stdin.fileno()), readable=False)
        self.answers = Connection(os.dup(self.process.stdout.fileno()), writable=False)
        self.process.stdin.close()
        self.process.stdout.close()

    def run(self, fn: Callable[..., Any], *args: Any) -> Any:
        """fn(*args) in the child; Overrun after the limit (the child is then replaced)."""
        with self.lock:
            if self.process is None or self.process.poll() is not None:
                self._stop()
                self._start()
            try:
                self.jobs.send((fn, args))
                if not self.answers.poll(self.limit):
                    self._stop()
                    raise Overrun(self.limit)
                ok, value = self.answers.recv()
            except (EOFError, OSError) as exc:   # the child died under the job
                self._stop()
                raise WorkerFailed(str(exc) or type(exc).__name__) from None
        if not ok:
            raise WorkerFailed(value)
        return value

    def _stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(5)
            self.jobs.close()
            self.answers.close()
        self.process = self.jobs = self.answers = None

    def close(self) -> None:
        with self.lock:
            self._stop()


if __name__ == "__main__":
    main()
