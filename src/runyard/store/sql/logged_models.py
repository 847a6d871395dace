"""Logged models: rows of `logged_models` (params and tags as JSON objects), joined with their project's tenant."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

from runyard.errors import ConflictError, InvalidInputError, NotFoundError
from runyard.store.logged_models import MODEL_STATUSES, LoggedModel, check_model_id
from runyard.store.sql.conn import Conn
from runyard.store.sql.rows import dumps, fetch_one, loads
from runyard.store.validate import MAX_DESCRIPTION, check_encodable, check_label, check_name

_COLUMNS = (
    "m.id, m.project_id, p.tenant, m.name, m.model_type, m.source_run_id, m.status, m.status_message, "
    "m.created_at, m.updated_at, m.params, m.tags"
)
_FROM = "FROM logged_models m JOIN projects p ON p.id = m.project_id"
MAX_VALUE = 8000  # MLflow's own limit on param and tag values


def _model(row: Sequence[Any]) -> LoggedModel:
    return LoggedModel(
        id=row[0], project_id=row[1], tenant=row[2], name=row[3], model_type=row[4], source_run_id=row[5],
        status=row[6], status_message=row[7], created_at=row[8], updated_at=row[9],
        params=loads(row[10]), tags=loads(row[11]),
    )


def _checked_pairs(pairs: Mapping[str, str] | None, what: str) -> dict[str, str]:
    """Keys: labels; values: bounded strings. 400 before anything is written."""
    checked: dict[str, str] = {}
    for key, value in (pairs or {}).items():
        check_label(key, f"{what} key")
        if not isinstance(value, str):
            raise InvalidInputError(f"{what} {key!r:.60} must have a string value, not {type(value).__name__}")
        if len(value) > MAX_VALUE:
            raise InvalidInputError(f"{what} {key!r:.60} is longer than {MAX_VALUE} characters")
        checked[key] = check_encodable(value, f"{what} {key!r:.60}")
    return checked


def get(conn: Conn, model_id: str) -> LoggedModel:
    """The model with that id."""
    row = fetch_one(conn, f"SELECT {_COLUMNS} {_FROM} WHERE m.id = ?", (model_id,),
                    f"logged model {model_id!r:.60} not found")
    return _model(row)


def create(conn: Conn, project_id: int, model_id: str, fields: Mapping[str, Any]) -> LoggedModel:
    """Insert a pending model; its project (and source run, when given: any of the tenant's) must exist."""
    check_model_id(model_id)
    name = check_name(fields["name"], "logged model")
    model_type = check_encodable(str(fields.get("model_type") or ""), "model type")[:MAX_DESCRIPTION]
    params, tags = _checked_pairs(fields.get("params"), "param"), _checked_pairs(fields.get("tags"), "tag")
    fetch_one(conn, "SELECT 1 FROM projects WHERE id = ?", (project_id,), f"project {project_id} not found")
    source = fields.get("source_run_id")
    if source is not None:
        fetch_one(conn, "SELECT 1 FROM runs WHERE id = ?", (source,), f"run {source} not found")
    now = time.time()
    try:
        conn.execute(
            "INSERT INTO logged_models (id, project_id, name, model_type, source_run_id, status, status_message,"
            " params, tags, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'pending', '', ?, ?, ?, ?)",
            (model_id, project_id, name, model_type, source, dumps(params), dumps(tags), now, now),
        )
    except conn.IntegrityError:
        raise ConflictError(f"logged model {model_id!r} already exists") from None
    return get(conn, model_id)


def list_(conn: Conn, project_ids: Sequence[int]) -> list[LoggedModel]:
    """Models of those projects, newest first."""
    wanted = list(dict.fromkeys(project_ids))
    found: list[LoggedModel] = []
    for start in range(0, len(wanted), 500):
        chunk = wanted[start:start + 500]
        rows = conn.execute(f"SELECT {_COLUMNS} {_FROM} WHERE m.project_id IN ({','.join('?' * len(chunk))})",
                            chunk).fetchall()
        found += [_model(row) for row in rows]
    return sorted(found, key=lambda model: (-model.created_at, model.id))


def _save(conn: Conn, model_id: str, **columns: Any) -> LoggedModel:
    """Update the given columns (names chosen here, never by a caller) and the update time."""
    assignments = ", ".join(f"{name} = ?" for name in columns)
    conn.execute(f"UPDATE logged_models SET {assignments}, updated_at = ? WHERE id = ?",
                 (*columns.values(), time.time(), model_id))
    return get(conn, model_id)


def set_status(conn: Conn, model_id: str, status: str, message: str) -> LoggedModel:
    """Finalize (or reset) the model's status."""
    if status not in MODEL_STATUSES:
        raise InvalidInputError(f"logged model status must be one of {', '.join(MODEL_STATUSES)}, not {status!r:.40}")
    get(conn, model_id)
    return _save(conn, model_id, status=status, status_message=check_encodable(message, "status message")[:MAX_VALUE])


def set_tags(conn: Conn, model_id: str, tags: Mapping[str, str]) -> LoggedModel:
    """Merge tags into the model's tags."""
    checked = _checked_pairs(tags, "tag")
    model = get(conn, model_id)
    return _save(conn, model_id, tags=dumps({**model.tags, **checked}))


def delete_tag(conn: Conn, model_id: str, key: str) -> LoggedModel:
    """Remove a tag the model has."""
    model = get(conn, model_id)
    if key not in model.tags:
        raise NotFoundError(f"no tag {key!r:.60} on logged model {model_id}")
    return _save(conn, model_id, tags=dumps({k: v for k, v in model.tags.items() if k != key}))


def log_params(conn: Conn, model_id: str, params: Mapping[str, str]) -> LoggedModel:
    """Add params; changing a logged value is refused."""
    checked = _checked_pairs(params, "param")
    model = get(conn, model_id)
    changed = sorted(key for key, value in checked.items() if model.params.get(key, value) != value)
    if changed:
        raise InvalidInputError(f"params of logged model {model_id} cannot change once logged: {', '.join(changed)[:200]}")
    return _save(conn, model_id, params=dumps({**model.params, **checked}))


def delete(conn: Conn, model_id: str) -> None:
    """Remove the model's row and every run's link to it."""
    get(conn, model_id)
    conn.execute("DELETE FROM run_model_links WHERE model_id = ?", (model_id,))
    conn.execute("DELETE FROM logged_models WHERE id = ?", (model_id,))


def delete_of_project(conn: Conn, project_id: int) -> list[str]:
    """Remove every model of a project (it is being deleted); returns their ids for file cleanup."""
    ids = [row[0] for row in conn.execute("SELECT id FROM logged_models WHERE project_id = ?", (project_id,))]
    for model_id in ids:
        delete(conn, model_id)
    return ids
