"""Live latency: a point logged over HTTP until its SSE event reaches a client.

Run: `.venv/bin/python bench/bench_live.py`. Starts `runyard serve` on a free loopback port,
follows one run over SSE, logs 300 points one request at a time (20 ms apart) and measures
send-to-receive time per point. Also measures the same from a local-mode process writing
the server's data dir (the change-log poll path). Writes bench/results/live.json.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.live_server import LiveServer
from tests.sse_client import parse_lines

RESULTS = Path(__file__).resolve().parent / "results"
POINTS = 300

LOCAL_WRITER = r"""
import sys, time, runyard
run = runyard.init(project="bench", name="local", dir=sys.argv[1], capture_console=False)
print("READY", flush=True)
sys.stdin.readline()
for step in range(int(sys.argv[2])):
    run.log({"x": time.time()}, step=step)
    time.sleep(0.02)
run.finish()
"""


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered) * 1e3, ordered[int(len(ordered) * 0.99) - 1] * 1e3


def _follow(url: str, received: dict[int, float], ready: threading.Event, key: str) -> None:
    with httpx.stream("GET", url, timeout=60) as response:
        ready.set()
        for event in parse_lines(response.iter_lines()):
            if event.event == "metrics":
                now = time.time()
                for step in event.data["metrics"][key]["steps"]:
                    received[step] = now
            elif event.event == "status":
                return


def http_latency(server: LiveServer) -> tuple[float, float]:
    """Log over HTTP, receive over SSE."""
    experiment = httpx.post(f"{server.url}/api/v1/experiments", json={"name": "bench"}).json()
    run_id = httpx.post(f"{server.url}/api/v1/experiments/runs", json={"experiment_id": experiment["id"]}).json()["id"]
    received: dict[int, float] = {}
    ready = threading.Event()
    follower = threading.Thread(target=_follow, args=(f"{server.url}/api/v1/experiments/runs/{run_id}/stream",
                                                      received, ready, "loss"))
    follower.start()
    ready.wait(10)
    time.sleep(0.3)
    sent: dict[int, float] = {}
    with httpx.Client(base_url=server.url) as client:
        for step in range(POINTS):
            sent[step] = time.time()
            client.post(f"/api/v1/experiments/runs/{run_id}/log-metrics", json={"metrics": {"loss": 1.0}, "step": step})
            time.sleep(0.02)
        client.post(f"/api/v1/experiments/runs/{run_id}/end", json={})
    follower.join(30)
    return _percentiles([received[s] - sent[s] for s in sent if s in received])


def local_latency(server: LiveServer, data_dir: Path) -> tuple[float, float]:
    """A local-mode process writes the data dir; the server notices by polling its change log."""
    writer = subprocess.Popen([sys.executable, "-c", LOCAL_WRITER, str(data_dir), str(POINTS)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert writer.stdin is not None and writer.stdout is not None
    writer.stdout.readline()
    experiments = httpx.get(f"{server.url}/api/v1/experiments").json()["experiments"]
    experiment = next(e for e in experiments if e["name"] == "bench" and e["id"])
    runs = httpx.get(f"{server.url}/api/v1/experiments/runs", params={"experiment_id": experiment["id"],
                                                                    "filter": "name = 'local'"}).json()["runs"]
    received: dict[int, float] = {}
    ready = threading.Event()
    follower = threading.Thread(target=_follow, args=(f"{server.url}/api/v1/experiments/runs/{runs[0]['id']}/stream",
                                                      received, ready, "x"))
    follower.start()
    ready.wait(10)
    time.sleep(0.3)
    writer.stdin.write("go\n")
    writer.stdin.flush()
    writer.wait(120)
    follower.join(30)
    series = httpx.get(f"{server.url}/api/v1/experiments/runs/{runs[0]['id']}/metrics/history?keys=x").json()
    logged_at = dict(zip(series["metrics"]["x"]["steps"], series["metrics"]["x"]["values"], strict=True))
    return _percentiles([received[s] - logged_at[s] for s in received])


def main() -> None:
    """Measure and print."""
    with tempfile.TemporaryDirectory(prefix="runyard-bench-live-") as tmp:
        server = LiveServer(Path(tmp)).start()
        try:
            http_p50, http_p99 = http_latency(server)
            local_p50, local_p99 = local_latency(server, Path(tmp))
        finally:
            server.stop()
    results = {"http_p50_ms": http_p50, "http_p99_ms": http_p99, "local_p50_ms": local_p50, "local_p99_ms": local_p99}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "live.json").write_text(json.dumps({"when": time.strftime("%Y-%m-%d %H:%M:%S"), "results": results}, indent=2))
    print(f"{'measure':58} {'value':>8} {'target':>7}")
    print(f"{'log over HTTP -> SSE event at client, p50 (ms)':58} {http_p50:8.1f} {'50':>7}")
    print(f"{'log over HTTP -> SSE event at client, p99 (ms)':58} {http_p99:8.1f}")
    print(f"{'local-mode log() -> SSE event (incl. 0.5 s SDK flush), p50 (ms)':58} {local_p50:8.1f}")
    print(f"{'local-mode log() -> SSE event (incl. 0.5 s SDK flush), p99 (ms)':58} {local_p99:8.1f}")


if __name__ == "__main__":
    main()
