"""The served files as they are on disk now: one that is not UTF-8 text is said (E309, as
`rulebook check` says it) and never saved over; one removed or renamed since the start is
listed `missing` and a 404 for the requests naming it, the others still served; a save of
the text the file already holds writes nothing, so `.bak` keeps the previous version."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("starlette")
pytest.importorskip("httpx")

from webapp import client, make_client, served, worker  # noqa: E402,F401 - fixtures

GB = """rulebook: gb
name: {zh: 国标售后, en: GB}
rules:
  - id: small_refund
    name: {zh: 小额退款, en: Small refund}
    source: {ref: demo}
    when:
      - order.paid_amount <= 100
    action: auto_approve
"""


@pytest.fixture
def gb(served: list[Path]) -> Path:
    """A valid rulebook saved in GB18030, beside the fixture copies."""
    path = served[0].parent / "gb.yaml"
    path.write_bytes(GB.encode("gb18030"))
    return path


@pytest.fixture
def gb_client(make_client: Any, served: list[Path], gb: Path) -> Any:
    return make_client(paths=[gb, *served], allow_write=True, lang="en")


# -- a file that is not UTF-8 -----------------------------------------------------------------

def test_a_file_that_is_not_utf8_is_listed_with_rulebook_checks_e309(gb_client: Any, gb: Path, invoke: Any) -> None:
    listed = {r["name"]: r for r in gb_client.get("/api/rulebooks").json()["rulebooks"]}
    said = invoke("check", str(gb), "--lang", "en")
    assert listed["gb"]["problem"]["code"] == "E309"
    assert "not UTF-8 text (byte 24)" in listed["gb"]["problem"]["message"] and "byte 24" in said.stdout + said.stderr
    assert listed["douyin"]["problem"] is None and listed["douyin"]["missing"] is False


def test_the_check_of_its_text_says_e309_first(gb_client: Any) -> None:
    text = gb_client.get("/api/rulebooks").json()["rulebooks"][0]["text"]
    found = gb_client.post("/api/check", json={"text": text, "of": "gb"}).json()["diagnostics"]
    assert found[0]["code"] == "E309" and found[0]["severity"] == "error"
    assert found[0]["message"] == "cannot read gb.yaml: not UTF-8 text (byte 24)"


@pytest.mark.parametrize("dry_run", [False, True], ids=["save", "dry-run"])
def test_a_save_over_it_is_refused_and_writes_nothing(gb_client: Any, gb: Path, dry_run: bool) -> None:
    text = gb_client.get("/api/rulebooks").json()["rulebooks"][0]["text"]
    answer = gb_client.post("/api/save", json={"name": "gb", "text": text + "# edited\n", "dry_run": dry_run})
    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "web.save_unreadable" and "UTF-8" in answer.json()["error"]["message"]
    assert answer.json()["diagnostics"][0]["code"] == "E309"
    assert gb.read_bytes() == GB.encode("gb18030") and not gb.with_name("gb.yaml.bak").exists()


@pytest.mark.parametrize("path", ["/api/test", "/api/examples"])
def test_judging_it_by_name_is_a_422_with_its_e309(gb_client: Any, path: str) -> None:
    answer = gb_client.post(path, json={"name": "gb"})
    assert answer.status_code == 422 and answer.json()["diagnostics"][0]["code"] == "E309"


def test_whatif_against_it_says_the_saved_file_cannot_be_read(gb_client: Any) -> None:
    answer = gb_client.post("/api/whatif", json={"name": "gb", "text": GB, "cases": "examples"})
    assert answer.status_code == 422 and answer.json()["error"]["code"] == "web.saved_errors"
    assert answer.json()["diagnostics"][0]["code"] == "E309"


# -- a file removed or renamed since the start --------------------------------------------------

def test_a_file_gone_is_listed_missing_and_the_others_are_served(client: Any, served: list[Path]) -> None:
    served[1].rename(served[1].with_name("renamed.yaml"))
    answer = client.get("/api/rulebooks")
    assert answer.status_code == 200
    listed = {r["name"]: r for r in answer.json()["rulebooks"]}
    assert listed["kuaishou"]["missing"] is True and listed["kuaishou"]["problem"]["code"] == "web.file_gone"
    assert "removed or renamed" in listed["kuaishou"]["problem"]["message"]
    assert listed["douyin"]["missing"] is False and listed["douyin"]["platform"] == "douyin"
    assert client.post("/api/test", json={"name": "douyin"}).status_code == 200


@pytest.mark.parametrize(("path", "body"), [
    ("/api/test", {"name": "kuaishou"}),
    ("/api/eval", {"name": "kuaishou", "case": {}}),
    ("/api/check", {"text": "rulebook: x\n", "of": "kuaishou"}),
    ("/api/whatif", {"name": "kuaishou", "text": "rulebook: x\n", "cases": "examples"}),
], ids=["test", "eval", "check-of", "whatif"])
def test_requests_naming_a_file_gone_are_404(client: Any, served: list[Path], path: str, body: dict[str, Any]) -> None:
    served[1].unlink()
    answer = client.post(path, json={**body, "lang": "zh"})
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "web.file_gone" and "已不存在" in answer.json()["error"]["message"]


def test_a_save_writes_a_file_gone_again(client: Any, served: list[Path]) -> None:
    text = served[1].read_text(encoding="utf-8")
    served[1].unlink()
    answer = client.post("/api/save", json={"name": "kuaishou", "text": text})
    assert answer.status_code == 200 and answer.json()["saved"] is True and answer.json()["backup"] is None
    assert served[1].read_text(encoding="utf-8") == text and not served[1].with_name("kuaishou.yaml.bak").exists()


# -- saving the same text -------------------------------------------------------------------

def test_saving_the_same_text_again_writes_nothing_and_keeps_the_backup(client: Any, served: list[Path]) -> None:
    before = served[0].read_text(encoding="utf-8")
    edited = before + "# reviewed\n"
    assert client.post("/api/save", json={"name": "douyin", "text": edited}).json()["saved"] is True
    written = served[0].stat().st_mtime_ns
    again = client.post("/api/save", json={"name": "douyin", "text": edited}).json()
    assert again["saved"] is False and again["unchanged"] is True and again["diff"] == ""
    assert served[0].with_name("douyin.yaml.bak").read_text(encoding="utf-8") == before
    assert served[0].stat().st_mtime_ns == written
