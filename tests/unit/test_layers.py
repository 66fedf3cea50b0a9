"""The suite's dependencies run one way: primitives <- cluster builders <- system under test <- checks <- chaos <-
report <- pytest harness and tests. Read from the source (AST), so a planted upward import fails here, as does a
project import inside a function (the way cycles used to be dodged) or an import cycle between modules."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

REPO = Path(__file__).resolve().parents[2]
PACKAGES = ("fixtures", "checks", "chaos", "tests", "conftest")
# Lowest first; a module belongs to the layer of its longest matching prefix and may import only its own layer or
# those below it. pytest's own files (conftest, test_*) sit with the tests, wherever they are.
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("core", ("fixtures.core",)),
    ("cluster builders", ("fixtures.cluster", "fixtures.kind")),
    ("system under test", ("fixtures.sut", "fixtures.monitoring")),
    ("checks", ("checks",)),
    ("chaos", ("chaos",)),
    ("report", ("fixtures.report",)),
    ("harness and tests", ("fixtures.plugin", "fixtures", "conftest", "tests")),
)
# Programs the suite copies into images or pods: they never import the suite.
NOT_MODULES = ("fixtures/sut/clients/client.py", "fixtures/monitoring/receiver.py")


@dataclass(frozen=True)
class Import:
    module: str  # the importing module
    target: str  # the project module (or package) imported
    line: int
    local: bool  # inside a function or class body


def module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def is_pytest_file(module: str) -> bool:
    leaf = module.rsplit(".", 1)[-1]
    return leaf == "conftest" or leaf.startswith("test_")


def layer_of(module: str) -> int:
    if is_pytest_file(module):
        return len(LAYERS) - 1
    best, best_len = None, -1
    for index, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best_len:
                best, best_len = index, len(prefix)
    if best is None:
        raise ValueError(f"module {module} is in no layer: add it to LAYERS in {Path(__file__).name}")
    return best


def modules(root: Path) -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        paths = [root / f"{package}.py"] if package == "conftest" else sorted((root / package).rglob("*.py"))
        for path in paths:
            relative = path.relative_to(root).as_posix()
            if path.exists() and relative not in NOT_MODULES and "gomod" not in path.parts:
                found[module_name(root, path)] = path
    return found


def imports_of(module: str, path: Path, known: set[str]) -> list[Import]:
    """Every import of a project module in `path`, resolved to the module file it loads where there is one."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: list[Import] = []

    def resolve(name: str) -> str | None:
        return name if name.split(".")[0] in PACKAGES else None

    def visit(node: ast.AST, local: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inner = local or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda)
            if isinstance(child, ast.Import):
                for alias in child.names:
                    if target := resolve(alias.name):
                        found.append(Import(module, target, child.lineno, local))
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    anchor = package.split(".")[: len(package.split(".")) - (child.level - 1)]
                    base = ".".join([*anchor, base] if base else anchor)
                if resolve(base):
                    for alias in child.names:
                        sub = f"{base}.{alias.name}"
                        found.append(Import(module, sub if sub in known else base, child.lineno, local))
            visit(child, inner)

    visit(tree, False)
    return found


def upward(root: Path) -> list[str]:
    """One line per import of a higher layer, and per project import inside a function or class."""
    found = modules(root)
    problems = []
    for module, path in found.items():
        for imp in imports_of(module, path, set(found)):
            where = f"{path.relative_to(root)}:{imp.line}"
            if imp.local:
                problems.append(f"{where}: {module} imports {imp.target} inside a function: import it at the top")
            if layer_of(imp.target) > layer_of(module):
                problems.append(
                    f"{where}: {module} ({LAYERS[layer_of(module)][0]}) imports {imp.target} "
                    f"({LAYERS[layer_of(imp.target)][0]}), a layer above it"
                )
    return problems


def cycles(root: Path) -> list[list[str]]:
    """Import cycles between project modules (Tarjan's strongly connected components of more than one module)."""
    found = modules(root)
    graph = {
        m: sorted({i.target for i in imports_of(m, p, set(found)) if i.target in found} - {m}) for m, p in found.items()
    }
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph[node]:
            if nxt not in index:
                connect(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for node in graph:
        if node not in index:
            connect(node)
    return components


def test_every_module_has_a_layer() -> None:
    for module in modules(REPO):
        layer_of(module)


def test_no_module_imports_a_layer_above_it_or_inside_a_function() -> None:
    problems = upward(REPO)
    assert not problems, "\n".join(problems)


def test_no_import_cycle() -> None:
    found = cycles(REPO)
    assert not found, "\n".join(" <-> ".join(c) for c in found)


def _tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


PLANTED = {
    "fixtures/__init__.py": "",
    "fixtures/core/__init__.py": "",
    "fixtures/core/kube.py": "X = 1\n",
    "checks/__init__.py": "",
    "checks/verification.py": "from fixtures.core.kube import X\n",
    "chaos/__init__.py": "",
    "chaos/runner.py": "from checks import verification\n",
}


def test_a_clean_tree_passes(tmp_path: Path) -> None:
    root = _tree(tmp_path, PLANTED)
    assert upward(root) == []
    assert cycles(root) == []


def test_a_planted_upward_import_fails_naming_both_layers(tmp_path: Path) -> None:
    root = _tree(tmp_path, {**PLANTED, "fixtures/core/kube.py": "from chaos.runner import verification\nX = 1\n"})
    assert upward(root) == [
        "fixtures/core/kube.py:1: fixtures.core.kube (core) imports chaos.runner (chaos), a layer above it"
    ]
    assert cycles(root) == [["chaos.runner", "checks.verification", "fixtures.core.kube"]]


def test_a_function_local_import_fails(tmp_path: Path) -> None:
    root = _tree(tmp_path, {**PLANTED, "chaos/runner.py": "def run():\n    from checks import verification\n"})
    assert upward(root) == [
        "chaos/runner.py:2: chaos.runner imports checks.verification inside a function: import it at the top"
    ]


def test_a_relative_import_is_resolved(tmp_path: Path) -> None:
    root = _tree(tmp_path, {**PLANTED, "checks/verification.py": "from ..chaos import runner\n"})
    assert upward(root) == [
        "checks/verification.py:1: checks.verification (checks) imports chaos.runner (chaos), a layer above it"
    ]
