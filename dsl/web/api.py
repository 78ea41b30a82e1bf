"""The workbench's HTTP API (documented in docs/workbench.md): read a request, hand the work
to the worker process, answer JSON. Nothing here computes a decision or a diagnostic.

A request body is one JSON object read by the case reader's exact parser (decimals stay
exact, a key given twice or nesting deeper than the limit is refused); an unknown key or a
value of the wrong type is a 400 naming it, never ignored.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable
from urllib.parse import quote

from anyio import to_thread
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from dsl.cases.inputs import loads
from dsl.diagnostics import Diagnostic, Phrase, json_phrase
from dsl.limits import MAX_DEPTH
from dsl.web import whatif, workbench
from dsl.web.files import FileGone, Reading, ServedFile, ServedFiles, unified_diff, write_atomically
from dsl.web.worker import Overrun, Worker, WorkerFailed


@dataclass
class Bench:
    """What the handlers share: the served files, the worker, the options."""

    files: ServedFiles
    worker: Worker
    lang: str
    allow_write: bool


class ApiError(Exception):
    """A refused request: its status, the catalog key and arguments of its message, and the
    diagnostics that say why (of `text`), when there are some."""

    def __init__(self, status: int, phrase: str, /, problems: tuple[list[Diagnostic], str] = ([], ""), **args: Any):
        super().__init__(phrase)
        self.status, self.key, self.details, self.problems = status, phrase, args, problems


@dataclass(frozen=True)
class Said:
    """A diagnostic's message as an argument of a phrase: said in the answer's language."""

    diagnostic: Diagnostic

    def label(self, lang: str) -> str:
        return self.diagnostic.message(lang)


_TEXT, _BOOL, _OBJECT = Phrase("web.json_text"), Phrase("web.json_bool"), Phrase("web.json_object")
_KINDS: dict[str, tuple[Callable[[Any], bool], Phrase]] = {
    "text": (lambda v: isinstance(v, str), _TEXT), "platform": (lambda v: isinstance(v, str), _TEXT),
    "name": (lambda v: isinstance(v, str), _TEXT), "of": (lambda v: isinstance(v, str), _TEXT),
    "at": (lambda v: v is None or isinstance(v, str), _TEXT), "case": (lambda v: isinstance(v, dict), _OBJECT),
    "lang": (lambda v: v in ("zh", "en"), Phrase("web.json_lang")),
    "explain": (lambda v: v in ("all", "failing", "none"), Phrase("web.json_explain")),
    "force": (lambda v: isinstance(v, bool), _BOOL), "dry_run": (lambda v: isinstance(v, bool), _BOOL),
    "cases": (lambda v: v == "examples" or isinstance(v, dict), Phrase("web.json_cases")),
    "format": (lambda v: v in ("json", "csv"), Phrase("web.json_format")),
}
# what-if's uploaded batch: {"format", "data"}, read as `rulebook diff --cases` reads such a file
_UPLOAD: dict[str, tuple[Callable[[Any], bool], Phrase]] = {
    "format": (lambda v: v in ("csv", "jsonl", "json"), Phrase("web.json_upload_format")),
    "data": (lambda v: isinstance(v, str), _TEXT),
}


def _bench(request: Request) -> Bench:
    return request.app.state.bench  # type: ignore[no-any-return]


async def _body(request: Request, keys: tuple[str, ...]) -> dict[str, Any]:
    """The request's JSON object, its keys among `keys` and each of its type."""
    try:
        data = loads((await request.body()).decode("utf-8-sig"))   # a BOM first is no error
    except UnicodeDecodeError as exc:
        raise ApiError(400, "web.not_json", detail=Phrase("case.not_utf8", byte=exc.start)) from None
    except RecursionError:
        raise ApiError(400, "web.not_json", detail=Phrase("case.too_deep", limit=MAX_DEPTH)) from None
    except ValueError as exc:
        raise ApiError(400, "web.not_json", detail=_json_problem(exc)) from None
    if not isinstance(data, dict):
        raise ApiError(400, "web.not_object")
    if data.get("lang") in ("zh", "en"):   # every error of this request is said in its language
        request.state.lang = data["lang"]
    for key, value in data.items():
        if key not in keys:
            raise ApiError(400, "web.unknown_key", key=key, keys=", ".join(keys))
        valid, expected = _KINDS[key]
        if not valid(value):
            raise ApiError(400, "web.field_type", field=key, expected=expected)
    if "name" in data:   # a served rulebook's name: `name`, or `platform` as eval calls it
        if "platform" in data:
            raise ApiError(400, "web.one_of", fields="'name', 'platform'")
        data["platform"] = data.pop("name")
    return data


