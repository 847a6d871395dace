"""One MLflow-client workload against `mlflow server` and against `runyard serve`, side by side.

Run: `.venv/bin/python bench/bench_mlflow_client.py` (a few minutes on 2 cores). It needs a
Python with the real `mlflow` client: `--mlflow-python PATH`, $RUNYARD_BENCH_MLFLOW (a Python
or an `mlflow` executable), the test suite's side venv (~/.cache/runyard-tests/venvs/mlflow-3.18.0,
built by the tests of tests/server/mlflow), or `mlflow` on PATH. Each server runs alone on a
fresh data dir / SQLite file (MLflow: `mlflow server`, SQLite backend, its default workers;
runyard: `runyard serve`), and the same script, run by that Python, drives it through
`MlflowClient` (`--client URL`, an internal mode):

- log_batch throughput: one client, `log_batch` calls of 1,000 metrics (MLflow's maximum) of
  key `loss`, `--points` steps (default 100,000), from create_run to set_terminated;
- get-history: `get_metric_history` of that key (all `--points` points) to a numpy array,
  first call and best of three;
- the same two without the client's own cost: the log-batch bodies the client library builds,
  posted in turn (another run), and the client's get-history requests parsed with `json` only;
  the client spends ~20 ms of CPU per 1,000-metric `log_batch`, a floor under any server;
- search over `--runs` runs (default 1,000, seeded untimed through the same client by 8
  threads: create_run, log_batch of params lr/layers and metric val_loss, set_terminated):
  `params.lr = '0.01' and metrics.val_loss < 0.5` ordered by `metrics.val_loss ASC`, 100
  results, best of 5 (both servers must return the same match count), and a listing of all
  runs in pages of 1,000.

Prints both columns and the ratio; writes bench/results/mlflow_client.json. MLflow's usage
telemetry is switched off.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.mlflow_server import MlflowServer

from bench.bench_mlflow import _timed, find_mlflow_python, warm_up

RESULTS = Path(__file__).resolve().parent / "results"
SIDE_VENV = Path.home() / ".cache" / "runyard-tests" / "venvs" / "mlflow-3.18.0" / "bin" / "python"
BATCH = 1_000
SEARCH_FILTER = "params.lr = '0.01' and metrics.val_loss < 0.5"
SEARCH_ORDER = ["metrics.val_loss ASC"]
SEED_THREADS = 8
T0_MS = 1_700_000_000_000


# -- the client side (run by the mlflow Python) ------------------------------------------------
def client_ingest(client: Any, points: int) -> tuple[str, float]:
    """(run id, points/s) of log_batch calls of 1,000 points, create_run to set_terminated."""
    from mlflow.entities import Metric

    experiment = client.create_experiment("bench-ingest")
    batches = [[Metric("loss", 1.0 / (step + 1), T0_MS + step * 10, step)
                for step in range(start, min(start + BATCH, points))] for start in range(0, points, BATCH)]
    start = time.perf_counter()
    run_id: str = client.create_run(experiment).info.run_id
    for batch in batches:
        client.log_batch(run_id, metrics=batch)
    client.set_terminated(run_id)
    return run_id, points / (time.perf_counter() - start)


def raw_ingest(client: Any, url: str, points: int) -> float:
    """Points/s of the same log_batch requests, bodies built by the client library beforehand, posted in turn.

    What the server itself takes: the client spends ~20 ms of its own per 1,000-metric call
    (protobuf, validation, JSON), which caps any server seen through `MlflowClient.log_batch`.
    """
    import requests
    from mlflow.entities import Metric
    from mlflow.protos.service_pb2 import LogBatch
    from mlflow.utils.proto_json_utils import message_to_json

    run_id = client.create_run(client.create_experiment("bench-ingest-raw")).info.run_id
    bodies = [message_to_json(LogBatch(run_id=run_id, metrics=[
        Metric("loss", 1.0 / (step + 1), T0_MS + step * 10, step).to_proto()
        for step in range(start, min(start + BATCH, points))])) for start in range(0, points, BATCH)]
    session = requests.Session()
    start = time.perf_counter()
    for body in bodies:
        session.post(f"{url}/api/2.0/mlflow/runs/log-batch", data=body,
                     headers={"Content-Type": "application/json"}).raise_for_status()
    return points / (time.perf_counter() - start)


def raw_history(url: str, run_id: str, points: int) -> float:
    """Best of three ms of the client's get-history requests (pages of 25,000), answers parsed with json only."""
    import requests

    session = requests.Session()

    def read() -> None:
        got, token = 0, None
        while True:
            params = {"run_id": run_id, "metric_key": "loss", "max_results": 25_000,
                      **({"page_token": token} if token else {})}
            answer = session.get(f"{url}/api/2.0/mlflow/metrics/get-history", params=params)
            answer.raise_for_status()
            body = answer.json()
            got += len(body.get("metrics", []))
            token = body.get("next_page_token")
            if not token:
                break
        assert got == points, (got, points)

    return _timed(read, 3) * 1e3


