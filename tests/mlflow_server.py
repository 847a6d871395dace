"""A real `mlflow server` (SQLite backend) in a child process: for the import tests and the benchmarks.

Standard library only: bench/bench_mlflow.py imports it from inside MLflow's own Python,
which has none of runyard's dependencies.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class MlflowServer:
    """`python -m mlflow server` on `work/mlflow.db`; stop() always reaps it and its workers.

    Artifacts go to `work/artifacts` as a local root (runs' `artifact_uri` is that path), or
    with `proxy_artifacts` to `work/mlartifacts` served by the server itself (`mlflow-artifacts:`
    URIs, MLflow's default for a server). `python` runs mlflow when this interpreter has none.
    """

    def __init__(self, work: Path, python: str | None = None, *, proxy_artifacts: bool = False,
                 workers: int | None = None) -> None:
        self.db = work / "mlflow.db"
        self.artifacts = work / ("mlartifacts" if proxy_artifacts else "artifacts")
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = work / "server.log"
        where = ["--artifacts-destination" if proxy_artifacts else "--default-artifact-root", str(self.artifacts)]
        self.command = [python or sys.executable, "-m", "mlflow", "server", "--backend-store-uri",
                        f"sqlite:///{self.db}", *where, "--host", "127.0.0.1", "--port", str(self.port),
                        *(["--workers", str(workers)] if workers else [])]
        self.proc: subprocess.Popen[bytes] | None = None
        self.started_in_s = 0.0

    def start(self, timeout_s: float = 120.0) -> MlflowServer:
        """Launch and wait until /health answers 200 (RuntimeError with the server's output otherwise)."""
        env = {**os.environ, "MLFLOW_DISABLE_TELEMETRY": "true", "DO_NOT_TRACK": "true"}
        env.pop("VIRTUAL_ENV", None)
        began = time.perf_counter()
        with self.log.open("wb") as log:
            # Own process group: the server forks uvicorn workers, and stop() must reap them all.
            self.proc = subprocess.Popen(self.command, stdout=log, stderr=subprocess.STDOUT, env=env,
                                         cwd=self.db.parent, start_new_session=True)
        while time.perf_counter() - began < timeout_s:
            if self.proc.poll() is not None:
                raise RuntimeError(f"mlflow server exited early:\n{self.log.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(self.url + "/health", timeout=1) as answer:
                    if answer.status == 200:
                        self.started_in_s = time.perf_counter() - began
                        return self
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.02)
        self.stop()
        raise RuntimeError(f"mlflow server did not answer within {timeout_s} s:\n{self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        """SIGTERM the server's process group, SIGKILL it if it lingers."""
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