def _json_problem(exc: ValueError) -> Phrase:
    """Why a body is not JSON, in the catalog's words; a key given twice is in the request's
    body (the parser is the case reader's, whose words are about a case)."""
    problem = getattr(exc, "problem", None) or json_phrase(getattr(exc, "msg", str(exc)))
    if problem.key == "case.duplicate_key":
        where = Phrase("pair", en="an object of the request body", zh="请求体的同一个对象")
        return Phrase("case.duplicate_key", key=problem.args["key"], where=where)
    return problem


def _lang(bench: Bench, data: dict[str, Any]) -> str:
    return data.get("lang") or bench.lang


def _file(bench: Bench, name: str) -> ServedFile:
    """The served file named `name`: 404 when none is, or when it is gone since the start."""
    served = bench.files.get(name)
    if served is None:
        raise ApiError(404, "web.no_rulebook", name=name, names=", ".join(bench.files.names()))
    if not served.exists():
        raise _gone(served)
    return served


def _gone(served: ServedFile) -> ApiError:
    return ApiError(404, "web.file_gone", name=served.name, file=str(served.path))


def _read(served: ServedFile) -> Reading:
    try:
        return served.read()
    except FileGone:
        raise _gone(served) from None


def _readable(served: ServedFile) -> str:
    """The served file's text, or a 422 with its E309 when it is not UTF-8 text: a text with
    U+FFFD in place of its characters is not what the file says."""
    reading = _read(served)
    if reading.problem is not None:
        raise _unreadable(422, "web.text_errors", reading, n=1)
    return reading.text


def _unreadable(status: int, phrase: str, reading: Reading, **args: Any) -> ApiError:
    """A refusal because of the file's E309: its message as the `detail`, it as the diagnostics."""
    assert reading.problem is not None
    return ApiError(status, phrase, problems=([reading.problem], reading.text), detail=Said(reading.problem), **args)


def _source(bench: Bench, data: dict[str, Any]) -> tuple[str, str, str | None]:
    """(text, name, path) of the rulebook a request means: its `text`, or a served file by
    name. `path` is where a shop overlay's relative `extends:` is read from: the served file's,
    or for a text the file it is an edit of (`of`)."""
    if "text" in data and "platform" in data:
        raise ApiError(400, "web.one_of", fields="'name', 'text'")
    if "text" in data:
        return data["text"], "<editor>", str(_file(bench, data["of"]).path) if "of" in data else None
    if "platform" in data:
        served = _file(bench, data["platform"])
        return _readable(served), served.path.name, str(served.path)
    raise ApiError(400, "web.field_missing", fields="'name' | 'text'")


async def _work(bench: Bench, fn: Callable[..., Any], *args: Any) -> tuple[int, Any]:
    """fn(*args) in the worker process, cut off after its time limit."""
    try:
        return await to_thread.run_sync(bench.worker.run, fn, *args)  # type: ignore[no-any-return]
    except Overrun:
        raise ApiError(503, "web.timeout", seconds=bench.worker.limit) from None
    except WorkerFailed as exc:
        raise ApiError(500, "web.failed", detail=str(exc)) from None


def _answer(status: int, body: Any) -> Response:
    if isinstance(body, str):   # eval: the line `rulebook eval --format json` prints, as it is
        return Response(body, status, media_type="application/json")
    if isinstance(body, whatif.Download):
        return Response(body.text, status, media_type=body.media_type,
                        headers={"content-disposition": _attachment(body.filename)})
    return JSONResponse(body, status)


def _attachment(filename: str) -> str:
    """Content-Disposition for a download: a header is Latin-1, so a name that is not plain
    ASCII (`whatif-抖音.csv`) goes as RFC 6266's UTF-8 `filename*`, with an ASCII stand-in."""
    plain = re.sub(r"[^A-Za-z0-9._-]", "_", filename)
    if plain == filename:
        return f'attachment; filename="{filename}"'
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(filename)}"


