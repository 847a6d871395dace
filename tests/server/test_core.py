from __future__ import annotations

import gzip
import math

import httpx
import numpy as np
import ormsgpack
import pytest

from runyard.settings import Settings, is_loopback
from runyard.store import MetricColumns, Store
from tests.server.conftest import auth_app

pytestmark = pytest.mark.anyio


async def test_health(client: httpx.AsyncClient) -> None:
    response = await client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["store"]["healthy"] is True and body["store"]["details"]["backend"] == "sqlite"


async def test_health_store_entry_is_described_by_the_store(client: httpx.AsyncClient, store: Store) -> None:
    details = (await client.get("/health")).json()["store"]["details"]
    # The same JSON as ever, key order included; the backend's name and schema come from the store.
    assert list(details) == ["status", "backend", "data_dir", "schema_version", "last_change"]
    info = store.describe()
    assert (details["backend"], details["schema_version"]) == (info.backend, info.schema_version)
    assert details["status"] == "connected" and details["last_change"] == store.last_change_seq()


async def test_docs_pages(client: httpx.AsyncClient) -> None:
    index = await client.get("/docs")
    assert index.status_code == 200 and "/docs/v1" in index.text
    page = await client.get("/docs/v1")
    assert page.status_code == 200 and "/static/vendor/swagger-ui/swagger-ui-bundle.js" in page.text
    assert "cdn" not in page.text.lower()
    schema = (await client.get("/openapi/v1.json")).json()
    assert schema["info"]["title"] == "Experiments API v1"
    assert "/api/v1/experiments/runs/{run_id}/metrics/history" in schema["paths"]
    asset = await client.get("/static/vendor/swagger-ui/swagger-ui-bundle.js")
    assert asset.status_code == 200 and len(asset.content) > 100_000
    missing = await client.get("/docs/nope")
    assert missing.status_code == 404 and "nope" in missing.json()["detail"]


def test_settings() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("10.1.2.3")
    assert Settings(host="0.0.0.0").auth_required
    assert not Settings().auth_required and Settings(auth=True).auth_required
    env = {"RUNYARD_DIR": "/tmp/x", "RUNYARD_PORT": "9001"}
    made = Settings.from_env(env, host="0.0.0.0", port=None)
    assert (str(made.data_dir), made.port, made.host) == ("/tmp/x", 9001, "0.0.0.0")


@pytest.fixture
def run_id(store: Store) -> int:
    run = store.create_run(store.create_project("p").id)
    values = np.array([1.0, math.nan, math.inf, -math.inf, 5.0])
    store.append_metrics(run.id, {"loss": MetricColumns(np.arange(5), values, 1.7e9 + np.arange(5.0))})
    store.append_metrics(run.id, {"acc": MetricColumns(np.arange(3000), np.linspace(0, 1, 3000), 1.7e9 + np.arange(3000.0))})
    return run.id


async def test_history_json_spells_out_non_finite(client: httpx.AsyncClient, run_id: int) -> None:
    body = (await client.get(f"/api/v1/experiments/runs/{run_id}/metrics/history?keys=loss")).json()
    loss = body["metrics"]["loss"]
    assert loss["values"] == [1.0, "NaN", "Infinity", "-Infinity", 5.0]
    assert loss["steps"] == [0, 1, 2, 3, 4] and loss["timestamps"][0] == 1.7e12


async def test_history_binary_formats(client: httpx.AsyncClient, run_id: int) -> None:
    import io

    import polars as pl

    packed = await client.get(f"/api/v1/experiments/runs/{run_id}/metrics/history?format=msgpack")
    assert packed.headers["content-type"] == "application/msgpack"
    data = ormsgpack.unpackb(packed.content)["metrics"]
    values = np.frombuffer(data["loss"]["values"], "<f8")
    assert values[0] == 1.0 and math.isnan(values[1]) and values[3] == -math.inf
    assert np.array_equal(np.frombuffer(data["acc"]["steps"], "<i8"), np.arange(3000))
    for fmt, reader in (("parquet", pl.read_parquet), ("arrow", pl.read_ipc_stream)):
        raw = await client.get(f"/api/v1/experiments/runs/{run_id}/metrics/history?format={fmt}")
        frame = reader(io.BytesIO(raw.content))
        assert frame.columns == ["key", "step", "value", "timestamp"] and frame.height == 3005
        assert frame.filter(pl.col("key") == "loss")["value"].to_list()[2] == math.inf


async def test_summaries_downsampled_and_query(client: httpx.AsyncClient, run_id: int) -> None:
    keys = (await client.get(f"/api/v1/experiments/runs/{run_id}/metrics")).json()["metrics"]
    assert keys["loss"]["count"] == 5 and keys["loss"]["max"] == "Infinity" and keys["acc"]["last_value"] == 1.0
    down = (await client.get(f"/api/v1/experiments/runs/{run_id}/metrics/downsampled?keys=acc&buckets=10"
                             "&step_min=1000&step_max=1999")).json()["metrics"]["acc"]
    assert down["total_points"] == 1000 and len(down["count"]) == 10 and sum(down["count"]) == 1000
    assert down["bucket_start"][0] == 1000 and down["last_step"][-1] == 1999
    query = await client.post("/api/v1/experiments/runs/metrics/query",
                              json={"run_ids": [str(run_id)], "keys": ["acc", "missing"], "buckets": 5})
    assert query.status_code == 200
    assert list(query.json()["runs"][str(run_id)]) == ["acc"]


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/api/v1/experiments/runs/999/metrics", 404),
        ("/api/v1/experiments/runs/{run}/metrics/history?keys=nope", 404),
        ("/api/v1/experiments/runs/{run}/metrics/history?format=xml", 422),
        ("/api/v1/experiments/runs/{run}/metrics/history?step_min=5&step_max=1", 400),
        ("/api/v1/experiments/runs/{run}/metrics/downsampled?buckets=0", 422),
        ("/api/v1/experiments/runs/run-nope/metrics", 404),
    ],
)
async def test_metric_read_errors(client: httpx.AsyncClient, run_id: int, url: str, status: int) -> None:
    response = await client.get(url.format(run=run_id))
    assert response.status_code == status
    assert "detail" in response.json()


