"""One sample data dir read two ways: in process (`Api(dir)`) and through a real server (`Api(url)`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from runyard.api import Api
from runyard.store import open_store
from tests.cli.helpers import Sample, columns, make_sample
from tests.live_server import LiveServer

# Keys a comma-separated query parameter would change: read through the JSON-bodied route.
ODD_KEYS = ("a,b", " padded ")


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Sample:
    """`make_sample` plus artifacts on `fast` and a project whose keys need care on the wire."""
    sample = make_sample(tmp_path_factory.mktemp("api") / "data")
    with open_store(sample.dir) as store:
        store.add_artifact_bytes(sample.ids["fast"], "weights.bin", b"1234")
        store.add_artifact_bytes(sample.ids["fast"], "sub dir/notes v2.txt", b"hello")
        odd = store.create_project("odd")
        run = store.create_run(odd.id, name="keys", params={"flag": True, "n": 3})
        store.append_metrics(run.id, {ODD_KEYS[0]: columns([0, 1], [1.0, 2.0]), ODD_KEYS[1]: columns([1], [3.0])})
        store.set_run_status(run.id, "finished")
        sample.uids["keys"], sample.ids["keys"] = run.uid, run.id
    return sample


@pytest.fixture(scope="module")
def server(shared: Sample) -> Iterator[LiveServer]:
    """`runyard serve` over the shared sample (no auth: loopback, default tenant)."""
    live = LiveServer(shared.dir).start()
    try:
        yield live
    finally:
        live.stop()


@pytest.fixture(scope="module")
def guarded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, Sample, str, str]]:
    """A server with `--auth` over its own sample: a token of the sample's tenant and one of another."""
    sample = make_sample(tmp_path_factory.mktemp("guarded") / "data")
    with open_store(sample.dir) as store:
        _, secret = store.create_token("default", name="reader")
        _, stranger = store.create_token("other", name="stranger")
        theirs = store.create_project("theirs", tenant="other")
        store.create_run(theirs.id, name="hidden")
    live = LiveServer(sample.dir, extra=["--auth"]).start()
    try:
        yield live, sample, secret, stranger
    finally:
        live.stop()


@pytest.fixture(params=["local", "remote"])
def api(request: pytest.FixtureRequest, shared: Sample) -> Iterator[Api]:
    """The same reads through the data dir and through the server."""
    target = str(shared.dir) if request.param == "local" else request.getfixturevalue("server").url
    with Api(target) as opened:
        yield opened


def assert_live_run_sees_new_key(api: Api, data_dir: Path, run_id: int) -> None:
    """`nlp/live` has no metric; one logged after it was read shows in history, then in refresh."""
    run = api.run("nlp/live")
    assert run.summary == {}
    with open_store(data_dir) as store:
        store.append_metrics(run_id, {"loss": columns([0, 1], [1.0, 0.5])})
    assert run.history(["loss"])["loss"].to_list() == [1.0, 0.5]
    assert run.refresh().summary == {"loss": 0.5}