def api_error(request: Request, exc: Exception) -> Response:
    """An ApiError (or Starlette's 404/405) as {"error": {"code", "message"}}, in the request's
    `lang` when its body gave a valid one, else in the server's."""
    lang = getattr(request.state, "lang", None) or _bench(request).lang
    if isinstance(exc, ApiError):
        body = workbench.error_json(exc.key, lang, **exc.details)
        found, text = exc.problems
        if found:
            body["diagnostics"] = [workbench.diagnostic_json(d, lang, text) for d in found]
        return JSONResponse(body, exc.status)
    if isinstance(exc, OSError):   # one no handler foresaw: a save into a folder removed since the start
        where = f" ({exc.filename})" if exc.filename else ""
        return JSONResponse(workbench.error_json("web.failed", lang, detail=f"{exc.strerror or exc}{where}"), 500)
    status = getattr(exc, "status_code", 500)
    if status not in (404, 405):   # a bug: said as JSON, not a bare text page
        return JSONResponse(workbench.error_json("web.failed", lang, detail=type(exc).__name__), 500)
    key, args = ("web.bad_method", {"method": request.method}) if status == 405 else ("web.not_found", {})
    return JSONResponse(workbench.error_json(key, lang, **args), status)


async def check(request: Request) -> Response:
    bench = _bench(request)
    data = await _body(request, ("text", "of", "lang"))
    if "text" not in data:
        raise ApiError(400, "web.field_missing", fields="'text'")
    _, name, path = _source(bench, data)
    lang = _lang(bench, data)
    status, body = await _work(bench, workbench.check, data["text"], name, lang, path)
    if "of" in data:   # the file the text is an edit of cannot be read as it is: said first, as check says it
        problem = _read(_file(bench, data["of"])).problem
        if problem is not None:
            body["diagnostics"][:0] = [workbench.diagnostic_json(problem, lang, data["text"])]
    return _answer(status, body)


async def evaluate(request: Request) -> Response:
    bench = _bench(request)
    data = await _body(request, ("name", "platform", "text", "of", "case", "at", "lang", "explain"))
    if "case" not in data:
        raise ApiError(400, "web.field_missing", fields="'case'")
    text, name, path = _source(bench, data)
    return _answer(*await _work(bench, workbench.evaluate, text, name, data["case"], data.get("at"),
                                _lang(bench, data), data.get("explain", "failing"), path))


async def run_tests(request: Request) -> Response:
    bench = _bench(request)
    data = await _body(request, ("name", "platform", "text", "of", "lang"))
    text, name, path = _source(bench, data)
    return _answer(*await _work(bench, workbench.run_tests, text, name, _lang(bench, data), path))


async def trace(request: Request) -> Response:
    """Each condition's place, state and explanation for a case: the editor's gutter."""
    bench = _bench(request)
    data = await _body(request, ("name", "platform", "text", "of", "case", "at", "lang"))
    if "case" not in data:
        raise ApiError(400, "web.field_missing", fields="'case'")
    text, name, path = _source(bench, data)
    return _answer(*await _work(bench, workbench.trace, text, name, data["case"], data.get("at"), _lang(bench, data),
                                path))


def _upload(cases: Any) -> Any:
    """`"examples"`, or an uploaded batch whose keys and types are checked like the body's."""
    if cases == "examples":
        return cases
    for key, value in cases.items():
        if key not in _UPLOAD:
            raise ApiError(400, "web.unknown_key", key=f"cases.{key}", keys=", ".join(_UPLOAD))
        valid, expected = _UPLOAD[key]
        if not valid(value):
            raise ApiError(400, "web.field_type", field=f"cases.{key}", expected=expected)
    if set(cases) != set(_UPLOAD):
        raise ApiError(400, "web.field_missing", fields="'cases.format', 'cases.data'")
    return cases


