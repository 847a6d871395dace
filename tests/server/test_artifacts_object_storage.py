"""Every dialect's artifact routes with the artifacts in S3-compatible object storage (moto on loopback).

The app runs in process on a store opened as `runyard serve --artifacts s3://...` opens it
(SQLite metadata in the data dir, bytes in the bucket): uploads through v1, the SDK ingest
and MLflow's artifact proxy land as objects; downloads through v1, the web API, MLflow
(runs and logged models), expman (path and content), v1 media and Aspara's ZIP stream
them back with the headers a local file gets; deletes and limits leave no object behind; the
hub checks and restores its models from the bucket.
"""

from __future__ import annotations

import hashlib
import io
import os
import zipfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from runyard import media_index
from runyard.hub import provenance
from runyard.hub.errors import UntrustedModelError
from runyard.server import create_app
from runyard.settings import Settings
from runyard.store import Project, Run, Store
from runyard.store.artifacts import open_artifact_store
from runyard.store.artifacts.objects import PART
from runyard.store.sqlite.store import SQLiteStore
from tests.s3_server import S3Server, s3_server, s3_url  # noqa: F401  (fixtures)
from tests.server.conftest import TEST_HOSTS

pytestmark = pytest.mark.anyio
PROXY = "/api/2.0/mlflow-artifacts/artifacts"
LIMIT = 3 * PART  # the server's max_artifact_bytes here: large files still take several parts


@dataclass
class Served:
    http: httpx.AsyncClient
    store: Store
    project: Project
    run: Run
    bucket: str
    server: S3Server
    data_dir: Path

    def objects(self) -> list[str]:
        return self.server.keys(self.bucket)


@pytest.fixture
async def served(s3_url: str, s3_server: S3Server, tmp_path: Path) -> AsyncIterator[Served]:  # noqa: F811
    data_dir = tmp_path / "data"
    store = SQLiteStore(data_dir, artifacts=open_artifact_store(s3_url, data_dir))  # serve --artifacts s3://...
    settings = Settings(data_dir=data_dir, allowed_hosts=TEST_HOSTS, max_artifact_bytes=LIMIT)
    app = create_app(settings, store=store)
    project = store.create_project("vision")
    run = store.create_run(project.id, name="resnet")
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://runyard.test") as http:
            yield Served(http, store, project, run, s3_url.removeprefix("s3://").split("/")[0], s3_server, data_dir)
    finally:
        store.close()


def _ok(response: httpx.Response) -> httpx.Response:
    assert response.status_code == 200, response.text
    return response


def _is_download(response: httpx.Response, data: bytes, filename: str, kind: str) -> None:
    _ok(response)
    assert response.content == data
    assert response.headers["content-type"].split(";")[0] == kind
    assert response.headers["content-disposition"] == f'attachment; filename="{filename}"'
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["content-length"] == str(len(data))


async def test_uploads_of_every_dialect_land_in_the_bucket_and_download_everywhere(served: Served) -> None:
    http, run = served.http, served.run
    big = os.urandom(2 * PART + 999)  # a multipart upload, read back in three ranges
    small = b'{"lr": 0.1}'
    _ok(await http.post(f"/api/v1/experiments/runs/{run.id}/log-artifact", params={"artifact_path": "cfg"},
                        files={"file": ("config.json", small, "application/json")}))
    sdk = _ok(await http.post(f"/api/v1/sdk/runs/{run.uid}/artifacts", params={"name": "ckpt/model.bin"},
                              content=big)).json()
    assert sdk["sha256"] == hashlib.sha256(big).hexdigest() and sdk["size"] == len(big)
    experiment = str(served.project.id)
    _ok(await http.put(f"{PROXY}/{experiment}/{run.uid}/artifacts/notes/readme.txt", content=b"hello"))
    assert served.objects() == [f"runyard/{run.uid}/{path}"
                             for path in ("cfg/config.json", "ckpt/model.bin", "notes/readme.txt")]
    assert not (served.data_dir / "artifacts").exists()  # nothing went to the data dir's folder

    for url in (f"/api/v1/experiments/read/runs/{run.id}/artifacts/ckpt/model.bin",
                f"/web/api/runs/{run.id}/artifacts/ckpt/model.bin",
                f"{PROXY}/{experiment}/{run.uid}/artifacts/ckpt/model.bin",
                "/api/experiments/vision/runs/resnet/artifacts/ckpt/model.bin"):
        _is_download(await http.get(url), big, "model.bin", "application/octet-stream")
    _is_download(await http.get("/api/experiments/vision/runs/resnet/artifacts/content",
                                params={"path": "cfg/config.json"}), small, "config.json", "application/json")
    listed = _ok(await http.get("/api/2.0/mlflow/artifacts/list", params={"run_id": run.uid, "path": "ckpt"})).json()
    assert listed["files"] == [{"path": "ckpt/model.bin", "is_dir": False, "file_size": len(big)}]

    archive = _ok(await http.get("/api/projects/vision/runs/resnet/artifacts/download"))
    assert archive.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(archive.content)) as opened:
        assert opened.testzip() is None
        assert {name: opened.read(name) for name in opened.namelist()} == {
            "cfg/config.json": small, "ckpt/model.bin": big, "notes/readme.txt": b"hello"}

    for missing in (f"/api/v1/experiments/read/runs/{run.id}/artifacts/nope.bin",
                    f"/web/api/runs/{run.id}/artifacts/ckpt",
                    f"{PROXY}/{experiment}/{run.uid}/artifacts/nope.bin",
                    "/api/experiments/vision/runs/resnet/artifacts/nope.bin"):
        assert (await http.get(missing)).status_code == 404, missing


