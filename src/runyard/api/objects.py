"""What the read API hands out: projects and runs with lazy access to their data."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from runyard.api.history import build_history
from runyard.errors import NotFoundError
from runyard.store import Artifact, LogLine, MetricColumns, MetricSummary, Run
from runyard.store.metric_defs import step_metric_of

if TYPE_CHECKING:  # polars costs ~0.15 s to import: paid by the calls that build frames, not by `import runyard`
    import polars as pl

    from runyard.api.backend import ReadBackend
    from runyard.api.records import RunRecord


@dataclass(frozen=True, slots=True)
class ApiProject:
    """A project with its run count."""

    id: int
    name: str
    description: str
    tags: list[str]
    notes: str
    created_at: float
    run_count: int


class ApiRun:
    """One run: its attributes, metric summaries, full history, logs and artifacts."""

    def __init__(self, backend: ReadBackend, found: RunRecord) -> None:
        self._backend = backend
        self._record = found.run
        self.project = found.project
        self._summaries: dict[str, MetricSummary] | None = found.summaries

    def __repr__(self) -> str:
        return f"<ApiRun {self.project}/{self.name} uid={self.uid} status={self.status}>"

    # -- attributes ----------------------------------------------------------------
    @property
    def record(self) -> Run:
        """The underlying store record."""
        return self._record

    @property
    def id(self) -> int:
        """Integer id."""
        return self._record.id

    @property
    def uid(self) -> str:
        """String uid, e.g. `run-20250321_125806-a3b1799d`."""
        return self._record.uid

    @property
    def name(self) -> str:
        """Name, unique in the project."""
        return self._record.name

    @property
    def project_id(self) -> int:
        """Id of the run's project."""
        return self._record.project_id

    @property
    def status(self) -> str:
        """One of running, finished, failed, crashed, killed."""
        return self._record.status

    @property
    def config(self) -> dict[str, Any]:
        """Config given at init."""
        return self._record.config

    @property
    def params(self) -> dict[str, Any]:
        """Logged params."""
        return self._record.params

    @property
    def tags(self) -> list[str]:
        """Tags."""
        return self._record.tags

    @property
    def notes(self) -> str:
        """Free-text notes."""
        return self._record.notes

    @property
    def description(self) -> str:
        """Description."""
        return self._record.description

    @property
    def system(self) -> dict[str, Any]:
        """System info captured at start (host, python, cpu, gpu, ...)."""
        return self._record.system

    @property
    def host(self) -> str:
        """Host the run's process ran on."""
        return self._record.host

    @property
    def pid(self) -> int:
        """Process id of the run's process."""
        return self._record.pid

    @property
    def start_time(self) -> float:
        """Start, epoch seconds."""
        return self._record.start_time

    @property
    def end_time(self) -> float | None:
        """End, epoch seconds; None while running."""
        return self._record.end_time

    @property
    def duration(self) -> float:
        """Seconds from start to end (to now while the run has no end)."""
        end = self._record.end_time if self._record.end_time is not None else time.time()
        return max(0.0, end - self._record.start_time)

    def refresh(self) -> ApiRun:
        """Re-read the run's attributes and summaries (a live run changes under us)."""
        found = self._backend.reload(self.id)
        self._record, self.project, self._summaries = found.run, found.project, found.summaries
        return self

    # -- metrics -------------------------------------------------------------------
    @property
    def summaries(self) -> dict[str, MetricSummary]:
        """Per-key summaries: count, min, max, first/last step, last value and time."""
        if self._summaries is None:
            self.refresh()
        assert self._summaries is not None
        return self._summaries

    @property
    def summary(self) -> dict[str, Any]:
        """Last logged value of each metric key, overridden by what the script set in `run.summary`."""
        return {**{key: s.last_value for key, s in self.summaries.items()}, **self._record.summary}

    @property
    def metric_definitions(self) -> dict[str, Any]:
        """`run.define_metric`s: metric name or glob -> {"step_metric": key}."""
        return self._record.metric_defs

    def step_metric(self, key: str) -> str | None:
        """The key the metric `key` is charted against (`define_metric`), None for the step."""
        return step_metric_of(self._record.metric_defs, key)

    @property
    def keys(self) -> list[str]:
        """Metric keys of the run, sorted."""
        return list(self.summaries)

    def series(
        self, key: str, *, step_min: int | None = None, step_max: int | None = None
    ) -> MetricColumns:
        """One key's full-fidelity points as numpy arrays (steps, values, times)."""
        self._check_keys([key])
        return self._backend.read_metrics(self.id, [key], step_min, step_max)[key]

    def _check_keys(self, keys: Sequence[str]) -> None:
        if any(key not in self.summaries for key in keys):
            self.refresh()  # a live run may have started logging the key since we looked
            missing = [key for key in keys if key not in self.summaries]
            if missing:
                raise NotFoundError(self._missing_key_message(missing[0]))

    def history(
        self,
        keys: Sequence[str] | str | None = None,
        *,
        step_min: int | None = None,
        step_max: int | None = None,
    ) -> pl.DataFrame:
        """Every point of `keys` (default: all) as a wide table: `step` plus one column per key."""
        if isinstance(keys, str):
            keys = [keys]
        wanted = list(self.summaries) if keys is None else list(dict.fromkeys(keys))
        self._check_keys(wanted)
        # One read for all keys: a server answers them in one request.
        return build_history(self._backend.read_metrics(self.id, wanted, step_min, step_max))

    def _missing_key_message(self, key: str) -> str:
        known = ", ".join(self.summaries) or "none"
        return f"run {self.project}/{self.name} has no metric {key!r} (metrics: {known})"

    # -- logs and artifacts --------------------------------------------------------
    def logs(self, tail: int | None = None) -> list[LogLine]:
        """Console lines in order; `tail` keeps the last N."""
        return self._backend.read_logs(self.id, tail)

    def artifacts(self) -> list[Artifact]:
        """Files attached to the run."""
        return self._backend.list_artifacts(self.id)

    def artifact_path(self, name: str) -> str:
        """Local path of an artifact file (read from a server: a downloaded copy)."""
        return self._backend.artifact_path(self.id, name)

    def to_dict(self) -> dict[str, Any]:
        """Plain attributes and last metric values, for JSON output."""
        r = self._record
        return {
            "id": r.id, "uid": r.uid, "project": self.project, "name": r.name,
            "status": r.status, "tags": r.tags, "notes": r.notes, "config": r.config,
            "params": r.params, "system": r.system, "start_time": r.start_time,
            "end_time": r.end_time, "summary": self.summary, "metric_defs": r.metric_defs,
        }