def client_history(client: Any, run_id: str, points: int) -> tuple[float, float]:
    """(first, best of three) ms of get_metric_history to a numpy array."""
    import numpy as np

    def read() -> None:
        got = client.get_metric_history(run_id, "loss")
        values = np.fromiter((metric.value for metric in got), float, len(got))
        assert len(values) == points, (len(values), points)

    first = _timed(read, 1)
    return first * 1e3, min(first, _timed(read, 2)) * 1e3


def client_seed_runs(client: Any, runs: int) -> tuple[str, float]:
    """(experiment id, runs/s): finished runs with params lr, layers and one val_loss each."""
    import numpy as np
    from mlflow.entities import Metric, Param

    experiment: str = client.create_experiment("bench-search")
    rng = np.random.default_rng(0)
    draws = [(float(rng.choice([1e-3, 1e-2, 1e-1])), int(rng.integers(1, 9)), float(rng.random())) for _ in range(runs)]

    def one(index: int) -> None:
        lr, layers, val_loss = draws[index]
        run_id = client.create_run(experiment, run_name=f"r{index}").info.run_id
        client.log_batch(run_id, metrics=[Metric("val_loss", val_loss, T0_MS, 0)],
                         params=[Param("lr", str(lr)), Param("layers", str(layers))])
        client.set_terminated(run_id)

    start = time.perf_counter()
    with ThreadPoolExecutor(SEED_THREADS) as pool:
        list(pool.map(one, range(runs)))
    return experiment, runs / (time.perf_counter() - start)


def client_search(client: Any, experiment: str, runs: int) -> dict[str, float]:
    """Filter + sort (100 results, best of 5), the match count, and listing every run (pages of 1,000)."""
    def page(token: str | None = None, size: int = 100) -> Any:
        return client.search_runs([experiment], SEARCH_FILTER, order_by=SEARCH_ORDER, max_results=size,
                                  page_token=token)

    found = page()
    values = [run.data.metrics["val_loss"] for run in found]
    assert found and values == sorted(values), values[:5]
    matches, token = 0, None
    while True:
        chunk = page(token, 1_000)
        matches += len(chunk)
        token = chunk.token
        if not token:
            break

    def list_all() -> None:
        seen, token = 0, None
        while True:
            chunk = client.search_runs([experiment], max_results=1_000, page_token=token)
            seen += len(chunk)
            token = chunk.token
            if not token:
                break
        assert seen == runs, (seen, runs)

    return {"search_ms": _timed(page, 5) * 1e3, "search_matches": matches, "list_all_ms": _timed(list_all, 3) * 1e3}


def client_main(url: str, points: int, runs: int, out: Path) -> None:
    """The whole workload against `url`; the numbers go to `out` (JSON)."""
    import mlflow
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=url)
    results: dict[str, Any] = {"mlflow_version": mlflow.__version__, "points": points, "runs": runs}
    run_id, results["ingest_points_per_s"] = client_ingest(client, points)
    results["history_first_ms"], results["history_ms"] = client_history(client, run_id, points)
    results["raw_ingest_points_per_s"] = raw_ingest(client, url, points)
    results["raw_history_ms"] = raw_history(url, run_id, points)
    experiment, results["seed_runs_per_s"] = client_seed_runs(client, runs)
    results.update(client_search(client, experiment, runs))
    out.write_text(json.dumps(results))


