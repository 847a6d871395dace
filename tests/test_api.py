"""The read API: projects, run search, run lookup, exact histories, stale runs."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from runyard.api import Api, ApiRun, build_history
from runyard.errors import InvalidInputError, NotFoundError, RunyardError, StoreError
from runyard.store import MetricColumns, open_store
from tests.cli.helpers import Sample, columns, expected_column, make_sample


@pytest.fixture
def sample(tmp_path: Path) -> Sample:
    return make_sample(tmp_path / "data")


@pytest.fixture
def api(sample: Sample) -> Iterator[Api]:
    with Api(sample.dir) as opened:
        yield opened


def names(runs: list[ApiRun]) -> list[str]:
    return [r.name for r in runs]


def test_projects_with_run_counts(api: Api) -> None:
    projects = {p.name: p for p in api.projects()}
    assert set(projects) == {"vision", "nlp"}
    assert projects["vision"].run_count == 3
    assert projects["nlp"].run_count == 1
    assert projects["vision"].description == "image models"
    assert projects["vision"].tags == ["cv"]
    assert api.project("vision").id == projects["vision"].id


def test_unknown_project_is_not_found(api: Api) -> None:
    with pytest.raises(NotFoundError, match="project 'nope' not found"):
        api.project("nope")
    with pytest.raises(NotFoundError, match="'nope'"):
        api.runs("nope")


def test_runs_filters(api: Api) -> None:
    assert names(api.runs("vision")) == ["baseline", "fast", "broken"]
    assert names(api.runs("vision", status="failed")) == ["broken"]
    assert names(api.runs("vision", status=["failed", "finished"])) == ["baseline", "fast", "broken"]
    assert names(api.runs("vision", tags=["a"])) == ["baseline", "fast"]
    assert names(api.runs("vision", tags=["a", "b"])) == ["baseline"]
    assert names(api.runs("vision", params={"optimizer": "sgd"})) == ["baseline", "broken"]
    assert names(api.runs("vision", params={"optimizer": "sgd", "lr": 0.3})) == ["broken"]
    assert names(api.runs("vision", filter="metrics.loss < 1 and params.lr >= 0.01")) == [
        "baseline", "fast",
    ]
    assert names(api.runs("vision", filter="tags contains 'b'", status="finished")) == ["baseline"]
    assert names(api.runs()) == ["baseline", "fast", "broken", "live"]
    assert api.count_runs("vision", status="finished") == 2


def test_runs_sort_and_limit(api: Api) -> None:
    assert names(api.runs("vision", order_by=["metrics.loss desc"])) == ["broken", "baseline", "fast"]
    assert names(api.runs("vision", order_by=["params.lr asc"], limit=2)) == ["fast", "baseline"]
    assert names(api.runs("vision", limit=0)) == []


def test_bad_filter_sort_or_status(api: Api) -> None:
    with pytest.raises(InvalidInputError):
        api.runs("vision", filter="metrics.loss <<< 1")
    with pytest.raises(InvalidInputError):
        api.runs("vision", order_by=["metrics.loss sideways"])
    with pytest.raises(InvalidInputError, match="unknown status 'done'"):
        api.runs("vision", status="done")


def test_run_attributes_and_summary(api: Api, sample: Sample) -> None:
    run = api.run("vision/baseline")
    assert (run.id, run.uid, run.name, run.project) == (
        sample.ids["baseline"], sample.uids["baseline"], "baseline", "vision",
    )
    assert run.status == "finished"
    assert run.params == {"lr": 0.1, "optimizer": "sgd"}
    assert run.config == {"model": {"depth": 18}, "name": "baseline"}
    assert run.tags == ["a", "b"] and run.notes == "notes of baseline"
    assert run.system == {"python": "3.11"}
    assert run.end_time is not None and run.end_time >= run.start_time
    assert run.summary == {"acc": 0.9, "loss": 0.4, "lr": 5e-324}
    loss = run.summaries["loss"]
    assert (loss.count, loss.first_step, loss.last_step) == (10, 0, 9)
    assert run.keys == ["acc", "loss", "lr"]


def test_run_lookup_by_uid_name_and_id(api: Api, sample: Sample) -> None:
    uid, run_id = sample.uids["fast"], sample.ids["fast"]
    assert api.run(uid).name == "fast"
    assert api.run(run_id).uid == uid
    assert api.run(str(run_id)).uid == uid
    assert api.run("vision/fast").uid == uid


@pytest.mark.parametrize("ref", ["run-nope", "vision/nope", "nope/fast", "999", 999])
def test_unknown_run_is_not_found(api: Api, ref: str | int) -> None:
    with pytest.raises(NotFoundError, match="not found"):
        api.run(ref)


def test_history_is_exact(api: Api, sample: Sample) -> None:
    run = api.run("vision/baseline")
    frame = run.history()
    assert frame.columns == ["step", "acc", "loss", "lr"]
    assert frame.schema["step"] == pl.Int64
    assert all(frame.schema[k] == pl.Float64 for k in ("acc", "loss", "lr"))
    steps = frame["step"].to_numpy()
    assert steps.tolist() == list(range(11))
    for key, cols in sample.series["baseline"].items():
        want, present = expected_column(cols, steps)
        got = frame[key]
        assert got.is_null().to_numpy().tolist() == (~present).tolist()
        # Bitwise equality keeps NaN, infinities and subnormals honest.
        assert got.to_numpy()[present].tobytes() == want[present].tobytes()
    assert np.isnan(frame.filter(pl.col("step") == 3)["loss"][0])
    assert frame.filter(pl.col("step") == 4)["loss"][0] == float("inf")
    assert frame.filter(pl.col("step") == 10)["loss"][0] is None


def test_history_keys_and_step_range(api: Api) -> None:
    run = api.run("vision/baseline")
    frame = run.history(["loss", "acc"], step_min=4, step_max=6)
    assert frame.columns == ["step", "loss", "acc"]
    assert frame["step"].to_list() == [4, 5, 6]
    assert frame["acc"].to_list() == [None, 0.5, None]
    assert frame["loss"].to_list() == [float("inf"), float("-inf"), 0.7]
    assert run.history("acc")["acc"].to_list() == [0.1, 0.5, 0.9]
    with pytest.raises(NotFoundError, match="no metric 'nope'"):
        run.history(["loss", "nope"])


def test_history_of_run_without_metrics(api: Api) -> None:
    frame = api.run("nlp/live").history()
    assert frame.columns == ["step"] and frame.height == 0
    assert frame.schema["step"] == pl.Int64


def test_build_history_large_series_is_vectorised() -> None:
    n = 300_000
    rng = np.random.default_rng(1)
    even = np.arange(0, 2 * n, 2, dtype=np.int64)
    odd = np.arange(1, 2 * n, 2, dtype=np.int64)
    a = MetricColumns(even, rng.normal(size=n), np.zeros(n))
    b = MetricColumns(odd, rng.normal(size=n), np.zeros(n))
    frame = build_history({"a": a, "b": b, "c": a})
    assert frame.height == 2 * n
    assert frame["a"].null_count() == n and frame["c"].null_count() == n
    assert np.array_equal(frame["a"].drop_nulls().to_numpy(), a.values)
    assert np.array_equal(frame["b"].drop_nulls().to_numpy(), b.values)
    assert frame["step"].is_sorted()


def test_logs_and_artifacts(sample: Sample) -> None:
    with open_store(sample.dir) as store:
        store.add_artifact_bytes(sample.ids["fast"], "weights.bin", b"1234")
    with Api(sample.dir) as api:
        run = api.run("vision/fast")
        assert [x.line for x in run.logs()] == [f"fast line {i}" for i in range(5)]
        assert [x.line for x in run.logs(tail=2)] == ["fast line 3", "fast line 4"]
        assert [(a.path, a.size) for a in run.artifacts()] == [("weights.bin", 4)]
        assert Path(run.artifact_path("weights.bin")).read_bytes() == b"1234"


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_stale_run_becomes_crashed(sample: Sample) -> None:
    with open_store(sample.dir) as store:
        project = store.get_project_by_name("nlp")
        dead = store.create_run(
            project.id, name="dead", host=socket.gethostname(), pid=_dead_pid(),
            pid_started_at=1.0,
        )
        alive = store.create_run(
            project.id, name="alive", host=socket.gethostname(), pid=os.getpid(),
        )
    with Api(sample.dir) as api:
        statuses = {r.name: r.status for r in api.runs("nlp")}
        assert statuses == {"live": "running", "dead": "crashed", "alive": "running"}
        assert api.run(dead.uid).end_time is not None
        assert api.run(alive.uid).status == "running"


def test_live_run_sees_new_key_after_refresh(sample: Sample) -> None:
    with Api(sample.dir) as api:
        run = api.run("nlp/live")
        assert run.summary == {}
        with open_store(sample.dir) as store:
            store.append_metrics(sample.ids["live"], {"loss": columns([0, 1], [1.0, 0.5])})
        assert run.history(["loss"])["loss"].to_list() == [1.0, 0.5]
        assert run.refresh().summary == {"loss": 0.5}


def test_default_dir_comes_from_env(sample: Sample, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RUNYARD_DIR", str(sample.dir))
    with Api() as api:
        assert api.location == str(sample.dir)
        assert len(api.projects()) == 2


def test_missing_dir_and_url(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no runyard data dir"):
        Api(tmp_path / "missing")
    with pytest.raises(RunyardError, match="reads a local data dir only") as info:
        Api("http://localhost:8080")
    assert isinstance(info.value, NotImplementedError)
    assert not (tmp_path / "missing").exists()
