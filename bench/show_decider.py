"""Print the Python that `decide` runs for a rulebook: what the engine generates from the
typed AST, for reading while working on speed.

    python bench/show_decider.py douyin                      # the whole rulebook
    python bench/show_decider.py douyin lightning_return     # some of its rules
    python bench/show_decider.py path/to/rulebook.yaml
    python bench/show_decider.py douyin --one-line           # each statement on one line

The names in it are explained in the docstring of dsl/engine/python/decider.py; tests/golden/decider/ holds
the code of the fixture rulebooks (tests/engine/test_decider_golden.py says how to regenerate it).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dsl import DslError, load_rulebook  # noqa: E402
from dsl.engine.python.codegen import ModuleBuilder  # noqa: E402
from dsl.engine.python.decider import add_decider  # noqa: E402
from dsl.engine.python.emitter import WIDTH  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("rulebook", help="a platform (douyin, kuaishou, pinduoduo) or a rulebook file")
    parser.add_argument("rules", nargs="*", help="only these rule ids")
    parser.add_argument("--one-line", action="store_true",
                        help="no layout: each statement on one line (the same bytecode)")
    args = parser.parse_args()
    try:
        book = load_rulebook(args.rulebook)
        if args.rules:
            book = book.only(*args.rules)
    except DslError as exc:
        print(exc, file=sys.stderr)
        return 1
    except KeyError as exc:   # an unknown rule id; the message lists the known ones
        print(exc.args[0], file=sys.stderr)
        return 1
    module = ModuleBuilder(book.params)
    add_decider(module, book.model.rules, book.vocabulary, width=None if args.one_line else WIDTH)
    print(module.source)
    return 0


if __name__ == "__main__":
    sys.exit(main())
