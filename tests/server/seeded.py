"""Real objects of one tenant for the route-enumerating tests (access and fuzz).

Each tenant gets a project, a finished run with metrics, console logs, params and an
artifact, an MLflow logged model with a file, a token, and (when asked) an ExperimentHub record. `values()` maps route
parameter names to these objects, so a test can fill every route's path from them.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np

from runyard import media_index
from runyard.sdk.media_encode import png_from_array
from runyard.server.swanlab import ids as swanlab_ids
from runyard.store import MetricColumns, Project, Run, Store

ARTIFACT = "model/weights.txt"
MEDIA_KEY = "samples/input"  # a logged image (an artifact under media/, see runyard.media_index)
METRIC = "train/loss"
HUB_TYPE = "time_series"


@dataclass(frozen=True, slots=True)
class Seeded:
    """One tenant's objects, and strings only that tenant's answers may contain."""

    tenant: str
    token: str
    project: Project
    run: Run
    hub_name: str
    other_run_id: int  # a second run of the project (comparisons need two)
    model_id: str  # an MLflow logged model of the project, with a file and a tag

    @property
    def markers(self) -> tuple[str, ...]:
        """Names and values that leak this tenant's data when another tenant sees them."""
        return (self.project.name, self.run.uid, f"secret-{self.tenant}", self.hub_name, self.model_id)

    def values(self) -> dict[str, str]:
        """Route parameter name -> a value naming one of this tenant's objects.

        Path-specific meanings (SwanLab's `experiment_id` is a run id, v1's a project id)
        are resolved by `value_for`.
        """
        return {
            "run_id": str(self.run.id),
            "uid": self.run.uid,
            "experiment_id": str(self.project.id),
            "project_id": str(self.project.id),
            "experiment": self.project.name,
            "project": self.project.name,
            "run": self.run.name,
            "path": ARTIFACT,
            "tag": METRIC,
            "runs": str(self.run.id),
            "keys": METRIC,
            "name": self.hub_name,
            "queue": self.hub_name,
            "experiment_type": HUB_TYPE,
            "plot": "forecast",
            "server_id": "1",
            "experiment_name": self.project.name,
            "metric_key": METRIC,
            "model_id": self.model_id,
            "ref": self.run.uid,
            "tag_key": "secret",
            "artifact_path": f"{self.project.id}/{self.run.uid}/artifacts/{ARTIFACT}",
        }

    def value_for(self, path: str, name: str) -> str | None:
        """The value of parameter `name` in route `path`; None when there is no mapping."""
        if path.startswith("/api/v1/experiment/") and name == "experiment_id":
            return str(self.run.id)  # SwanLab: an "experiment" is a run
        if path.startswith(("/api/v1/chart/", "/api/v1/namespace/")) and name in ("chart_id", "namespace_id"):
            return str(swanlab_ids.chart_id(self.run.id, 0, multi=False))  # the run's first chart (and its group)
        if path.startswith("/api/projects/") and name == "runs":
            return self.run.name  # Aspara names runs
        if path.startswith("/api/2.0/mlflow/") and name in ("run_id", "run_uuid", "run_ids"):
            return self.run.uid  # MLflow names runs by uid
        if path.startswith("/{name}/load/") and name == "run_id":
            return self.run.uid  # ExperimentHub loads a model by run uid
        if path.startswith("/api/2.0/mlflow-artifacts/") and name == "path":
            return f"{self.project.id}/{self.run.uid}/artifacts/{ARTIFACT.rsplit('/', 1)[0]}"  # a folder to list
        if path.startswith("/web/api/") and name == "filter":
            return "seeded"  # a free word of the runs table's filter: the seeded run's tag
        if path.endswith(("/media/item", "/media/histograms")) and name in ("key", "step"):
            return MEDIA_KEY if name == "key" else "0"
        return self.values().get(name)


def seed(store: Store, tenant: str, prefix: str) -> Seeded:
    """Create a tenant's objects (names start with `prefix`, so tenants never share a name)."""
    _token, secret = store.create_token(tenant, name=f"{prefix}-token")
    project = store.create_project(f"{prefix}-project", tenant=tenant, description=f"secret-{tenant}")
    run = store.create_run(project.id, name=f"{prefix}-run", config={"lr": 0.1, "note": f"secret-{tenant}"},
                           params={"optimizer": f"secret-{tenant}"}, tags=("seeded",), status="running")
    steps = np.arange(50, dtype=np.int64)
    store.append_metrics(run.id, {METRIC: MetricColumns(steps, np.linspace(1.0, 0.1, 50), 1.7e9 + steps.astype(np.float64))})
    store.append_logs(run.id, [(1.7e9, "stdout", f"hello secret-{tenant}"), (1.7e9 + 1, "stderr", "warn")])
    store.add_artifact_bytes(run.id, ARTIFACT, f"weights secret-{tenant}".encode())
    store.add_artifact_bytes(run.id, media_index.media_path(MEDIA_KEY, 0, "image"), png_from_array(np.zeros((2, 2), np.uint8)))
    store.add_artifact_bytes(run.id, media_index.caption_path(MEDIA_KEY, 0), f'{{"caption": "secret-{tenant}"}}'.encode())
    # Finished, so live streams replay and close instead of waiting for events.
    run = store.set_run_status(run.id, "finished", end_time=1.7e9 + 60)
    other = store.create_run(project.id, name=f"{prefix}-run-2", status="finished")
    model = store.create_logged_model(project.id, name=f"{prefix}-model", source_run_id=run.id,
                                      tags={"secret": f"secret-{tenant}"}, params={"alpha": f"secret-{tenant}"})
    store.add_logged_model_file(model.id, "MLmodel", io.BytesIO(f"secret-{tenant}".encode()))
    hub_name = f"{prefix}hub"
    store.hub_create_experiment(hub_name, tenant=tenant, type=HUB_TYPE, config={"target": "y"},
                               state={"run": run.uid})
    return Seeded(tenant, secret, project, run, hub_name, other.id, model.id)
