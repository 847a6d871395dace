"""Logged models and run inputs/outputs: their records and the part of the `Store` interface that keeps them.

A logged model is a named, versionless bundle of files produced by (or for) a project: MLflow 3's
`LoggedModel`, which every `mlflow.<flavor>.log_model`, autolog and even `log_table` create. It
has an id of its own (`m-` and 32 hex digits), a status (pending until its files are uploaded,
then ready or upload_failed), string params and tags, and a folder of files beside the runs'
artifact folders. A run links to models it produced (outputs, with a step) or used (inputs) and
to the datasets it read (inputs): those links are kept per run, each once.

`Store` inherits `LoggedModelStore`; backends implement it. Blocking and thread-safe like the
rest of the store; unknown ids raise `NotFoundError`.
"""

from __future__ import annotations

import abc
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from runyard.errors import InvalidInputError

if TYPE_CHECKING:
    from runyard.store.artifacts.base import ArtifactFile
    from runyard.store.run_data import ByteStream

MODEL_STATUSES: tuple[str, ...] = ("pending", "ready", "upload_failed")
_MODEL_ID = re.compile(r"m-[0-9a-f]{32}")


def new_model_id() -> str:
    """A fresh logged-model id, shaped like MLflow's (`m-` + 32 lowercase hex digits)."""
    return f"m-{uuid.uuid4().hex}"


def check_model_id(model_id: object) -> str:
    """A well-formed logged-model id; it names a folder, so nothing else is accepted."""
    if not isinstance(model_id, str) or not _MODEL_ID.fullmatch(model_id):
        raise InvalidInputError(f"logged model id {model_id!r:.60} must be 'm-' followed by 32 lowercase hex digits")
    return model_id


@dataclass(frozen=True, slots=True)
class LoggedModel:
    """One logged model; `tenant` is its project's, so `runyard.access` can check it directly."""

    id: str
    project_id: int
    tenant: str
    name: str
    model_type: str
    source_run_id: int | None  # the run that produced it, when one did
    status: str  # one of MODEL_STATUSES
    status_message: str
    created_at: float
    updated_at: float
    params: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ModelFile:
    """A file of a logged model: its path relative to the model's folder and its size."""

    path: str
    size: int


@dataclass(frozen=True, slots=True)
class DatasetInput:
    """A dataset a run read, as the client described it (schema and profile are the client's JSON text)."""

    name: str
    digest: str
    source_type: str = ""
    source: str = ""
    schema: str = ""
    profile: str = ""
    tags: tuple[tuple[str, str], ...] = ()  # e.g. ("mlflow.data.context", "train")


@dataclass(frozen=True, slots=True)
class RunLinks:
    """A run's inputs (datasets, models it used) and outputs (models it produced, at a step)."""

    datasets: tuple[DatasetInput, ...] = ()
    model_inputs: tuple[str, ...] = ()
    model_outputs: tuple[tuple[str, int], ...] = ()  # (model id, step)


class LoggedModelStore(abc.ABC):
    """Logged models, their files, and the dataset/model links of runs."""

    # -- models --------------------------------------------------------------------
    @abc.abstractmethod
    def create_logged_model(
        self,
        project_id: int,
        *,
        name: str,
        model_type: str = "",
        source_run_id: int | None = None,
        params: Mapping[str, str] | None = None,
        tags: Mapping[str, str] | None = None,
        model_id: str | None = None,
    ) -> LoggedModel:
        """A new pending model of the project; `model_id` defaults to a fresh one (importers keep theirs)."""

    @abc.abstractmethod
    def get_logged_model(self, model_id: str) -> LoggedModel:
        """The model with that id."""

    @abc.abstractmethod
    def list_logged_models(self, project_ids: Sequence[int]) -> list[LoggedModel]:
        """The models of those projects, newest first (then by id)."""

    @abc.abstractmethod
    def set_logged_model_status(self, model_id: str, status: str, *, message: str = "") -> LoggedModel:
        """Finalize a model: `ready` or `upload_failed` (or back to `pending`)."""

    @abc.abstractmethod
    def set_logged_model_tags(self, model_id: str, tags: Mapping[str, str]) -> LoggedModel:
        """Add or replace tags."""

    @abc.abstractmethod
    def delete_logged_model_tag(self, model_id: str, key: str) -> LoggedModel:
        """Remove one tag; `NotFoundError` when the model has no such tag."""

    @abc.abstractmethod
    def log_logged_model_params(self, model_id: str, params: Mapping[str, str]) -> LoggedModel:
        """Add params; a key already set to a different value is `InvalidInputError` and nothing is written."""

    @abc.abstractmethod
    def delete_logged_model(self, model_id: str) -> None:
        """Remove a model, its files and every run's link to it."""

    # -- model files ---------------------------------------------------------------
    @abc.abstractmethod
    def add_logged_model_file(self, model_id: str, name: str, stream: ByteStream, *,
                              max_bytes: int | None = None) -> ModelFile:
        """Store a stream as a file of the model (replacing one of that name); `PayloadTooLargeError` past `max_bytes`."""

    @abc.abstractmethod
    def logged_model_files(self, model_id: str) -> list[ModelFile]:
        """Every file of the model, ordered by path."""

    @abc.abstractmethod
    def open_logged_model_file(self, model_id: str, name: str) -> ArtifactFile:
        """One of the model's files opened for reading; `NotFoundError` when there is none of that name."""

    @abc.abstractmethod
    def delete_logged_model_files(self, model_id: str, name: str) -> int:
        """Delete the file `name`, or every file under the folder `name`; returns how many."""

    # -- run inputs and outputs ----------------------------------------------------
    @abc.abstractmethod
    def log_run_inputs(self, run_id: int, datasets: Sequence[DatasetInput] = (),
                       model_ids: Sequence[str] = ()) -> None:
        """Link datasets and models to the run as inputs; a link it already has is kept as it is."""

    @abc.abstractmethod
    def log_run_outputs(self, run_id: int, outputs: Sequence[tuple[str, int]]) -> None:
        """Link models to the run as outputs, at a step; linking one again updates its step."""

    @abc.abstractmethod
    def run_links(self, run_ids: Sequence[int]) -> dict[int, RunLinks]:
        """The inputs and outputs of each of those runs (runs with none are left out)."""
