"""Plain records the store hands out: projects, runs, metric series, logs, artifacts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

RUN_STATUSES: tuple[str, ...] = ("running", "finished", "failed", "crashed", "killed")
TERMINAL_STATUSES: frozenset[str] = frozenset({"finished", "failed", "crashed", "killed"})
# Metric keys of the SDK's system monitor: they count seconds, not training steps.
SYSTEM_METRIC_PREFIX = "system/"

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


@dataclass(slots=True)
class Project:
    """A named group of runs, unique by name inside its tenant."""

    id: int
    tenant: str
    name: str
    description: str
    tags: list[str]
    notes: str
    lifecycle: str
    artifact_location: str
    created_at: float
    updated_at: float


@dataclass(slots=True)
class Run:
    """One execution of a training script."""

    id: int
    uid: str
    project_id: int
    name: str
    status: str
    description: str
    notes: str
    tags: list[str]
    config: dict[str, Any]
    params: dict[str, Any]
    system: dict[str, Any]
    start_time: float
    end_time: float | None
    heartbeat_at: float
    updated_at: float
    host: str
    pid: int
    pid_started_at: float
    # Values the script set as the run's summary (`run.summary[...]`), beside the metric series.
    summary: dict[str, Any] = field(default_factory=dict)
    # `run.define_metric`: metric name or glob -> {"step_metric": key to chart it against}.
    metric_defs: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class MetricSummary:
    """Per (run, key) aggregate kept up to date at write time."""

    run_id: int
    key: str
    count: int
    min: float
    max: float
    first_step: int
    last_step: int
    last_value: float
    last_time: float
    # Sorting a run's keys by this lists them in the order they were first logged (as Aspara does).
    first_logged: int = 0


@dataclass(slots=True)
class MetricColumns:
    """One key's points as aligned arrays: steps, values and wall times (epoch seconds)."""

    steps: IntArray
    values: FloatArray
    times: FloatArray

    def __post_init__(self) -> None:
        if not (len(self.steps) == len(self.values) == len(self.times)):
            raise ValueError("steps, values and times must have the same length")

    def __len__(self) -> int:
        return len(self.steps)

    @classmethod
    def empty(cls) -> MetricColumns:
        """A series with no points."""
        return cls(
            np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float64), np.empty(0, dtype=np.float64)
        )


@dataclass(slots=True)
class Downsampled:
    """A series reduced to buckets over a step range; arrays have one entry per non-empty bucket."""

    key: str
    step_min: int
    step_max: int
    total_points: int
    bucket_start: IntArray
    bucket_end: IntArray
    count: IntArray
    min: FloatArray
    min_step: IntArray
    max: FloatArray
    max_step: IntArray
    last: FloatArray
    last_step: IntArray
    last_time: FloatArray


@dataclass(slots=True)
class LogLine:
    """One console line of a run."""

    id: int
    run_id: int
    time: float
    stream: str
    line: str


@dataclass(slots=True)
class Artifact:
    """A file attached to a run, stored under the data dir."""

    id: int
    run_id: int
    path: str
    size: int
    sha256: str
    created_at: float


@dataclass(slots=True)
class Change:
    """One committed write, numbered by a global monotonic sequence."""

    seq: int
    run_id: int | None
    kind: str
    detail: dict[str, Any] = field(default_factory=dict)
    created_at: float = 0.0


@dataclass(slots=True)
class Token:
    """An API token of a tenant; only its hash is stored."""

    id: int
    tenant: str
    name: str
    prefix: str
    created_at: float
    revoked_at: float | None
    last_used_at: float | None
