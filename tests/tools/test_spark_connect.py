"""`--engine spark` against a real Spark Connect server in another process (`SPARK_REMOTE`),
as a user with a warehouse's Connect endpoint runs it: the server is pyspark's own
(`sbin/start-connect-server.sh`), started once for this module on a free loopback port.

Every command runs in a subprocess: a process keeps the one Spark session it made, and the
other Spark tests' session is a local one.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Iterator

import pytest

from conftest import FIXTURES
from test_sql_spark_eval import _cases

ROOT = Path(__file__).resolve().parents[2]
DOUYIN = FIXTURES / "rulebooks" / "douyin.yaml"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


@pytest.fixture(scope="module")
def remote(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The address of a Spark Connect server of this module's own, stopped at its end."""
    pyspark = pytest.importorskip("pyspark")
    for module in ("pandas", "pyarrow", "grpc", "google.rpc"):   # pyspark's Connect client
        pytest.importorskip(module)
    home = Path(pyspark.__file__).parent
    script = home / "sbin" / "start-connect-server.sh"
    if not script.exists() or not (os.environ.get("JAVA_HOME") or _which("java")):
        pytest.skip("no Spark Connect server can be started here (pyspark's sbin, Java 17)")
    port, logs = _free_port(), tmp_path_factory.mktemp("spark-connect")
    env = {**os.environ, "SPARK_HOME": str(home), "SPARK_NO_DAEMONIZE": "1",
           "SPARK_LOG_DIR": str(logs), "SPARK_PID_DIR": str(logs)}
    settings = {"spark.connect.grpc.binding.address": "127.0.0.1", "spark.connect.grpc.binding.port": str(port),
                "spark.driver.host": "127.0.0.1", "spark.driver.bindAddress": "127.0.0.1",
                "spark.ui.enabled": "false", "spark.sql.shuffle.partitions": "2"}
    conf = [arg for key, value in settings.items() for arg in ("--conf", f"{key}={value}")]
    log = (logs / "server.log").open("wb")
    server = subprocess.Popen(["bash", str(script), "--master", "local[2]", *conf], env=env,
                              stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 240
        while not _listening(port):
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail("the Spark Connect server did not start:\n"
                            + (logs / "server.log").read_text(errors="replace")[-3000:])
            time.sleep(1)
        yield f"sc://127.0.0.1:{port}"
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
        log.close()


def _which(name: str) -> str | None:
    import shutil

    return shutil.which(name)


def _rulebook(*args: Any, remote: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "SPARK_REMOTE"}
    if remote is not None:
        env["SPARK_REMOTE"] = remote
    return subprocess.run([sys.executable, str(ROOT / "cli.py"), *map(str, args)], env=env, cwd=FIXTURES,
                          capture_output=True, text=True, timeout=600)


def test_eval_on_spark_connect_writes_what_the_python_engine_writes(remote: str, tmp_path: Path) -> None:
    command = ["eval", "--rulebook", DOUYIN, *_cases(tmp_path), "--no-explain", "--format", "jsonl",
               "--lang", "en"]
    python = _rulebook(*command)
    spark = _rulebook(*command, "--engine", "spark", remote=remote)
    assert python.returncode == 1 and python.stdout.count("\n") > 10      # decided cases, and bad ones
    assert (spark.returncode, spark.stdout, spark.stderr) == (python.returncode, python.stdout, python.stderr)


def test_rulebook_test_runs_the_examples_on_spark_connect(remote: str) -> None:
    python = _rulebook("test", DOUYIN, "--lang", "en")
    spark = _rulebook("test", DOUYIN, "--lang", "en", "--engine", "spark", remote=remote)
    assert python.returncode == 0 and "100.0%" in python.stdout
    assert (spark.returncode, spark.stdout) == (python.returncode, python.stdout)


def test_an_address_nobody_answers_is_said_at_once(tmp_path: Path) -> None:
    """pyspark's client would retry for minutes; the user hears at once what to fix."""
    pytest.importorskip("pyspark")
    closed = _free_port()
    result = _rulebook("eval", "--rulebook", DOUYIN, *_cases(tmp_path)[:1], "--no-explain", "--format", "jsonl",
                       "--engine", "spark", "--lang", "en", remote=f"sc://127.0.0.1:{closed}")
    assert result.returncode == 2 and result.stdout == ""
    assert f"no Spark Connect server answers at sc://127.0.0.1:{closed}" in result.stderr
    assert "start-connect-server.sh" in result.stderr and "Traceback" not in result.stderr
    wrong = _rulebook("eval", "--rulebook", DOUYIN, *_cases(tmp_path)[:1], "--no-explain", "--format", "jsonl",
                      "--engine", "spark", "--lang", "en", remote="http://warehouse:15002")
    assert wrong.returncode == 2 and "is not a Spark Connect address: write sc://HOST:PORT" in wrong.stderr
