"""The spec's Python examples (requests + sseclient), run unmodified against a real runyard server.

Only the spec's hard-coded `BASE_URL = "http://localhost:3141"` is replaced by the test
server's URL. The examples leave `project_name` and `run_name` undefined; each test
defines them, seeds the data they read, runs the example, and checks what it got.
Examples after the first use `requests` and `BASE_URL` from the first, so they run with
both already defined, as they would in one script.
"""

from __future__ import annotations

import io
import math
import threading
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import ormsgpack
import pytest
import requests

from runyard.errors import NotFoundError
from runyard.store import Store, open_store
from tests.live_server import LiveServer
from tests.server.aspara import spec_examples
from tests.server.aspara.conftest import columns


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    live = LiveServer(tmp_path_factory.mktemp("aspara-spec")).start()
    yield live
    live.stop()


@pytest.fixture
def writer(server: LiveServer) -> Iterator[Store]:
    opened = open_store(server.data_dir)
    yield opened
    opened.close()


def run_example(code: str, server: LiveServer, **names: Any) -> dict[str, Any]:
    """Execute one example as is (base URL substituted) and return its variables."""
    assert code.count(spec_examples.SPEC_BASE_URL) <= 1
    namespace: dict[str, Any] = {"requests": requests, "BASE_URL": server.url, **names}
    exec(compile(code.replace(spec_examples.SPEC_BASE_URL, server.url), "<spec example>", "exec"), namespace)
    return namespace


def seed(store: Store, project: str) -> dict[str, int]:
    """`baseline` with params and artifacts, and `run1`..`run3` with loss (one NaN) and acc."""
    owner = store.get_or_create_project(project)
    ids: dict[str, int] = {}
    baseline = store.create_run(owner.id, name="baseline", config={"lr": 0.01}, params={"epochs": 3})
    store.append_metrics(baseline.id, {"loss": columns([0, 1, 2], [1.0, 0.5, 0.25])})
    store.add_artifact_bytes(baseline.id, "model.txt", b"weights")
    store.set_run_status(baseline.id, "finished")
    ids["baseline"] = baseline.id
    for index in (1, 2, 3):
        run = store.create_run(owner.id, name=f"run{index}")
        values = [1.0 / (step + index) for step in range(5)]
        values[2] = math.nan if index == 2 else values[2]
        store.append_metrics(run.id, {"loss": columns(list(range(5)), values), "acc": columns([4], [0.9])})
        ids[f"run{index}"] = run.id
    return ids


def test_basic_data_retrieval(server: LiveServer, writer: Store) -> None:
    seed(writer, "basic_project")
    got = run_example(spec_examples.BASIC, server, project_name="basic_project", run_name="baseline")
    assert [run["name"] for run in got["runs"]] == ["baseline", "run1", "run2", "run3"]
    assert got["metrics"]["metrics"]["loss"]["values"] == [1.0, 0.5, 0.25]
    assert got["params"]["params"] == {"lr": 0.01, "epochs": 3}
    if got["run_detail"] == {"detail": "Not Found"}:
        pytest.skip("the run page /projects/{project}/runs/{run} (dashboard pages) is not mounted in this tree")
    assert got["run_detail"]["project"] == "basic_project" and got["run_detail"]["run"] == "baseline"


def test_metrics_of_multiple_runs(server: LiveServer, writer: Store) -> None:
    seed(writer, "my_project")
    got = run_example(spec_examples.COMPARE, server, project_name="my_project")
    comparison = got["comparison"]
    assert comparison["project"] == "my_project"
    assert set(comparison["metrics"]) == {"loss", "acc"}
    assert list(comparison["metrics"]["loss"]) == ["run1", "run2", "run3"]
    run2 = comparison["metrics"]["loss"]["run2"]
    assert set(run2) == {"steps", "values", "timestamps"}
    # Delta-encoded as Aspara's server sends them (its scripts undo it); `absolute=true` opts out.
    assert run2["steps"] == [0, 1, 1, 1, 1] and run2["values"][2] == "NaN"
    packed = ormsgpack.unpackb(got["comparison_msgpack"])
    assert packed["project"] == "my_project" and list(packed["metrics"]["loss"]) == ["run1", "run2", "run3"]
    values = packed["metrics"]["loss"]["run2"]["values"]
    assert math.isnan(values[2]) and values[:2] == run2["values"][:2]
    assert packed["metrics"]["loss"]["run1"]["timestamps"] == comparison["metrics"]["loss"]["run1"]["timestamps"]


