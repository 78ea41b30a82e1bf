"""The workbench is a server and is treated as one (issue 16, "Security"): loopback by
default, a token off loopback, the Host header checked, no CORS, no path from a request to
the file system, size and time limits, CSP on every answer; `rulebook serve` without the
extra says how to install it."""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("starlette")
pytest.importorskip("httpx")

from dsl.web.app import Options, needs_token, url_of, with_token  # noqa: E402
from dsl.web.worker import Overrun, Worker  # noqa: E402
from webapp import client, make_client, served, worker  # noqa: E402,F401 - fixtures

CHECK = {"text": "rulebook: x\n"}


def test_the_default_is_loopback_without_a_token() -> None:
    options = with_token(Options())
    assert options.host == "127.0.0.1" and options.token is None
    assert url_of(options) == "http://127.0.0.1:8765/"


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "::1", "localhost"])
def test_a_loopback_host_needs_no_token(host: str) -> None:
    assert not needs_token(host)
    assert with_token(Options(host=host)).token is None


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.5", "::", "myhost.example"])
def test_another_host_gets_a_token_in_the_url(host: str) -> None:
    assert needs_token(host)
    options = with_token(Options(host=host))
    assert options.token and len(options.token) >= 24
    assert url_of(options).endswith(f"/?token={options.token}")
    assert with_token(Options(host=host)).token != options.token   # made afresh each time


# -- Host header (DNS rebinding) ----------------------------------------------------------------

@pytest.mark.parametrize("base", ["http://127.0.0.1:8765", "http://localhost:8765"])
def test_the_loopback_names_with_the_port_are_served(make_client: Any, base: str) -> None:
    assert make_client(base_url=base).get("/api/vocabulary").status_code == 200


@pytest.mark.parametrize("base", ["http://evil.example:8765", "http://127.0.0.1:9999", "http://127.0.0.1",
                                  "http://127.0.0.1.evil.example:8765"])
def test_another_host_name_is_refused(make_client: Any, base: str) -> None:
    client = make_client(base_url=base)
    for answer in (client.get("/"), client.get("/api/rulebooks"), client.post("/api/check", json=CHECK)):
        assert answer.status_code == 421
        assert answer.json()["error"]["code"] == "web.bad_host"


def test_the_bound_host_name_is_served(make_client: Any) -> None:
    client = make_client(host="192.168.1.5", token="t0ken", base_url="http://192.168.1.5:8765")
    assert client.get("/api/vocabulary", headers={"authorization": "Bearer t0ken"}).status_code == 200


# -- the token -------------------------------------------------------------------------------

def test_with_a_token_every_request_needs_it(make_client: Any) -> None:
    client = make_client(token="s3cret")
    for answer in (client.get("/"), client.get("/app.js"), client.get("/api/vocabulary"),
                   client.post("/api/check", json=CHECK), client.get("/api/vocabulary?token=wrong"),
                   client.get("/api/vocabulary", headers={"authorization": "Bearer wrong"})):
        assert answer.status_code == 401
        assert answer.json()["error"]["code"] == "web.bad_token"


def test_the_token_in_the_url_sets_a_cookie_the_page_then_carries(make_client: Any) -> None:
    client = make_client(token="s3cret")
    first = client.get("/?token=s3cret")
    assert first.status_code == 200
    cookie = first.headers["set-cookie"]
    assert "rulebook_token=s3cret" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert client.get("/app.js").status_code == 200                       # the cookie, kept by the client
    assert client.post("/api/check", json=CHECK).status_code == 200


def test_a_bearer_token_is_accepted(make_client: Any) -> None:
    client = make_client(token="s3cret")
    assert client.get("/api/vocabulary", headers={"authorization": "Bearer s3cret"}).status_code == 200


# -- other origins ---------------------------------------------------------------------------

def test_no_cors_header_ever(client: Any) -> None:
    answers = [client.get("/api/vocabulary", headers={"origin": "http://evil.example"}),
               client.options("/api/check", headers={"origin": "http://evil.example",
                                                     "access-control-request-method": "POST"})]
    for answer in answers:
        assert not [h for h in answer.headers if h.lower().startswith("access-control-")]
    assert answers[1].status_code == 405


def test_a_post_from_another_origin_is_refused(client: Any, served: list[Path]) -> None:
    before = served[0].read_bytes()
    answer = client.post("/api/save", json={"platform": "douyin", "text": "x", "force": True},
                         headers={"origin": "http://evil.example"})
    assert answer.status_code == 403
    error = answer.json()["error"]
    assert error["code"] == "web.bad_origin" and "Origin 'http://evil.example'" in error["message"]
    assert "Host" not in error["message"]
    assert served[0].read_bytes() == before
    same = client.post("/api/check", json=CHECK, headers={"origin": "http://127.0.0.1:8765"})
    assert same.status_code == 200


