"""The workbench editing a shop overlay whose `extends:` is a relative path: the page sends the
edited text with `of` (the served file it is an edit of), and the base is read from that
file's folder, as `rulebook check` reads it; without `of`, only a platform name resolves."""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any, Callable

import pytest

pytest.importorskip("starlette")
pytest.importorskip("httpx")

from conftest import FIXTURES, RULEBOOKS  # noqa: E402
from webapp import make_client, served, worker  # noqa: E402,F401 - fixtures

ACME = FIXTURES / "shops" / "acme.yaml"


@pytest.fixture
def shop(tmp_path: Path) -> list[Path]:
    """douyin.yaml and a shop overlay beside it that extends it by path."""
    folder = tmp_path / "books"
    folder.mkdir()
    shutil.copy(RULEBOOKS / "douyin.yaml", folder / "douyin.yaml")
    text = ACME.read_text(encoding="utf-8").replace("extends: douyin", "extends: ./douyin.yaml")
    (folder / "acme.yaml").write_text(text, encoding="utf-8")
    return [folder / "douyin.yaml", folder / "acme.yaml"]


def test_an_edited_overlay_reads_its_base_beside_the_file_it_edits(make_client: Callable[..., Any],
                                                                    shop: list[Path]) -> None:
    client = make_client(shop, lang="en")
    text = shop[1].read_text(encoding="utf-8")
    assert client.post("/api/check", json={"text": text, "of": "acme"}).json()["diagnostics"] == []
    [missing] = client.post("/api/check", json={"text": text}).json()["diagnostics"]
    assert missing["code"] == "E320"
    tested = client.post("/api/test", json={"text": text, "of": "acme"}).json()
    assert tested["failed"] == 0 and tested["changed"] == 1
    examples = client.post("/api/examples", json={"text": text, "of": "acme"}).json()["examples"]
    assert any(e["rule"] == "big_refund_review" for e in examples)


def test_of_names_a_served_file_only(make_client: Callable[..., Any], shop: list[Path]) -> None:
    client = make_client(shop, lang="en")
    for name in ("../douyin", "/etc/passwd", "nope"):
        answer = client.post("/api/check", json={"text": "rulebook: x\n", "of": name})
        assert answer.status_code == 404
    assert client.post("/api/check", json={"text": "rulebook: x\n", "of": 3}).status_code == 400
