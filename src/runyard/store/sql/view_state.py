"""SQL for dashboards' view settings (`runyard.store.view_state`)."""

from __future__ import annotations

from collections.abc import Sequence

from runyard.errors import NotFoundError
from runyard.store.sql.conn import Conn
from runyard.store.view_state import ViewSetting

PROJECT_VIEW = 0  # run_id of the project's own settings (a run id is never 0)


def read(conn: Conn, project_id: int) -> list[ViewSetting]:
    """All settings of a project and its runs."""
    rows = conn.execute("SELECT run_id, kind, name, value FROM view_settings WHERE project_id = ?"
                        " ORDER BY run_id, kind, name", (project_id,))
    return [ViewSetting(project_id, run_id or None, kind, name, value) for run_id, kind, name, value in rows]


def _check_owners(conn: Conn, settings: Sequence[ViewSetting]) -> None:
    for project_id, run_id in {(s.project_id, s.run_id) for s in settings}:
        if conn.execute("SELECT 1 FROM projects WHERE id = ?", (project_id,)).fetchone() is None:
            raise NotFoundError(f"project {project_id} not found")
        if run_id is not None and conn.execute(
                "SELECT 1 FROM runs WHERE id = ? AND project_id = ?", (run_id, project_id)).fetchone() is None:
            raise NotFoundError(f"run {run_id} not found")


def write(conn: Conn, settings: Sequence[ViewSetting], removed: Sequence[ViewSetting]) -> None:
    """Upsert `settings`, delete `removed` (checked owners first: nothing half-written)."""
    _check_owners(conn, [*settings, *removed])
    conn.executemany(
        "INSERT INTO view_settings (project_id, run_id, kind, name, value) VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT (project_id, run_id, kind, name) DO UPDATE SET value = excluded.value",
        [(s.project_id, s.run_id or PROJECT_VIEW, s.kind, s.name, s.value) for s in settings])
    conn.executemany(
        "DELETE FROM view_settings WHERE project_id = ? AND run_id = ? AND kind = ? AND name = ?",
        [(s.project_id, s.run_id or PROJECT_VIEW, s.kind, s.name) for s in removed])
