"""The VS Code extension (editors/vscode): its node tests pass (which files are rulebooks,
how `rulebook lsp` is started, other YAML kept from the server), and its manifest names files
that exist and the server's schema. Skipped without node."""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXTENSION = ROOT / "editors" / "vscode"


def test_the_extensions_own_tests_pass() -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    done = subprocess.run([node, "--test", "test/"], cwd=EXTENSION, capture_output=True, text=True, timeout=120,
                          check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "# fail 0" in done.stdout


def test_the_manifest_starts_the_server_for_yaml_with_the_schema() -> None:
    manifest = json.loads((EXTENSION / "package.json").read_text(encoding="utf-8"))
    assert (EXTENSION / manifest["main"]).is_file()
    assert "vscode-languageclient" in manifest["dependencies"]
    assert "onLanguage:yaml" in manifest["activationEvents"]
    (schema,) = manifest["contributes"]["yamlValidation"]
    assert schema["url"] == "./rulebook.schema.json" and any(g.endswith("/*.yaml") and "rulebooks" in g for g in schema["fileMatch"])
    assert "dsl/book/rulebook.schema.json" in manifest["scripts"]["assets"]            # copied in when packaged
    assert (ROOT / "dsl" / "book" / "rulebook.schema.json").is_file()
    settings = manifest["contributes"]["configuration"]["properties"]
    assert settings["rulebook.server.command"]["default"] == "rulebook"
    assert settings["rulebook.server.args"]["default"] == ["lsp"]