# -- the driver (runyard's venv) --------------------------------------------------------------
def _drive(python: str, url: str, points: int, runs: int, work: Path) -> dict[str, Any]:
    out = work / "client.json"
    env = {**os.environ, "MLFLOW_DISABLE_TELEMETRY": "true", "DO_NOT_TRACK": "true", "GIT_PYTHON_REFRESH": "quiet"}
    env.pop("VIRTUAL_ENV", None)
    subprocess.run([python, str(Path(__file__).resolve()), "--client", url, "--points", str(points),
                    "--runs", str(runs), "--out", str(out)], check=True, env=env,
                   stdout=subprocess.DEVNULL)  # MLflow prints a "View run" link per finished run
    numbers: dict[str, Any] = json.loads(out.read_text())
    return numbers


def on_runyard(python: str, points: int, runs: int) -> dict[str, Any]:
    from tests.live_server import LiveServer

    with tempfile.TemporaryDirectory(prefix="runyard-bench-mlflow-client-") as tmp:
        server = LiveServer(Path(tmp) / "data").start()
        try:
            numbers = _drive(python, server.url, points, runs, Path(tmp))
        finally:
            server.stop()
    numbers["startup_s"] = server.started_in_s
    return numbers


def on_mlflow(python: str, points: int, runs: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="runyard-bench-mlflow-server-") as tmp:
        server = MlflowServer(Path(tmp), python=python)
        try:
            server.start()
            warm_up(server.url)
            numbers = _drive(python, server.url, points, runs, Path(tmp))
        finally:
            server.stop()
    numbers["startup_s"] = server.started_in_s
    return numbers


ROWS = [
    ("startup_s", "server start to first answer (s)", False),
    ("ingest_points_per_s", "log_batch ingest, {points:,} points (points/s)", True),
    ("history_first_ms", "get_metric_history {points:,} points, first (ms)", False),
    ("history_ms", "get_metric_history {points:,} points, best (ms)", False),
    ("raw_ingest_points_per_s", "  same log-batch bodies posted in turn, server side (points/s)", True),
    ("raw_history_ms", "  same get-history requests, json only, best (ms)", False),
    ("seed_runs_per_s", "create + log_batch + terminate, 8 threads (runs/s)", True),
    ("search_ms", "search {runs:,} runs, filter + sort, 100 results (ms)", False),
    ("search_matches", "search matches", None),
    ("list_all_ms", "list all {runs:,} runs, pages of 1,000 (ms)", False),
]


def print_table(runyard: dict[str, Any], mlflow: dict[str, Any]) -> None:
    """Both columns and how many times faster runyard is."""
    sizes = {"points": runyard["points"], "runs": runyard["runs"]}
    print(f"MLflow client {runyard['mlflow_version']}; same workload on both servers")
    print(f"{'workload':64} {'runyard':>12} {'MLflow':>12} {'runyard faster':>15}")
    for key, label, higher_is_better in ROWS:
        ours, theirs = float(runyard[key]), float(mlflow[key])
        ratio = "" if higher_is_better is None or not ours or not theirs else \
            f"{(ours / theirs if higher_is_better else theirs / ours):.1f}x"
        print(f"{label.format(**sizes):64} {ours:12.1f} {theirs:12.1f} {ratio:>15}")


def main() -> None:
    """Parse options; in --client mode run the workload, else drive both servers."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--points", type=int, default=100_000, help="log_batch / history points")
    parser.add_argument("--runs", type=int, default=1_000, help="runs to search over")
    parser.add_argument("--mlflow-python", help="Python with mlflow, or an mlflow executable")
    parser.add_argument("--client", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.client:
        client_main(args.client, args.points, args.runs, args.out)
        return
    python = find_mlflow_python(args.mlflow_python or (str(SIDE_VENV) if SIDE_VENV.exists() else None))
    if python is None:
        raise SystemExit("MLflow not found: pass --mlflow-python, set RUNYARD_BENCH_MLFLOW, or run the "
                         "tests of tests/server/mlflow once (they build the side venv)")
    print(f"runyard serve, then mlflow server; client: {python}", file=sys.stderr)
    runyard = on_runyard(python, args.points, args.runs)
    mlflow = on_mlflow(python, args.points, args.runs)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "mlflow_client.json").write_text(json.dumps({"runyard": runyard, "mlflow": mlflow}, indent=2))
    print_table(runyard, mlflow)
    assert runyard["search_matches"] == mlflow["search_matches"], "the servers disagree on the search"


if __name__ == "__main__":
    main()
