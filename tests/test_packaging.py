"""What a fresh install needs: every subpackage listed in pyproject, every engine file in the
cache key, the shipped rulebooks found as package resources."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from dsl.engine.python import cache
from dsl.book.locate import packaged_rulebooks_dir

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "dsl"   # the checkout's tree: CI tests an installed copy, which lacks what pyproject forgot

tomllib = pytest.importorskip("tomllib")


def _subpackages() -> set[str]:
    found = set()
    for folder, subfolders, files in os.walk(PACKAGE):
        subfolders[:] = [d for d in subfolders if d != "__pycache__"]
        if "__init__.py" in files:
            found.add(".".join(Path(folder).relative_to(PACKAGE.parent).parts))
    return found


def test_every_subpackage_is_installed() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    listed = set(config["tool"]["setuptools"]["packages"])
    assert _subpackages() <= listed, "add the new subpackage to [tool.setuptools] packages"


def test_package_data_reaches_subpackages() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    data = config["tool"]["setuptools"]["package-data"]
    data_files = [p for p in PACKAGE.rglob("*") if p.suffix in {".lark", ".json", ".yaml"}]
    assert data_files
    for path in data_files:
        owner = ".".join(path.parent.relative_to(PACKAGE.parent).parts)
        patterns = data.get(owner, []) + data.get("*", [])
        assert f"*{path.suffix}" in patterns, f"{path} would not be installed"


def test_cache_key_covers_files_in_subfolders(tmp_path: Path) -> None:
    (tmp_path / "lang").mkdir()
    (tmp_path / "lang" / "grammar.lark").write_text("x", encoding="utf-8")
    (tmp_path / "engine" / "python").mkdir(parents=True)
    (tmp_path / "engine" / "python" / "decider.py").write_text("x", encoding="utf-8")
    (tmp_path / "engine" / "python" / "__pycache__").mkdir()
    (tmp_path / "engine" / "python" / "__pycache__" / "decider.cpython-311.pyc").write_text("x")
    (tmp_path / "top.py").write_text("x", encoding="utf-8")
    assert cache.engine_files(tmp_path) == ["engine/python/decider.py", "lang/grammar.lark", "top.py"]


def test_cache_key_lists_every_engine_module() -> None:
    listed = set(cache.engine_files(PACKAGE))
    every_py = {p.relative_to(PACKAGE).as_posix() for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts}
    assert every_py <= listed


def test_shipped_rulebooks_are_found() -> None:
    folder = packaged_rulebooks_dir()
    assert folder is not None
    assert {"douyin", "kuaishou", "pinduoduo"} <= {p.stem for p in folder.glob("*.yaml")}
