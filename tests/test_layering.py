"""Import layering, read from the source: dialect packages stay independent of each other.

What two dialects need lives in a neutral module with a public name, so a dialect can be
changed (or a new one added) without reading the others. Private (`_name`) helpers stay
inside the module that defines them.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
DIALECT_PACKAGES = ("v1", "expman", "swanlab", "aspara", "hub", "jupyter", "web")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> Iterator[tuple[str, list[str], int]]:
    """(imported module, imported names, line) of every import in a file, relative ones resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = _module_name(path) if path.name == "__init__.py" else _module_name(path).rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, [], node.lineno
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            yield base, [alias.name for alias in node.names], node.lineno


def _dialect_of(module: str) -> str | None:
    parts = module.split(".")
    if len(parts) >= 3 and parts[:2] == ["runyard", "server"] and parts[2] in DIALECT_PACKAGES:
        return parts[2]
    return None


def _sources() -> list[Path]:
    return sorted((SRC / "runyard").rglob("*.py"))


def cross_dialect_imports() -> list[str]:
    found = []
    for path in _sources():
        own = _dialect_of(_module_name(path))
        if own is None:
            continue
        for module, names, line in _imports(path):
            targets = {_dialect_of(module)} | {_dialect_of(f"{module}.{name}") for name in names}
            for other in targets - {None, own}:
                found.append(f"{path.relative_to(SRC)}:{line} imports runyard.server.{other} ({module})")
    return found


def private_imports() -> list[str]:
    found = []
    for path in _sources():
        for module, names, line in _imports(path):
            if module.startswith("runyard"):
                found += [f"{path.relative_to(SRC)}:{line} imports {module}.{name}"
                          for name in names if name.startswith("_") and not name.startswith("__")]
    return found


def test_no_dialect_imports_another() -> None:
    assert cross_dialect_imports() == []


def test_no_private_name_imported_from_another_module() -> None:
    assert private_imports() == []


def test_the_checks_see_imports() -> None:
    """The scan itself works: it finds what is there (a check that finds nothing proves nothing)."""
    imports = {module for path in _sources() for module, _names, _line in _imports(path)}
    assert "runyard.server.deps" in imports and "runyard.store" in imports
    assert _dialect_of("runyard.server.web.pages") == "web" and _dialect_of("runyard.server.deps") is None
