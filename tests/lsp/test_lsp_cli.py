"""`rulebook lsp` without the extra: a catalogued message naming the install command, exit 2."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"   # not the checkout's root: no shipped rulebook in reach
SCRIPT = ("import sys\nsys.modules['pygls'] = None\nsys.argv = ['rulebook', 'lsp', '--lang', '{lang}']\n"
          "import cli\ncli.main()\n")


def test_without_pygls_the_command_says_how_to_install_it() -> None:
    for lang, words in (("en", "needs the lsp extra"), ("zh", "需要 lsp 扩展")):
        done = subprocess.run([sys.executable, "-c", SCRIPT.format(lang=lang)], capture_output=True, text=True,
                              cwd=FIXTURES, env=dict(os.environ, PYTHONPATH=str(ROOT)), check=False, timeout=60)
        assert done.returncode == 2
        assert words in done.stderr and 'pip install "rulebook[lsp]"' in done.stderr
        assert "Traceback" not in done.stderr