async def what_if(request: Request) -> Response:
    """The edited text against the saved file over a batch of cases (`rulebook diff --cases`)."""
    bench = _bench(request)
    data = await _body(request, ("text", "name", "platform", "cases", "at", "lang", "format"))
    if not {"text", "platform", "cases"} <= set(data):
        raise ApiError(400, "web.field_missing", fields="'text', 'name', 'cases'")
    cases = _upload(data["cases"])
    served = _file(bench, data["platform"])
    saved = _read(served)
    if saved.problem is not None:   # the saved side cannot be read as it is: nothing to compare with
        raise _unreadable(422, "web.saved_errors", saved, file=served.path.name)
    return _answer(*await _work(bench, whatif.whatif, data["text"], saved.text, served.path.name, cases,
                                data.get("at"), _lang(bench, data), data.get("format", "json"), str(served.path)))


async def examples(request: Request) -> Response:
    """Every example of a rulebook with its whole case: where the case form starts."""
    bench = _bench(request)
    data = await _body(request, ("name", "platform", "text", "of", "lang"))
    text, name, path = _source(bench, data)
    return _answer(*await _work(bench, workbench.examples, text, name, _lang(bench, data), path))


async def rulebooks(request: Request) -> Response:
    """Every served file as it is now; one gone since the start is listed `missing` (the
    others are still served), one that cannot be read as UTF-8 with its `problem`."""
    bench = _bench(request)
    return JSONResponse({"rulebooks": [await _listed(bench, served) for served in bench.files.files.values()],
                         "writable": bench.allow_write, "lang": bench.lang})


async def _listed(bench: Bench, served: ServedFile) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": served.name, "file": served.path.name, "platform": None, "text": "",
                             "missing": False, "problem": None}
    try:
        reading = served.read()
    except FileGone:
        gone = _gone(served)
        return {**entry, "missing": True, "problem": workbench.error_json(gone.key, bench.lang, **gone.details)["error"]}
    if reading.problem is not None:
        entry["problem"] = {"code": reading.problem.code, "message": reading.problem.message(bench.lang)}
    _, platform = await _work(bench, workbench.platform_of, reading.text)
    return {**entry, "platform": platform, "text": reading.text}


async def vocabulary(request: Request) -> Response:
    return _answer(*workbench.vocabulary())


async def save(request: Request) -> Response:
    """Write a served file: refused without --allow-write, and with errors unless forced;
    `dry_run` answers the diff and the diagnostics without writing."""
    bench = _bench(request)
    data = await _body(request, ("name", "platform", "text", "force", "dry_run", "lang"))
    if "platform" not in data or "text" not in data:
        raise ApiError(400, "web.field_missing", fields="'name', 'text'")
    served = bench.files.get(data["platform"]) or _file(bench, data["platform"])   # gone since the start: written again
    if not bench.allow_write:
        raise ApiError(403, "web.read_only")
    old = _saved_text(served)
    lang = _lang(bench, data)
    _, checked = await _work(bench, workbench.check, data["text"], served.path.name, lang, str(served.path))
    found = checked["diagnostics"]
    errors = sum(d["severity"] == "error" for d in found)
    diff = unified_diff(old or "", data["text"], served.path.name)
    if data.get("dry_run") or data["text"] == old:   # the same text: nothing written, the backup kept
        return JSONResponse({"saved": False, "unchanged": data["text"] == old, "diff": diff, "diagnostics": found})
    if errors and not data.get("force"):
        body = workbench.error_json("web.has_errors", lang, n=errors)
        return JSONResponse({**body, "diff": diff, "diagnostics": found}, 409)
    backup = write_atomically(served, data["text"])
    return JSONResponse({"saved": True, "unchanged": False, "diff": diff, "diagnostics": found,
                         "backup": backup.name if backup else None})


def _saved_text(served: ServedFile) -> str | None:
    """The text a save replaces; None when the file is gone (a save writes it again). A file
    that is not UTF-8 text is refused (409): the page has it with U+FFFD in place of its
    characters, and a save would write those over the real ones."""
    try:
        reading = served.read()
    except FileGone:
        return None
    if reading.problem is not None:
        raise _unreadable(409, "web.save_unreadable", reading, file=served.path.name)
    return reading.text


__all__ = ["Bench", "ApiError", "api_error", "check", "evaluate", "run_tests", "trace", "what_if", "examples", "rulebooks", "vocabulary",
           "save"]
