"""Helpers shared by the SDK tests (a fake tensor, fake sinks, subprocess scripts)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from runyard.errors import StoreError
from runyard.sdk.sink import RunHandle, RunSpec, Sink
from runyard.store.models import Artifact, MetricColumns


class FakeTensor:
    """Just enough of a torch tensor: `.numel()` and `.item()`."""

    def __init__(self, *values: float) -> None:
        self.values = values

    def numel(self) -> int:
        return len(self.values)

    def item(self) -> float:
        if len(self.values) != 1:
            raise RuntimeError("a Tensor with 2 elements cannot be converted to Scalar")
        return self.values[0]


class MemorySink(Sink):
    """Keeps batches in memory; can be told to fail or to be slow."""

    def __init__(self) -> None:
        self.batches: list[tuple[str, dict[str, MetricColumns]]] = []
        self.lines: list[tuple[float, str, str]] = []
        self.status: str | None = None
        self.system: dict[str, Any] | None = None
        self.heartbeats = 0
        self.fail = False
        self.delay = 0.0
        self.gate = threading.Event()
        self.gate.set()
        self.calls = 0
        self.closed = False

    def open_run(self, spec: RunSpec) -> RunHandle:
        return RunHandle(1, "run-test", spec.name or "mem", spec.project, 1)

    def _io(self) -> None:
        self.calls += 1
        self.gate.wait()
        if self.delay:
            time.sleep(self.delay)
        if self.fail:
            raise StoreError("disk on fire")

    def write_metrics(self, run_id: int, batch: Mapping[str, MetricColumns], batch_id: str) -> None:
        self._io()
        if all(bid != batch_id for bid, _ in self.batches):
            self.batches.append((batch_id, dict(batch)))

    def write_logs(self, run_id: int, lines: Sequence[tuple[float, str, str]], batch_id: str) -> None:
        self._io()
        self.lines.extend(lines)

    def heartbeat(self, run_id: int) -> None:
        self.heartbeats += 1

    def update_run(self, run_id: int, *, tags: Sequence[str] | None = None,
                   system: Mapping[str, Any] | None = None, config: Mapping[str, Any] | None = None) -> None:
        self._io()
        if system is not None:
            self.system = dict(system)

    def log_params(self, run_id: int, params: Mapping[str, Any]) -> None:
        self._io()

    def add_artifact(self, run_id: int, path: Path, name: str | None) -> Artifact:
        raise NotImplementedError

    def set_status(self, run_id: int, status: str) -> None:
        self._io()
        self.status = status

    def close(self) -> None:
        self.closed = True

    def values(self, key: str) -> list[float]:
        """All values written for a key, in write order."""
        return [v for _, b in self.batches if key in b for v in b[key].values.tolist()]

    def steps(self, key: str) -> list[int]:
        """All steps written for a key, in write order."""
        return [s for _, b in self.batches if key in b for s in b[key].steps.tolist()]


def write_script(tmp_path: Path, body: str, name: str = "script.py") -> Path:
    """A Python script in tmp_path (body is dedented)."""
    path = tmp_path / name
    path.write_text(textwrap.dedent(body))
    return path


def start_script(path: Path, *args: str) -> subprocess.Popen[str]:
    """Run a script with this interpreter, stdout/stderr piped."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("RUNYARD_DIR", None)
    return subprocess.Popen(
        [sys.executable, str(path), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=path.parent,
    )


def wait_for_line(proc: subprocess.Popen[str], marker: str, timeout: float = 20.0) -> None:
    """Read the child's stdout until a line equals `marker`."""
    assert proc.stdout is not None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            raise AssertionError(f"child exited before {marker!r}: {proc.wait()} {proc.stderr.read() if proc.stderr else ''}")
        if line.strip() == marker:
            return
    raise AssertionError(f"no {marker!r} within {timeout} s")
