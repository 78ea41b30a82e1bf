"""The workbench's guard, in front of every request: it is a server, treated as one.

- the Host header must name this server (`127.0.0.1:8765`, `localhost:8765`, or the bound
  host with the port): a web page on another site whose name resolves to 127.0.0.1 (DNS
  rebinding) is refused;
- with a token (required off loopback), every request carries it: `?token=` once (the
  answer sets a same-site cookie, so the page's own requests carry it), the cookie, or
  `Authorization: Bearer`;
- a POST must say `Content-Type: application/json` and come from this origin (an Origin
  header naming another site is refused): a form or `no-cors` fetch from another page can
  send neither, so no other site can make the page's requests for the user;
- a body larger than the limit is a 413, read no further;
- every answer carries a Content-Security-Policy (scripts only from this server, no inline
  script), `X-Content-Type-Options: nosniff`, no Referer (the token is in the URL), and no
  CORS header ever: other origins cannot read anything.
"""
from __future__ import annotations

import hmac
import json
from dataclasses import dataclass
from typing import Any, Awaitable, Callable
from urllib.parse import parse_qs

from dsl.diagnostics import Phrase

COOKIE = "rulebook_token"
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")
HEADERS = [(b"content-security-policy", CSP.encode()), (b"x-content-type-options", b"nosniff"),
           (b"referrer-policy", b"no-referrer"), (b"x-frame-options", b"DENY"), (b"cache-control", b"no-store")]

Scope = dict[str, Any]
App = Callable[[Scope, Any, Any], Awaitable[None]]


@dataclass(frozen=True)
class Policy:
    hosts: frozenset[str]          # allowed Host header values, lower case, with the port
    token: str | None
    max_body: int
    lang: str


def allowed_hosts(host: str, port: int) -> frozenset[str]:
    """The Host values a browser sends for this server: the bound name and the loopback names."""
    names = {host.lower(), "localhost", "127.0.0.1", "[::1]"}
    names = {f"[{n}]" if ":" in n and not n.startswith("[") else n for n in names}
    return frozenset(f"{n}:{port}" for n in names)


class Guard:
    """ASGI middleware enforcing the Policy; refusals are JSON errors from the catalog."""

    def __init__(self, app: App, policy: Policy):
        self.app, self.policy = app, policy

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        send = _with_headers(send)
        refusal = self._refusal(scope, headers)
        if refusal is not None:
            status, key, args = refusal
            await _refuse(send, status, key, self.policy.lang, **args)
            return
        if scope["method"] in ("POST", "PUT", "PATCH"):
            body = await _read_body(receive, self.policy.max_body)
            if body is None:
                await _refuse(send, 413, "web.too_large", self.policy.lang, limit=self.policy.max_body)
                return
            receive = _replay(body)
        await self.app(scope, receive, _set_cookie(send, self._new_cookie(scope)))

    def _refusal(self, scope: Scope, headers: dict[str, str]) -> tuple[int, str, dict[str, Any]] | None:
        host = headers.get("host", "").lower()
        if host not in self.policy.hosts:
            return 421, "web.bad_host", {"host": host}
        if self.policy.token is not None and not self._has_token(scope, headers):
            return 401, "web.bad_token", {}
        if scope["method"] in ("POST", "PUT", "PATCH", "DELETE"):
            origin = headers.get("origin")
            if origin is not None and origin.lower().partition("://")[2] not in self.policy.hosts:
                return 403, "web.bad_origin", {"origin": origin}
            if headers.get("content-type", "").split(";")[0].strip().lower() != "application/json":
                return 415, "web.field_type", {"field": "Content-Type", "expected": "application/json"}
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.policy.max_body:
            return 413, "web.too_large", {"limit": self.policy.max_body}
        return None

    def _has_token(self, scope: Scope, headers: dict[str, str]) -> bool:
        token = self.policy.token or ""
        given = [_query_token(scope), _cookie_token(headers.get("cookie", ""))]
        bearer = headers.get("authorization", "")
        if bearer.lower().startswith("bearer "):
            given.append(bearer[7:].strip())
        return any(g is not None and hmac.compare_digest(g.encode(), token.encode()) for g in given)

    def _new_cookie(self, scope: Scope) -> bytes | None:
        """The token as a cookie when it came in the URL, so the page's own requests carry it."""
        if self.policy.token is None or _query_token(scope) is None:
            return None
        return f"{COOKIE}={self.policy.token}; Path=/; HttpOnly; SameSite=Strict".encode()


def _query_token(scope: Scope) -> str | None:
    values = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("token")
    return values[0] if values else None


def _cookie_token(cookie: str) -> str | None:
    for part in cookie.split(";"):
        key, _, value = part.strip().partition("=")
        if key == COOKIE:
            return value
    return None


async def _read_body(receive: Any, limit: int) -> bytes | None:
    """The whole body, or None as soon as it passes `limit` bytes (the rest is not read)."""
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes) -> Any:
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}
    return receive


def _with_headers(send: Any) -> Any:
    async def wrapped(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            kept = [(k, v) for k, v in message.get("headers", []) if not k.lower().startswith(b"access-control-")]
            message = {**message, "headers": kept + HEADERS}
        await send(message)
    return wrapped


def _set_cookie(send: Any, cookie: bytes | None) -> Any:
    if cookie is None:
        return send

    async def wrapped(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            message = {**message, "headers": list(message.get("headers", [])) + [(b"set-cookie", cookie)]}
        await send(message)
    return wrapped


async def _refuse(send: Any, status: int, key: str, lang: str, **args: Any) -> None:
    body = json.dumps({"error": {"code": key, "message": Phrase(key, **args).label(lang)}}, ensure_ascii=False).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json; charset=utf-8"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
