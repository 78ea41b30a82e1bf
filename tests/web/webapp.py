"""The workbench's test fixtures (imported by the test modules of this folder): an app over copies of the fixture rulebooks, and its client.

Every web test module skips itself when the `web` extra (or httpx) is not installed; CI
installs it (`.ci/run`), so there they run. One worker process serves a whole module: a
spawned process costs a second to start.
"""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

from conftest import RULEBOOKS

HOST = "127.0.0.1:8765"


@pytest.fixture(scope="module")
def worker() -> Iterator[Any]:
    from dsl.web.worker import Worker

    shared = Worker(60.0)
    yield shared
    shared.close()


@pytest.fixture
def served(tmp_path: Path) -> list[Path]:
    """Copies of the fixture rulebooks (a save must not touch the fixtures)."""
    paths = []
    for name in ("douyin", "kuaishou"):
        shutil.copy(RULEBOOKS / f"{name}.yaml", tmp_path / f"{name}.yaml")
        paths.append(tmp_path / f"{name}.yaml")
    return paths


@pytest.fixture
def make_client(served: list[Path], worker: Any) -> Callable[..., Any]:
    """make_client(**options) -> a TestClient on 127.0.0.1:8765 for an app with those options."""
    from starlette.testclient import TestClient

    from dsl.web.app import Options, create_app

    def make(paths: list[Path] | None = None, base_url: str = f"http://{HOST}", own_worker: Any = None,
             **options: Any) -> Any:
        app = create_app(paths or served, Options(**options), worker=own_worker or worker)
        return TestClient(app, base_url=base_url)
    return make


@pytest.fixture
def client(make_client: Callable[..., Any]) -> Any:
    return make_client(allow_write=True, lang="en")
