"""The import contract of docs/ARCHITECTURE.md: data and imports flow one way, from sources to
raw pages to articles to files and the index. Every import counts, including those inside
functions (which is where the old cycles hid)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "newsarchive"

# Modules every stage may use: the data's shapes, errors, settings and shared text rules.
BASE = {"model", "errors", "config", "text", "urls", "timestamps", "files", "render", "__init__"}
# What each stage may import besides itself and the base.
ALLOWED: dict[str, set[str]] = {
    "base": set(),
    "inputs": set(),
    "extract": set(),
    "store": set(),
    "runs": {"inputs", "extract", "store"},
    "outputs": {"store"},
    "cli": {"inputs", "extract", "store", "runs", "outputs"},
    "__main__": {"cli"},
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def stage_of(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 1 or parts[1] in BASE:
        return "base"
    return parts[1]


def imports_of(path: Path) -> Iterator[tuple[int, str]]:
    """(line, module) for every import of a newsarchive module in the file, wherever it is."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "newsarchive":  # `from newsarchive import __version__`, or a module
                for alias in node.names:
                    is_module = (PACKAGE / alias.name).is_dir() or (PACKAGE / f"{alias.name}.py").is_file()
                    yield node.lineno, f"newsarchive.{alias.name}" if is_module else "newsarchive"
            elif node.module.startswith("newsarchive."):
                yield node.lineno, node.module
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("newsarchive."):
                    yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.level:
            raise AssertionError(f"{path}:{node.lineno}: relative import; name the module in full")


def package_modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def import_graph() -> dict[str, set[str]]:
    modules = package_modules()
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        for _, imported in imports_of(path):
            while imported not in modules and "." in imported:  # `from pkg import module` or a name
                imported = imported.rsplit(".", 1)[0]
            if imported != name and imported in modules and imported != "newsarchive":
                graph[name].add(imported)
    return graph


def test_every_stage_imports_only_what_the_contract_allows() -> None:
    back_edges = []
    for name, path in package_modules().items():
        stage = stage_of(name)
        for line, imported in imports_of(path):
            target = stage_of(imported)
            if target not in {stage, "base"} | ALLOWED[stage]:
                back_edges.append(f"{path.relative_to(PACKAGE.parent)}:{line}: {stage} imports {imported} ({target})")
    assert not back_edges, "imports against the flow:\n" + "\n".join(back_edges)


def test_no_import_cycles() -> None:
    graph = import_graph()
    cycles: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append([*path[path.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    assert not cycles, "import cycles:\n" + "\n".join(" -> ".join(cycle) for cycle in cycles)


@pytest.mark.parametrize("stage", ["inputs", "extract", "store", "runs", "outputs", "cli"])
def test_each_stage_is_a_package_with_a_docstring(stage: str) -> None:
    init = PACKAGE / stage / "__init__.py"
    assert init.is_file(), f"newsarchive/{stage}/ is not a package"
    assert ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))), f"{init} says nothing of what it owns"


def test_the_contract_sees_a_back_edge(tmp_path: Path) -> None:
    """The checker itself: an import from extract into store is found, one inside a function too."""
    sample = tmp_path / "sample.py"
    sample.write_text("def late():\n    from newsarchive.store.archive import Archive\n", encoding="utf-8")
    assert [imported for _, imported in imports_of(sample)] == ["newsarchive.store.archive"]
    assert stage_of("newsarchive.store.archive") not in {"extract", "base"} | ALLOWED["extract"]
