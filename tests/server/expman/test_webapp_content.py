"""`GET .../artifacts/content?path=`: what expman-rs's web app previews, and nothing outside the run's files.

expman-rs 1.3.0 answered this route by reading whatever path it was given; here only names
the run recorded are served, whatever the encoding of the query (the same attacks as the
path-style download in test_artifacts.py, sent as `?path=`).
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from fastapi import FastAPI

from runyard.store import Store
from tests.server.expman.conftest import Seeded, raw_get, run_url
from tests.server.expman.test_artifacts import SECRET, TRAVERSALS, _artifact_dir, _attack, secret  # noqa: F401

pytestmark = pytest.mark.anyio


@pytest.fixture
def console(store: Store, seeded: Seeded) -> Seeded:
    store.append_logs(seeded.run.id, [(1.0, "stdout", "epoch 1"), (2.0, "stderr", "warning: lr"),
                                      (3.0, "stdout", "epoch 2")])
    return seeded


@pytest.mark.parametrize(("path", "media", "data"), [
    ("plots/loss.png", "image/png", b"\x89PNG fake"),
    ("model.bin", "application/octet-stream", b"\x00\x01weights"),
])
async def test_content_serves_recorded_files(client: httpx.AsyncClient, seeded: Seeded, path: str, media: str,
                                             data: bytes) -> None:
    response = await client.get(f"{run_url()}/artifacts/content", params={"path": path})
    assert response.status_code == 200 and response.content == data
    assert response.headers["content-type"] == media and response.headers["x-content-type-options"] == "nosniff"


async def test_the_apps_trailing_ampersand(app: FastAPI, seeded: Seeded) -> None:
    response = await raw_get(app, f"{run_url()}/artifacts/content", "path=model.bin&")  # as the app sends it
    assert response.status_code == 200 and response.body == b"\x00\x01weights"


async def test_default_files_are_the_console(client: httpx.AsyncClient, console: Seeded) -> None:
    whole = await client.get(f"{run_url()}/artifacts/content", params={"path": "console.log"})
    assert whole.status_code == 200 and whole.text == "epoch 1\nwarning: lr\nepoch 2\n"
    assert whole.headers["content-type"].startswith("text/plain")
    errors = await client.get(f"{run_url()}/artifacts/content", params={"path": "run.log"})
    assert errors.text == "warning: lr\n"
    listed = {a["path"]: a for a in (await client.get(f"{run_url()}/artifacts")).json()}
    assert listed["console.log"]["size"] == len(whole.content) and listed["run.log"]["is_default"] is True


async def test_a_recorded_file_wins_over_a_default(client: httpx.AsyncClient, store: Store, console: Seeded) -> None:
    store.add_artifact_bytes(console.run.id, "console.log", b"my own log")
    response = await client.get(f"{run_url()}/artifacts/content", params={"path": "console.log"})
    assert response.content == b"my own log"
    listed = [a for a in (await client.get(f"{run_url()}/artifacts")).json() if a["path"] == "console.log"]
    assert [a["is_default"] for a in listed] == [False]


async def test_without_path_it_is_the_file_named_content(client: httpx.AsyncClient, store: Store,
                                                         seeded: Seeded) -> None:
    assert (await client.get(f"{run_url()}/artifacts/content")).status_code == 404
    store.add_artifact_bytes(seeded.run.id, "content", b"named content")
    assert (await client.get(f"{run_url()}/artifacts/content")).content == b"named content"


@pytest.mark.parametrize("levels", [2, 3])
@pytest.mark.parametrize("template", TRAVERSALS)
async def test_query_traversal_never_serves(app: FastAPI, seeded: Seeded, secret: Path,  # noqa: F811
                                            template: str, levels: int) -> None:
    attack = _attack(template, levels, secret)
    for query in (f"path={attack}", f"path={quote(attack, safe='')}"):  # as typed, and encoded once more
        response = await raw_get(app, f"{run_url()}/artifacts/content", query)
        assert response.status_code in (400, 404), (query, response.status_code, response.body)
        assert SECRET not in response.body and b"root:" not in response.body
        assert response.headers["content-type"] == "application/json"


async def test_query_symlink_escape(client: httpx.AsyncClient, store: Store, seeded: Seeded,
                                    secret: Path) -> None:  # noqa: F811
    folder = _artifact_dir(store, seeded)
    target = folder / "model.bin"
    target.unlink()
    target.symlink_to(secret)
    plots = folder / "plots"
    (plots / "loss.png").unlink()
    plots.rmdir()
    os.symlink(secret.parent, plots)
    (secret.parent / "loss.png").write_bytes(SECRET)
    for path in ("model.bin", "plots/loss.png"):
        response = await client.get(f"{run_url()}/artifacts/content", params={"path": path})
        assert response.status_code == 400 and SECRET not in response.content, path


async def test_query_never_reaches_unrecorded_or_other_runs_files(client: httpx.AsyncClient, store: Store,
                                                                  seeded: Seeded) -> None:
    (_artifact_dir(store, seeded) / "planted.txt").write_bytes(SECRET)
    store.add_artifact_bytes(seeded.other.id, "mine.txt", SECRET)
    for path in ("planted.txt", "mine.txt", f"../{seeded.other.uid}/mine.txt", "config.yaml", "console.log/.."):
        response = await client.get(f"{run_url()}/artifacts/content", params={"path": path})
        assert response.status_code in (400, 404) and SECRET not in response.content, path
