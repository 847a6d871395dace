"""SQL for projects."""

from __future__ import annotations

import time
from collections.abc import Sequence

from runyard.errors import ConflictError, InvalidInputError
from runyard.store.models import Project
from runyard.store.sql import runs
from runyard.store.sql.conn import Conn, limit_arg
from runyard.store.sql.rows import (
    PROJECT_COLUMNS,
    dumps,
    fetch_one,
    insert_id,
    project_from_row,
    record_change,
)
from runyard.store.validate import check_name, check_tags, check_text

LIFECYCLES = ("active", "deleted")


def get(conn: Conn, project_id: int) -> Project:
    """Project by id."""
    return project_from_row(fetch_one(
        conn, f"SELECT {PROJECT_COLUMNS} FROM projects WHERE id = ?", (project_id,), f"project {project_id} not found"
    ))


def get_by_name(conn: Conn, name: str, tenant: str) -> Project:
    """Project by name in a tenant."""
    return project_from_row(fetch_one(
        conn, f"SELECT {PROJECT_COLUMNS} FROM projects WHERE tenant = ? AND name = ?", (tenant, name),
        f"project {name!r} not found",
    ))


def create(
    conn: Conn,
    name: str,
    tenant: str,
    description: str,
    tags: Sequence[str],
    notes: str,
    artifact_location: str,
) -> Project:
    """Insert a project."""
    name = check_name(name, "project")
    now = time.time()
    try:
        project_id = insert_id(
            conn,
            "INSERT INTO projects (tenant, name, description, tags, notes, artifact_location,"
            " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (tenant, name, check_text(description, "description"), dumps(check_tags(tags)),
             check_text(notes, "notes"), artifact_location, now, now),
        )
    except conn.IntegrityError:
        raise ConflictError(f"project {name!r} already exists") from None
    record_change(conn, None, "project_created", {"project_id": project_id})
    return get(conn, project_id)


def _where(conn: Conn, tenant: str | None, search: str | None, lifecycle: str | None) -> tuple[str, list[object]]:
    clauses: list[str] = []
    args: list[object] = []
    if tenant is not None:
        clauses.append("tenant = ?")
        args.append(tenant)
    if search:
        sql, more = conn.dialect.contains(("name", []), ("?", [search]))
        clauses.append(sql)
        args.extend(more)
    if lifecycle is not None:
        if lifecycle not in LIFECYCLES:
            raise InvalidInputError(f"lifecycle must be one of {LIFECYCLES}")
        clauses.append("lifecycle = ?")
        args.append(lifecycle)
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", args


def list_(
    conn: Conn, tenant: str | None, search: str | None, lifecycle: str | None,
    limit: int | None, offset: int,
) -> list[Project]:
    """Projects ordered by id."""
    where, args = _where(conn, tenant, search, lifecycle)
    sql = f"SELECT {PROJECT_COLUMNS} FROM projects{where} ORDER BY id LIMIT ? OFFSET ?"
    rows = conn.execute(sql, [*args, limit_arg(limit), offset]).fetchall()
    return [project_from_row(row) for row in rows]


def count(conn: Conn, tenant: str | None, search: str | None, lifecycle: str | None) -> int:
    """Number of projects matching."""
    where, args = _where(conn, tenant, search, lifecycle)
    return int(conn.execute(f"SELECT count(*) FROM projects{where}", args).fetchone()[0])


def update(
    conn: Conn,
    project_id: int,
    fields: dict[str, object],
) -> Project:
    """Set the given columns."""
    current = get(conn, project_id)
    values: dict[str, object] = {}
    if fields.get("name") is not None:
        values["name"] = check_name(str(fields["name"]), "project")
    for text_field in ("description", "notes", "artifact_location"):
        if fields.get(text_field) is not None:
            values[text_field] = check_text(fields[text_field], text_field)  # type: ignore[arg-type]
    if fields.get("tags") is not None:
        values["tags"] = dumps(check_tags(fields["tags"]))  # type: ignore[arg-type]
    if fields.get("lifecycle") is not None:
        if fields["lifecycle"] not in LIFECYCLES:
            raise InvalidInputError(f"lifecycle must be one of {LIFECYCLES}")
        values["lifecycle"] = fields["lifecycle"]
    if not values:
        return current
    values["updated_at"] = time.time()
    assignments = ", ".join(f"{column} = ?" for column in values)
    try:
        conn.execute(f"UPDATE projects SET {assignments} WHERE id = ?", [*values.values(), project_id])
    except conn.IntegrityError:
        raise ConflictError(f"project {values.get('name')!r} already exists") from None
    record_change(conn, None, "project_updated", {"project_id": project_id})
    return get(conn, project_id)


def delete(conn: Conn, project_id: int) -> list[str]:
    """Delete a project with its runs and everything attached; returns the run uids for file cleanup."""
    get(conn, project_id)
    uids = [runs.delete_rows(conn, run_id) for run_id in run_ids(conn, project_id)]
    conn.execute("DELETE FROM project_tags WHERE project_id = ?", (project_id,))
    conn.execute("DELETE FROM projects WHERE id = ?", (project_id,))
    return uids


def run_ids(conn: Conn, project_id: int) -> list[int]:
    """Ids of the project's runs."""
    return [row[0] for row in conn.execute("SELECT id FROM runs WHERE project_id = ?", (project_id,))]


def run_tenants(conn: Conn, run_ids: Sequence[int]) -> dict[int, str]:
    """Run id -> its project's tenant, for the ids that name a run (in chunks under SQLite's variable limit)."""
    wanted = list(dict.fromkeys(run_ids))
    owners: dict[int, str] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start:start + 500]
        owners.update(conn.execute(
            "SELECT runs.id, projects.tenant FROM runs JOIN projects ON projects.id = runs.project_id "
            f"WHERE runs.id IN ({','.join('?' * len(chunk))})", chunk).fetchall())
    return owners
