"""Nothing outside `runyard.store` knows which backend stores the data (a second one is coming)."""

from __future__ import annotations

import ast
from pathlib import Path

import runyard

SRC = Path(runyard.__file__).parent


def _backend_uses(tree: ast.AST) -> list[str]:
    """Imports of a backend's modules and the backend's name as a value (comments may name it)."""
    found: list[str] = []
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        found += [f"{getattr(node, 'lineno', 0)}: import {name}" for name in names
                  if name.split(".")[0] == "sqlite3" or name.startswith("runyard.store.sqlite")]
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.lower() == "sqlite":
            found.append(f"{node.lineno}: {node.value!r}")
    return found


def test_no_backend_outside_the_store() -> None:
    offenders = [
        f"{path.relative_to(SRC)}:{use}"
        for path in sorted(SRC.rglob("*.py"))
        if path.relative_to(SRC).parts[0] != "store"
        for use in _backend_uses(ast.parse(path.read_text(encoding="utf-8")))
    ]
    assert offenders == []


def test_the_check_sees_a_backend() -> None:
    code = "import sqlite3\nfrom runyard.store.sqlite.schema import SCHEMA_VERSION\nx = {'backend': 'sqlite'}\n"
    assert _backend_uses(ast.parse(code)) == [
        "1: import sqlite3", "2: import runyard.store.sqlite.schema", "3: 'sqlite'"]
