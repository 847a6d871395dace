"""The server workloads of bench_server.py on MLflow's tracking server (SQLite backend).

Run: `python bench/bench_mlflow.py` with a Python that has MLflow (`pip install mlflow`, or
`pip install -e '.[bench]'`), or from runyard's venv with `--mlflow-python PATH` or the
`RUNYARD_BENCH_MLFLOW` env var naming either a Python that can `import mlflow` or an
`mlflow` executable; the script then re-runs itself under that interpreter. Without any of
those it looks for `mlflow` on PATH. About 2 minutes on 2 cores. Prints a table; with
`--json PATH` also writes the numbers there (bench_server.py uses that to compare).
MLflow's usage telemetry is switched off (MLFLOW_DISABLE_TELEMETRY, DO_NOT_TRACK).

Workloads, matched to bench_server.py (sizes scaled down where MLflow is slow; see --help):
- start-up: spawn `mlflow server` (default 4 workers) on a fresh SQLite file, time to the
  first 200 from /health (one sample); then 16 untimed requests so every worker is up;
- ingest: `MlflowClient.log_batch` with 1,000 metrics per call (MLflow's limit), 3 keys,
  one synchronous client, until `set_terminated` returns (runyard: SDK `log()` to `finish()`),
  200,000 points by default (runyard: 1M);
- full history: `get_metric_history` of one key, 100,000 points by default (runyard: 1M),
  to a numpy array; MLflow has JSON only, no binary format;
- search: `search_runs` with `params.lr = '0.01' and metrics.val_loss < 0.5`, ordered by
  `metrics.val_loss ASC`, `max_results=100`, over runs whose params and metric come from the
  same random sequence as runyard's, so both servers return the same matches.
The history and search data are seeded straight into MLflow's SQLite through its own
SQLAlchemy store and models, in bulk (not timed), as bench_server.py seeds runyard's store
directly: over HTTP at ~10 runs/s that alone would take longer than the whole benchmark.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

# tests/mlflow_server.py uses the standard library only: importable under MLflow's Python.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.mlflow_server import MlflowServer

ENV_VAR = "RUNYARD_BENCH_MLFLOW"
BATCH = 1_000  # MLflow rejects log_batch calls with more than 1,000 metrics
KEYS = ("loss", "acc", "lr")
SEARCH_FILTER = "params.lr = '0.01' and metrics.val_loss < 0.5"
SEARCH_ORDER = ["metrics.val_loss ASC"]
T0_MS = 1_700_000_000_000


def _python_behind(executable: str) -> str:
    """The interpreter an `mlflow` console script runs under (its shebang), else the path itself."""
    path = Path(executable)
    if not path.name.startswith("mlflow"):
        return str(path)
    try:
        first = path.read_bytes()[:512].split(b"\n", 1)[0].decode()
    except OSError:
        return str(path)
    interpreter = first[2:].strip().split() if first.startswith("#!") else []
    # `#!/usr/bin/env python3` names no venv; a sibling python in the same bin/ dir is the one
    # pip installed the script for.
    if interpreter and Path(interpreter[0]).name != "env":
        return interpreter[0]
    sibling = path.with_name("python")
    return str(sibling) if sibling.exists() else str(path)


def _has_mlflow(python: str) -> bool:
    try:
        return subprocess.run([python, "-c", "import mlflow"], capture_output=True, timeout=60).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def find_mlflow_python(explicit: str | None = None) -> str | None:
    """A Python that can import mlflow: explicit path, $RUNYARD_BENCH_MLFLOW, this one, or PATH."""
    candidates = [explicit, os.environ.get(ENV_VAR)]
    for candidate in candidates:
        if candidate:
            python = _python_behind(candidate)
            if not _has_mlflow(python):
                raise SystemExit(f"{candidate}: cannot import mlflow with {python}")
            return python
    if importlib.util.find_spec("mlflow") is not None:
        return sys.executable
    on_path = shutil.which("mlflow")
    if on_path:
        python = _python_behind(on_path)
        if _has_mlflow(python):
            return python
    return None


def warm_up(url: str, requests: int = 16) -> float:
    """Seconds for `requests` concurrent experiment searches, so every worker has opened the store."""
    # Each MLflow worker process builds its SQLAlchemy store on its first request (seconds on a
    # busy machine); without this the first timed call of each workload pays for it.
    query = url + "/api/2.0/mlflow/experiments/search?max_results=1"

    def one(_: int) -> int:
        # A worker still starting (or restarted by uvicorn's supervisor on a loaded machine)
        # drops the connection; MlflowClient retries the same way.
        for attempt in range(10):
            try:
                with urllib.request.urlopen(query, timeout=300) as answer:
                    return int(answer.status)
            except OSError:
                time.sleep(0.5 * (attempt + 1))
        return 0

    start = time.perf_counter()
    with ThreadPoolExecutor(8) as pool:
        assert all(status == 200 for status in pool.map(one, range(requests)))
    return time.perf_counter() - start


def _timed(fn: Callable[[], Any], repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return min(samples)


def ingest(url: str, points: int) -> float:
    """Points/s of `log_batch` (1,000 metrics a call, 3 keys) from create_run to set_terminated."""
    from mlflow.entities import Metric
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=url)
    experiment = client.create_experiment("ingest")
    start = time.perf_counter()
    run_id = client.create_run(experiment).info.run_id
    batch: list[Metric] = []
    for index in range(points):
        step, key = divmod(index, len(KEYS))
        value = 1.0 / (step + 1) if key == 0 else (step * 1e-6 if key == 1 else 0.001)
        batch.append(Metric(KEYS[key], value, T0_MS + step * 10, step))
        if len(batch) == BATCH:
            client.log_batch(run_id, metrics=batch)
            batch = []
    if batch:
        client.log_batch(run_id, metrics=batch)
    client.set_terminated(run_id)
    return points / (time.perf_counter() - start)


def _store(db: Path, work: Path) -> Any:
    from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

    return SqlAlchemyStore(f"sqlite:///{db}", str(work / "artifacts"))


def _insert(store: Any, table: Any, rows: list[dict[str, Any]]) -> None:
    # One executemany per table: MLflow's per-run API commits per call, ~100x slower.
    with store.ManagedSessionMaker() as session:
        session.execute(table.insert(), rows)


def seed_history(store: Any, points: int) -> str:
    """A run whose `loss` has `points` steps, like bench_foundation's realistic series."""
    import numpy as np
    from mlflow.entities import Metric
    from mlflow.store.tracking.dbmodels.models import SqlMetric

    experiment = store.create_experiment("history")
    run_id: str = store.create_run(experiment, user_id="bench", start_time=T0_MS, tags=[], run_name="big").info.run_id
    rng = np.random.default_rng(0)
    steps = np.arange(points)
    values = 2.5 * np.exp(-steps / max(points / 5, 1)) + 0.1 + rng.normal(0, 0.02, points)
    rows = [{"key": "loss", "value": float(values[i]), "timestamp": T0_MS + i * 10, "step": i, "is_nan": False,
             "run_uuid": run_id} for i in range(points - 1)]
    _insert(store, SqlMetric.__table__, rows)
    # The last point through the store API, so latest_metrics is what logging would leave.
    last = points - 1
    store.log_batch(run_id, metrics=[Metric("loss", float(values[last]), T0_MS + last * 10, last)], params=[], tags=[])
    return run_id


