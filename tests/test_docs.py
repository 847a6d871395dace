"""The documentation stays honest: every setting, variable, dialect and route is documented.

Read from the code, compared with docs/ and the README, so a new setting or route without
its documentation fails here rather than in a user's hands.
"""

from __future__ import annotations

import ast
import dataclasses
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from runyard.server.app import create_app
from runyard.server.dialects import DIALECTS
from runyard.settings import Settings
from runyard.store import open_store

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "runyard"
CONFIGURATION = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
README = (ROOT / "README.md").read_text(encoding="utf-8")
# Tags of routes that belong to the server itself rather than to one dialect.
SERVER_TAGS = {"health"}
# Error messages must not promise features: say what is refused, or implement it.
PROMISES = re.compile(r"arrives with|not yet|\bTODO\b|coming soon|will be (supported|available)", re.IGNORECASE)


def _python_sources() -> list[Path]:
    return sorted(SRC.rglob("*.py"))


def environment_variables() -> set[str]:
    """Every `RUNYARD_*` name the code mentions."""
    found: set[str] = set()
    for path in _python_sources():
        found |= set(re.findall(r"\bRUNYARD_[A-Z0-9_]*[A-Z0-9]\b", path.read_text(encoding="utf-8")))
    return found


def _strings(node: ast.AST) -> Iterator[str]:
    for child in ast.walk(node):
        if isinstance(child, ast.Constant) and isinstance(child.value, str):
            yield child.value


def error_messages() -> Iterator[tuple[str, str]]:
    """(where, text) of each string literal inside a `raise` statement."""
    for path in _python_sources():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Raise) and node.exc is not None:
                for text in _strings(node.exc):
                    yield f"{path.relative_to(SRC)}:{node.lineno}", text


@pytest.mark.parametrize("name", [f.name for f in dataclasses.fields(Settings)])
def test_every_setting_has_a_row_in_configuration_md(name: str) -> None:
    assert re.search(rf"^\| `{name}` \|", CONFIGURATION, re.MULTILINE), f"docs/configuration.md lacks `{name}`"


def test_every_environment_variable_is_in_configuration_md() -> None:
    variables = environment_variables()
    assert {"RUNYARD_DIR", "RUNYARD_SERVER", "RUNYARD_TOKEN"} <= variables  # the scan finds them
    assert sorted(v for v in variables if v not in CONFIGURATION) == []


@pytest.mark.parametrize("dialect", DIALECTS, ids=[d.name for d in DIALECTS])
def test_every_dialect_has_its_page_linked_from_the_readme(dialect: Any) -> None:
    assert (ROOT / dialect.doc_page).is_file(), dialect.doc_page
    assert f"]({dialect.doc_page})" in README


def test_every_docs_page_is_linked_from_the_readme() -> None:
    pages = sorted((ROOT / "docs").glob("*.md"))
    assert pages and [p.name for p in pages if f"](docs/{p.name})" not in README] == []


def _auto_summary(operation: dict[str, Any]) -> bool:
    """FastAPI's fallback summary: the function's name in title case (`Run Stream`)."""
    summary = str(operation.get("summary", ""))
    generated = summary == summary.title() and str(operation.get("operationId", "")).startswith(
        summary.lower().replace(" ", "_"))
    return not summary or generated


def test_every_route_has_a_summary_and_a_dialect_tag(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    try:
        app = create_app(Settings(data_dir=tmp_path, hub_enabled=True, jupyter_enabled=True), store=store)
        paths = app.openapi()["paths"]
    finally:
        store.close()
    tags = {d.tag for d in DIALECTS} | SERVER_TAGS
    operations = [(method.upper(), path, op) for path, item in paths.items()
                  for method, op in item.items() if isinstance(op, dict)]
    assert len(operations) > 50  # every dialect's routes are there
    assert [f"{m} {p}" for m, p, op in operations if _auto_summary(op)] == []
    assert [f"{m} {p} {op.get('tags')}" for m, p, op in operations
            if not op.get("tags") or not set(op["tags"]) <= tags] == []


def test_no_error_message_promises_a_later_feature() -> None:
    messages = list(error_messages())
    assert len(messages) > 100  # the scan reads them
    assert [f"{where}: {text}" for where, text in messages if PROMISES.search(text)] == []


def test_the_promise_check_catches_the_old_message() -> None:
    assert PROMISES.search("cannot read from x: remote read arrives with the runyard server")
    assert _auto_summary({"summary": "Run Stream", "operationId": "run_stream_api_v1_x_get"})
    assert not _auto_summary({"summary": "Live events of a run", "operationId": "run_stream_api_v1_x_get"})
    assert not _auto_summary({"summary": "List experiments", "operationId": "list_experiments_api_experiments_get"})
