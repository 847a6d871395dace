"""Request bodies of the MLflow routes (POST JSON); GET routes read the same fields from the query string.

Field names follow MLflow's service.proto. The client sends int64 fields as JSON numbers or
strings and non-finite doubles as "NaN"/"Infinity"/"-Infinity": both parse. Unknown fields
(`run_uuid`, which older clients send next to `run_id`) are ignored.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from runyard.server.mlflow.paging import MAX_RESULTS

Text = Annotated[str, Field(max_length=100_000)]
Key = Annotated[str, Field(max_length=1_000)]
Millis = Annotated[int, Field(ge=0, le=4_102_444_800_000)]  # up to 2100-01-01
Step = Annotated[int, Field(ge=0, le=2**63 - 1)]  # runyard steps are never negative


class Body(BaseModel):
    model_config = ConfigDict(extra="ignore")


class KeyValue(Body):
    key: Key
    value: Text = ""


class CreateExperiment(Body):
    name: Annotated[str, Field(min_length=1, max_length=500)]
    artifact_location: Annotated[str, Field(max_length=2_000)] = ""
    tags: list[KeyValue] = []


class ExperimentRef(Body):
    experiment_id: Key


class UpdateExperiment(ExperimentRef):
    new_name: Annotated[str, Field(min_length=1, max_length=500)]


class ExperimentTag(ExperimentRef):
    key: Key
    value: Text = ""


class ExperimentTagKey(ExperimentRef):
    key: Key


class SearchExperiments(Body):
    max_results: Annotated[int, Field(ge=1, le=MAX_RESULTS)] = 1000
    page_token: Annotated[str, Field(max_length=1_000)] | None = None
    filter: Annotated[str, Field(max_length=10_000)] = ""
    order_by: list[Annotated[str, Field(max_length=1_000)]] = []
    view_type: Annotated[str, Field(max_length=20)] = "ACTIVE_ONLY"


class CreateRun(Body):
    experiment_id: Key = "0"
    user_id: Key = ""
    run_name: Annotated[str, Field(max_length=500)] = ""
    start_time: Millis | None = None
    tags: list[KeyValue] = []


class RunRef(Body):
    run_id: Key = ""
    run_uuid: Key = ""  # the deprecated name of run_id, still sent by the client

    @property
    def ref(self) -> str:
        """The run id, under either name."""
        return self.run_id or self.run_uuid


class UpdateRun(RunRef):
    status: Annotated[str, Field(max_length=20)] | None = None
    end_time: Millis | None = None
    run_name: Annotated[str, Field(max_length=500)] | None = None


class LogMetric(RunRef):
    key: Key
    value: float
    timestamp: Millis
    step: Step = 0


class LogParam(RunRef):
    key: Key
    value: Text = ""


class SetTag(RunRef):
    key: Key
    value: Text = ""


class DeleteTag(RunRef):
    key: Key


class Metric(Body):
    key: Key
    value: float
    timestamp: Millis
    step: Step = 0


class LogBatch(RunRef):
    metrics: list[Metric] = []
    params: list[KeyValue] = []
    tags: list[KeyValue] = []


class SearchRuns(Body):
    experiment_ids: list[Key] = []
    filter: Annotated[str, Field(max_length=10_000)] = ""
    run_view_type: Annotated[str, Field(max_length=20)] = "ACTIVE_ONLY"
    max_results: Annotated[int, Field(ge=1, le=MAX_RESULTS)] = 1000
    order_by: list[Annotated[str, Field(max_length=1_000)]] = []
    page_token: Annotated[str, Field(max_length=1_000)] | None = None
