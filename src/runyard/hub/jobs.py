"""The manager's side of a worker process: start it, stop it for real, read its outcome."""

from __future__ import annotations

import contextlib
import multiprocessing
import threading
from pathlib import Path
from typing import Any

import orjson

from runyard.hub import worker
from runyard.hub.worker import Job

_SPAWN = multiprocessing.get_context("spawn")  # a fresh interpreter: no forked locks or threads


class JobProcess:
    """One worker process and its stop event."""

    def __init__(self, job: Job) -> None:
        self.job = job
        self.stop_event = _SPAWN.Event()
        self.process = _SPAWN.Process(target=worker.main, args=(job, self.stop_event),
                                      name=f"runyard-hub-{job.experiment}-{job.kind}", daemon=True)

    def start(self) -> None:
        """Spawn the worker."""
        self.process.start()

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the end; True when the process has ended."""
        self.process.join(timeout)
        return self.process.exitcode is not None

    def stop(self, grace_s: float) -> None:
        """Ask (stop event, polled by the type), then SIGTERM, then SIGKILL; returns once it is gone."""
        self.stop_event.set()
        if self.join(grace_s):
            return
        self.process.terminate()  # the SDK records the run `killed` on SIGTERM
        if self.join(max(1.0, grace_s / 2)):
            return
        with contextlib.suppress(OSError):
            self.process.kill()
        self.join()

    def outcome(self) -> dict[str, Any]:
        """What the worker reported; a worker that died without a word `crashed`."""
        path = Path(self.job.result_path)
        with contextlib.suppress(OSError, orjson.JSONDecodeError):
            found: dict[str, Any] = orjson.loads(path.read_bytes())
            return found
        code = self.process.exitcode
        return {"status": "crashed", "error": f"the {self.job.kind} process exited with code {code} "
                                              "before reporting"}


class ActiveJob:
    """A job of one experiment from its start (data gathering) to its recorded end."""

    def __init__(self, kind: str, run_uid: str) -> None:
        self.kind = kind
        self.run_uid = run_uid
        self.process: JobProcess | None = None
        self.stop_requested = False
        self.done = threading.Event()
        self.outcome: dict[str, Any] = {}
        self.thread: threading.Thread | None = None
