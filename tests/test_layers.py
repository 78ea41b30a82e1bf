"""The package shows its layers: imports point down, never up (issue 14, section 6).

    diagnostics, phrases  <-  text  <-  lang  <-  cases  <-  book  <-  engine
        <-  engine.python, engine.sql  <-  tools  <-  web, lsp  <-  dsl (the public API)  <-  cli.py

A module may import from its own layer or any layer below it. Every import counts, also one
inside a function (a lazy import is still a dependency) and one only for type checking.
"""
from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "dsl"   # the checkout's tree, not an installed copy

LAYERS = [
    ("dsl.diagnostics", "dsl.phrases", "dsl.limits"),
    ("dsl.text",),
    ("dsl.lang",),
    ("dsl.cases",),
    ("dsl.book",),
    ("dsl.engine",),
    ("dsl.engine.python", "dsl.engine.sql"),
    ("dsl.tools",),
    ("dsl.web", "dsl.lsp"),   # the workbench and the language server serve what the tools compute; nothing below may import them
    ("dsl", "dsl.compiler"),
]


def layer_of(module: str) -> int:
    """The layer of a dotted module name: the longest matching prefix wins."""
    best, best_len = None, -1
    for index, prefixes in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best_len:
                best, best_len = index, len(prefix)
    assert best is not None, f"{module} is in no layer: add it to LAYERS"
    return best


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported(path: Path) -> list[tuple[str, int]]:
    """Every dsl module `path` imports, with the line, relative imports resolved."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: list[tuple[str, int]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names if alias.name.split(".")[0] == "dsl"]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] != "dsl":
                continue
            for alias in node.names:   # `from dsl.lang import ast` imports the module dsl.lang.ast
                sub = f"{target}.{alias.name}"
                place = PACKAGE.parent / sub.replace(".", "/")
                is_module = place.with_suffix(".py").is_file() or (place / "__init__.py").is_file()
                found.append((sub if is_module else target, node.lineno))
    return found


def modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def test_every_module_has_a_layer() -> None:
    for path in modules():
        layer_of(module_name(path))


def test_imports_point_down() -> None:
    upward = []
    for path in modules():
        here = module_name(path)
        for target, line in imported(path):
            if layer_of(target) > layer_of(here):
                upward.append(f"{path.relative_to(PACKAGE.parent)}:{line}: {here} imports {target}")
    assert not upward, "imports pointing up a layer:\n" + "\n".join(upward)


def test_the_checker_finds_an_upward_import(tmp_path: Path) -> None:
    """The walk itself: a lang module importing the engine is caught (the test can fail)."""
    probe = PACKAGE / "lang" / "_layer_probe.py"
    probe.write_text("def f():\n    from dsl.engine.python import runtime\n    from ..tools import batch\n", encoding="utf-8")
    try:
        targets = [t for t, _ in imported(probe)]
    finally:
        probe.unlink()
    assert targets == ["dsl.engine.python.runtime", "dsl.tools.batch"]
    assert all(layer_of(t) > layer_of("dsl.lang._layer_probe") for t in targets)


def import_graph(lazy: bool, within: str = "dsl") -> dict[str, set[str]]:
    """Module -> the modules it imports: at module level only, or every import (`lazy`)."""
    graph: dict[str, set[str]] = {}
    for path in modules():
        here = module_name(path)
        if not (here == within or here.startswith(within + ".")):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        top = {n.lineno for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))}
        graph[here] = {t for t, line in imported(path) if (lazy or line in top) and t != here}
    return graph


def test_no_import_cycle_between_modules() -> None:
    """Module-level imports form no cycle: a cycle makes the order of loading matter (a name
    is missing when a module is imported from the other side first)."""
    cycle = _find_cycle(import_graph(lazy=False))
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_the_case_modules_have_no_cycle_even_lazily() -> None:
    """What a case value may be is defined once (kinds); the readers and converters build on
    it and never the other way round, not even through an import inside a function."""
    cycle = _find_cycle(import_graph(lazy=True, within="dsl.cases"))
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_the_cycle_walk_finds_a_cycle() -> None:
    assert _find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None
    assert "dsl.cases.kinds" in import_graph(lazy=False)["dsl.cases.converters"]   # read from the source


def _find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in graph:
                continue
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def test_evaluating_with_a_warm_cache_imports_neither_the_yaml_loader_nor_the_parser() -> None:
    """`rulebook eval` of a clean, cached rulebook reads no YAML and parses no expression: its
    start-up (issue 14: within 1.3x of importing lark, yaml and click) must not pay for them.
    A top-level import of the loader anywhere on eval's path breaks this (it happened once,
    through a type annotation)."""
    import subprocess
    import sys

    script = ("import sys\n"
              "sys.argv = ['rulebook', 'eval', '--platform', 'douyin', 'examples/douyin-lightning-return.json',"
              " '--format', 'json']\n"
              "import cli\n"
              "try:\n    cli.main()\nexcept SystemExit:\n    pass\n"
              "print(sorted(m for m in ('yaml', 'lark', 'dsl.text.yamlload', 'dsl.lang.parser', 'duckdb', 'sqlglot',"
              " 'starlette') if m in sys.modules), file=sys.stderr)\n")
    for _ in range(2):          # the first run may fill the cache
        done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.stderr.strip().splitlines()[-1] == "[]"