def test_metadata(server: LiveServer, writer: Store) -> None:
    ids = seed(writer, "meta_project")
    got = run_example(spec_examples.METADATA, server, project_name="meta_project", run_name="baseline")
    assert got["metadata"]["notes"] == "" and got["metadata"]["tags"] == []
    assert got["updated_metadata"]["notes"] == "Experiment results were good"
    assert got["project_metadata"]["tags"] == []
    assert got["updated_project"]["tags"] == ["production", "v2"]
    assert writer.get_run(ids["baseline"]).notes == "Experiment results were good"
    assert writer.get_project_by_name("meta_project").tags == ["production", "v2"]


def test_download_artifacts(server: LiveServer, writer: Store, tmp_path: Path,
                            monkeypatch: pytest.MonkeyPatch) -> None:
    seed(writer, "zip_project")
    monkeypatch.chdir(tmp_path)  # the example writes `{run_name}_artifacts.zip` where it runs
    run_example(spec_examples.ARTIFACTS, server, project_name="zip_project", run_name="baseline")
    with zipfile.ZipFile(tmp_path / "baseline_artifacts.zip") as archive:
        assert archive.read("model.txt") == b"weights"


class _Printed(io.StringIO):
    """What an example printed (its `print`), readable while the example runs in another thread."""

    def print(self, *values: object) -> None:
        self.write(" ".join(str(value) for value in values) + "\n")

    def seen(self, text: str, times: int = 1) -> bool:
        return self.getvalue().count(text) >= times


def _keep_logging(until: Callable[[], bool], log: Callable[[int], None], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    step = 0
    while not until() and time.monotonic() < deadline:
        log(step)
        step += 1
        time.sleep(0.05)


def _in_background(code: str, server: LiveServer, **names: Any) -> None:
    threading.Thread(target=run_example, args=(code, server), kwargs=names, daemon=True).start()


def test_real_time_streaming(server: LiveServer, writer: Store) -> None:
    owner = writer.get_or_create_project("live_project")
    live = writer.create_run(owner.id, name="training").id
    watched = [writer.create_run(owner.id, name=f"run{index}").id for index in (1, 2, 3)]
    printed = _Printed()
    # Aspara's streams stay open after their runs end (its dashboard reconnects when one closes,
    # and runyard follows the dashboard), so the example's `for event in client.events()` loops
    # never finish by themselves: each of its two streams runs in a thread of its own while this
    # test logs, and the test reads what the example printed.
    single, multi = spec_examples.STREAMING.split("# Stream metrics for multiple runs")
    _in_background(single, server, project_name="live_project", run_name="training", print=printed.print)
    _keep_logging(lambda: printed.seen("New metric:"),
                  lambda step: writer.append_metrics(live, {"loss": columns([step], [1.0 / (step + 1)])}))
    writer.set_run_status(live, "finished")
    _in_background("import sseclient\n# Stream metrics for multiple runs" + multi, server,
                   project_name="live_project", print=printed.print)
    _keep_logging(lambda: printed.seen("Metric update:"), lambda step: [
        writer.append_metrics(run_id, {"loss": columns([step], [float(step)])}) for run_id in watched])
    for run_id in watched:
        writer.set_run_status(run_id, "finished")
    deadline = time.monotonic() + 20
    while not printed.seen("Status update:", 3) and time.monotonic() < deadline:
        time.sleep(0.05)
    lines = printed.getvalue().splitlines()
    new = [line.split(": ", 1)[1] for line in lines if line.startswith("New metric: ")]
    assert new and '"run":"training"' in new[0] and '"loss"' in new[0] and '"step":' in new[0]
    assert any(line.startswith("Metric update: ") for line in lines)
    statuses = [line for line in lines if line.startswith("Status update: ")]
    assert len(statuses) == 3 and all('"status":"completed"' in line for line in statuses)


def test_delete_run_and_project(server: LiveServer, writer: Store, capsys: pytest.CaptureFixture[str]) -> None:
    ids = seed(writer, "doomed")
    artifact = writer.open_artifact(ids["baseline"], "model.txt").local_path
    run_example(spec_examples.DELETE, server, project_name="doomed", run_name="baseline")
    assert capsys.readouterr().out.splitlines() == [
        str({"message": "Run 'doomed/baseline' deleted successfully"}),
        str({"message": "Project 'doomed' deleted successfully"}),
    ]
    assert not artifact.exists()
    with pytest.raises(NotFoundError):
        writer.get_project_by_name("doomed")
    assert not artifact.parent.exists()
