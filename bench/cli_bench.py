"""The `rulebook eval` command on a large JSON Lines file, against a hand-written script, and its start-up time.

    python bench/cli_bench.py [--n 1000000] [--repeat 1] [--runs 10] [--keep]

(a) Writes N synthetic Douyin cases (bench/cases.py) as JSON Lines to a temporary folder
    and runs, each as a child process with stdout to /dev/null (wall time, cases per second
    and the child's peak RSS, from os.wait4, i.e. that child's own rusage):
    - the baseline, bench/handwritten_cli.py: ~30 lines that read the same file, decide the
      same 14 rules with handwritten.douyin_all_checked (which checks every value it reads)
      and write the same keys per case;
    - `rulebook eval --platform douyin FILE --format jsonl --no-explain --no-summary`, which
      also checks every field of every case (a bad field no rule reads is still reported);
      target: >= 1.0x the baseline's speed;
    - the same with `--jobs 2`; target: >= 1.8x the single process;
    - `rulebook eval ... --format jsonl --no-summary` (reasons for the deciding conditions),
      for information.
    With `--repeat K` the three timed runs are interleaved K times and the best of each
    counts (the machine may be shared). Before timing, the CLI's and the baseline's outputs
    on the first 5,000 cases are compared byte for byte.
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
HANDWRITTEN_TARGET = 1.0   # the CLI's speed / the hand-written script's
JOBS_TARGET = 1.8          # --jobs 2 / one process
CHECKED_CASES = 5000       # outputs compared byte for byte before timing


def rulebook_cmd() -> list[str]:
    exe = shutil.which("rulebook")
    if exe:
        return [exe]
    return [sys.executable, "-c", "import sys; from cli import main; sys.exit(main())"]


def run_child(cmd: list[str], stdout=subprocess.DEVNULL, cwd: str = ROOT,
              env: dict[str, str] | None = None) -> tuple[float, int, int]:
    """Run `cmd`; returns (wall seconds, exit code, peak RSS in KiB of that child)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=stdout, stderr=subprocess.PIPE, cwd=cwd, env=env)
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


def verdict(ratio: float, target: float) -> str:
    return "PASS" if ratio >= target else "FAIL"


def same_output(cmd: list[str], path: str, tmp: str, n: int) -> bool:
    """The CLI (--no-explain) and the hand-written script write the same bytes on the first cases."""
    head = os.path.join(tmp, "head.jsonl")
    with open(path, "rb") as src, open(head, "wb") as dst:
        for _, line in zip(range(CHECKED_CASES), src):
            dst.write(line)
    outputs = []
    for command in (cmd + ["eval", "--platform", "douyin", head, "--format", "jsonl", "--no-explain", "--no-summary"],
                    handwritten_cmd(head)):
        outputs.append(subprocess.run(command, capture_output=True, cwd=ROOT, check=False).stdout)
    return outputs[0] == outputs[1] and outputs[0].count(b"\n") == min(n, CHECKED_CASES)


def handwritten_cmd(path: str) -> list[str]:
    return [sys.executable, os.path.join(HERE, "handwritten_cli.py"), path]


def best_runs(commands: dict[str, list[str]], repeat: int) -> dict[str, tuple[float, int, int]]:
    """Each command `repeat` times, interleaved: the fastest run of each (wall, exit code, RSS)."""
    best: dict[str, tuple[float, int, int]] = {}
    for _ in range(repeat):
        for name, command in commands.items():
            with open(os.devnull, "wb") as null:
                run = run_child(command, stdout=null)
            if name not in best or run[0] < best[name][0]:
                best[name] = run
    return best


