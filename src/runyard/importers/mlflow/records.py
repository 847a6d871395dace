"""What an MLflow store holds, as plain records: each reader yields these, the writer maps them.

Values keep MLflow's units (times in epoch milliseconds, statuses as MLflow names them) so a
reader only translates its storage format and every mapping decision lives in the writer.
"""

from __future__ import annotations

import abc
from contextlib import AbstractContextManager
from dataclasses import dataclass, field

import numpy as np

from runyard.store.models import FloatArray, IntArray
from runyard.store.run_data import ByteStream

# MLflow's RunStatus names; its file store writes the enum's number into meta.yaml instead.
STATUSES: tuple[str, ...] = ("RUNNING", "SCHEDULED", "FINISHED", "FAILED", "KILLED")
STATUS_BY_NUMBER: dict[int, str] = {1: "RUNNING", 2: "SCHEDULED", 3: "FINISHED", 4: "FAILED", 5: "KILLED"}
# MLflow marks a run's name as this tag; the run record's own name column mirrors it.
RUN_NAME_TAG = "mlflow.runName"


@dataclass(frozen=True, slots=True)
class SourceExperiment:
    """One active MLflow experiment."""

    experiment_id: str
    name: str
    tags: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SourceRun:
    """One active MLflow run: its record, params, tags and the keys it logged metrics under."""

    run_id: str
    experiment_id: str
    name: str
    status: str
    start_time_ms: int | None
    end_time_ms: int | None
    artifact_uri: str
    params: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    metric_keys: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class MetricHistory:
    """Every point MLflow kept for one (run, key), several per step included, in logging order."""

    steps: IntArray
    timestamps_ms: IntArray
    values: FloatArray

    def __len__(self) -> int:
        return len(self.steps)

    @classmethod
    def from_points(cls, points: list[tuple[int, int, float]]) -> MetricHistory:
        """From (step, timestamp ms, value) triples."""
        if not points:
            return cls(np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.float64))
        steps, stamps, values = zip(*points, strict=True)
        return cls(np.asarray(steps, np.int64), np.asarray(stamps, np.int64), np.asarray(values, np.float64))


@dataclass(frozen=True, slots=True)
class SourceArtifact:
    """One artifact file of a run: its path inside the run's artifact root and its size when known."""

    path: str
    size: int | None = None


def status_name(raw: object) -> str:
    """MLflow's status name from a name or the file store's enum number; unknown ones read as FAILED."""
    if isinstance(raw, int) and not isinstance(raw, bool):
        return STATUS_BY_NUMBER.get(raw, "FAILED")
    text = str(raw).upper()
    return text if text in STATUSES else "FAILED"


class MlflowSource(abc.ABC):
    """A readable MLflow store: a tracking server, an `mlruns` folder or an MLflow database.

    Deleted experiments and runs (MLflow's trash) are left out, as MLflow's own views do.
    """

    description: str = ""

    @abc.abstractmethod
    def experiments(self) -> list[SourceExperiment]:
        """Every active experiment."""

    @abc.abstractmethod
    def runs(self, experiment: SourceExperiment) -> list[SourceRun]:
        """The experiment's active runs."""

    @abc.abstractmethod
    def metric_history(self, run: SourceRun, key: str) -> MetricHistory:
        """Every point of one metric of the run."""

    @abc.abstractmethod
    def artifacts(self, run: SourceRun) -> list[SourceArtifact]:
        """The run's artifact files, folders walked."""

    @abc.abstractmethod
    def open_artifact(self, run: SourceRun, artifact: SourceArtifact) -> AbstractContextManager[ByteStream]:
        """The bytes of one artifact file, as a stream (files are copied, never loaded as code)."""

    def unreachable_artifacts(self, run: SourceRun) -> bool:
        """True when the run's artifacts live where this source cannot read them (a bucket, a server's folder)."""
        return False

    def close(self) -> None:  # noqa: B027 -- most sources hold nothing open
        """Release connections and files."""

    def __enter__(self) -> MlflowSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()



def oldest_first(runs: list[SourceRun]) -> list[SourceRun]:
    """Runs in the order they were started (stable on id), so a project lists them as MLflow made them."""
    return sorted(runs, key=lambda run: (run.start_time_ms or 0, run.run_id))
