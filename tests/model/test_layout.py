"""The simulation stands apart: model/ never imports the machinery (studies/, steppe/), and the
project's modules import each other without cycles (imports for type checking aside)."""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PACKAGES = ("model", "studies", "steppe")


def _imports() -> dict[str, set[str]]:
    """module -> project modules it imports at run time (anywhere in the file, not under
    ``if TYPE_CHECKING``)."""
    graph: dict[str, set[str]] = {}
    for pkg in PACKAGES:
        for path in sorted((REPO / pkg).glob("*.py")):
            name = f"{pkg}.{path.stem}" if path.stem != "__init__" else pkg
            tree = ast.parse(path.read_text(encoding="utf-8"))
            skip = {id(n) for node in ast.walk(tree) if isinstance(node, ast.If)
                    and "TYPE_CHECKING" in ast.unparse(node.test) for n in ast.walk(node)}
            deps = set()
            for node in ast.walk(tree):
                if id(node) in skip:
                    continue
                if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                    deps.add(node.module)
                elif isinstance(node, ast.Import):
                    deps.update(a.name for a in node.names)
            graph[name] = {d for d in deps if d.split(".")[0] in PACKAGES and d != name}
    return graph


def test_model_does_not_import_the_machinery():
    for module, deps in _imports().items():
        if module.split(".")[0] == "model":
            assert not {d for d in deps if d.split(".")[0] != "model"}, module


def test_no_import_cycle():
    graph = _imports()
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for dep in graph.get(node, ()):
            if state.get(dep) == 1:
                raise AssertionError("import cycle: " + " -> ".join([*path, node, dep]))
            if dep in graph and state.get(dep) is None:
                visit(dep, [*path, node])
        state[node] = 2

    for module in graph:
        if state.get(module) is None:
            visit(module, [])
