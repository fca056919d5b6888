"""The project's layout: calls go down only (pages -> ui -> mnist_cnn), no import cycles, small modules and pages."""

import ast
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent
LAYERS = ("pages", "ui", "mnist_cnn")   # each may import only the layers after it
MAX_MODULE_LINES = 350
MAX_PAGE_LINES = 170
MAX_TOP_LEVEL_MODULES = 5               # mnist_cnn/*.py besides its subpackages


def list_modules() -> dict[str, Path]:
    """Dotted name -> file of every module of the app (app.py, pages/, ui/, mnist_cnn/)."""
    files = [PROJECT_ROOT / "app.py", *(path for layer in LAYERS for path in (PROJECT_ROOT / layer).rglob("*.py"))]
    modules = {}
    for path in files:
        parts = path.relative_to(PROJECT_ROOT).with_suffix("").parts
        modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return modules


def read_imports(path: Path, modules: dict[str, Path]) -> set[str]:
    """The project modules a file imports anywhere in it (inside functions too)."""
    imported = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [f"{node.module}.{alias.name}" if f"{node.module}.{alias.name}" in modules else node.module
                     for alias in node.names]
        else:
            continue
        imported.update(name for name in names if name in modules)
    return imported


def build_import_graph() -> dict[str, set[str]]:
    """Module -> the project modules it imports."""
    modules = list_modules()
    return {name: read_imports(path, modules) - {name} for name, path in modules.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a list of modules, or None (depth-first search)."""
    state: dict[str, str] = {}
    stack: list[str] = []

    def visit(name: str) -> list[str] | None:
        state[name] = "open"
        stack.append(name)
        for target in sorted(graph[name]):
            if state.get(target) == "open":
                return stack[stack.index(target):] + [target]
            if target not in state and (cycle := visit(target)):
                return cycle
        state[name] = "done"
        stack.pop()
        return None

    for name in sorted(graph):
        if name not in state and (cycle := visit(name)):
            return cycle
    return None


def test_there_are_no_import_cycles():
    assert find_cycle(build_import_graph()) is None


def test_the_cycle_finder_finds_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_calls_go_down_only():
    for name, imported in build_import_graph().items():
        layer = name.split(".")[0]
        if layer not in LAYERS:
            continue
        allowed = LAYERS[LAYERS.index(layer):]
        upward = sorted(target for target in imported if target.split(".")[0] not in allowed)
        assert not upward, f"{name} imports {upward}"


def test_the_logic_never_imports_streamlit():
    for path in (PROJECT_ROOT / "mnist_cnn").rglob("*.py"):
        tree = ast.parse(path.read_text())
        imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
                    for alias in node.names}
        imported |= {node.module.split(".")[0] for node in ast.walk(tree)
                     if isinstance(node, ast.ImportFrom) and node.module}
        assert "streamlit" not in imported, path


@pytest.mark.parametrize("folder", ["mnist_cnn", "ui", "pages", "benchmarks", "tests"])
def test_no_module_is_over_the_line_limit(folder):
    limit = MAX_PAGE_LINES if folder == "pages" else MAX_MODULE_LINES
    too_long = {str(path.relative_to(PROJECT_ROOT)): count for path in (PROJECT_ROOT / folder).rglob("*.py")
                if (count := len(path.read_text().splitlines())) > limit}
    assert not too_long, f"over {limit} lines"


def test_the_logic_is_grouped_into_subpackages_with_a_docstring_each():
    top_level = sorted(path.name for path in (PROJECT_ROOT / "mnist_cnn").glob("*.py"))
    assert len(top_level) <= MAX_TOP_LEVEL_MODULES, top_level
    for init in [*(PROJECT_ROOT / "mnist_cnn").glob("*/__init__.py"), *(PROJECT_ROOT / "ui").glob("*/__init__.py")]:
        docstring = ast.get_docstring(ast.parse(init.read_text()))
        assert docstring and "\n" not in docstring, f"{init} needs a one-line docstring"
