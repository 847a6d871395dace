"""Reading an MLflow SQLite database (`mlflow server --backend-store-uri sqlite:///...`), read-only.

The file is opened with `mode=ro`, so an import never changes it (and works on a copy a user
may not write). The tables are MLflow's SQLAlchemy schema, stable since MLflow 1.x:
`experiments`, `experiment_tags`, `runs`, `params`, `tags`, `metrics`. MLflow stores a NaN
metric as 0 with `is_nan` set (read back as NaN here) and an infinity as +-max float (read
back unchanged, as MLflow itself returns it).
"""

from __future__ import annotations

from typing import NamedTuple

from runyard.store.foreign.read_only_db import ReadOnlyDatabase


class ExperimentRow(NamedTuple):
    experiment_id: str
    name: str


class RunRow(NamedTuple):
    run_id: str
    experiment_id: str
    name: str
    status: str
    start_time_ms: int | None
    end_time_ms: int | None
    artifact_uri: str


class MlflowDatabase(ReadOnlyDatabase):
    """One read-only connection to an MLflow database; active experiments and runs only."""

    what = "MLflow database"
    article = "an"
    needed = frozenset({"experiments", "experiment_tags", "runs", "params", "tags", "metrics"})

    def experiments(self) -> list[ExperimentRow]:
        return [ExperimentRow(str(eid), str(name)) for eid, name in self._rows(
            "SELECT experiment_id, name FROM experiments WHERE lifecycle_stage = 'active' ORDER BY experiment_id")]

    def experiment_tags(self, experiment_id: str) -> dict[str, str]:
        return {key: value or "" for key, value in self._rows(
            "SELECT key, value FROM experiment_tags WHERE experiment_id = ? ORDER BY key", experiment_id)}

    def runs(self, experiment_id: str) -> list[RunRow]:
        return [RunRow(str(run_id), experiment_id, name or "", status or "", start, end, uri or "")
                for run_id, name, status, start, end, uri in self._rows(
                    "SELECT run_uuid, name, status, start_time, end_time, artifact_uri FROM runs"
                    " WHERE experiment_id = ? AND lifecycle_stage = 'active' ORDER BY start_time, run_uuid",
                    experiment_id)]

    def params(self, run_id: str) -> dict[str, str]:
        return {key: value or "" for key, value in self._rows(
            "SELECT key, value FROM params WHERE run_uuid = ? ORDER BY key", run_id)}

    def tags(self, run_id: str) -> dict[str, str]:
        return {key: value or "" for key, value in self._rows(
            "SELECT key, value FROM tags WHERE run_uuid = ? ORDER BY key", run_id)}

    def metric_keys(self, run_id: str) -> list[str]:
        return [key for (key,) in self._rows(
            "SELECT DISTINCT key FROM metrics WHERE run_uuid = ? ORDER BY key", run_id)]

    def metric_points(self, run_id: str, key: str) -> list[tuple[int, int, float]]:
        """(step, timestamp ms, value) in logging order (rowid: MLflow inserts as it is sent)."""
        return [(int(step), int(stamp), float("nan") if is_nan else float(value)) for step, stamp, value, is_nan
                in self._rows("SELECT step, timestamp, value, is_nan FROM metrics WHERE run_uuid = ? AND key = ?"
                              " ORDER BY rowid", run_id, key)]
