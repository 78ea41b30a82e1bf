"""The API's own messages: every error of a request in the `lang` it asked for, a BOM before
the body accepted, a rulebook text's errors said as the text's (not the case's), and the
wording of refusals naming what was wrong (the Origin, the body, every upload format)."""
from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("starlette")
pytest.importorskip("httpx")

from webapp import client, make_client, served, worker  # noqa: E402,F401 - fixtures

JSON = {"content-type": "application/json"}
BROKEN = "rulebook: demo\nrules: 5\n"


@pytest.mark.parametrize(("path", "body", "says"), [
    ("/api/check", {"text": "x", "foo": 1}, "unknown key 'foo'"),
    ("/api/check", {"text": "x", "of": "nope"}, "no rulebook named 'nope'"),
    ("/api/save", {"name": "douyin", "text": "x"}, "read-only"),
], ids=["unknown-key", "unknown-of", "read-only"])
def test_every_error_of_a_request_is_in_its_lang(make_client: Any, path: str, body: dict[str, Any], says: str) -> None:
    zh_server = make_client(lang="zh")
    assert says in zh_server.post(path, json={**body, "lang": "en"}).json()["error"]["message"]
    assert says not in zh_server.post(path, json=body).json()["error"]["message"]


def test_a_bad_lang_is_said_in_the_servers_language(make_client: Any) -> None:
    answer = make_client(lang="zh").post("/api/check", json={"text": "x", "lang": "fr"})
    assert answer.json()["error"]["message"] == "'lang' 应为 'zh' 或 'en'"


def test_a_bom_before_the_body_is_accepted(client: Any) -> None:
    answer = client.post("/api/check", content='\ufeff{"text": "rulebook: x\\n"}'.encode(), headers=JSON)
    assert answer.status_code == 200 and "diagnostics" in answer.json()


@pytest.mark.parametrize(("path", "body"), [
    ("/api/test", {}), ("/api/examples", {}), ("/api/eval", {"case": {}}),
    ("/api/whatif", {"name": "douyin", "cases": "examples"}),
])
def test_a_text_with_errors_is_said_as_the_texts(client: Any, path: str, body: dict[str, Any]) -> None:
    answer = client.post(path, json={"text": BROKEN, **body})
    assert answer.status_code == 422
    error = answer.json()["error"]
    assert error["code"] == "web.text_errors" and error["message"].startswith("the rulebook text has 1 error(s)")
    assert "case" not in error["message"].split(";")[0]


def test_name_and_text_together_is_one_of(client: Any) -> None:
    answer = client.post("/api/examples", json={"name": "douyin", "text": "x"})
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "web.one_of"


def test_the_cases_type_names_every_upload_format(client: Any) -> None:
    answer = client.post("/api/whatif", json={"name": "douyin", "text": "x", "cases": 5})
    assert '"csv" | "jsonl" | "json"' in answer.json()["error"]["message"]


def test_zh_puts_a_space_before_latin_text(make_client: Any) -> None:
    zh = make_client(lang="zh")
    assert zh.post("/api/check", content=b'{"text": "x"}', headers={"content-type": "text/plain"}).json()["error"][
        "message"] == "'Content-Type' 应为 application/json"


def test_a_key_given_twice_is_said_of_the_request_body(make_client: Any) -> None:
    for lang, says in (("zh", "请求体"), ("en", "request body")):
        answer = make_client(lang=lang).post("/api/check", content=b'{"text": "x", "text": "y"}', headers=JSON)
        message = answer.json()["error"]["message"]
        assert answer.status_code == 400 and says in message and "case" not in message and "案例" not in message
