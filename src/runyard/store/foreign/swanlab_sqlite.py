"""Reading SwanLab's offline-dashboard database (`<swanlog>/runs.swanlab`), read-only.

SwanLab 0.10.x in local mode (with `swanlab[dashboard]`, whose swanboard package owns this
schema) keeps one SQLite file per swanlog folder: `project`, `experiment` (one row per run:
`run_id` is the run's folder name, `status` -1 crashed / 0 running / 1 finished, ISO 8601
`create_time`/`finish_time`) and `tag` (one row per logged key: `folder` names the key's
folder under the run's `logs/`, `type` is "line" for scalars, else the medium).
"""

from __future__ import annotations

from typing import NamedTuple

from runyard.store.foreign.read_only_db import ReadOnlyDatabase


class ExperimentRow(NamedTuple):
    experiment_id: int
    project: str
    run_id: str
    name: str
    description: str
    status: int
    create_time: str
    finish_time: str | None


class TagRow(NamedTuple):
    name: str
    folder: str
    type: str


class SwanlabDatabase(ReadOnlyDatabase):
    """One read-only connection to a swanlog folder's `runs.swanlab`."""

    what = "SwanLab dashboard database"
    needed = frozenset({"project", "experiment", "tag"})

    def experiments(self) -> list[ExperimentRow]:
        return [ExperimentRow(int(eid), str(project), str(run_id), str(name), description or "", int(status),
                              str(created), finished)
                for eid, project, run_id, name, description, status, created, finished in self._rows(
                    "SELECT e.id, p.name, e.run_id, e.name, e.description, e.status, e.create_time, e.finish_time"
                    " FROM experiment e JOIN project p ON p.id = e.project_id ORDER BY e.id")]

    def tags(self, experiment_id: int) -> list[TagRow]:
        return [TagRow(str(name), str(folder if folder is not None else ""), str(kind)) for name, folder, kind in
                self._rows("SELECT name, folder, type FROM tag WHERE experiment_id = ? ORDER BY sort, id",
                           experiment_id)]
