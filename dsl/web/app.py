"""The workbench's server: the Starlette application behind the guard, and `serve` (uvicorn).

Starlette rather than FastAPI: fewer dependencies, and the API writes its JSON itself (the
eval answer is the very line the command line prints), so FastAPI's models would add
nothing but a second description of the same bodies.
"""
from __future__ import annotations

import secrets
from contextlib import asynccontextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, AsyncIterator

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from dsl.limits import MAX_REQUEST_BYTES, MAX_WORK_SECONDS
from dsl.web import api
from dsl.web.files import ServedFiles
from dsl.web.security import Guard, Policy, allowed_hosts
from dsl.web.worker import Worker

# The page's files: every file of static/ (and its vendor/ folder), listed from the package once
# at start. A request names one of these by its route or gets a 404: no path from a request
# reaches the file system.
KINDS = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
         ".css": "text/css; charset=utf-8", ".txt": "text/plain; charset=utf-8"}


@dataclass
class Options:
    host: str = "127.0.0.1"
    port: int = 8765
    lang: str = "zh"
    allow_write: bool = False
    token: str | None = None
    seconds: float = MAX_WORK_SECONDS
    max_body: int = MAX_REQUEST_BYTES


def needs_token(host: str) -> bool:
    """Off loopback, anyone on the network could reach the server: a token is then required."""
    import ipaddress

    if host == "localhost":
        return False
    try:
        return not ipaddress.ip_address(host).is_loopback
    except ValueError:   # a host name: it may resolve to any address
        return True


def with_token(options: Options) -> Options:
    """The options, with a generated token when the host needs one and none was given."""
    if options.token is None and needs_token(options.host):
        options.token = secrets.token_urlsafe(24)
    return options


def _assets() -> dict[str, tuple[bytes, str]]:
    """route -> (bytes, media type) of the page's files; index.html is `/` (only)."""
    static = resources.files("dsl.web").joinpath("static")
    found: dict[str, tuple[bytes, str]] = {}
    for folder, prefix in ((static, "/"), (static.joinpath("vendor"), "/vendor/")):
        for entry in folder.iterdir() if folder.is_dir() else ():
            kind = KINDS.get(Path(entry.name).suffix)
            if kind and entry.is_file():
                found[prefix + entry.name] = (entry.read_bytes(), kind)
    found["/"] = found.pop("/index.html")
    return found


def create_app(paths: list[Path], options: Options, worker: Worker | None = None) -> Any:
    """The ASGI application serving `paths` (ServedFilesError when two share a name)."""
    files = ServedFiles(paths)
    worker = worker or Worker(options.seconds)
    assets = _assets()

    async def page(request: Request) -> Response:
        body, kind = assets[request.url.path]
        return Response(body, media_type=kind)

    routes = [Route(route, page, methods=["GET"]) for route in assets] + [
        Route("/api/check", api.check, methods=["POST"]), Route("/api/eval", api.evaluate, methods=["POST"]),
        Route("/api/test", api.run_tests, methods=["POST"]), Route("/api/save", api.save, methods=["POST"]),
        Route("/api/rulebooks", api.rulebooks, methods=["GET"]), Route("/api/vocabulary", api.vocabulary, methods=["GET"]),
        Route("/api/examples", api.examples, methods=["POST"]), Route("/api/trace", api.trace, methods=["POST"]),
        Route("/api/whatif", api.what_if, methods=["POST"]),
    ]
    @asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[None]:
        yield
        worker.close()   # the child process goes with the server

    app = Starlette(routes=routes, exception_handlers={api.ApiError: api.api_error, HTTPException: api.api_error,
                                                        OSError: api.api_error, Exception: api.api_error},
                    lifespan=lifespan)
    app.state.bench = api.Bench(files, worker, options.lang, options.allow_write)
    policy = Policy(allowed_hosts(options.host, options.port), options.token, options.max_body, options.lang)
    return Guard(app, policy)


def url_of(options: Options) -> str:
    host = f"[{options.host}]" if ":" in options.host else options.host
    return f"http://{host}:{options.port}/" + (f"?token={options.token}" if options.token else "")


def serve(app: Any, options: Options) -> None:
    """Run the server until Ctrl-C (uvicorn; its access log off: the page checks as you type).
    The socket is bound here first, so a port in use is an OSError the command reports (exit 2)."""
    import socket

    import uvicorn

    family = socket.AF_INET6 if ":" in options.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((options.host, options.port))
    config = uvicorn.Config(app, log_level="warning", access_log=False, server_header=False)
    try:
        uvicorn.Server(config).run(sockets=[sock])
    except KeyboardInterrupt:   # uvicorn stops cleanly on Ctrl-C, then raises it again: that is the normal end
        pass
