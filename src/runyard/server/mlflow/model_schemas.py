"""Request bodies of the logged-model and run inputs/outputs routes (MLflow's service.proto field names)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from runyard.server.mlflow.schemas import Body, Key, KeyValue, RunRef, Step, Text

Name = Annotated[str, Field(max_length=500)]
MAX_LIST = 1_000  # params, tags, datasets or models in one request


class CreateLoggedModel(Body):
    experiment_id: Key
    name: Name = ""
    model_type: Name = ""
    source_run_id: Key = ""
    params: list[KeyValue] = Field(default_factory=list, max_length=MAX_LIST)
    tags: list[KeyValue] = Field(default_factory=list, max_length=MAX_LIST)


class FinalizeLoggedModel(Body):
    model_id: Key = ""
    status: Annotated[str, Field(max_length=40)] | int


class LoggedModelTags(Body):
    tags: list[KeyValue] = Field(default_factory=list, max_length=MAX_LIST)


class LoggedModelParams(Body):
    model_id: Key = ""
    params: list[KeyValue] = Field(default_factory=list, max_length=MAX_LIST)


class OrderBy(Body):
    field_name: Key
    ascending: bool = True
    dataset_name: Key = ""
    dataset_digest: Key = ""


class SearchLoggedModels(Body):
    experiment_ids: Annotated[list[Key], Field(max_length=MAX_LIST)]
    filter: Annotated[str, Field(max_length=10_000)] = ""
    max_results: Annotated[int, Field(ge=1, le=50_000)] = 100
    order_by: list[OrderBy] = Field(default_factory=list, max_length=20)
    page_token: Annotated[str, Field(max_length=1_000)] | None = None


class Dataset(Body):
    name: Key
    digest: Annotated[str, Field(min_length=1, max_length=36)]
    source_type: Key = ""
    source: Text = ""
    schema_: Annotated[str, Field(max_length=1_000_000, alias="schema")] = ""
    profile: Annotated[str, Field(max_length=1_000_000)] = ""


class DatasetInput(Body):
    tags: list[KeyValue] = Field(default_factory=list, max_length=MAX_LIST)
    dataset: Dataset


class ModelRef(Body):
    model_id: Key


class ModelOutput(ModelRef):
    step: Step = 0


class LogInputs(RunRef):
    datasets: list[DatasetInput] = Field(default_factory=list, max_length=MAX_LIST)
    models: list[ModelRef] = Field(default_factory=list, max_length=MAX_LIST)


class LogOutputs(RunRef):
    models: list[ModelOutput] = Field(default_factory=list, max_length=MAX_LIST)
