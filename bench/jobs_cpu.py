"""`rulebook eval --jobs 2` by CPU accounting: what the parent and its workers spend, against one process.

    python bench/jobs_cpu.py [--n 100000] [--rounds 3] [--file PATH]

Wall time on a shared machine says more about the neighbours than about `--jobs`; CPU time
does not depend on them much. Each run is a child process that, at its exit, reports its own
CPU (user + system, `resource.getrusage(RUSAGE_SELF)`) and that of the workers it reaped
(`RUSAGE_CHILDREN`). The rounds alternate `--jobs 1` and `--jobs 2`; the medians count.

    overhead = parent + workers - one process      (what working in two processes adds)
    bound    = one process / max(parent, start-up + workers)

`bound` is the speed-up two idle cores would give if neither process ever waited for the
other: the parent's path, or the worker's, which begins after the start-up (loading the
rulebooks, before any worker exists; measured as the CPU of a one-case run). `balance` is
parent / (start-up + workers): 1.0 when the two paths are equal, the best split of the work;
the even-split bound, one process / (start-up + (one process - start-up + overhead) / 2), is
what perfect balance would give.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)

import cases as case_gen  # noqa: E402

WRAPPER = """
import atexit, resource, sys
def said():
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    print(f"CPU {own.ru_utime + own.ru_stime:.4f} {kids.ru_utime + kids.ru_stime:.4f}", file=sys.stderr)
atexit.register(said)
sys.argv = ["rulebook"] + sys.argv[1:]
from cli import main
main()
"""


def cpu(args: list[str]) -> tuple[float, float]:
    """(the parent's CPU seconds, its workers') of one `rulebook ARGS`, stdout to /dev/null."""
    with open(os.devnull, "wb") as null:
        proc = subprocess.run([sys.executable, "-c", WRAPPER, *args], stdout=null, stderr=subprocess.PIPE,
                              cwd=ROOT, check=False)
    line = [x for x in proc.stderr.decode("utf-8", "replace").splitlines() if x.startswith("CPU ")]
    if proc.returncode != 0 or not line:
        raise SystemExit(f"rulebook {' '.join(args)} failed ({proc.returncode}): {proc.stderr[-800:]!r}")
    parent, workers = line[-1].split()[1:]
    return float(parent), float(workers)


def measure(path: str, rounds: int) -> dict[str, float]:
    lean = ["eval", "--platform", "douyin", path, "--format", "jsonl", "--no-explain", "--no-summary"]
    one_case = ["eval", "--platform", "douyin", os.path.join(ROOT, "examples", "douyin-lightning-return.json"),
                "--format", "jsonl", "--no-explain", "--no-summary"]
    cpu(one_case)   # warm: the rulebook cache, the page cache
    single, parents, workers, start = [], [], [], []
    for _ in range(rounds):
        single.append(sum(cpu(lean)))
        parent, worker = cpu(lean + ["--jobs", "2"])
        parents.append(parent)
        workers.append(worker)
        start.append(cpu(one_case)[0])
    m = {name: statistics.median(values) for name, values in
         (("single", single), ("parent", parents), ("workers", workers), ("start", start))}
    m["overhead"] = m["parent"] + m["workers"] - m["single"]
    m["bound"] = m["single"] / max(m["parent"], m["start"] + m["workers"])
    m["even"] = m["single"] / (m["start"] + (m["single"] - m["start"] + m["overhead"]) / 2)
    m["balance"] = m["parent"] / (m["start"] + m["workers"])
    return m


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=100_000, help="cases to write when no --file is given")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--file", help="a Douyin JSON Lines file to use instead")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="rulebook-jobs-") as tmp:
        path = args.file
        if path is None:
            path = os.path.join(tmp, "cases.jsonl")
            case_gen.write_jsonl(path, args.n, case_gen.DEFAULT_SEED)
        m = measure(os.path.abspath(path), args.rounds)
    print(f"CPU seconds, median of {args.rounds} (load average {os.getloadavg()[0]:.1f}):")
    print(f"    one process             {m['single']:7.2f}   (start-up, one case: {m['start']:.2f})")
    print(f"    --jobs 2: parent        {m['parent']:7.2f}")
    print(f"    --jobs 2: workers       {m['workers']:7.2f}")
    print(f"    overhead                {m['overhead']:7.2f}   (parent + workers - one process)")
    print(f"    balance                 {m['balance']:7.2f}   (parent / (start-up + workers))")
    print(f"    bound on 2 idle cores   {m['bound']:7.2f}x  (evenly split: {m['even']:.2f}x; "
          "target of cli_bench.py: >= 1.8x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
