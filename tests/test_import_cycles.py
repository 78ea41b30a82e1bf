"""The modules of dsl/ import each other without a cycle.

A cycle between modules makes the order of loading matter (a name is missing when a module
is imported from the other side first) and blurs which one is the lower layer. The graph is
read from the source (ast), so a test run does not depend on what is already imported:
module-level imports for the whole package, and every import, lazy ones in functions too,
for the modules of case values (kinds, converters, validator, cases and the readers).
"""
from __future__ import annotations

import ast
from pathlib import Path

import dsl

PACKAGE = Path(dsl.__file__).parent
CASE_MODULES = {"values", "vocabulary", "typesys", "kinds", "converters", "validator", "cases", "caseio",
                "csvcases", "casejson", "batchfast"}


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return ".".join(p for p in parts if p != "__init__")


def _imports(path: Path, lazy: bool) -> set[str]:
    """The dsl modules `path` imports (module level only, unless `lazy`)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    here = _module_name(path).split(".")
    package = here[:-1] if path.name != "__init__.py" else here
    nodes = ast.walk(tree) if lazy else iter(tree.body)
    found: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package[: len(package) - (node.level - 1)] if node.level > 1 else package
            target = ".".join(base + ([node.module] if node.module else []))
            found.update(f"{target}.{a.name}".strip(".") if not node.module else target for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("dsl."):
            found.add(node.module[4:])
        elif isinstance(node, ast.Import):
            found.update(a.name[4:] for a in node.names if a.name.startswith("dsl."))
    return found


def _graph(lazy: bool) -> dict[str, set[str]]:
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    return {name: {m for m in _imports(path, lazy) if m in modules and m != name and m}
            for name, path in modules.items() if name}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the graph as a path (a, b, ..., a), or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
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


def test_the_package_loads_without_an_import_cycle() -> None:
    cycle = _cycle(_graph(lazy=False))
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_the_modules_of_case_values_import_each_other_without_a_cycle_even_lazily() -> None:
    graph = {name: deps & CASE_MODULES for name, deps in _graph(lazy=True).items() if name in CASE_MODULES}
    cycle = _cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_the_walk_finds_a_cycle_when_there_is_one() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None
    assert "kinds" in _graph(lazy=False)["converters"]   # the graph is read from the source