def _create_runs(store: Any, experiment: str, names: list[str]) -> list[str]:
    """Finished runs named `names`: the rows `SqlAlchemyStore.create_run` writes, in one transaction."""
    from mlflow.entities import LifecycleStage, RunStatus, SourceType
    from mlflow.store.tracking.dbmodels.models import SqlRun, SqlTag
    from mlflow.utils.mlflow_tags import MLFLOW_RUN_NAME

    root = store.get_experiment(experiment).artifact_location.rstrip("/")
    rows, ids = [], []
    for name in names:
        run_id = uuid.uuid4().hex
        run = SqlRun(name=name, artifact_uri=f"{root}/{run_id}/artifacts", run_uuid=run_id,
                     experiment_id=int(experiment), source_type=SourceType.to_string(SourceType.UNKNOWN),
                     source_name="", entry_point_name="", user_id="bench",
                     status=RunStatus.to_string(RunStatus.FINISHED), start_time=T0_MS, end_time=T0_MS + 1,
                     deleted_time=None, source_version="", lifecycle_stage=LifecycleStage.ACTIVE)
        run.tags = [SqlTag(key=MLFLOW_RUN_NAME, value=name)]
        rows.append(run)
        ids.append(run_id)
    with store.ManagedSessionMaker() as session:
        session.add_all(rows)
    return ids


