"""Every endpoint the server answers is in docs/workbench.md with an example (the examples
themselves are run against a server by test_api.py): a route added without a word in the
documentation fails here."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("starlette")

from conftest import ROOT  # noqa: E402


def test_every_api_route_is_documented_with_an_example(tmp_path: Path) -> None:
    from starlette.routing import Route

    from dsl.web.app import Options, create_app

    guard: Any = create_app([], Options(), worker=object())   # type: ignore[arg-type]
    routes = [r for r in guard.app.routes if isinstance(r, Route) and r.path.startswith("/api/")]
    served = {(method, r.path) for r in routes for method in r.methods or () if method != "HEAD"}
    text = (ROOT / "docs" / "workbench.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"```http\n(GET|POST) (\S+)\n", text))
    headings = set(re.findall(r"^### `(GET|POST) (\S+)`", text, re.M))
    assert len(served) >= 9
    assert served <= documented, served - documented
    assert served <= headings, served - headings
