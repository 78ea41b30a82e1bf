"""The browser tests' fixtures (imported by test_browser.py): `rulebook serve` started once per
session over copies of the fixture rulebooks, and one headless Debian Chromium driven by
Playwright for Python.

Playwright's own browser download is not available here, so it drives Debian's `chromium`
(`.ci/run` installs it); without it, or without Playwright, the tests are skipped saying why.
Every page records Content-Security-Policy violations, dialogs and the XSS probe's flag, so
a test can assert that nothing was blocked and nothing ran.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

from conftest import RULEBOOKS, ROOT

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "tests" / "artifacts"   # git-ignored: a screenshot of each state
XSS = "<img src=x onerror=window.__xss=1;alert(1)>"

# Recorded in every page before its own scripts run.
WATCH = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));
"""


def needs_browser() -> None:
    """Skip (with the reason) where the browser tests cannot run."""
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (/usr/bin/chromium): apt-get install -y chromium")
    pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed (the test extra)")
    pytest.importorskip("uvicorn", reason="the web extra is not installed")


@dataclass
class Server:
    url: str
    folder: Path
    process: Any


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _xss_rulebook(folder: Path) -> None:
    """kuaishou with the XSS probe as an example's name, a rule's English name and a case value."""
    text = (RULEBOOKS / "kuaishou.yaml").read_text(encoding="utf-8")
    text = text.replace("rulebook: kuaishou", "rulebook: probe", 1)
    text = text.replace("name: {zh: 极速退款(快速退款), en: Fast refund}", f'name: {{zh: 极速退款, en: "{XSS}"}}', 1)
    text = text.replace("- name: v2 — unshipped 89.00 order, buyer applies an hour after paying\n        case: {}",
                        f'- name: "{XSS}"\n        case: {{order: {{id: "{XSS}"}}}}', 1)
    assert XSS in text
    (folder / "probe.yaml").write_text(text, encoding="utf-8")


def _wait_up(url: str, process: Any) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"rulebook serve stopped: {process.stdout.read()}")
        try:
            with urllib.request.urlopen(url + "api/rulebooks", timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("rulebook serve did not answer within 30 s")


@contextmanager
def serving(folder: Path, *options: str) -> Iterator[Server]:
    """`rulebook serve FOLDER --lang en OPTIONS` on a free loopback port, stopped after."""
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen([sys.executable, str(ROOT / "cli.py"), "serve", str(folder), "--port", str(port),
                                "--lang", "en", *options], cwd=folder, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        _wait_up(url, process)
        yield Server(url, folder, process)
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """`rulebook serve --allow-write --lang en` over copies of douyin, kuaishou and the probe."""
    needs_browser()
    folder = tmp_path_factory.mktemp("served")
    for name in ("douyin", "kuaishou"):
        shutil.copy(RULEBOOKS / f"{name}.yaml", folder / f"{name}.yaml")
    _xss_rulebook(folder)
    with serving(folder, "--allow-write") as running:
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One Chromium for the browser tests (starting one costs a second or two), closed after
    them: Playwright's sync API keeps an event loop running while it is open, which the
    language server's asyncio tests after them could not start beside."""
    needs_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                     args=["--no-sandbox", "--disable-background-networking"])
        yield chromium
        chromium.close()


class Page:
    """A fresh page of the workbench, with the helpers the tests share."""

    def __init__(self, browser: Any, server: Server, rulebook: str = "douyin"):
        self.context = browser.new_context(viewport={"width": 1400, "height": 900}, accept_downloads=True)
        self.page = self.context.new_page()
        self.dialogs: list[str] = []
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.page.add_init_script(WATCH)
        self.page.goto(server.url)
        self.wait_until("window.workbench !== undefined")
        if rulebook != "douyin":
            self.page.select_option("#rulebook", rulebook)
        self.settle()
        self.page.wait_for_selector("#decision article.rule")

    def wait_until(self, condition: str, seconds: float = 15) -> None:
        """Poll a JS condition. Not page.wait_for_function: its polling evaluates the text
        in the page, which the page's CSP (no 'unsafe-eval') rightly refuses."""
        deadline = time.monotonic() + seconds
        while not self.page.evaluate(condition):
            if time.monotonic() > deadline:
                raise AssertionError(f"still false after {seconds} s: {condition}")
            time.sleep(0.05)

    def settle(self) -> None:
        """Wait until the page shows the check and the decision of what is on it now."""
        self.wait_until("workbench.settled()")

    def wait_clean(self) -> None:
        self.settle()
        self.page.wait_for_selector("#status.ok")

    def pick_example(self, wanted: Callable[[dict[str, Any]], bool]) -> tuple[dict[str, Any], Any]:
        """Start from the first example `wanted` accepts; (the example, its rule's card)."""
        examples = self.page.evaluate("workbench.state.examples")
        index, chosen = next((i, e) for i, e in enumerate(examples) if wanted(e))
        self.page.select_option("#example", str(index))
        self.settle()
        return chosen, self.page.locator(f"#decision article[data-rule='{chosen['rule']}']")

    def text(self) -> str:
        return str(self.page.evaluate("workbench.editor.text()"))

    def where(self, needle: str, nth: int = 0) -> tuple[int, int]:
        """(line, col), 1-based, of the nth occurrence of `needle` in the editor's text."""
        start = -1
        for _ in range(nth + 1):
            start = self.text().index(needle, start + 1)
        before = self.text()[:start]
        return before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1

    def go_to(self, line: int, col: int) -> None:
        self.page.evaluate("([line, col]) => workbench.editor.goTo(line, col)", [line, col])

    def replace(self, old: str, new: str) -> None:
        """Select `old` in the editor (by keyboard from its start) and type `new` over it."""
        line, col = self.where(old)
        self.go_to(line, col)
        for _ in old:
            self.page.keyboard.press("Shift+ArrowRight")
        self.page.keyboard.type(new)

    def cursor_line(self) -> int:
        return int(self.page.evaluate("(() => { const s = workbench.editor.view.state;"
                                      " return s.doc.lineAt(s.selection.main.head).number; })()"))

    def gutter_marks(self, rule: str) -> list[tuple[str, str]]:
        """(state, title) of the ✓/✗/? marks of `rule`'s conditions now on screen."""
        self.wait_until("document.querySelector('#editor').shadowRoot.querySelectorAll('.rb-cond').length > 0")
        marks = self.page.evaluate("""[...document.querySelector('#editor').shadowRoot.querySelectorAll('.rb-cond')]
            .map((m) => [m.dataset.state, m.title])""")
        return [(state, title) for state, title in marks if title.startswith(rule + ": ")]

    def shot(self, name: str) -> None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"{name}.png"))

    def assert_nothing_ran(self) -> None:
        """No CSP violation, no dialog, no XSS flag."""
        assert self.page.evaluate("window.__csp") == []
        assert self.page.evaluate("window.__xss") is None
        assert self.dialogs == []

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def open_page(browser: Any, server: Server) -> Iterator[Any]:
    """open_page(rulebook="douyin") -> a Page; every page is checked for CSP violations and closed after."""
    pages: list[Page] = []

    def make(rulebook: str = "douyin") -> Page:
        pages.append(Page(browser, server, rulebook))
        return pages[-1]
    yield make
    for page in pages:
        page.assert_nothing_ran()
        page.close()
