"""The SDK ingest routes in process: create/resume, batches, metadata, artifacts, errors and tenants."""

from __future__ import annotations

from typing import Any

import httpx
import numpy as np
import ormsgpack
import pytest

from runyard.sdk.wire import logs_request, metrics_request
from runyard.settings import Settings
from runyard.store import MetricColumns, RunQuery, Store
from tests.server.conftest import auth_app

pytestmark = pytest.mark.anyio

RUNS = "/api/v1/sdk/runs"
MSGPACK = {"content-type": "application/msgpack"}


def cols(steps: list[int], values: list[float], when: float = 1_700_000_000.0) -> MetricColumns:
    return MetricColumns(np.array(steps, dtype=np.int64), np.array(values, dtype=np.float64),
                         np.full(len(steps), when, dtype=np.float64))


async def create(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    body = {"project": "p", "host": "h", "pid": 1, **fields}
    response = await client.post(RUNS, json=body)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


async def post_batch(client: httpx.AsyncClient, uid: str, body: Any, **headers: str) -> httpx.Response:
    raw = body if isinstance(body, bytes) else ormsgpack.packb(body)
    return await client.post(f"{RUNS}/{uid}/batch", content=raw, headers={**MSGPACK, **headers})


async def test_create_is_idempotent_on_uid(client: httpx.AsyncClient, store: Store) -> None:
    first = await create(client, name="a", uid="run-client-1", config={"lr": 0.1}, tags=["x"], notes="n")
    again = await create(client, name="a", uid="run-client-1", config={"lr": 0.1})
    assert first == again
    assert first["run"]["uid"] == "run-client-1" and first["run"]["name"] == "a" and first["resumed"] is False
    assert first["next_step"] == 0 and first["run"]["project"] == "p"
    stored = store.get_run_by_uid("run-client-1")
    assert stored.config == {"lr": 0.1} and stored.tags == ["x"] and stored.notes == "n" and stored.status == "running"
    assert len(store.search_runs(RunQuery())) == 1


async def test_create_msgpack_and_server_made_names(client: httpx.AsyncClient) -> None:
    response = await client.post(RUNS, content=ormsgpack.packb({"project": "p", "uid": "run-m"}), headers=MSGPACK)
    assert response.status_code == 200, response.text
    assert response.json()["run"]["name"]  # the server picked one


async def test_taken_name_is_a_conflict_unless_renaming(client: httpx.AsyncClient) -> None:
    await create(client, name="base", uid="run-1")
    response = await client.post(RUNS, json={"project": "p", "name": "base", "uid": "run-2"})
    assert response.status_code == 409
    assert "resume=True" in response.json()["detail"]
    renamed = await create(client, name="base", uid="run-3", rename_taken=True)
    assert renamed["run"]["name"].startswith("base-") and renamed["run"]["uid"] == "run-3"


async def test_resume_by_name_and_uid(client: httpx.AsyncClient, store: Store) -> None:
    made = await create(client, name="long", uid="run-long", tags=["t1"])
    store.append_metrics(made["run"]["id"], {"loss": cols([0, 1, 7], [1.0, 2.0, 3.0])})
    store.set_run_status(made["run"]["id"], "finished")
    resumed = await create(client, name="long", resume=True, uid="run-other", tags=["t2"], pid=2)
    assert resumed["resumed"] is True and resumed["next_step"] == 8 and resumed["run"]["uid"] == "run-long"
    assert store.get_run(made["run"]["id"]).tags == ["t1", "t2"]
    # The same process (host and pid) may open its own run again.
    assert (await create(client, resume="run-long", pid=2))["run"]["uid"] == "run-long"
    store.set_run_status(made["run"]["id"], "killed")
    by_uid = await create(client, resume="run-long", pid=3)
    assert by_uid["run"]["id"] == made["run"]["id"]
    # Still running in a live process elsewhere (fresh heartbeat, another host): refused.
    store.resume_run(made["run"]["id"], host="elsewhere", pid=99)
    response = await client.post(RUNS, json={"project": "p", "resume": "run-long", "host": "h", "pid": 4})
    assert response.status_code == 409 and "still running" in response.json()["detail"]
    missing = await client.post(RUNS, json={"project": "p", "name": "ghost", "resume": True})
    assert missing.status_code == 404 and "ghost" in missing.json()["detail"]


@pytest.mark.parametrize("body", [
    {"name": "x"}, {"project": ""}, {"project": "p", "tags": "a"}, {"project": "p", "pid": "1"},
    {"project": "p", "config": [1]}, {"project": "p", "resume": 3}, [1, 2],
])
async def test_create_bad_bodies(client: httpx.AsyncClient, body: Any) -> None:
    response = await client.post(RUNS, json=body)
    assert response.status_code == 400, response.text


async def test_batch_applied_once_and_read_back(client: httpx.AsyncClient, store: Store) -> None:
    run = (await create(client, uid="run-b"))["run"]
    steps = np.arange(1000, dtype=np.int64)
    batch = {"loss": MetricColumns(steps, steps * 0.5, steps + 1.7e9), "acc": cols([3], [float("nan")])}
    request = metrics_request("run-b", "batch-1", batch)
    first = await post_batch(client, "run-b", request.body)
    assert first.status_code == 200 and first.json()["applied"] is True and first.json()["points"] == 1001
    assert first.json()["seq"] > 0
    second = await post_batch(client, "run-b", request.body)
    assert second.json() == {"applied": False, "seq": 0, "points": 1001, "lines": 0}
    loss = store.read_metric(run["id"], "loss")
    assert np.array_equal(loss.steps, steps) and np.array_equal(loss.values, steps * 0.5)
    assert np.array_equal(loss.times, steps + 1.7e9)
    assert np.isnan(store.read_metric(run["id"], "acc").values[0])
    assert store.metric_summaries([run["id"]])[run["id"]]["loss"].count == 1000


async def test_batch_logs_use_their_own_batch_id(client: httpx.AsyncClient, store: Store) -> None:
    run = (await create(client, uid="run-l"))["run"]
    lines = [(1.0, "stdout", "hello"), (2.0, "stderr", "oops")]
    request = logs_request("run-l", "same-id", lines)
    for expected in (True, False):
        response = await post_batch(client, "run-l", request.body)
        assert response.json()["applied"] is expected and response.json()["lines"] == 2
    # The metrics of a batch with the same id are still applied: logs have `<id>:logs`.
    metrics = metrics_request("run-l", "same-id", {"x": cols([0], [1.0])})
    assert (await post_batch(client, "run-l", metrics.body)).json()["applied"] is True
    assert [(log.stream, log.line) for log in store.read_logs(run["id"])] == [("stdout", "hello"), ("stderr", "oops")]


async def test_batch_is_one_unit(client: httpx.AsyncClient, store: Store) -> None:
    """Metrics and logs of a batch commit together: a bad line leaves no point; a resend applies once."""
    run = (await create(client, uid="run-u"))["run"]
    metrics = {"loss": {"steps": np.arange(3, dtype=np.int64).tobytes(), "values": np.ones(3).tobytes(),
                        "times": np.full(3, 1.7e9).tobytes()}}
    bad = await post_batch(client, "run-u", {"batch_id": "u1", "metrics": metrics,
                                             "logs": [[1.7e9, "stdout", "ok"], [1.7e9, "elsewhere", "x"]]})
    assert bad.status_code == 400 and "log stream" in bad.json()["detail"]
    assert store.metric_summaries([run["id"]])[run["id"]] == {} and store.read_logs(run["id"]) == []
    good = {"batch_id": "u1", "metrics": metrics, "logs": [[1.7e9, "stdout", "ok"]]}
    first = await post_batch(client, "run-u", good)
    assert first.json()["applied"] is True and first.json()["seq"] == store.last_change_seq()
    again = await post_batch(client, "run-u", good)
    assert again.json() == {"applied": False, "seq": 0, "points": 3, "lines": 1}
    assert store.metric_summaries([run["id"]])[run["id"]]["loss"].count == 3
    assert [log.line for log in store.read_logs(run["id"])] == ["ok"]


@pytest.mark.parametrize(("body", "message"), [
    ({"batch_id": "b", "metrics": {"x": {"steps": b"\x00" * 7, "values": b"\x00" * 8, "times": b"\x00" * 8}}}, "8-byte"),
    ({"batch_id": "b", "metrics": {"x": {"steps": b"\x00" * 16, "values": b"\x00" * 8, "times": b"\x00" * 8}}}, "different lengths"),
    ({"batch_id": "b", "metrics": {"x": {"steps": [1], "values": [1.0], "times": [1.0]}}}, "binary"),
    ({"batch_id": "b", "metrics": {"x": {"steps": b"\x00" * 8, "values": b"\x00" * 8}}}, "lacks times"),
    ({"batch_id": "b", "metrics": {"": {"steps": b"", "values": b"", "times": b""}}}, "non-empty"),
    ({"metrics": {}}, "batch_id"),
    ({"batch_id": "b", "logs": [[1.0, "stdout"]]}, "log lines"),
    ({"batch_id": "b", "metrics": [1]}, "metrics must be a map"),
])
async def test_bad_batches_are_400(client: httpx.AsyncClient, store: Store, body: Any, message: str) -> None:
    run = (await create(client, uid="run-bad"))["run"]
    response = await post_batch(client, "run-bad", body)
    assert response.status_code == 400, response.text
    assert message in response.json()["detail"]
    assert store.metric_summaries([run["id"]])[run["id"]] == {}


async def test_batch_not_msgpack_and_unknown_run(client: httpx.AsyncClient) -> None:
    await create(client, uid="run-z")
    assert (await post_batch(client, "run-z", b"\xc1\xc1")).status_code == 400
    response = await post_batch(client, "run-nope", {"batch_id": "b"})
    assert response.status_code == 404 and "run-nope" in response.json()["detail"]
    for what in ("heartbeat", "status", "params", "update", "artifacts?name=a"):
        assert (await client.post(f"{RUNS}/run-nope/{what}", json={})).status_code == 404


async def test_batch_point_limit(settings: Settings, store: Store) -> None:
    from runyard.server import create_app

    app = create_app(settings.with_changes(max_points_per_request=10), store=store)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
        await create(http, uid="run-big")
        request = metrics_request("run-big", "b", {"x": cols(list(range(11)), [0.0] * 11)})
        response = await post_batch(http, "run-big", request.body)
        assert response.status_code == 413 and "limit" in response.json()["detail"]


async def test_heartbeat_status_params_update(client: httpx.AsyncClient, store: Store) -> None:
    run_id = (await create(client, uid="run-meta"))["run"]["id"]
    before = store.get_run(run_id).heartbeat_at
    assert (await client.post(f"{RUNS}/run-meta/heartbeat")).json() == {"ok": True}
    assert store.get_run(run_id).heartbeat_at >= before
    params = await client.post(f"{RUNS}/run-meta/params", json={"params": {"lr": 0.1, "opt": "adam"}})
    assert params.json() == {"params": 2}
    packed = ormsgpack.packb({"tags": ["a", "b"], "system": {"cpu": "x"}, "config": {"k": 1}})
    update = await client.post(f"{RUNS}/run-meta/update", content=packed, headers=MSGPACK)
    assert update.json() == {"updated": ["config", "system", "tags"]}
    status = await client.post(f"{RUNS}/run-meta/status", json={"status": "finished"})
    assert status.json() == {"status": "finished"}
    stored = store.get_run(run_id)
    assert stored.params == {"lr": 0.1, "opt": "adam"} and stored.tags == ["a", "b"]
    assert stored.system == {"cpu": "x"} and stored.config == {"k": 1}
    assert stored.status == "finished" and stored.end_time is not None
    for path, body in (("status", {"status": "done"}), ("params", {"lr": 1}), ("update", {"name": "x"}),
                       ("update", {"tags": "a"}), ("update", {"tags": [1]})):
        response = await client.post(f"{RUNS}/run-meta/{path}", json=body)
        assert response.status_code == 400, (path, body, response.text)


async def test_artifacts(settings: Settings, store: Store) -> None:
    from runyard.server import create_app

    app = create_app(settings.with_changes(max_artifact_bytes=1000), store=store)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
        run_id = (await create(http, uid="run-art"))["run"]["id"]
        url = f"{RUNS}/run-art/artifacts"
        octets = {"content-type": "application/octet-stream"}
        stored = await http.post(url, params={"name": "models/m.bin"}, content=b"x" * 1000, headers=octets)
        assert stored.status_code == 200, stored.text
        assert stored.json()["path"] == "models/m.bin" and stored.json()["size"] == 1000
        assert store.read_artifact(run_id, "models/m.bin") == b"x" * 1000

        def chunks() -> Any:  # no Content-Length: the limit is enforced while streaming
            async def gen() -> Any:
                for _ in range(11):
                    yield b"y" * 100
            return gen()

        too_big = await http.post(url, params={"name": "big.bin"}, content=chunks(), headers=octets)
        assert too_big.status_code == 413
        declared = await http.post(url, params={"name": "big.bin"}, content=b"z" * 1001, headers=octets)
        assert declared.status_code == 413
        for name in ("../escape", "/etc/passwd", "a//b", "a\\b", "a/../../b"):
            response = await http.post(url, params={"name": name}, content=b"x", headers=octets)
            assert response.status_code == 400, name
        assert [a.path for a in store.list_artifacts(run_id)] == ["models/m.bin"]


async def test_artifacts_may_exceed_the_body_limit(settings: Settings, store: Store) -> None:
    from runyard.server import create_app

    app = create_app(settings.with_changes(max_body_bytes=500, max_artifact_bytes=5000), store=store)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
        await create(http, uid="run-big-art")
        response = await http.post(f"{RUNS}/run-big-art/artifacts", params={"name": "big.bin"}, content=b"q" * 4000,
                                   headers={"content-type": "application/octet-stream"})
        assert response.status_code == 200 and response.json()["size"] == 4000
        batch = metrics_request("run-big-art", "b", {"x": cols(list(range(100)), [0.0] * 100)})
        assert (await post_batch(http, "run-big-art", batch.body)).status_code == 413  # batches keep the limit


async def test_tenants(settings: Settings, store: Store) -> None:
    _, token_a = store.create_token("a")
    _, token_b = store.create_token("b")
    app = auth_app(settings, store)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
        anonymous = await http.post(RUNS, json={"project": "p", "uid": "run-t"})
        assert anonymous.status_code == 401
        as_b = {"authorization": f"Bearer {token_b}"}
        as_a = {"authorization": f"Bearer {token_a}"}
        made = await http.post(RUNS, json={"project": "p", "uid": "run-t"}, headers=as_b)
        assert made.status_code == 200
        assert store.get_project(made.json()["run"]["project_id"]).tenant == "b"
        body = metrics_request("run-t", "b1", {"x": cols([0], [1.0])}).body
        # B's run reads, for A, exactly as a uid nobody holds (issue 12: existence does not leak).
        refused = await http.post(f"{RUNS}/run-t/batch", content=body, headers={**MSGPACK, **as_a})
        ghost = await http.post(f"{RUNS}/run-ghost/batch", content=body, headers={**MSGPACK, **as_a})
        assert refused.status_code == ghost.status_code == 404
        assert refused.json()["detail"] == ghost.json()["detail"].replace("run-ghost", "run-t") == "run 'run-t' not found"
        for what in ("heartbeat", "status", "params", "update"):
            response = await http.post(f"{RUNS}/run-t/{what}", json={"status": "killed"}, headers=as_a)
            assert response.status_code == 404 and response.json() == refused.json(), what
        # Re-sending B's create, or resuming B's run, with A's token is refused too.
        again = await http.post(RUNS, json={"project": "p", "uid": "run-t"}, headers=as_a)
        assert again.status_code == 404
        assert [p.name for p in store.list_projects(tenant="a")] == []  # refused before creating anything
        resume = await http.post(RUNS, json={"project": "p", "resume": "run-t"}, headers=as_a)
        ghost_resume = await http.post(RUNS, json={"project": "p", "resume": "run-ghost"}, headers=as_a)
        assert resume.status_code == ghost_resume.status_code == 404
        assert resume.json()["detail"] == ghost_resume.json()["detail"].replace("run-ghost", "run-t")
        accepted = await http.post(f"{RUNS}/run-t/batch", content=body, headers={**MSGPACK, **as_b})
        assert accepted.status_code == 200 and accepted.json()["applied"] is True
    assert store.get_run_by_uid("run-t").status == "running"


async def test_documented_in_openapi(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/openapi/sdk.json")).json()
    assert set(schema["paths"]) == {
        "/api/v1/sdk/runs", *(f"/api/v1/sdk/runs/{{uid}}/{what}"
                              for what in ("batch", "heartbeat", "status", "params", "update", "artifacts")),
    }
    batch = schema["paths"]["/api/v1/sdk/runs/{uid}/batch"]["post"]
    assert "application/msgpack" in batch["requestBody"]["content"]
    assert (await client.get("/docs/sdk")).status_code == 200


async def test_client_times_summary_and_metric_definitions(client: httpx.AsyncClient, store: Store) -> None:
    made = await create(client, uid="run-times", start_time=1_700_000_000.5, config={"lr": 0.1})
    assert made["config"] == {"lr": 0.1} and made["summary"] == {} and made["metric_defs"] == {}
    assert store.get_run_by_uid("run-times").start_time == 1_700_000_000.5
    update = await client.post(f"{RUNS}/run-times/update",
                               json={"summary": {"best": 0.9}, "metric_defs": {"val/*": {"step_metric": "epoch"}}})
    assert update.status_code == 200 and update.json()["updated"] == ["metric_defs", "summary"]
    for bad in ({"status": "finished", "end_time": "soon"}, {"status": "finished", "end_time": 1.7e12},
                {"status": "finished", "end_time": True}):
        refused = await client.post(f"{RUNS}/run-times/status", json=bad)
        assert refused.status_code == 400, (bad, refused.text)
        assert store.get_run_by_uid("run-times").status == "running"
    done = await client.post(f"{RUNS}/run-times/status", json={"status": "finished", "end_time": 1_700_000_100.0})
    assert done.status_code == 200, done.text
    stored = store.get_run_by_uid("run-times")
    assert stored.end_time == 1_700_000_100.0 and stored.summary == {"best": 0.9}
    assert stored.metric_defs == {"val/*": {"step_metric": "epoch"}}
    bad_update = await client.post(f"{RUNS}/run-times/update", json={"summary": [1]})
    assert bad_update.status_code == 400
