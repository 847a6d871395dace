"""Pages announce every dashboard module they import (`modulepreload`), so all load at once."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from runyard.server.web.templating import DASHBOARD_JS
from runyard.store import Store
from tests.server.web.conftest import PROJECT, seed_project

pytestmark = pytest.mark.anyio
IMPORT = re.compile(r"""from\s*["']\./([\w.-]+\.js)["']""")


def imported_by(entry: str) -> set[str]:
    """Every module `entry` reaches through its imports, read independently of the code under test."""
    found: set[str] = set()
    pending = [entry]
    while pending:
        for name in IMPORT.findall((DASHBOARD_JS / pending.pop()).read_text(encoding="utf-8")):
            if name not in found:
                found.add(name)
                pending.append(name)
    return found - {entry}


def preloads(html: str) -> set[str]:
    return {Path(url).name for url in re.findall(r'<link rel="modulepreload" href="([^"]+)">', html)}


async def test_pages_preload_the_whole_import_graph(client: httpx.AsyncClient, store: Store) -> None:
    seed_project(store)
    project = await client.get(f"/projects/{PROJECT}")
    assert {"board.js", "table.js", "parallel.js", "fields.js"} <= preloads(project.text)
    assert preloads(project.text) == imported_by("project.js") | imported_by("media_compare.js")
    run = await client.get(f"/projects/{PROJECT}/runs/mlp")
    assert preloads(run.text) == imported_by("run.js") | imported_by("media.js")
    # The URLs are those the imports resolve to (no ?v=): a different URL would load each module twice.
    for url in re.findall(r'<link rel="modulepreload" href="([^"]+)">', project.text):
        assert url.startswith("/static/dashboard/") and "?" not in url
        assert (await client.get(url)).status_code == 200
