"""The read API's contract, asserted on a local data dir and on a real server holding the same data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from runyard.api import Api, ApiRun
from runyard.errors import InvalidInputError, NotFoundError
from tests.api.conftest import ODD_KEYS
from tests.cli.helpers import Sample, expected_column


def names(runs: list[ApiRun]) -> list[str]:
    return [r.name for r in runs]


def test_projects_with_run_counts(api: Api) -> None:
    projects = {p.name: p for p in api.projects()}
    assert list(projects) == ["vision", "nlp", "odd"]
    assert projects["vision"].run_count == 3
    assert projects["nlp"].run_count == 1
    assert projects["vision"].description == "image models"
    assert projects["vision"].tags == ["cv"]
    assert api.project("vision") == projects["vision"]


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
    assert names(api.runs("odd", params={"flag": True, "n": 3})) == ["keys"]
    assert names(api.runs("vision", filter="metrics.loss < 1 and params.lr >= 0.01")) == [
        "baseline", "fast",
    ]
    assert names(api.runs("vision", filter="tags contains 'b'", status="finished")) == ["baseline"]
    assert names(api.runs()) == ["baseline", "fast", "broken", "live", "keys"]
    assert api.count_runs("vision", status="finished") == 2
    assert api.count_runs() == 5


def test_runs_sort_and_limit(api: Api) -> None:
    assert names(api.runs("vision", order_by=["metrics.loss desc"])) == ["broken", "baseline", "fast"]
    assert names(api.runs("vision", order_by=["params.lr asc"], limit=2)) == ["fast", "baseline"]
    assert names(api.runs("vision", order_by="attributes.name desc")) == ["fast", "broken", "baseline"]
    assert names(api.runs("vision", limit=0)) == []


def test_bad_filter_sort_or_status(api: Api) -> None:
    with pytest.raises(InvalidInputError):
        api.runs("vision", filter="metrics.loss <<< 1")
    with pytest.raises(InvalidInputError):
        api.runs("vision", order_by=["metrics.loss sideways"])
    with pytest.raises(InvalidInputError, match="unknown status 'done'"):
        api.runs("vision", status="done")
    with pytest.raises(InvalidInputError, match="limit must be >= 0"):
        api.runs("vision", limit=-1)
    with pytest.raises(InvalidInputError, match="finite"):
        api.runs("vision", params={"lr": float("nan")})


def test_run_attributes_and_summary(api: Api, shared: Sample) -> None:
    run = api.run("vision/baseline")
    assert (run.id, run.uid, run.name, run.project) == (
        shared.ids["baseline"], shared.uids["baseline"], "baseline", "vision",
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
    assert np.isinf(loss.max) and np.isinf(loss.min)
    assert run.keys == ["acc", "loss", "lr"]
    assert api.run("odd/keys").params == {"flag": True, "n": 3}


def test_run_lookup_by_uid_name_and_id(api: Api, shared: Sample) -> None:
    uid, run_id = shared.uids["fast"], shared.ids["fast"]
    assert api.run(uid).name == "fast"
    assert api.run(run_id).uid == uid
    assert api.run(str(run_id)).uid == uid
    assert api.run("vision/fast").uid == uid


@pytest.mark.parametrize("ref", ["run-nope", "vision/nope", "nope/fast", "999", 999])
def test_unknown_run_is_not_found(api: Api, ref: str | int) -> None:
    with pytest.raises(NotFoundError, match="not found"):
        api.run(ref)


def test_history_is_exact(api: Api, shared: Sample) -> None:
    run = api.run("vision/baseline")
    frame = run.history()
    assert frame.columns == ["step", "acc", "loss", "lr"]
    assert frame.schema["step"] == pl.Int64
    assert all(frame.schema[k] == pl.Float64 for k in ("acc", "loss", "lr"))
    steps = frame["step"].to_numpy()
    assert steps.tolist() == list(range(11))
    for key, cols in shared.series["baseline"].items():
        want, present = expected_column(cols, steps)
        got = frame[key]
        assert got.is_null().to_numpy().tolist() == (~present).tolist()
        # Bitwise equality keeps NaN, infinities and subnormals honest.
        assert got.to_numpy()[present].tobytes() == want[present].tobytes()
    assert np.isnan(frame.filter(pl.col("step") == 3)["loss"][0])
    assert frame.filter(pl.col("step") == 4)["loss"][0] == float("inf")
    assert frame.filter(pl.col("step") == 10)["loss"][0] is None
    series = run.series("loss")
    assert series.times.tobytes() == np.sort(shared.series["baseline"]["loss"].times).tobytes()


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


def test_history_of_keys_with_commas_and_spaces(api: Api) -> None:
    frame = api.run("odd/keys").history()
    assert frame.columns == ["step", *sorted(ODD_KEYS)]
    assert frame[ODD_KEYS[0]].to_list() == [1.0, 2.0]
    assert frame[ODD_KEYS[1]].to_list() == [None, 3.0]


def test_history_of_run_without_metrics(api: Api) -> None:
    frame = api.run("nlp/live").history()
    assert frame.columns == ["step"] and frame.height == 0
    assert frame.schema["step"] == pl.Int64


def test_logs_and_artifacts(api: Api) -> None:
    run = api.run("vision/fast")
    assert [x.line for x in run.logs()] == [f"fast line {i}" for i in range(5)]
    assert [x.line for x in run.logs(tail=2)] == ["fast line 3", "fast line 4"]
    assert run.logs(tail=0) == []
    assert [(a.path, a.size) for a in run.artifacts()] == [("sub dir/notes v2.txt", 5), ("weights.bin", 4)]
    assert Path(run.artifact_path("weights.bin")).read_bytes() == b"1234"
    assert Path(run.artifact_path("sub dir/notes v2.txt")).read_bytes() == b"hello"
    with pytest.raises(NotFoundError):
        run.artifact_path("missing.bin")
