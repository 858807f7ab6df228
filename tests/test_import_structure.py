"""The import graph of the package: no cycles between modules, and the layers point one way.

Layers: ``verifiers`` ← ``envs`` ← ``agents`` ← ``cli``/``leaderboard``; ``fieldtheory`` and ``metricflow``
stand alone (they may import only the top-level ``rigorgym`` modules, e.g. the
registration). Every import counts, function-level (lazy) ones included; only
``if TYPE_CHECKING:`` blocks are left out, since they never run. The graph is
read from the source with ``ast``: nothing is imported.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: Source folder → package name (pyproject.toml's ``package-dir``).
PACKAGES = {
    "rigorgym": "rigorgym",
    "verifiers": "rigorgym.verifiers",
    "envs": "rigorgym.envs",
    "agents": "rigorgym.agents",
    "leaderboard": "rigorgym.leaderboard",
    "fieldtheory": "rigorgym.fieldtheory",
    "metricflow": "rigorgym.metricflow",
}
#: Top-level modules the stand-alone packages may use.
TOP_LEVEL_OK = {"rigorgym", "rigorgym.registration", "rigorgym.threads", "rigorgym._version"}
#: The subpackages (or top-level modules) each layer must not import.
FORBIDDEN = {
    "verifiers": {"envs", "agents", "cli", "leaderboard", "demo"},
    "envs": {"agents", "cli", "leaderboard", "demo"},
    "agents": {"cli", "leaderboard", "demo"},
}


@cache
def modules() -> dict[str, tuple[Path, bool]]:
    """Module name → (file, is a package ``__init__``)."""
    out: dict[str, tuple[Path, bool]] = {}
    for folder, package in PACKAGES.items():
        for path in sorted((ROOT / folder).rglob("*.py")):
            rel = path.relative_to(ROOT / folder).with_suffix("")
            if "__pycache__" in rel.parts or any(not part.isidentifier() for part in rel.parts):
                continue
            is_init = rel.name == "__init__"
            parts = rel.parts[:-1] if is_init else rel.parts
            out[".".join((package, *parts))] = (path, is_init)
    return out


def _type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    """Every import statement, at any depth, except inside ``if TYPE_CHECKING:``."""
    found: list[ast.Import | ast.ImportFrom] = []
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and _type_checking(node):
            stack.extend(node.orelse)
            continue
        if isinstance(node, ast.Import | ast.ImportFrom):
            found.append(node)
        stack.extend(ast.iter_child_nodes(node))
    return found


def _known(name: str) -> str | None:
    """The longest prefix of the dotted ``name`` that is one of our modules."""
    known = modules()
    parts = name.split(".")
    for i in range(len(parts), 0, -1):
        candidate = ".".join(parts[:i])
        if candidate in known:
            return candidate
    return None


@cache
def graph() -> dict[str, frozenset[str]]:
    """Module → the modules of ours it imports (lazily or not)."""
    edges: dict[str, frozenset[str]] = {}
    for name, (path, is_init) in modules().items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        package = name if is_init else name.rpartition(".")[0]
        targets: set[str] = set()
        for node in _imports(tree):
            if isinstance(node, ast.Import):
                targets.update(filter(None, (_known(alias.name) for alias in node.names)))
                continue
            if node.level:
                base_parts = package.split(".")
                base_parts = base_parts[: len(base_parts) - (node.level - 1)]
                base = ".".join(base_parts + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            if not base.startswith("rigorgym"):
                continue
            for alias in node.names:  # `from pkg import module` imports the module
                target = _known(f"{base}.{alias.name}") or _known(base)
                if target is not None:
                    targets.add(target)
        targets.discard(name)
        edges[name] = frozenset(targets)
    return edges


def layer(module: str) -> str:
    """``verifiers``, ``envs``, …, or the top-level module's own name (``cli``, ``registration``, …)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "rigorgym"


def cycles(edges: dict[str, frozenset[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return found


def test_the_graph_is_read() -> None:
    edges = graph()
    assert len(edges) > 50
    # a relative, a lazy and an absolute import, each seen
    assert "rigorgym.agents.unknot_features" in edges["rigorgym.agents.unknot_value"]
    assert "rigorgym.agents.unknot_value" in edges["rigorgym.agents.unknot_search"]  # lazy, inside scorer()
    assert "rigorgym.verifiers.braid" in edges["rigorgym.agents.unknot_search"]


def test_cycles_are_found() -> None:
    edges = {"a": frozenset({"b"}), "b": frozenset({"c"}), "c": frozenset({"a"}), "d": frozenset({"a"})}
    assert cycles(edges) == [["a", "b", "c"]]
    assert cycles({"a": frozenset({"b"}), "b": frozenset()}) == []


def test_no_import_cycles() -> None:
    found = cycles(graph())
    assert not found, "import cycles (lazy imports included):\n" + "\n".join(" <-> ".join(c) for c in found)


def test_layers_point_one_way() -> None:
    bad = []
    for module, targets in sorted(graph().items()):
        source = layer(module)
        for target in sorted(targets):
            to = layer(target)
            if to in FORBIDDEN.get(source, ()):
                bad.append(f"{module} imports {target}")
            if source in ("fieldtheory", "metricflow") and to != source and target not in TOP_LEVEL_OK:
                bad.append(f"{module} imports {target} (the simulators stand alone)")
    assert not bad, "imports against the layers verifiers <- envs <- agents <- cli/leaderboard:\n" + "\n".join(bad)


def test_every_package_folder_is_in_the_wheel() -> None:
    """pyproject.toml lists packages by hand: a folder with an ``__init__.py`` left out would be missing from a wheel."""
    import tomllib

    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    missing = []
    for folder, package in PACKAGES.items():
        for init in (ROOT / folder).rglob("__init__.py"):
            parts = init.parent.relative_to(ROOT / folder).parts
            if any(p.startswith((".", "__pycache__")) or p in ("build", "node_modules") for p in parts):
                continue
            name = ".".join((package, *parts))
            if name not in listed:
                missing.append(name)
    assert not missing, f"packages missing from pyproject.toml: {missing}"
