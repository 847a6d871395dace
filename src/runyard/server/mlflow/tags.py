"""MLflow run tags <-> a runyard run: one set of key-value tags, three places to keep it.

- `mlflow.note.content` is the run's notes (one value, two views: the dashboard edits the same text);
- a tag with an empty value is one of the run's list tags (`Run.tags`, the SDK's `tags=[...]`),
  and each list tag shows in MLflow as a tag with value "";
- every other tag lives in the store's key-value tags (`Store.run_tag_values`);
- `mlflow.runName` is also the runyard run name (suffixed `-2`, `-3`, ... when taken, since
  runyard names are unique in a project and MLflow names need not be).

The run's MLflow lifecycle (deleted or active) is the run's archived mark (`runyard.run_lifecycle`,
a key-value tag whose key MLflow's key rules refuse), so no client can set it and no client sees it;
the dashboard's archive is the same mark.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from runyard import run_lifecycle
from runyard.store import Project, Run

NOTE = "mlflow.note.content"
RUN_NAME = "mlflow.runName"
USER = "mlflow.user"
LIFECYCLE = run_lifecycle.TAG


def mlflow_tags(run: Run, values: Mapping[str, str]) -> dict[str, str]:
    """The run's tags as MLflow shows them."""
    tags = {tag: "" for tag in run.tags}
    tags.update((key, value) for key, value in values.items() if key != LIFECYCLE)
    if run.notes:
        tags[NOTE] = run.notes
    tags.setdefault(RUN_NAME, run.name)
    return tags


def experiment_tags(project: Project, values: Mapping[str, str]) -> dict[str, str]:
    """An experiment's tags as MLflow shows them: its key-value tags, and its notes as `mlflow.note.content`
    (the experiment description MLflow's UI edits; one value, two views, as for runs)."""
    tags = dict(values)
    if project.notes:
        tags[NOTE] = project.notes
    return tags


def is_deleted(values: Mapping[str, str]) -> bool:
    """Whether MLflow deleted the run (runyard keeps it: other dialects still show it)."""
    return run_lifecycle.is_archived(values)


@dataclass(slots=True)
class TagWrites:
    """What setting and deleting MLflow tags changes on a run: fields of one `WriteBatch`."""

    values: dict[str, str] = field(default_factory=dict)
    deletes: list[str] = field(default_factory=list)
    notes: str | None = None
    list_tags: list[str] | None = None
    run_name: str | None = None  # the MLflow name asked for (the runyard name may get a suffix)


def tag_writes(run: Run, current: Mapping[str, str], sets: Mapping[str, str], deletes: Sequence[str] = ()) -> TagWrites:
    """How to set `sets` and remove `deletes` (MLflow tag keys) on a run holding `current` key-value tags."""
    writes = TagWrites()
    labels = list(run.tags)
    for key in deletes:
        if key == NOTE:
            writes.notes = ""
        if key in labels:
            labels.remove(key)
        if key in current:
            writes.deletes.append(key)
    for key, value in sets.items():
        if key == NOTE:
            writes.notes = value
            continue
        if value == "":
            if key not in labels:
                labels.append(key)
            if key in current:
                writes.deletes.append(key)
            continue
        if key in labels:
            labels.remove(key)
        writes.values[key] = value
        if key == RUN_NAME:
            writes.run_name = value
    if labels != run.tags:
        writes.list_tags = labels
    return writes
