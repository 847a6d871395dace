"""mypy passes whatever extras are installed: every optional import has a mypy override.

An optional package (pika, prophet, pandas, ...) imported somewhere in src/ but not
installed makes strict mypy fail with "Cannot find implementation or library stub", so
each one needs `ignore_missing_imports` in pyproject.toml. Read from the source and the
pyproject, so a new optional import without its override fails here, with every extra
installed, instead of on a machine without it.
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT: dict[str, Any] = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
# Import names of distributions that differ from the distribution name.
IMPORT_NAMES = {"python-multipart": "multipart", "sse-starlette": "sse_starlette", "scikit-learn": "sklearn",
                "nvidia-ml-py": "pynvml", "pyyaml": "yaml"}
# Typed packages that always come with a core dependency (fastapi brings them).
ALWAYS_THERE = {"starlette", "pydantic", "anyio"}


def imported_packages() -> set[str]:
    """Top-level names of the third-party packages src/runyard imports."""
    found: set[str] = set()
    for path in (ROOT / "src" / "runyard").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    return found - set(sys.stdlib_module_names) - {"runyard"}


def _import_name(requirement: str) -> str:
    dist = re.split(r"[\[<>=!~ ;]", requirement, maxsplit=1)[0]
    return IMPORT_NAMES.get(dist, dist.replace("-", "_"))


def core_packages() -> set[str]:
    return {_import_name(req) for req in PYPROJECT["project"]["dependencies"]} | ALWAYS_THERE


def overridden() -> set[str]:
    """Modules mypy may find missing (`ignore_missing_imports`), as top-level names."""
    return {module.split(".")[0] for override in PYPROJECT["tool"]["mypy"].get("overrides", [])
            if override.get("ignore_missing_imports") for module in override["module"]}


def test_every_optional_import_has_a_mypy_override() -> None:
    optional = imported_packages() - core_packages()
    assert {"pika", "pandas"} <= optional  # the scan finds the optional imports
    assert sorted(optional - overridden()) == []