async def test_point_budget_413(settings: Settings, store: Store, run_id: int) -> None:
    from runyard.server import create_app

    app = create_app(settings.with_changes(max_points_per_request=100), store=store)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
        response = await http.get(f"/api/v1/experiments/runs/{run_id}/metrics/history")
    assert response.status_code == 413 and "downsampled" in response.json()["detail"]


async def test_msgpack_and_gzip_bodies(client: httpx.AsyncClient, run_id: int) -> None:
    body = {"run_ids": [run_id], "keys": ["loss"]}
    packed = await client.post("/api/v1/experiments/runs/metrics/query", content=ormsgpack.packb(body),
                               headers={"content-type": "application/msgpack"})
    assert packed.status_code == 200 and packed.json()["runs"][str(run_id)]["loss"]["values"][1] == "NaN"
    zipped = await client.post("/api/v1/experiments/runs/metrics/query", content=gzip.compress(ormsgpack.packb(body)),
                               headers={"content-type": "application/msgpack", "content-encoding": "gzip"})
    assert zipped.status_code == 200
    bad_gzip = await client.post("/api/v1/experiments/runs/metrics/query", content=b"not gzip",
                                 headers={"content-type": "application/json", "content-encoding": "gzip"})
    assert bad_gzip.status_code == 400
    bad_json = await client.post("/api/v1/experiments/runs/metrics/query", content=b"{nope",
                                 headers={"content-type": "application/json"})
    assert bad_json.status_code == 422
    bad_pack = await client.post("/api/v1/experiments/runs/metrics/query", content=b"\xc1\xc1",
                                 headers={"content-type": "application/msgpack"})
    assert bad_pack.status_code == 400


async def test_body_limit_413(settings: Settings, store: Store) -> None:
    from runyard.server import create_app

    app = create_app(settings.with_changes(max_body_bytes=1000), store=store)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
        big = {"run_ids": [1], "keys": ["x" * 2000]}
        plain = await http.post("/api/v1/experiments/runs/metrics/query", json=big)
        assert plain.status_code == 413
        bomb = gzip.compress(b'{"run_ids": [1], "keys": ["' + b"x" * 100_000 + b'"]}')
        zipped = await http.post("/api/v1/experiments/runs/metrics/query", content=bomb,
                                 headers={"content-type": "application/json", "content-encoding": "gzip"})
        assert zipped.status_code == 413 and "detail" in zipped.json()


async def test_tokens_and_tenants(settings: Settings, store: Store, run_id: int) -> None:
    _token_a, secret_a = store.create_token("acme")
    _token_b, secret_b = store.create_token("default")
    app = auth_app(settings, store)
    url = f"/api/v1/experiments/runs/{run_id}/metrics"
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
        missing = await http.get(url)
        assert missing.status_code == 401 and missing.headers["www-authenticate"] == "Bearer"
        assert (await http.get(url, headers={"Authorization": "Bearer ry_bogus"})).status_code == 401
        assert (await http.get(url, headers={"Authorization": "Basic abc"})).status_code == 401
        other = await http.get(url, headers={"Authorization": f"Bearer {secret_a}"})
        # Another tenant's run reads exactly as one nobody holds (issue 12).
        assert other.status_code == 404 and other.json()["detail"] == f"run {run_id} not found"
        own = await http.get(url, headers={"Authorization": f"Bearer {secret_b}"})
        assert own.status_code == 200
        assert (await http.get("/health")).status_code == 200  # health stays open
        store.revoke_token(_token_b.id)
        assert (await http.get(url, headers={"Authorization": f"Bearer {secret_b}"})).status_code == 401


@pytest.mark.parametrize("headers", [{"Origin": "https://evil.example"}, {"Sec-Fetch-Site": "cross-site"},
                                     {"Sec-Fetch-Site": "same-site", "Origin": "http://127.0.0.1:3000"}])
async def test_cross_site_browser_writes_are_refused_without_auth(client: httpx.AsyncClient,
                                                                  headers: dict[str, str]) -> None:
    # A form on another site posting to a loopback server: no credentials to check, so refuse by origin.
    refused = await client.post("/api/v1/experiments", json={"name": "csrf"}, headers=headers)
    assert refused.status_code == 403 and "cross-site" in refused.json()["detail"]
    assert (await client.get("/api/v1/experiments", params={"search": "csrf"})).json()["experiments"] == []
    # Reads stay open; same-origin pages and scripts (no browser headers) may write.
    assert (await client.get("/api/v1/experiments", headers=headers)).status_code == 200
    same = {"Origin": "http://runyard.test", "Sec-Fetch-Site": "same-origin"}
    assert (await client.post("/api/v1/experiments", json={"name": "page"}, headers=same)).status_code == 201
    assert (await client.post("/api/v1/experiments", json={"name": "script"})).status_code == 201
