"""Reading a server: the same answers as the data dir, tokens and tenants, clear errors."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from runyard.api import Api, RemoteNotSupportedError
from runyard.api.records import RunSearch
from runyard.api.remote import HttpBackend
from runyard.errors import AuthError, NotFoundError, PayloadTooLargeError, ServiceUnavailableError
from runyard.server import create_app
from runyard.settings import Settings
from tests.api.conftest import assert_live_run_sees_new_key
from tests.cli.helpers import Sample, make_sample
from tests.live_server import LiveServer, free_port


def test_every_read_equals_the_local_read(shared: Sample, server: LiveServer) -> None:
    with Api(shared.dir) as local, Api(server.url) as remote:
        assert remote.projects() == local.projects()
        local_runs, remote_runs = local.runs(), remote.runs()
        assert [r.record for r in remote_runs] == [r.record for r in local_runs]
        for mine, theirs in zip(local_runs, remote_runs, strict=True):
            assert theirs.to_dict() == mine.to_dict() and theirs.project == mine.project
            assert theirs.summaries == mine.summaries
            assert theirs.logs() == mine.logs() and theirs.artifacts() == mine.artifacts()
            want, got = mine.history(), theirs.history()
            assert got.schema == want.schema
            # Bitwise: NaN, infinities, subnormals and nulls stay what they were.
            for name in want.columns:
                assert got[name].is_null().to_list() == want[name].is_null().to_list()
                assert got[name].to_numpy().tobytes() == want[name].to_numpy().tobytes()
        assert remote.run(shared.uids["baseline"]).refresh().record == local.run("vision/baseline").record


def test_token_reads_its_tenant_only(guarded: tuple[LiveServer, Sample, str, str]) -> None:
    live, sample, secret, stranger = guarded
    with Api(live.url, token=secret) as api:
        assert [p.name for p in api.projects()] == ["vision", "nlp"]
        assert "hidden" not in [r.name for r in api.runs()]
    with Api(live.url, token=stranger) as api:
        assert [p.name for p in api.projects()] == ["theirs"]
        assert [r.name for r in api.runs()] == ["hidden"]
        # Another tenant's run reads exactly as a missing one.
        with pytest.raises(NotFoundError, match="not found"):
            api.run(sample.uids["baseline"])
        with pytest.raises(NotFoundError, match="not found"):
            api.runs("vision")


def test_token_from_environment(guarded: tuple[LiveServer, Sample, str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    live, _sample, secret, _ = guarded
    monkeypatch.setenv("RUNYARD_TOKEN", secret)
    with Api(live.url) as api:
        assert api.project("vision").run_count == 3


@pytest.mark.parametrize("token", [None, "not-a-token"])
def test_missing_or_bad_token_is_a_clear_error(guarded: tuple[LiveServer, Sample, str, str], token: str | None,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    live = guarded[0]
    monkeypatch.delenv("RUNYARD_TOKEN", raising=False)
    with Api(live.url, token=token) as api, pytest.raises(AuthError) as info:
        api.projects()
    assert live.url in str(info.value) and "401" in str(info.value)


def test_live_run_seen_through_the_server(guarded: tuple[LiveServer, Sample, str, str]) -> None:
    live, sample, secret, _ = guarded
    with Api(live.url, token=secret) as api:
        assert_live_run_sees_new_key(api, sample.dir, sample.ids["live"])


def test_unreachable_server_names_the_url() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    with Api(url) as api, pytest.raises(ServiceUnavailableError, match=f"cannot reach the runyard server at {url}"):
        api.projects()


def test_remote_has_no_local_store(server: LiveServer) -> None:
    with Api(server.url) as api, pytest.raises(RemoteNotSupportedError, match="reads a server"):
        _ = api.store


def test_history_over_the_points_limit_is_read_key_by_key(tmp_path: Path) -> None:
    """Together over `max_points_per_request` (413): one request per key, still every point."""
    sample = make_sample(tmp_path / "data")
    settings = Settings(data_dir=sample.dir, allowed_hosts=("runyard.test",), max_points_per_request=12)
    with TestClient(create_app(settings), base_url="http://runyard.test") as http:
        backend = HttpBackend("http://runyard.test", http=http)
        found = backend.run("vision/baseline")
        series = backend.read_metrics(found.run.id, list(found.summaries), None, None)
        assert {k: len(v) for k, v in series.items()} == {"acc": 3, "loss": 10, "lr": 3}
        assert backend.count_runs("vision", dataclasses.replace(RunSearch(), status=("finished",))) == 2
    # One key over the limit by itself: the server's 413, as a clear error.
    tight = create_app(settings.with_changes(max_points_per_request=5))
    with (TestClient(tight, base_url="http://runyard.test") as http,
          pytest.raises(PayloadTooLargeError, match="more than 5 points")):
        HttpBackend("http://runyard.test", http=http).read_metrics(found.run.id, ["loss"], None, None)