def batch_bench(cmd: list[str], n: int, seed: int, repeat: int, keep: bool, explained: bool) -> None:
    tmp = tempfile.mkdtemp(prefix="rulebook-bench-")
    try:
        path = os.path.join(tmp, "douyin-cases.jsonl")
        t0 = time.perf_counter()
        size = case_gen.write_jsonl(path, n, seed)
        print(f"wrote {n:,} cases ({size / 1e6:.0f} MB) to {path} in {time.perf_counter() - t0:.1f} s")
        # one small warm-up so that the rulebook cache is filled and the files are in the page cache
        run_child(cmd + ["eval", "--platform", "douyin", os.path.join(ROOT, "examples", "douyin-lightning-return.json"),
                         "--format", "json"])
        print(f"outputs of the CLI and the hand-written script on the first {CHECKED_CASES:,} cases: "
              f"{'identical' if same_output(cmd, path, tmp, n) else 'DIFFERENT'}")
        lean = cmd + ["eval", "--platform", "douyin", path, "--format", "jsonl", "--no-explain", "--no-summary"]
        commands = {"hand-written": handwritten_cmd(path), "cli": lean}
        if has_jobs_option(cmd):
            commands["jobs2"] = lean + ["--jobs", "2"]
        if explained:
            commands["explained"] = cmd + ["eval", "--platform", "douyin", path, "--format", "jsonl", "--no-summary"]
        report(best_runs(commands, repeat), n, repeat)
    finally:
        if keep:
            print(f"    kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def report(best: dict[str, tuple[float, int, int]], n: int, repeat: int) -> None:
    """The rows of (a), the ratio to the hand-written script and the --jobs 2 speed-up, with verdicts."""
    print(f"\n(a) {n:,} cases, best of {repeat}, stdout to /dev/null")
    labels = {"hand-written": "python bench/handwritten_cli.py FILE",
              "cli": "rulebook eval -p douyin FILE --format jsonl --no-explain --no-summary",
              "jobs2": "  the same with --jobs 2",
              "explained": "rulebook eval -p douyin FILE --format jsonl --no-summary (info)"}
    for name, (wall, code, rss) in best.items():
        print(f"    {labels[name]:72s} exit {code} · {wall:6.1f} s · {n / wall:9,.0f} cases/s · "
              f"peak RSS {rss / 1024:.0f} MiB")
    ratio = best["hand-written"][0] / best["cli"][0]
    print(f"    CLI / hand-written: {ratio:.2f}x (target >= {HANDWRITTEN_TARGET}): {verdict(ratio, HANDWRITTEN_TARGET)}")
    if "jobs2" in best:
        speedup = best["cli"][0] / best["jobs2"][0]
        print(f"    --jobs 2 / one process: {speedup:.2f}x (target >= {JOBS_TARGET}, "
              f"{os.cpu_count()} CPUs): {verdict(speedup, JOBS_TARGET)}")
    else:
        print("    `rulebook eval` has no --jobs option: parallel run skipped")


def main(argv: list[str] | None = None) -> int:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))   # clean up the child and the temp folder
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=1_000_000, help="cases in the JSON Lines file (default 1000000)")
    ap.add_argument("--repeat", type=int, default=1, help="timed runs of each batch command, interleaved; the best counts")
    ap.add_argument("--runs", type=int, default=10, help="start-up runs; the median counts")
    ap.add_argument("--seed", type=int, default=case_gen.DEFAULT_SEED)
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder")
    ap.add_argument("--skip-batch", action="store_true", help="only measure the start-up")
    ap.add_argument("--no-explained", action="store_true", help="skip the (slow) information row with reasons")
    args = ap.parse_args(argv)
    cmd = rulebook_cmd()
    print(f"rulebook CLI bench · Python {sys.version.split()[0]} · {os.cpu_count()} CPU(s) · command {' '.join(cmd)}")
    if not args.skip_batch:
        batch_bench(cmd, args.n, args.seed, args.repeat, args.keep, not args.no_explained)
    start_up(cmd, args.runs)
    return 0


def start_up(cmd: list[str], runs: int) -> None:
    """(b). Byte code is cached for the children, as `pip install .` leaves it, even where
    PYTHONDONTWRITEBYTECODE is set or the package is an editable install (else each start
    would compile the project's modules from source, which no installed copy does)."""
    example = os.path.join("examples", "douyin-lightning-return.json")
    cli = cmd + ["eval", "--platform", "douyin", example, "--format", "json"]
    floor = [sys.executable, "-c", "import lark, yaml, click"]
    with tempfile.TemporaryDirectory(prefix="rulebook-pyc-") as pyc:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = pyc
        run_child(cli, env=env)   # warm: rulebook cache, byte code, page cache
        run_child(floor, env=env)
        cli_times, floor_times = [], []
        for _ in range(runs):       # interleaved, so drift affects both alike
            cli_times.append(run_child(cli, env=env)[0])
            floor_times.append(run_child(floor, env=env)[0])
    c, f = statistics.median(cli_times), statistics.median(floor_times)
    ratio = c / f
    print(f"\n(b) start-up, median of {runs} (byte code cached):")
    print(f"    rulebook eval --platform douyin {example} --format json   {c * 1000:7.1f} ms")
    print(f"    python -c \"import lark, yaml, click\"                                  {f * 1000:7.1f} ms")
    print(f"    ratio {ratio:.2f} (target <= {START_TARGET}): {'PASS' if ratio <= START_TARGET else 'FAIL'}")


if __name__ == "__main__":
    sys.exit(main())
