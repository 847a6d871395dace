"""A run's inputs and outputs: dataset inputs (`run_dataset_inputs`) and model links (`run_model_links`)."""

from __future__ import annotations

from collections.abc import Sequence

from runyard.errors import InvalidInputError
from runyard.store.logged_models import DatasetInput, RunLinks, check_model_id
from runyard.store.sql.conn import Conn
from runyard.store.sql.rows import dumps, loads, require_run
from runyard.store.validate import check_encodable, check_label
from runyard.store.validate_numbers import INT64_MAX

MAX_DATASET_TEXT = 1_000_000  # schema and profile are JSON documents; MLflow caps them near this size
MAX_LINKS = 1000  # per request: MLflow's own cap on datasets per log-inputs


def _checked_dataset(dataset: DatasetInput) -> DatasetInput:
    check_label(dataset.name, "dataset name")
    check_label(dataset.digest, "dataset digest", 36)
    for what, text in (("source type", dataset.source_type), ("source", dataset.source),
                       ("schema", dataset.schema), ("profile", dataset.profile)):
        if not isinstance(text, str) or len(text) > MAX_DATASET_TEXT:
            raise InvalidInputError(f"dataset {dataset.name!r:.60} {what} must be text of at most {MAX_DATASET_TEXT} characters")
        check_encodable(text, f"dataset {what}")
    for key, value in dataset.tags:
        check_label(key, "dataset input tag key")
        if not isinstance(value, str) or len(value) > 8000:
            raise InvalidInputError(f"dataset input tag {key!r:.60} must have a string value of at most 8000 characters")
        check_encodable(value, f"dataset input tag {key!r:.60}")
    return dataset


def log_inputs(conn: Conn, run_id: int, datasets: Sequence[DatasetInput],
               model_ids: Sequence[str]) -> None:
    """Link datasets (by name and digest) and models as inputs; existing links stay as they are."""
    if len(datasets) + len(model_ids) > MAX_LINKS:
        raise InvalidInputError(f"at most {MAX_LINKS} inputs per request")
    checked = [_checked_dataset(dataset) for dataset in datasets]
    ids = [check_model_id(model_id) for model_id in model_ids]
    require_run(conn, run_id)
    first = conn.execute("SELECT count(*) FROM run_dataset_inputs WHERE run_id = ?", (run_id,)).fetchone()[0]
    for position, item in enumerate(checked, start=first):
        conn.execute(
            "INSERT INTO run_dataset_inputs (run_id, position, name, digest, source_type, source,"
            " schema, profile, tags) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (run_id, name, digest) DO NOTHING",
            (run_id, position, item.name, item.digest, item.source_type, item.source, item.schema, item.profile,
             dumps([list(tag) for tag in item.tags])),
        )
    conn.executemany("INSERT INTO run_model_links (run_id, direction, model_id, step) VALUES (?, 'input', ?, 0)"
                     " ON CONFLICT (run_id, direction, model_id) DO NOTHING",
                     [(run_id, model_id) for model_id in ids])


def log_outputs(conn: Conn, run_id: int, outputs: Sequence[tuple[str, int]]) -> None:
    """Link models as outputs at a step (again: the step is updated)."""
    if len(outputs) > MAX_LINKS:
        raise InvalidInputError(f"at most {MAX_LINKS} outputs per request")
    for model_id, step in outputs:
        check_model_id(model_id)
        if isinstance(step, bool) or not isinstance(step, int) or not -INT64_MAX <= step <= INT64_MAX:
            raise InvalidInputError(f"the step of output model {model_id} must be a 64-bit integer")
    require_run(conn, run_id)
    conn.executemany(
        "INSERT INTO run_model_links (run_id, direction, model_id, step) VALUES (?, 'output', ?, ?)"
        " ON CONFLICT (run_id, direction, model_id) DO UPDATE SET step = excluded.step",
        [(run_id, model_id, step) for model_id, step in outputs],
    )


def read(conn: Conn, run_ids: Sequence[int]) -> dict[int, RunLinks]:
    """Inputs and outputs of those runs, in the order they were logged."""
    wanted = list(dict.fromkeys(run_ids))
    datasets: dict[int, list[DatasetInput]] = {}
    inputs: dict[int, list[str]] = {}
    outputs: dict[int, list[tuple[str, int]]] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start:start + 500]
        marks = ",".join("?" * len(chunk))
        for row in conn.execute(
                "SELECT run_id, name, digest, source_type, source, schema, profile, tags FROM run_dataset_inputs"
                f" WHERE run_id IN ({marks}) ORDER BY run_id, position", chunk):
            tags = tuple((str(key), str(value)) for key, value in loads(row[7]))
            datasets.setdefault(row[0], []).append(DatasetInput(
                name=row[1], digest=row[2], source_type=row[3], source=row[4], schema=row[5], profile=row[6],
                tags=tags))
        for run_id, direction, model_id, step in conn.execute(
                f"SELECT run_id, direction, model_id, step FROM run_model_links WHERE run_id IN ({marks})"
                " ORDER BY run_id, id", chunk):
            if direction == "input":
                inputs.setdefault(run_id, []).append(model_id)
            else:
                outputs.setdefault(run_id, []).append((model_id, step))
    return {run_id: RunLinks(tuple(datasets.get(run_id, ())), tuple(inputs.get(run_id, ())),
                             tuple(outputs.get(run_id, ())))
            for run_id in wanted if run_id in datasets or run_id in inputs or run_id in outputs}


def delete_of_run(conn: Conn, run_id: int) -> None:
    """Forget a run's links (the run is being deleted)."""
    conn.execute("DELETE FROM run_dataset_inputs WHERE run_id = ?", (run_id,))
    conn.execute("DELETE FROM run_model_links WHERE run_id = ?", (run_id,))