@pytest.mark.parametrize("kind", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data", ""])
def test_a_post_that_is_not_json_is_refused(client: Any, served: list[Path], kind: str) -> None:
    """What a form or a `no-cors` fetch of another page could send: never acted on."""
    before = served[0].read_bytes()
    answer = client.post("/api/save", content=b'{"platform": "douyin", "text": "x", "force": true}',
                         headers={"content-type": kind} if kind else {})
    assert answer.status_code == 415
    assert served[0].read_bytes() == before


# -- no path from a request reaches the file system ------------------------------------------

@pytest.mark.parametrize("name", ["../douyin", "../../etc/passwd", "/etc/passwd", "douyin.yaml", "./douyin",
                                  "kuaishou/../douyin", "pinduoduo", "", "DOUYIN"])
def test_a_rulebook_is_named_only_from_the_served_list(client: Any, served: list[Path], name: str) -> None:
    before = [p.read_bytes() for p in served]
    for path, body in (("/api/eval", {"platform": name, "case": {}}), ("/api/test", {"platform": name}),
                       ("/api/save", {"platform": name, "text": "rulebook: x\n", "force": True})):
        answer = client.post(path, json=body)
        assert answer.status_code == 404, (path, name)
        assert answer.json()["error"]["code"] == "web.no_rulebook"
    assert [p.read_bytes() for p in served] == before
    assert sorted(p.name for p in served[0].parent.iterdir()) == ["douyin.yaml", "kuaishou.yaml"]


@pytest.mark.parametrize("path", ["/../pyproject.toml", "/static/app.js", "/app.py", "/%2e%2e/cli.py", "/index.html",
                                  "/app.js/../../cli.py", "/etc/passwd", "//etc/passwd", "/api/../app.py"])
def test_no_other_file_is_served(client: Any, path: str) -> None:
    answer = client.get(path)
    assert answer.status_code == 404
    assert answer.headers["content-type"] == "application/json"


# -- limits ----------------------------------------------------------------------------------

def test_a_declared_length_over_the_limit_is_refused_unread(make_client: Any) -> None:
    client = make_client(max_body=1000)
    answer = client.post("/api/check", content=b"{}", headers={"content-type": "application/json",
                                                               "content-length": "5000000"})
    assert answer.status_code == 413
    assert answer.json()["error"]["code"] == "web.too_large"


def test_a_streamed_body_over_the_limit_is_413(make_client: Any) -> None:
    client = make_client(max_body=1000)

    def chunks() -> Any:
        for _ in range(100):
            yield b"x" * 100
    answer = client.post("/api/check", content=chunks(), headers={"content-type": "application/json"})
    assert answer.status_code == 413
    assert client.post("/api/check", json=CHECK).status_code == 200


def test_a_job_over_its_time_limit_is_killed_and_the_worker_goes_on() -> None:
    worker = Worker(0.5)
    try:
        assert worker.run(len, "abc") == 3          # the child is up
        child = worker.process
        started = time.monotonic()
        with pytest.raises(Overrun):
            worker.run(time.sleep, 30)
        assert time.monotonic() - started < 5
        assert child.poll() is not None             # cut off, not left running
        assert worker.run(len, "abcd") == 4         # a fresh child
    finally:
        worker.close()


def test_a_check_that_runs_too_long_is_503_and_the_server_stays_up(make_client: Any) -> None:
    slow = Worker(0.001)   # less than a spawned child takes to start: every job overruns
    try:
        client = make_client(own_worker=slow)
        answer = client.post("/api/check", json=CHECK)
        assert answer.status_code == 503
        assert answer.json()["error"]["code"] == "web.timeout"
        assert client.get("/api/vocabulary").status_code == 200
        assert slow.process is None                 # the overrunning child was killed
    finally:
        slow.close()


# -- headers on every answer -----------------------------------------------------------------

def test_every_answer_has_the_csp_and_nosniff(make_client: Any) -> None:
    client = make_client(allow_write=True)
    answers = [client.get("/"), client.get("/app.js"), client.get("/app.css"), client.get("/api/vocabulary"),
               client.get("/api/rulebooks"), client.post("/api/check", json=CHECK), client.get("/nothing"),
               client.post("/api/check", content=b"nope", headers={"content-type": "application/json"}),
               make_client(base_url="http://evil.example:8765").get("/"), make_client(token="t").get("/")]
    for answer in answers:
        csp = answer.headers["content-security-policy"]
        assert "default-src 'self'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["referrer-policy"] == "no-referrer"


# -- the command -----------------------------------------------------------------------------

def test_serve_without_the_extra_says_how_to_install_it(invoke: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "starlette" else real(name, *a))
    result = invoke("serve", "rulebooks")
    assert result.exit_code == 2
    assert 'pip install "rulebook[web]"' in result.stderr and "starlette" in result.stderr
    assert "web 扩展" in result.stderr


def test_serve_off_loopback_prints_the_url_with_a_token(invoke: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    import dsl.web.app

    started: list[Any] = []
    monkeypatch.setattr(dsl.web.app, "serve", lambda app, options: started.append(options))
    result = invoke("serve", "rulebooks", "--host", "0.0.0.0", "--port", "9000", "--lang", "en")
    assert result.exit_code == 0, result.stderr
    token = started[0].token
    assert f"http://0.0.0.0:9000/?token={token}" in result.stdout
    assert "read-only" in result.stdout


def test_serve_refuses_two_files_of_one_name(invoke: Any, tmp_path: Path, served: list[Path]) -> None:
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "douyin.yaml").write_text(served[0].read_text(encoding="utf-8"), encoding="utf-8")
    result = invoke("serve", served[0], tmp_path / "other" / "douyin.yaml")
    assert result.exit_code == 2
    assert "douyin" in result.stderr


def test_serve_on_a_port_in_use_is_one_line_and_exit_2(invoke: Any) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        result = invoke("serve", "rulebooks", "--port", taken.getsockname()[1])
    assert result.exit_code == 2
    assert result.stderr.startswith(("rulebook: error:", "rulebook：错误：")) and len(result.stderr.strip().splitlines()) == 1
