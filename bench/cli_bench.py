"""The `rulebook eval` command on a large JSON Lines file, and its start-up time.

    python bench/cli_bench.py [--n 1000000] [--runs 10] [--keep]

(a) Writes N synthetic Douyin cases (bench/cases.py) as JSON Lines to a temporary folder
    and runs `rulebook eval --platform douyin FILE --format jsonl --no-summary > /dev/null`
    as a child process: wall time, cases per second and the child's peak RSS (from
    os.wait4, i.e. that child's own rusage). If `rulebook eval --help` offers `--jobs`,
    it runs `--jobs 2` too and reports the speed-up.
(b) Start-up: the median of `--runs` runs of
    `rulebook eval --platform douyin examples/douyin-lightning-return.json --format json`
    against `python -c "import lark, yaml, click"` (the floor any Python CLI on these
    libraries pays); target: ratio <= 1.3.
"""
from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)

import cases as case_gen  # noqa: E402

START_TARGET = 1.3


def rulebook_cmd() -> list[str]:
    exe = shutil.which("rulebook")
    if exe:
        return [exe]
    return [sys.executable, "-c", "import sys; from cli import main; sys.exit(main())"]


def run_child(cmd: list[str], stdout=subprocess.DEVNULL, cwd: str = ROOT) -> tuple[float, int, int]:
    """Run `cmd`; returns (wall seconds, exit code, peak RSS in KiB of that child)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=stdout, stderr=subprocess.PIPE, cwd=cwd)
    stderr_chunks = []
    # drain stderr while waiting (progress or rejected-line reports must not block the child)
    assert proc.stderr is not None
    try:
        for chunk in iter(lambda: proc.stderr.read(65536), b""):
            stderr_chunks.append(chunk)
        _, status, usage = os.wait4(proc.pid, 0)
    except BaseException:
        proc.kill()   # interrupted (Ctrl-C, SIGTERM): never leave the child running
        proc.wait()
        raise
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = b"".join(stderr_chunks).decode("utf-8", "replace")
    if proc.returncode not in (0,) and err:
        print(f"  [exit {proc.returncode}] stderr: {err[:600]}")
    return wall, proc.returncode, usage.ru_maxrss


def has_jobs_option(cmd: list[str]) -> bool:
    out = subprocess.run(cmd + ["eval", "--help"], capture_output=True, text=True, cwd=ROOT)
    return "--jobs" in out.stdout


def main(argv: list[str] | None = None) -> int:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))   # clean up the child and the temp folder
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=1_000_000, help="cases in the JSON Lines file (default 1000000)")
    ap.add_argument("--runs", type=int, default=10, help="start-up runs; the median counts")
    ap.add_argument("--seed", type=int, default=case_gen.DEFAULT_SEED)
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder")
    ap.add_argument("--skip-batch", action="store_true", help="only measure the start-up")
    args = ap.parse_args(argv)
    cmd = rulebook_cmd()
    print(f"rulebook CLI bench · Python {sys.version.split()[0]} · {os.cpu_count()} CPU(s) · command {' '.join(cmd)}")

    # ------------------------------------------------------------------ (a) batch
    if not args.skip_batch:
        tmp = tempfile.mkdtemp(prefix="rulebook-bench-")
        try:
            path = os.path.join(tmp, "douyin-cases.jsonl")
            t0 = time.perf_counter()
            size = case_gen.write_jsonl(path, args.n, args.seed)
            print(f"wrote {args.n:,} cases ({size / 1e6:.0f} MB) to {path} in {time.perf_counter() - t0:.1f} s")
            base = cmd + ["eval", "--platform", "douyin", path, "--format", "jsonl", "--no-summary"]
            # one small warm-up so that the rulebook cache is filled and the files are in the page cache
            run_child(cmd + ["eval", "--platform", "douyin", os.path.join(ROOT, "examples", "douyin-lightning-return.json"),
                             "--format", "json"])
            with open(os.devnull, "wb") as null:
                wall, code, rss = run_child(base, stdout=null)
            print(f"\n(a) {' '.join(['rulebook'] + base[len(cmd):])} > /dev/null")
            print(f"    exit {code} · wall {wall:.1f} s · {args.n / wall:,.0f} cases/s · peak RSS {rss / 1024:.0f} MiB")
            if has_jobs_option(cmd):
                with open(os.devnull, "wb") as null:
                    wall2, code2, rss2 = run_child(base + ["--jobs", "2"], stdout=null)
                print(f"    --jobs 2: exit {code2} · wall {wall2:.1f} s · {args.n / wall2:,.0f} cases/s · "
                      f"peak RSS (largest process) {rss2 / 1024:.0f} MiB · speed-up {wall / wall2:.2f}x")
            else:
                print("    `rulebook eval` has no --jobs option: parallel run skipped")
        finally:
            if args.keep:
                print(f"    kept {tmp}")
            else:
                shutil.rmtree(tmp, ignore_errors=True)

    # ------------------------------------------------------------------ (b) start-up
    example = os.path.join("examples", "douyin-lightning-return.json")
    cli = cmd + ["eval", "--platform", "douyin", example, "--format", "json"]
    floor = [sys.executable, "-c", "import lark, yaml, click"]
    run_child(cli)   # warm: rulebook cache, page cache
    run_child(floor)
    cli_times, floor_times = [], []
    for _ in range(args.runs):       # interleaved, so drift affects both alike
        cli_times.append(run_child(cli)[0])
        floor_times.append(run_child(floor)[0])
    c, f = statistics.median(cli_times), statistics.median(floor_times)
    ratio = c / f
    print(f"\n(b) start-up, median of {args.runs}:")
    print(f"    rulebook eval --platform douyin {example} --format json   {c * 1000:7.1f} ms")
    print(f"    python -c \"import lark, yaml, click\"                                  {f * 1000:7.1f} ms")
    print(f"    ratio {ratio:.2f} (target <= {START_TARGET}): {'PASS' if ratio <= START_TARGET else 'FAIL'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
