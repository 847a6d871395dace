"""v1 media routes: list a run's media by key and step range (paged), fetch one item; tenants; live events."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import orjson
import PIL.Image
import pytest

from runyard import media_index
from runyard.events import materialize
from runyard.sdk.media import Histogram, Image, Media, Table
from runyard.sdk.media_encode import encode
from runyard.server.run_events import render_run_event
from runyard.settings import Settings
from runyard.store import Store, open_store
from tests.live_server import LiveServer
from tests.server.conftest import auth_app
from tests.server.v1.conftest import RUNS
from tests.sse_client import read_events

pytestmark = pytest.mark.anyio


def _log(store: Store, run_id: int, key: str, step: int, item: Media) -> None:
    """Store an item exactly as the SDK's media thread does."""
    for path, data in encode(key, step, item):
        store.add_artifact_bytes(run_id, path, data)


@pytest.fixture
def logged(store: Store, run: dict[str, Any]) -> int:
    run_id = int(run["id"])
    for step in (0, 5, 10, 15):
        _log(store, run_id, "val/samples", step, Image(np.full((3, 4, 3), step, np.uint8),
                                                       caption=f"step {step}" if step != 5 else None))
        _log(store, run_id, "weights", step, Histogram(np.arange(100.0) + step, num_bins=5))
    _log(store, run_id, "preds", 5, Table(["id", "label"], [[1, "cat"], [2, "dog"]]))
    store.add_artifact_bytes(run_id, "media/notes.txt", b"not a media item")  # ignored by the index
    store.add_artifact_bytes(run_id, "model.bin", b"x")
    return run_id


async def test_list_groups_keys_with_kind_steps_and_captions(client: httpx.AsyncClient, logged: int) -> None:
    response = await client.get(f"{RUNS}/{logged}/media", params={"captions": "true"})
    assert response.status_code == 200, response.text
    assert response.json() == {"run_id": str(logged), "total": 9, "next_offset": None, "media": [
        {"key": "preds", "kind": "table", "steps": [5], "captions": {}},
        {"key": "val/samples", "kind": "image", "steps": [0, 5, 10, 15],
         "captions": {"0": "step 0", "10": "step 10", "15": "step 15"}},
        {"key": "weights", "kind": "histogram", "steps": [0, 5, 10, 15], "captions": {}}]}


async def test_list_filters_by_key_and_step_range_and_pages(client: httpx.AsyncClient, logged: int) -> None:
    ranged = (await client.get(f"{RUNS}/{logged}/media", params={"step_min": 5, "step_max": 10})).json()
    assert [(m["key"], m["steps"]) for m in ranged["media"]] == [
        ("preds", [5]), ("val/samples", [5, 10]), ("weights", [5, 10])]
    bare = (await client.get(f"{RUNS}/{logged}/media", params={"key": "val/samples"})).json()  # captions on request
    assert bare["media"] == [{"key": "val/samples", "kind": "image", "steps": [0, 5, 10, 15], "captions": {}}]
    one_key = (await client.get(f"{RUNS}/{logged}/media", params={"key": "weights", "step_min": 6})).json()
    assert one_key["media"] == [{"key": "weights", "kind": "histogram", "steps": [10, 15], "captions": {}}]
    pages, offset = [], 0
    while offset is not None:
        page = (await client.get(f"{RUNS}/{logged}/media", params={"limit": 2, "offset": offset})).json()
        pages.append([(m["key"], m["steps"]) for m in page["media"]])
        offset = page["next_offset"]
        assert page["total"] == 9
    assert pages == [[("preds", [5]), ("val/samples", [0])], [("val/samples", [5, 10])],
                     [("val/samples", [15]), ("weights", [0])], [("weights", [5, 10])], [("weights", [15])]]
    past = (await client.get(f"{RUNS}/{logged}/media", params={"offset": 100})).json()
    assert past["media"] == [] and past["next_offset"] is None


async def test_fetch_items_by_key_and_step(client: httpx.AsyncClient, logged: int) -> None:
    image = await client.get(f"{RUNS}/{logged}/media/item", params={"key": "val/samples", "step": 10})
    assert image.status_code == 200 and image.headers["content-type"] == "image/png"
    with PIL.Image.open(io.BytesIO(image.content)) as opened:
        assert np.asarray(opened)[0, 0].tolist() == [10, 10, 10]
    hist = await client.get(f"{RUNS}/{logged}/media/item", params={"key": "weights", "step": 5, "kind": "histogram"})
    assert hist.headers["content-type"] == "application/json"
    assert hist.json()["edges"][0] == 5.0 and sum(hist.json()["counts"]) == 100
    table = await client.get(f"{RUNS}/{logged}/media/item", params={"key": "preds", "step": 5})
    assert table.json() == {"columns": ["id", "label"], "rows": [[1, "cat"], [2, "dog"]]}


