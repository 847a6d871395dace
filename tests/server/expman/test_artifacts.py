"""expman artifacts: list, download, and no way out of the run's artifact dir whatever the encoding."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from runyard.settings import Settings
from runyard.store import Store
from tests.server.expman.conftest import EXPERIMENT, RUN, Seeded, raw_get, run_url, seg

pytestmark = pytest.mark.anyio
SECRET = b"TOP-SECRET-CONTENT"


@pytest.fixture
def secret(settings: Settings) -> Path:
    """A file outside every artifact dir, inside and beside the data dir."""
    outside = settings.data_dir.parent / "secret.txt"
    outside.write_bytes(SECRET)
    (settings.data_dir / "secret.txt").write_bytes(SECRET)
    return outside


def _artifact_dir(store: Store, seeded: Seeded) -> Path:
    return store.open_artifact(seeded.run.id, "model.bin").local_path.parent


async def test_list(client: httpx.AsyncClient, seeded: Seeded) -> None:
    response = await client.get(f"{run_url()}/artifacts")
    assert response.status_code == 200
    listed = response.json()
    # expman's default files (the run's console) first, then what the run recorded.
    assert [a["path"] for a in listed] == ["console.log", "run.log", "model.bin", "plots/loss.png"]
    assert [a["is_default"] for a in listed] == [True, True, False, False]
    png = listed[3]
    assert png["name"] == "loss.png" and png["ext"] == "png" and png["size"] == len(b"\x89PNG fake")
    assert png["sha256"] == hashlib.sha256(b"\x89PNG fake").hexdigest() and png["is_default"] is False
    assert png["modified"].endswith("Z")


@pytest.mark.parametrize(("path", "media", "data"), [
    ("plots/loss.png", "image/png", b"\x89PNG fake"),
    ("model.bin", "application/octet-stream", b"\x00\x01weights"),
])
async def test_download(client: httpx.AsyncClient, seeded: Seeded, path: str, media: str, data: bytes) -> None:
    response = await client.get(f"{run_url()}/artifacts/{path}")
    assert response.status_code == 200
    assert response.content == data and response.headers["content-type"] == media
    assert response.headers["content-disposition"] == f'attachment; filename="{Path(path).name}"'
    assert response.headers["x-content-type-options"] == "nosniff"


async def test_download_odd_names(client: httpx.AsyncClient, store: Store, seeded: Seeded) -> None:
    store.add_artifact_bytes(seeded.run.id, "dir with space/ré sumé %41.txt", b"hello")
    response = await client.get(f"{run_url()}/artifacts/dir%20with%20space/r%C3%A9%20sum%C3%A9%20%2541.txt")
    assert response.status_code == 200 and response.content == b"hello"
    assert response.headers["content-type"].startswith("text/plain")
    assert "filename*=utf-8''r%C3%A9%20sum%C3%A9%20%2541.txt" in response.headers["content-disposition"]
    encoded_slash = await client.get(f"{run_url()}/artifacts/plots%2Floss.png")  # one segment, decoded once
    assert encoded_slash.status_code == 200 and encoded_slash.content == b"\x89PNG fake"


# `{up}` climbs from the run's artifact dir to a planted secret: 2 levels to the data dir, 3 beside it.
TRAVERSALS = [
    "{up}secret.txt",
    "plots/../{up}secret.txt",
    "./{up}secret.txt",
    "{up:%2e%2e/}secret.txt",
    "{up:%2E%2E%2F}secret.txt",
    "{up:..%2f}secret.txt",
    "{up:%252e%252e%252f}secret.txt",
    "{up:..%252f}secret.txt",
    "{up:..%5c}secret.txt",
    "{up:..%5C}secret.txt",
    "plots%5C..%5C{up:..%5C}secret.txt",
    "{up:%c0%ae%c0%ae/}secret.txt",
    "model.bin%00/{up}secret.txt",
    "model.bin%00.png",
    "%00",
    "%2Fetc%2Fpasswd",
    "/etc/passwd",
    "//etc/passwd",
    "{secret}",
    "{secret_encoded}",
    "",
]


def _attack(template: str, levels: int, secret: Path) -> str:
    text = template.replace("{secret}", str(secret)).replace("{secret_encoded}", str(secret).replace("/", "%2F"))
    while "{up" in text:
        start = text.index("{up")
        end = text.index("}", start)
        unit = text[start + 4:end] if text[start + 3] == ":" else "../"
        text = text[:start] + unit * levels + text[end + 1:]
    return text


@pytest.mark.parametrize("levels", [2, 3])
@pytest.mark.parametrize("template", TRAVERSALS)
async def test_traversal_never_serves(app: FastAPI, seeded: Seeded, secret: Path, template: str, levels: int) -> None:
    path = _attack(template, levels, secret)
    prefix = f"/api/experiments/{seg(EXPERIMENT)}/runs/{seg(RUN)}/artifacts/"
    response = await raw_get(app, prefix + path)
    assert response.status_code in (400, 404), (path, response.status_code, response.body)
    assert SECRET not in response.body and b"root:" not in response.body
    assert response.headers["content-type"] == "application/json"


@pytest.mark.parametrize("query", [
    "file=../../../../secret.txt", "file=plots/loss.png", "path=../../../../secret.txt", "path=model.bin",
])
async def test_query_file_style_is_refused(app: FastAPI, seeded: Seeded, secret: Path, query: str) -> None:
    # `artifacts/content?path=` is expman-rs's web app's own call: test_webapp_content.py.
    for suffix in ("artifacts", "artifacts/model.bin"):
        response = await raw_get(app, f"{run_url()}/{suffix}", query)
        assert response.status_code == 400, (suffix, query, response.body)
        assert SECRET not in response.body and b"weights" not in response.body


async def test_symlink_file_escape(client: httpx.AsyncClient, store: Store, seeded: Seeded, secret: Path) -> None:
    # A recorded artifact replaced on disk by a symlink pointing outside the run's dir.
    target = _artifact_dir(store, seeded) / "model.bin"
    target.unlink()
    target.symlink_to(secret)
    response = await client.get(f"{run_url()}/artifacts/model.bin")
    assert response.status_code in (400, 404) and SECRET not in response.content
    assert set(response.json()) == {"error"}


async def test_symlink_dir_escape(client: httpx.AsyncClient, store: Store, seeded: Seeded, secret: Path) -> None:
    # A recorded artifact whose parent directory became a symlink to a folder outside.
    plots = _artifact_dir(store, seeded) / "plots"
    for child in plots.iterdir():
        child.unlink()
    plots.rmdir()
    outside = secret.parent / "outside"
    outside.mkdir()
    (outside / "loss.png").write_bytes(SECRET)
    os.symlink(outside, plots)
    response = await client.get(f"{run_url()}/artifacts/plots/loss.png")
    assert response.status_code in (400, 404) and SECRET not in response.content


async def test_unrecorded_file_in_dir_is_not_served(client: httpx.AsyncClient, store: Store, seeded: Seeded) -> None:
    (_artifact_dir(store, seeded) / "planted.txt").write_bytes(SECRET)
    response = await client.get(f"{run_url()}/artifacts/planted.txt")
    assert response.status_code == 404 and SECRET not in response.content


async def test_other_run_artifact_not_reachable(client: httpx.AsyncClient, store: Store, seeded: Seeded) -> None:
    store.add_artifact_bytes(seeded.other.id, "mine.txt", SECRET)
    response = await client.get(f"{run_url()}/artifacts/mine.txt")
    assert response.status_code == 404
    uid_hop = await client.get(f"{run_url()}/artifacts/..%2F{seeded.other.uid}%2Fmine.txt")
    assert uid_hop.status_code == 400 and SECRET not in uid_hop.content
