"""The package reads as the data flow: nothing imports upward, no import cycle.

files → ``importers`` → ``timeline`` → ``rules`` → ``load`` → ``shoes`` →
``findings`` → ``report`` → the CLI, the accessor and the package root. A module
may import its own layer and the layers below it, never one above; imports
inside functions count (a lazy import hides a cycle, it does not remove it),
only those under ``if TYPE_CHECKING:`` do not.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "loadwatch"

#: Layers from the bottom: a module's layer is the first prefix it matches.
LAYERS: list[tuple[str, ...]] = [
    (
        "loadwatch.errors",
        "loadwatch.entry_checks",
        "loadwatch.safe_text",
        "loadwatch.schema",
        "loadwatch.units",
        "loadwatch.version",
    ),
    ("loadwatch.importers",),
    ("loadwatch.timeline",),
    ("loadwatch.rules",),
    ("loadwatch.load",),
    ("loadwatch.shoes",),
    ("loadwatch.findings",),
    ("loadwatch.report",),
    ("loadwatch.accessor", "loadwatch.cli", "loadwatch.cli_guard", "loadwatch.synthetic"),
    ("loadwatch",),  # the root: the public API over everything
]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def layer_of(module: str) -> int:
    for index, prefixes in enumerate(LAYERS):
        if any(module == p or module.startswith(p + ".") for p in prefixes):
            return index
    raise AssertionError(f"{module} is in no layer: add it to LAYERS")


def imports_of(path: Path) -> list[tuple[int, str]]:
    """``(line, module)`` for every loadwatch import of ``path``, lazy ones included."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped.update(id(sub) for child in node.body for sub in ast.walk(child))
    found = []
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
        elif isinstance(node, ast.ImportFrom) and node.level:
            found.append((node.lineno, f"<relative level {node.level}>"))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
    return [(line, m) for line, m in found if m.startswith(("loadwatch", "<relative"))]


MODULES = sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: module_name(p))
def test_no_module_imports_upward(path: Path) -> None:
    here = module_name(path)
    mine = layer_of(here)
    for line, module in imports_of(path):
        assert not module.startswith("<relative"), f"{here}:{line}: write imports absolute"
        if module == "loadwatch" and here != "loadwatch":
            pytest.fail(f"{here}:{line} imports the package root (the public API on top)")
        assert layer_of(module) <= mine, f"{here}:{line} imports {module}, a layer above it"


def test_every_layer_holds_modules() -> None:
    names = [module_name(p) for p in MODULES]
    for prefixes in LAYERS:
        assert any(layer_of(n) == LAYERS.index(prefixes) for n in names), prefixes
