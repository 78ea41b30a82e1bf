"""The baseline row of bench/cli_bench.py is a fair one: bench/handwritten_cli.py writes, case for
case and byte for byte, what `rulebook eval --format jsonl --no-explain --no-summary` writes
on the generated Douyin cases (against the frozen fixture copy of the Douyin rulebook, whose
parameters the hand-written functions encode). Timings are the script's report, not asserted."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

from conftest import ROOT


def test_the_hand_written_script_writes_what_the_cli_writes(invoke: Any, tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import cases as case_gen
    finally:
        sys.path.remove(str(ROOT / "bench"))
    path = tmp_path / "douyin.jsonl"
    case_gen.write_jsonl(str(path), 800, 11)
    cli = invoke("eval", "-p", "douyin", path, "--format", "jsonl",   # the fixture rulebook (cwd: FIXTURES)
                 "--no-explain", "--no-summary")
    assert cli.exit_code == 0, cli.stderr
    script = subprocess.run([sys.executable, str(ROOT / "bench" / "handwritten_cli.py"), str(path)],
                            capture_output=True, text=True, timeout=120, check=True)
    assert script.stdout.count("\n") == 800
    assert script.stdout == cli.stdout
