from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import httpx
import pytest

from runyard.settings import Settings
from runyard.store import Store
from tests.server.v1.conftest import RUNS, client_for

pytestmark = pytest.mark.anyio


def _files_under(root: Path) -> set[str]:
    return {str(path.relative_to(root)) for path in root.rglob("*") if path.is_file()}


async def test_upload(client: httpx.AsyncClient, store: Store, run: dict[str, Any]) -> None:
    data = b"weights" * 1000
    response = await client.post(f"{RUNS}/{run['id']}/log-artifact", params={"artifact_path": "models/best/"},
                                 files={"file": ("model.bin", data, "application/octet-stream")})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["path"] == "models/best/model.bin" and body["size"] == len(data)
    assert body["sha256"] == hashlib.sha256(data).hexdigest() and body["run_id"] == run["id"]
    assert isinstance(body["created_at"], int)
    assert store.read_artifact(int(run["id"]), "models/best/model.bin") == data
    top = await client.post(f"{RUNS}/{run['id']}/log-artifact", files={"file": ("notes.txt", b"hi")})
    assert top.json()["path"] == "notes.txt"
    replaced = await client.post(f"{RUNS}/{run['uid']}/log-artifact", files={"file": ("notes.txt", b"bye")})
    assert replaced.json()["size"] == 3
    assert [a.path for a in store.list_artifacts(int(run["id"]))] == ["models/best/model.bin", "notes.txt"]


@pytest.mark.parametrize(
    ("query", "filename"),
    [
        ("artifact_path=../x", "f.txt"),
        ("artifact_path=%2e%2e", "f.txt"),
        ("artifact_path=%2e%2e%2fx", "f.txt"),
        ("artifact_path=a/../../x", "f.txt"),
        ("artifact_path=/etc", "f.txt"),
        ("artifact_path=%2Fetc", "f.txt"),
        ("artifact_path=a%5C..%5Cx", "f.txt"),
        ("artifact_path=a//b", "f.txt"),
        ("artifact_path=a%00b", "f.txt"),
        ("", "../evil.txt"),
        ("", "a/b.txt"),
        ("", "..\\evil.txt"),
        ("", ".."),
    ],
)
async def test_traversal_refused(client: httpx.AsyncClient, store: Store, settings: Settings, run: dict[str, Any],
                                 query: str, filename: str) -> None:
    before = _files_under(settings.data_dir.parent)
    response = await client.post(f"{RUNS}/{run['id']}/log-artifact?{query}", files={"file": (filename, b"evil")})
    assert response.status_code == 400, response.text
    assert store.list_artifacts(int(run["id"])) == []
    assert _files_under(settings.data_dir.parent) == before


async def test_upload_errors(client: httpx.AsyncClient, store: Store, run: dict[str, Any]) -> None:
    url = f"{RUNS}/{run['id']}/log-artifact"
    missing = await client.post(url, files={"other": ("f.txt", b"x")})
    assert missing.status_code == 422 and isinstance(missing.json()["detail"], list)
    not_a_file = await client.post(url, data={"file": "just text"}, files={"other": ("f.txt", b"x")})
    assert not_a_file.status_code == 422
    form = await client.post(url, data={"file": "just text"})  # urlencoded, not multipart
    assert form.status_code == 400
    as_json = await client.post(url, json={"file": "x"})
    assert as_json.status_code == 400 and "multipart" in as_json.json()["detail"]
    unknown = await client.post(f"{RUNS}/999/log-artifact", files={"file": ("f.txt", b"x")})
    assert unknown.status_code == 404
    assert store.list_artifacts(int(run["id"])) == []


async def test_upload_over_limit_413(settings: Settings, store: Store) -> None:
    run = store.create_run(store.create_project("big").id)
    async with client_for(settings, store, max_artifact_bytes=1000) as http:
        url = f"{RUNS}/{run.id}/log-artifact"
        streamed = await http.post(url, files={"file": ("big.bin", b"x" * 1001)})  # caught while writing
        assert streamed.status_code == 413 and "1000" in streamed.json()["detail"]
        declared = await http.post(url, files={"file": ("huge.bin", b"x" * 200_000)})  # caught by Content-Length
        assert declared.status_code == 413 and "max_artifact_bytes" in declared.json()["detail"]
        assert store.list_artifacts(run.id) == []
        assert not any(p.is_file() for p in (settings.data_dir / "artifacts").rglob("*"))
        fits = await http.post(url, files={"file": ("ok.bin", b"x" * 1000)})
        assert fits.status_code == 200 and fits.json()["size"] == 1000