def _create_runs_one_by_one(store: Any, experiment: str, names: list[str]) -> list[str]:
    from mlflow.entities import RunStatus

    ids = []
    for name in names:
        run_id = store.create_run(experiment, user_id="bench", start_time=T0_MS, tags=[], run_name=name).info.run_id
        store.update_run_info(run_id, RunStatus.FINISHED, T0_MS + 1, None)
        ids.append(run_id)
    return ids


def seed_search(store: Any, runs: int) -> str:
    """`runs` finished runs with params lr, layers and one val_loss, drawn as bench_server.py draws them."""
    import numpy as np
    from mlflow.store.tracking.dbmodels.models import SqlLatestMetric, SqlMetric, SqlParam

    experiment = store.create_experiment("search")
    names = [f"r{index}" for index in range(runs)]
    # One create_run per run commits each and takes 5-30 ms, minutes for 10,000 runs; the same
    # rows in one transaction take seconds. The per-run API stays as a fallback for MLflow
    # versions whose run model differs.
    try:
        ids = _create_runs(store, experiment, names)
    except Exception as exc:
        print(f"bulk run insert failed ({exc!r}); creating runs one by one", file=sys.stderr)
        ids = _create_runs_one_by_one(store, experiment, names)
    rng = np.random.default_rng(0)
    params: list[dict[str, Any]] = []
    metrics: list[dict[str, Any]] = []
    for run_id in ids:
        lr = float(rng.choice([1e-3, 1e-2, 1e-1]))
        layers = int(rng.integers(1, 9))
        val_loss = float(rng.random(1)[0])
        params += [{"key": "lr", "value": str(lr), "run_uuid": run_id},
                   {"key": "layers", "value": str(layers), "run_uuid": run_id}]
        metrics.append({"key": "val_loss", "value": val_loss, "timestamp": T0_MS, "step": 0, "is_nan": False,
                        "run_uuid": run_id})
    # Params and metric rows, whose schema has been stable since MLflow 1.x, in bulk too.
    _insert(store, SqlParam.__table__, params)
    _insert(store, SqlMetric.__table__, metrics)
    _insert(store, SqlLatestMetric.__table__, metrics)
    return str(experiment)


def history(url: str, run_id: str, points: int) -> tuple[float, float]:
    """(first, best of the rest) ms for `get_metric_history` plus the values as a numpy array."""
    import numpy as np
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=url)

    def read() -> None:
        got = client.get_metric_history(run_id, "loss")
        values = np.fromiter((metric.value for metric in got), float, len(got))
        assert len(values) == points, (len(values), points)

    first = _timed(read, 1)
    # Long reads vary little between repeats; one more bounds the wall time.
    rest = min(first, _timed(read, 1 if first > 5 else 3))
    return first * 1e3, rest * 1e3


def search(url: str, experiment: str) -> tuple[float, int]:
    """(best of 5 ms, total matches) for the filter + sort search, 100 results a page."""
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=url)

    def page(token: str | None = None, size: int = 100) -> Any:
        return client.search_runs([experiment], SEARCH_FILTER, order_by=SEARCH_ORDER, max_results=size,
                                  page_token=token)

    found = page()
    assert len(found) > 0
    values = [run.data.metrics["val_loss"] for run in found]
    assert values == sorted(values)
    # MLflow returns no total; count the matches by paging (not timed).
    matches, token = 0, None
    while True:
        chunk = page(token, 1_000)
        matches += len(chunk)
        token = chunk.token
        if not token:
            break
    return _timed(page, 5) * 1e3, matches


