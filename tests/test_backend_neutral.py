"""Nothing outside `runyard.store` knows which backend stores the data; the shared SQL knows none either."""

from __future__ import annotations

import ast
from pathlib import Path

import runyard

SRC = Path(runyard.__file__).parent


_DRIVERS = ("sqlite3", "psycopg", "psycopg_pool")
_BACKENDS = ("runyard.store.sqlite", "runyard.store.postgres")


def _backend_uses(tree: ast.AST) -> list[str]:
    """Imports of a driver or a backend's modules and a backend's name as a value (comments may name it)."""
    found: list[str] = []
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        found += [f"{getattr(node, 'lineno', 0)}: import {name}" for name in names
                  if name.split(".")[0] in _DRIVERS or name.startswith(_BACKENDS)]
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.lower() in ("sqlite",
                                                                                                    "postgresql"):
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


def test_the_shared_sql_names_no_backend() -> None:
    # store/sql/ runs on every backend: what differs comes from the connection's dialect.
    offenders = [
        f"{path.relative_to(SRC)}:{use}"
        for path in sorted((SRC / "store" / "sql").rglob("*.py"))
        for use in _backend_uses(ast.parse(path.read_text(encoding="utf-8")))
    ]
    assert offenders == []


def test_the_check_sees_a_backend() -> None:
    code = ("import sqlite3\nfrom runyard.store.sqlite.schema import SCHEMA_VERSION\nx = {'backend': 'sqlite'}\n"
            "import psycopg\nfrom runyard.store.postgres import db\n")
    assert sorted(_backend_uses(ast.parse(code))) == [
        "1: import sqlite3", "2: import runyard.store.sqlite.schema", "3: 'sqlite'", "4: import psycopg",
        "5: import runyard.store.postgres"]