async def test_media_items_and_logged_model_files_come_from_the_bucket(served: Served) -> None:
    http, store, run = served.http, served.store, served.run
    png = b"\x89PNG\r\n\x1a\n" + os.urandom(100)
    store.add_artifact_bytes(run.id, media_index.media_path("samples", 3, "image"), png)
    item = _ok(await http.get(f"/api/v1/experiments/runs/{run.id}/media/item", params={"key": "samples", "step": 3}))
    assert item.content == png and item.headers["content-type"] == "image/png"
    assert "content-disposition" not in item.headers  # shown inline, as from a local file

    model = store.create_logged_model(served.project.id, name="clf", source_run_id=run.id)
    base = f"{PROXY}/{served.project.id}/models/{model.id}/artifacts"
    _ok(await http.put(f"{base}/MLmodel", content=b"flavors: {}"))
    _ok(await http.put(f"{base}/data/model.pkl", content=b"\x80\x04K\x01."))
    assert f"runyard/.logged-models/{model.id}/data/model.pkl" in served.objects()
    assert [(f.path, f.size) for f in store.logged_model_files(model.id)] == [("MLmodel", 11), ("data/model.pkl", 5)]
    _is_download(await http.get(f"{base}/data/model.pkl"), b"\x80\x04K\x01.", "model.pkl", "application/octet-stream")
    _ok(await http.delete(f"{base}/data"))
    assert [f.path for f in store.logged_model_files(model.id)] == ["MLmodel"]
    store.delete_logged_model(model.id)
    assert not [key for key in served.objects() if ".logged-models" in key]


async def test_limits_and_deletes_leave_no_object_behind(served: Served) -> None:
    http, store, run = served.http, served.store, served.run
    experiment = str(served.project.id)
    refused = await http.put(f"{PROXY}/{experiment}/{run.uid}/artifacts/huge.bin", content=b"x" * (LIMIT + 1))
    assert refused.status_code == 413, refused.text
    assert served.objects() == [] and store.list_artifacts(run.id) == []

    for name in ("a.txt", "d/b.txt", "d/c.txt"):
        store.add_artifact_bytes(run.id, name, name.encode())
    conflict = await http.put(f"{PROXY}/{experiment}/{run.uid}/artifacts/d", content=b"file over a folder")
    assert conflict.json()["error_code"] == "RESOURCE_ALREADY_EXISTS", conflict.text  # MLflow's shape of a 409
    _ok(await http.delete(f"{PROXY}/{experiment}/{run.uid}/artifacts/d"))
    assert served.objects() == [f"runyard/{run.uid}/a.txt"]
    assert [a.path for a in store.list_artifacts(run.id)] == ["a.txt"]

    other = store.create_run(served.project.id, name="other")
    store.add_artifact_bytes(other.id, "keep.txt", b"kept")
    _ok(await http.delete("/api/projects/vision/runs/resnet"))  # Aspara's run delete
    assert served.objects() == [f"runyard/{other.uid}/keep.txt"]
    store.delete_project(served.project.id)
    assert served.objects() == []


async def test_hub_models_are_checked_and_restored_from_the_bucket(served: Served, tmp_path: Path) -> None:
    store, run = served.store, served.run
    files = {"hub.json": b'{"type": "toy", "config": {}}', "model/state.json": b'{"mean": 2.5}'}
    for path, data in files.items():
        store.add_artifact_bytes(run.id, path, data)
    provenance.record(store, run.id, "default", "e", {p: hashlib.sha256(d).hexdigest() for p, d in files.items()})
    assert provenance.check(store, run, "default")["type"] == "toy"
    restored = provenance.restore(store, run, "default", tmp_path / "ok")
    assert (restored / "state.json").read_bytes() == files["model/state.json"]
    store.add_artifact_bytes(run.id, "model/state.json", b'{"mean": 1e9}')  # swapped in the bucket
    with pytest.raises(UntrustedModelError, match=r"model/state\.json changed"):
        provenance.check(store, run, "default")
    with pytest.raises(UntrustedModelError, match=r"model/state\.json changed"):
        provenance.restore(store, run, "default", tmp_path / "swapped")