def run_all(points: int, history_points: int, runs: int) -> dict[str, Any]:
    """Start the server, run every workload, return the numbers."""
    import mlflow

    results: dict[str, Any] = {"mlflow_version": mlflow.__version__}
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="runyard-bench-mlflow-") as tmp:
        work = Path(tmp)
        server = MlflowServer(work)
        try:
            results["startup_s"] = server.start().started_in_s
            results["warmup_s"] = warm_up(server.url)
            results["ingest_points"] = points
            results["ingest_points_per_s"] = ingest(server.url, points)
            seed_start = time.perf_counter()
            store = _store(server.db, work)
            big_run = seed_history(store, history_points)
            experiment = seed_search(store, runs)
            store.engine.dispose()
            results["seed_s"] = time.perf_counter() - seed_start
            results["history_points"] = history_points
            results["history_first_ms"], results["history_ms"] = history(server.url, big_run, history_points)
            results["search_runs"] = runs
            results["search_ms"], results["search_matches"] = search(server.url, experiment)
        finally:
            server.stop()
    results["total_s"] = time.perf_counter() - began
    return results


def print_table(results: dict[str, Any]) -> None:
    """The numbers, one per line."""
    rows = [
        ("startup_s", "server start (fresh SQLite) to first answer (s)"),
        ("warmup_s", "16 requests to bring up every worker's store (s)"),
        ("ingest_points_per_s", f"log_batch ingest, {results['ingest_points']:,} points (points/s)"),
        ("history_first_ms", f"full history {results['history_points']:,} points, first (ms)"),
        ("history_ms", f"full history {results['history_points']:,} points, best (ms)"),
        ("search_ms", f"search {results['search_runs']:,} runs, filter + sort (ms)"),
        ("search_matches", "search matches"),
        ("seed_s", "seeding history + search runs, not timed above (s)"),
        ("total_s", "whole MLflow benchmark (s)"),
    ]
    print(f"MLflow {results['mlflow_version']}")
    for key, label in rows:
        print(f"{label:56} {float(results[key]):14.2f}")


def main() -> None:
    """Parse options, re-run under an MLflow Python when needed, run and report."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--points", type=int, default=200_000, help="ingest points (3 keys; 1M takes ~4 min)")
    # 1M points take MLflow 1-2 minutes to return (JSON); points/s is what compares across sizes.
    parser.add_argument("--history-points", type=int, default=100_000, help="points in the history read")
    parser.add_argument("--runs", type=int, default=10_000, help="runs to search over")
    parser.add_argument("--mlflow-python", help=f"Python with mlflow, or an mlflow executable (or ${ENV_VAR})")
    parser.add_argument("--json", type=Path, help="also write the numbers here")
    args = parser.parse_args()
    # No usage telemetry from client or server (they inherit this): it would reach for the
    # network mid-benchmark, and its session-id env var races with requests (KeyError seen).
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    os.environ.setdefault("DO_NOT_TRACK", "true")
    if args.mlflow_python or os.environ.get(ENV_VAR) or importlib.util.find_spec("mlflow") is None:
        python = find_mlflow_python(args.mlflow_python)
        if python is None:
            raise SystemExit(f"MLflow not found: pip install mlflow, or set {ENV_VAR} / --mlflow-python")
        if os.path.abspath(python) != os.path.abspath(sys.executable):
            # Re-run under the MLflow interpreter without the option/env var, so it runs there.
            forwarded = list(sys.argv[1:])
            if "--mlflow-python" in forwarded:
                at = forwarded.index("--mlflow-python")
                del forwarded[at:at + 2]
            forwarded = [arg for arg in forwarded if not arg.startswith("--mlflow-python=")]
            os.environ.pop(ENV_VAR, None)
            os.execv(python, [python, str(Path(__file__).resolve()), *forwarded])
    results = run_all(args.points, args.history_points, args.runs)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    print_table(results)


if __name__ == "__main__":
    main()
