"""Request bodies and (documentation-only) response models of the v1 API."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, Field, StrictInt, StrictStr

from runyard.server.v1.shapes import INT64_MAX, end_status, metric_value

Id = Annotated[StrictStr | StrictInt, Field(description="an id: the integer as a string (or a number)")]
MetricValue = Annotated[
    float, BeforeValidator(metric_value),
    Field(description='a number, or "NaN", "Infinity", "-Infinity"'),
]
Step = Annotated[int, Field(ge=0, le=INT64_MAX, description="step >= 0; missing: the key's last step + 1")]
Timestamp = Annotated[
    float, Field(ge=0, le=1e15, allow_inf_nan=False, description="epoch milliseconds; missing: now")
]
ParamValue = StrictStr | StrictInt | float | bool
TagDict = dict[str, StrictStr]


class CreateExperiment(BaseModel):
    """`POST /experiments`."""

    name: str = Field(min_length=1, max_length=255)
    description: str = Field(default="", max_length=1000)
    artifact_location: str = Field(default="", max_length=1000)
    tags: TagDict = Field(default_factory=dict)


class UpdateExperiment(BaseModel):
    """`PATCH /experiments/{id}`: only the fields given change; `tags` is a merge patch."""

    name: str | None = Field(default=None, min_length=1, max_length=255)
    description: str | None = Field(default=None, max_length=1000)
    artifact_location: str | None = Field(default=None, max_length=1000)
    tags: dict[str, StrictStr | None] | None = Field(
        default=None, description="merge patch: a value sets the tag, null removes it"
    )


class CreateRun(BaseModel):
    """`POST /experiments/runs`."""

    experiment_id: Id
    name: str | None = Field(default=None, min_length=1, max_length=255)
    description: str = Field(default="", max_length=10_000)
    tags: TagDict = Field(default_factory=dict)


class EndRun(BaseModel):
    """`POST /experiments/runs/{id}/end`."""

    status: Annotated[str, AfterValidator(end_status)] = Field(
        default="FINISHED", validate_default=True, description="FINISHED, FAILED or KILLED (any case)"
    )
    end_time: Timestamp | None = None


class LogMetrics(BaseModel):
    """`POST /experiments/runs/{id}/log-metrics`."""

    metrics: dict[str, MetricValue] = Field(min_length=1)
    step: Step | None = None
    timestamp: Timestamp | None = None


class LogParams(BaseModel):
    """`POST /experiments/runs/{id}/log-params`."""

    params: dict[str, ParamValue] = Field(min_length=1)


class BatchMetric(BaseModel):
    """One metric point of a batch."""

    key: str
    value: MetricValue
    step: Step | None = None
    timestamp: Timestamp | None = None


class BatchParam(BaseModel):
    """One param of a batch."""

    key: str
    value: ParamValue


class BatchTag(BaseModel):
    """One tag of a batch."""

    key: str
    value: StrictStr = ""


class LogBatch(BaseModel):
    """`POST /experiments/runs/{id}/log-batch`: all or nothing; `batch_id` makes retries idempotent."""

    metrics: list[BatchMetric] = Field(default_factory=list)
    params: list[BatchParam] = Field(default_factory=list)
    tags: list[BatchTag] = Field(default_factory=list)
    batch_id: str | None = Field(default=None, min_length=1, max_length=128)


class CompareRuns(BaseModel):
    """`POST /experiments/runs/compare`: 2-10 runs; `metrics` omitted means every key."""

    run_ids: list[Id] = Field(description="2 to 10 run ids (or uids)")
    metrics: list[str] | None = Field(default=None, max_length=1000)


# -- response models: documentation only (routes answer JSONResponse directly) ----------


class ErrorOut(BaseModel):
    """Every error: `{"detail": "message"}` (422 keeps FastAPI's list of problems)."""

    detail: Any


class ExperimentOut(BaseModel):
    """An experiment; times in epoch milliseconds."""

    id: str
    name: str
    description: str
    artifact_location: str
    lifecycle_stage: str
    tags: dict[str, str]
    created_at: int
    updated_at: int


class ExperimentListOut(BaseModel):
    """A page of experiments."""

    experiments: list[ExperimentOut]
    total: int
    limit: int
    offset: int


class RunOut(BaseModel):
    """A run; `metrics` holds the latest value of each key."""

    id: str
    uid: str
    experiment_id: str
    name: str
    description: str
    status: str
    start_time: int
    end_time: int | None
    params: dict[str, Any]
    tags: dict[str, str]
    metrics: dict[str, float | str]


class RunListOut(BaseModel):
    """A page of runs."""

    runs: list[RunOut]
    total: int
    limit: int
    offset: int


class ArtifactOut(BaseModel):
    """A stored artifact file."""

    run_id: str
    path: str
    size: int
    sha256: str
    created_at: int


class LogMetricsOut(BaseModel):
    """How many values were logged, and the step each key got."""

    metrics: int
    steps: dict[str, int]


class LogParamsOut(BaseModel):
    """How many params were logged."""

    params: int


class LogBatchOut(BaseModel):
    """What the batch held; `replayed` when its `batch_id` had already been applied."""

    metrics: int
    params: int
    tags: int
    replayed: bool


class MetricStatsOut(BaseModel):
    """One metric of one run: last value, min, max (NaN ignored) and last step."""

    latest: float | str
    min: float | str
    max: float | str
    step: int


class CompareOut(BaseModel):
    """Runs side by side: `metrics[key][run_id]` (null when lacking) and `params_diff[param][run_id]`."""

    runs: list[dict[str, Any]]
    metrics: dict[str, dict[str, MetricStatsOut | None]]
    params_diff: dict[str, dict[str, Any]]


ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorOut, "description": text}
    for code, text in ((400, "Invalid request parameters"), (403, "Cross-site write refused (cookie sign-in)"),
                       (404, "Experiment or run not found, or another tenant's (the same answer)"),
                       (409, "Conflict"))
}
