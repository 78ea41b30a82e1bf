"""The workbench page's files (issue 16): shipped in the package, served with their type,
nothing from the network, no inline script or style (the CSP would block it), nothing from
the server put on the page as HTML, and every UI string in both languages of the catalog.
These hold for the browser tests too, but run without a browser."""
from __future__ import annotations

import fnmatch
import re
from pathlib import Path
from typing import Any

import pytest

from conftest import ROOT

pytest.importorskip("starlette")
pytest.importorskip("httpx")

from webapp import client, make_client, served, worker  # noqa: E402,F401 - fixtures

tomllib = pytest.importorskip("tomllib")

STATIC = ROOT / "dsl" / "web" / "static"
PAGE_JS = sorted(STATIC.glob("*.js"))


def _static_files() -> list[Path]:
    return sorted(p for p in STATIC.rglob("*") if p.is_file())


def test_every_page_file_is_package_data() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["dsl.web"]
    for path in _static_files():
        relative = path.relative_to(STATIC.parent).as_posix()
        assert any(fnmatch.fnmatch(relative, p) for p in patterns), f"{relative} would not be installed"


def test_every_page_file_is_served_with_its_type(client: Any) -> None:
    kinds = {".js": "text/javascript", ".css": "text/css", ".txt": "text/plain", ".html": "text/html"}
    for path in _static_files():
        route = "/" if path.name == "index.html" else "/" + path.relative_to(STATIC).as_posix()
        answer = client.get(route)
        assert answer.status_code == 200, route
        assert answer.headers["content-type"].startswith(kinds[path.suffix]), route
        assert answer.content == path.read_bytes()


def test_the_editor_bundle_ships_with_the_licences_of_what_it_contains() -> None:
    bundle = (STATIC / "vendor" / "editor.min.js").read_text(encoding="utf-8")
    licences = (STATIC / "vendor" / "editor.LICENSES.txt").read_text(encoding="utf-8")
    assert "RulebookEditor" in bundle and len(bundle.splitlines()) < 50   # one minified file
    for package in ("@codemirror/view", "@codemirror/state", "@codemirror/lang-yaml", "@codemirror/lint",
                    "@lezer/yaml", "style-mod", "crelt", "w3c-keyname"):
        assert f"\n{package} " in licences, package
    assert licences.count("Permission is hereby granted") >= 10        # the MIT notices themselves
    assert not (ROOT / "web" / "node_modules").exists() or "web/node_modules/" in (ROOT / ".gitignore").read_text()


def test_the_page_loads_nothing_from_another_origin() -> None:
    for path in [STATIC / "index.html", STATIC / "app.css", *PAGE_JS]:
        text = path.read_text(encoding="utf-8")
        urls = [u for u in re.findall(r"https?://[^\s\"')]+", text) if u != "http://www.w3.org/2000/svg"]
        assert urls == [], path.name


def test_no_inline_script_or_style_and_no_html_from_data() -> None:
    html = (STATIC / "index.html").read_text(encoding="utf-8")
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []        # every script from a file
    assert re.findall(r"\s(style|on[a-z]+)=", html) == []                 # no inline style or handler
    assert "<style" not in html
    for path in PAGE_JS:
        text = path.read_text(encoding="utf-8")
        for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function",
                     'setAttribute("style"', "setAttribute('style'"):
            assert sink not in text, f"{path.name}: {sink}"


def _catalog() -> dict[str, set[str]]:
    text = (STATIC / "i18n.js").read_text(encoding="utf-8")
    zh = text[text.index("  zh: {"):text.index("  en: {")]
    en = text[text.index("  en: {"):text.index("\n};")]
    keys = lambda part: set(re.findall(r"(?:^|[\s{,])([a-z_]+): \"", part, re.M))  # noqa: E731
    return {"zh": keys(zh), "en": keys(en)}


def test_every_ui_string_is_in_both_languages_of_the_catalog() -> None:
    catalog = _catalog()
    assert catalog["zh"] == catalog["en"]
    used = set(re.findall(r'data-say(?:-title)?="([a-z_]+)"', (STATIC / "index.html").read_text(encoding="utf-8")))
    for path in PAGE_JS:
        used |= set(re.findall(r'\bsay\("([a-z_]+)"', path.read_text(encoding="utf-8")))
    assert used, "no catalog key found in the page"
    assert used - catalog["en"] == set()