async def test_histograms_over_steps_in_one_answer(client: httpx.AsyncClient, store: Store, logged: int) -> None:
    url = f"{RUNS}/{logged}/media/histograms"
    found = (await client.get(url, params={"key": "weights"})).json()
    assert found["total"] == 4 and [h["step"] for h in found["histograms"]] == [0, 5, 10, 15]
    single = (await client.get(f"{RUNS}/{logged}/media/item", params={"key": "weights", "step": 10})).json()
    assert found["histograms"][2] == {"step": 10, **single}
    for step in range(20, 1000, 10):
        _log(store, logged, "weights", step, Histogram([float(step)], num_bins=1))
    sampled = (await client.get(url, params={"key": "weights", "samples": 5, "step_min": 5})).json()
    assert sampled["total"] == 101 and [h["step"] for h in sampled["histograms"]] == [5, 240, 490, 740, 990]
    assert (await client.get(url, params={"key": "nope"})).json() == {
        "run_id": str(logged), "key": "nope", "total": 0, "histograms": []}
    assert (await client.get(url, params={"key": "../x"})).status_code == 400
    assert (await client.get(url, params={"key": "weights", "samples": 0})).status_code == 422


@pytest.mark.parametrize(("params", "status"), [
    ({"key": "val/samples", "step": 7}, 404),
    ({"key": "nope", "step": 0}, 404),
    ({"key": "weights", "step": 5, "kind": "image"}, 404),
    ({"key": "weights", "step": 5, "kind": "video"}, 400),
    ({"key": "../x", "step": 0}, 400),
    ({"key": "weights", "step": -1}, 422),
    ({"key": "weights"}, 422),
])
async def test_item_errors(client: httpx.AsyncClient, logged: int, params: dict[str, Any], status: int) -> None:
    response = await client.get(f"{RUNS}/{logged}/media/item", params=params)
    assert response.status_code == status, response.text
    assert "detail" in response.json()


async def test_unknown_run_is_404_and_bad_ranges_422(client: httpx.AsyncClient, logged: int) -> None:
    assert (await client.get(f"{RUNS}/999999/media")).status_code == 404
    assert (await client.get(f"{RUNS}/999999/media/item", params={"key": "a", "step": 0})).status_code == 404
    assert (await client.get(f"{RUNS}/{logged}/media", params={"limit": 0})).status_code == 422
    assert (await client.get(f"{RUNS}/{logged}/media", params={"step_min": 2**64})).status_code == 422


async def test_another_tenant_sees_nothing(settings: Settings, store: Store) -> None:
    app = auth_app(settings, store)
    tokens = {tenant: {"Authorization": f"Bearer {store.create_token(tenant)[1]}"} for tenant in ("acme", "globex")}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://runyard.test") as http:
        exp = (await http.post("/api/v1/experiments", json={"name": "e"}, headers=tokens["acme"])).json()
        run = (await http.post(RUNS, json={"experiment_id": exp["id"]}, headers=tokens["acme"])).json()
        _log(store, int(run["id"]), "img", 0, Image(np.zeros((2, 2)), caption="acme secret"))
        own = await http.get(f"{RUNS}/{run['id']}/media", params={"captions": "true"}, headers=tokens["acme"])
        assert own.status_code == 200 and "acme secret" in own.text
        for url, params in ((f"{RUNS}/{run['id']}/media", {"captions": "true"}),
                            (f"{RUNS}/{run['id']}/media/item", {"key": "img", "step": 0}),
                            (f"{RUNS}/{run['id']}/media/histograms", {"key": "img"})):
            other = await http.get(url, params=params, headers=tokens["globex"])
            assert other.status_code == 404 and "acme secret" not in other.text
            assert (await http.get(url, params=params)).status_code == 401


def test_a_stored_media_item_becomes_a_live_event(store: Store) -> None:
    project = store.create_project("live")
    run = store.create_run(project.id, name="r", status="running")
    _log(store, run.id, "val/samples", 3, Image(np.zeros((2, 2)), caption="c"))
    store.add_artifact_bytes(run.id, "model.bin", b"x")
    events = [event for change in store.changes_since(0) if (event := materialize(store, change)) is not None]
    media = [event for event in events if event.kind == "media"]
    assert [(e.run_id, e.detail) for e in media] == [(run.id, {"key": "val/samples", "step": 3, "kind": "image"})]
    sse = render_run_event(media[0])
    assert sse is not None and sse.event == "media"
    assert orjson.loads(sse.data) == {"run_id": str(run.id), "key": "val/samples", "step": 3, "kind": "image"}
    assert media_index.parse_media_path("media/val/samples/3.png.json") is not None  # the sidecar is no event


def test_the_v1_stream_of_a_real_server_carries_media_events(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with open_store(data) as seeded:
        run = seeded.create_run(seeded.create_project("p").id, name="r", status="running")
        _log(seeded, run.id, "val/samples", 3, Image(np.zeros((2, 2)), caption="c"))
        seeded.add_artifact_bytes(run.id, "model.bin", b"x")
        _log(seeded, run.id, "weights", 4, Histogram([1.0]))
        seeded.set_run_status(run.id, "finished")
    server = LiveServer(data).start()
    try:
        events = read_events(f"{server.url}{RUNS}/{run.id}/stream?after=0")
    finally:
        server.stop()
    assert [(e.event, e.data) for e in events if e.event in ("media", "status")] == [
        ("media", {"run_id": str(run.id), "key": "val/samples", "step": 3, "kind": "image"}),
        ("media", {"run_id": str(run.id), "key": "weights", "step": 4, "kind": "histogram"}),
        ("status", {"run_id": str(run.id), "status": "FINISHED"})]
