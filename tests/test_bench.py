"""The benchmark's hand-written Douyin functions are an independent implementation of the
policies: on a few hundred generated cases `bench/bench.py` must find the engine agreeing
with them on every case (it exits 1 and prints the case on any mismatch). Timing figures
are not asserted: they belong to the script's report, not to the test suite."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_engine_agrees_with_the_hand_written_policies_on_generated_cases() -> None:
    run = subprocess.run([sys.executable, str(ROOT / "bench" / "bench.py"), "--n", "600", "--repeat", "1",
                          "--no-zen", "--seed", "7"], capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "results identical on every case: 0 + 0 mismatches" in run.stdout
