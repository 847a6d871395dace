"""MLflow's artifact proxy and artifact listings, in process: round trips, listings, deletes, path safety, limits."""

from __future__ import annotations

import os
import tracemalloc
from pathlib import Path

import httpx
import pytest

from runyard.server.uploads import is_upload_path
from runyard.store import Run, Store
from runyard.store.validate_paths import run_folder

pytestmark = pytest.mark.anyio

PROXY = "/api/2.0/mlflow-artifacts/artifacts"


def _run(store: Store, name: str = "r") -> tuple[str, Run]:
    project = store.get_or_create_project("artifacts")
    run = store.create_run(project.id, name=name, uid=f"{name}{'0' * 30}")
    return str(project.id), run


def _error(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.json()["error_code"] == code, response.text


async def test_an_upload_is_the_runs_artifact_everywhere(client: httpx.AsyncClient, store: Store) -> None:
    experiment, run = _run(store)
    base = f"{PROXY}/{experiment}/{run.uid}/artifacts"
    put = await client.put(f"{base}/cfg/config.json", content=b'{"a": 1}', headers={"Content-Type": "text/plain"})
    assert (put.status_code, put.json()) == (200, {})
    got = await client.get(f"{base}/cfg/config.json")
    assert got.content == b'{"a": 1}' and got.headers["content-type"].startswith("application/json")
    assert [(a.path, a.size) for a in store.list_artifacts(run.id)] == [("cfg/config.json", 8)]
    runyard_own = await client.get(f"/web/api/runs/{run.id}/artifacts/cfg/config.json")
    assert runyard_own.content == b'{"a": 1}'
    again = await client.put(f"{base}/cfg/config.json", content=b"{}")
    assert again.status_code == 200 and (await client.get(f"{base}/cfg/config.json")).content == b"{}"
    ajax = await client.get(f"/ajax-api/2.0/mlflow-artifacts/artifacts/{experiment}/{run.uid}/artifacts/cfg/config.json")
    assert ajax.content == b"{}"


async def test_listings_give_one_folder_level(client: httpx.AsyncClient, store: Store) -> None:
    experiment, run = _run(store)
    for name in ("notes.txt", "tables/t.json", "tables/deep/x.bin", "images/a.png"):
        store.add_artifact_bytes(run.id, name, b"12345")
    root = f"{experiment}/{run.uid}/artifacts"
    listed = (await client.get(PROXY, params={"path": root})).json()
    assert listed == {"files": [{"path": "images", "is_dir": True}, {"path": "notes.txt", "is_dir": False, "file_size": 5},
                                {"path": "tables", "is_dir": True}]}
    tables = (await client.get(PROXY, params={"path": f"{root}/tables"})).json()
    assert tables["files"] == [{"path": "deep", "is_dir": True}, {"path": "t.json", "is_dir": False, "file_size": 5}]
    assert (await client.get(PROXY, params={"path": f"{root}/notes.txt"})).json() == {}  # a file lists nothing
    assert (await client.get(PROXY, params={"path": f"{root}/nothing"})).json() == {}
    assert (await client.get(PROXY, params={"path": f"{experiment}/{run.uid}"})).json() == {
        "files": [{"path": "artifacts", "is_dir": True}]}
    by_run = (await client.get("/api/2.0/mlflow/artifacts/list", params={"run_id": run.uid, "path": "tables"})).json()
    assert by_run == {"root_uri": f"mlflow-artifacts:/{experiment}/{run.uid}/artifacts",
                      "files": [{"path": "tables/deep", "is_dir": True},
                                {"path": "tables/t.json", "is_dir": False, "file_size": 5}]}
    whole = (await client.get("/api/2.0/mlflow/artifacts/list", params={"run_uuid": run.uid})).json()
    assert [f["path"] for f in whole["files"]] == ["images", "notes.txt", "tables"]


async def test_deleting_a_file_or_a_folder(client: httpx.AsyncClient, store: Store) -> None:
    experiment, run = _run(store)
    for name in ("keep.txt", "tables/a.json", "tables/b.json"):
        store.add_artifact_bytes(run.id, name, b"x")
    base = f"{PROXY}/{experiment}/{run.uid}/artifacts"
    assert (await client.delete(f"{base}/tables")).json() == {}
    assert [a.path for a in store.list_artifacts(run.id)] == ["keep.txt"]
    _error(await client.delete(f"{base}/tables"), 404, "RESOURCE_DOES_NOT_EXIST")
    _error(await client.get(f"{base}/tables/a.json"), 404, "RESOURCE_DOES_NOT_EXIST")


async def test_paths_that_name_no_run_or_the_wrong_one_are_refused(client: httpx.AsyncClient, store: Store) -> None:
    experiment, run = _run(store)
    other = store.create_project("elsewhere")
    _error(await client.put(f"{PROXY}/{other.id}/{run.uid}/artifacts/x.txt", content=b"x"), 404, "RESOURCE_DOES_NOT_EXIST")
    _error(await client.put(f"{PROXY}/{experiment}/{'f' * 32}/artifacts/x.txt", content=b"x"), 404,
           "RESOURCE_DOES_NOT_EXIST")
    _error(await client.put(f"{PROXY}/{experiment}/{run.uid}/other/x.txt", content=b"x"), 400, "INVALID_PARAMETER_VALUE")
    _error(await client.put(f"{PROXY}/{experiment}/{run.uid}/artifacts", content=b"x"), 400, "INVALID_PARAMETER_VALUE")
    _error(await client.get(PROXY, params={"path": experiment}), 400, "INVALID_PARAMETER_VALUE")
    _error(await client.get("/api/2.0/mlflow/artifacts/list"), 400, "INVALID_PARAMETER_VALUE")
    assert store.list_artifacts(run.id) == []


@pytest.mark.parametrize("tail", [
    "../../../etc/passwd", "a/../../b.txt", "%2e%2e/%2e%2e/x.txt", "..%2F..%2Fx.txt", "a%5C..%5C..%5Cx.txt",
    "/etc/passwd", "a/%00.txt", "..",
])
async def test_no_path_leaves_the_runs_folder(client: httpx.AsyncClient, store: Store, tail: str) -> None:
    experiment, run = _run(store)
    raw = f"{PROXY}/{experiment}/{run.uid}/artifacts/{tail}"
    request = client.build_request("PUT", raw, content=b"x")
    request.url = request.url.copy_with(raw_path=raw.encode())  # as sent: no client-side normalizing
    response = await client.send(request)
    assert response.status_code in (400, 404), response.text
    assert response.json()["error_code"] in ("INVALID_PARAMETER_VALUE", "RESOURCE_DOES_NOT_EXIST", "ENDPOINT_NOT_FOUND")
    data = Path(store.artifacts.location).parent  # type: ignore[attr-defined]
    written = [p for p in data.rglob("*") if p.is_file() and p.suffix == ".txt"]
    assert written == [] and store.list_artifacts(run.id) == []


async def test_a_symlink_in_the_runs_folder_never_serves_outside_files(
        client: httpx.AsyncClient, store: Store, tmp_path: Path) -> None:
    experiment, run = _run(store)
    store.add_artifact_bytes(run.id, "kept.txt", b"ok")
    secret = tmp_path / "secret"
    secret.mkdir()
    (secret / "key.txt").write_text("secret")
    folder = run_folder(Path(store.artifacts.location), run.uid)  # type: ignore[attr-defined]
    os.symlink(secret, folder / "link")
    base = f"{PROXY}/{experiment}/{run.uid}/artifacts"
    assert (await client.get(f"{base}/link/key.txt")).status_code in (400, 404)
    assert (await client.put(f"{base}/link/new.txt", content=b"x")).status_code == 400
    assert sorted(p.name for p in secret.iterdir()) == ["key.txt"]


async def test_uploads_past_the_artifact_limit_store_nothing(tmp_path: Path, store: Store) -> None:
    from runyard.server import create_app
    from runyard.settings import Settings
    from tests.server.conftest import TEST_HOSTS

    app = create_app(Settings(data_dir=tmp_path / "data", allowed_hosts=TEST_HOSTS, max_artifact_bytes=1000), store=store)
    experiment, run = _run(store)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://runyard.test") as http:
        url = f"{PROXY}/{experiment}/{run.uid}/artifacts/big.bin"
        declared = await http.put(url, content=b"x" * 2000)
        assert declared.status_code == 413, declared.text

        async def chunks():  # no length declared: stopped while streaming
            for _ in range(10):
                yield b"y" * 500

        streamed = await http.put(url, content=chunks())
        assert streamed.status_code == 413, streamed.text
        assert (await http.put(url, content=b"z" * 1000)).status_code == 200
    assert [(a.path, a.size) for a in store.list_artifacts(run.id)] == [("big.bin", 1000)]


async def test_logged_model_files_live_in_the_models_namespace(client: httpx.AsyncClient, store: Store) -> None:
    experiment, run = _run(store)
    model = store.create_logged_model(int(experiment), name="model", source_run_id=run.id)
    base = f"{PROXY}/{experiment}/models/{model.id}/artifacts"
    assert (await client.put(f"{base}/MLmodel", content=b"flavors: {}")).status_code == 200
    assert (await client.put(f"{base}/data/model.pkl", content=b"\x80\x04")).status_code == 200
    assert [(f.path, f.size) for f in store.logged_model_files(model.id)] == [("MLmodel", 11), ("data/model.pkl", 2)]
    assert store.list_artifacts(run.id) == []  # not the run's
    assert (await client.get(f"{base}/data/model.pkl")).content == b"\x80\x04"
    listed = (await client.get(PROXY, params={"path": f"{experiment}/models/{model.id}/artifacts"})).json()
    assert listed["files"] == [{"path": "MLmodel", "is_dir": False, "file_size": 11}, {"path": "data", "is_dir": True}]
    other = store.create_project("other-experiment")
    _error(await client.get(f"{PROXY}/{other.id}/models/{model.id}/artifacts/MLmodel"), 404, "RESOURCE_DOES_NOT_EXIST")
    _error(await client.put(f"{PROXY}/{experiment}/models/m-{'0' * 32}/artifacts/x", content=b"x"), 404,
           "RESOURCE_DOES_NOT_EXIST")
    assert (await client.delete(f"{base}/data")).json() == {}
    assert [f.path for f in store.logged_model_files(model.id)] == ["MLmodel"]


async def test_server_info_says_artifacts_go_through_the_proxy(client: httpx.AsyncClient) -> None:
    for url in ("/api/3.0/mlflow/server-info", "/ajax-api/3.0/mlflow/server-info"):
        info = (await client.get(url)).json()
        assert info["artifact_serving_enabled"] is True
        assert info["multipart_uploads_enabled"] is False and info["artifacts_presigned_only"] is False


async def test_a_large_upload_streams_with_bounded_memory(client: httpx.AsyncClient, store: Store) -> None:
    experiment, run = _run(store)
    block = b"\x01" * (1 << 20)

    async def body():  # 48 MiB, sent as it is made: nothing holds the whole file but the disk
        for _ in range(48):
            yield block

    tracemalloc.start()
    try:
        response = await client.put(f"{PROXY}/{experiment}/{run.uid}/artifacts/big/weights.bin", content=body())
        _size, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert response.status_code == 200, response.text
    assert store.list_artifacts(run.id)[0].size == 48 << 20
    assert peak < 12 << 20, f"the upload held {peak >> 20} MiB at once"


def test_the_proxy_route_is_a_declared_upload_route_whatever_the_depth() -> None:
    assert is_upload_path(f"{PROXY}/1/{'a' * 32}/artifacts/x.txt")
    assert is_upload_path(f"{PROXY}/1/models/m-{'0' * 32}/artifacts/deep/er/model.pkl")
    assert not is_upload_path(PROXY) and not is_upload_path("/api/2.0/mlflow/runs/log-batch")
    assert not is_upload_path("/api/v1/sdk/runs/a/b/artifacts")  # other routes' parameters stay one segment


async def test_a_run_whose_uid_is_models_keeps_its_artifacts(client: httpx.AsyncClient, store: Store) -> None:
    project = store.get_or_create_project("artifacts")
    run = store.create_run(project.id, name="odd", uid="models")  # an SDK may choose any valid uid
    url = f"{PROXY}/{project.id}/models/artifacts/m-{'0' * 32}/x.txt"
    assert (await client.put(url, content=b"x")).status_code == 200
    assert [a.path for a in store.list_artifacts(run.id)] == [f"m-{'0' * 32}/x.txt"]


async def test_an_empty_file_is_an_artifact_too(client: httpx.AsyncClient, store: Store) -> None:
    experiment, run = _run(store)
    url = f"{PROXY}/{experiment}/{run.uid}/artifacts/.gitkeep"
    assert (await client.put(url, content=b"")).status_code == 200
    assert [(a.path, a.size) for a in store.list_artifacts(run.id)] == [(".gitkeep", 0)]
    got = await client.get(url)
    assert got.status_code == 200 and got.content == b""
