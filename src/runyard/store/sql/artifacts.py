"""SQL for artifact rows (the files themselves: `runyard.store.artifacts`, an `ArtifactStore`)."""

from __future__ import annotations

import time
from collections.abc import Sequence

from runyard.errors import NotFoundError
from runyard.store.models import Artifact
from runyard.store.sql.conn import Conn
from runyard.store.sql.rows import record_change, require_run
from runyard.store.validate_paths import clean_name


def record(conn: Conn, run_id: int, name: str, size: int, sha256: str) -> Artifact:
    """Insert or replace the artifact row."""
    require_run(conn, run_id)
    now = time.time()
    conn.execute(
        "INSERT INTO artifacts (run_id, path, size, sha256, created_at) VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT (run_id, path) DO UPDATE SET size = excluded.size, sha256 = excluded.sha256,"
        " created_at = excluded.created_at",
        (run_id, name, size, sha256, now),
    )
    record_change(conn, run_id, "artifact", {"path": name, "size": size})
    row = conn.execute(
        "SELECT id, run_id, path, size, sha256, created_at FROM artifacts WHERE run_id = ? AND path = ?",
        (run_id, name),
    ).fetchone()
    return Artifact(*row)


def list_(conn: Conn, run_id: int) -> list[Artifact]:
    """Artifacts of a run."""
    require_run(conn, run_id)
    rows = conn.execute(
        "SELECT id, run_id, path, size, sha256, created_at FROM artifacts WHERE run_id = ? ORDER BY path",
        (run_id,),
    ).fetchall()
    return [Artifact(*row) for row in rows]


def recorded(conn: Conn, run_id: int, path: str) -> bool:
    """Whether the run recorded an artifact at exactly `path` (one indexed row, not the whole list)."""
    return conn.execute("SELECT 1 FROM artifacts WHERE run_id = ? AND path = ?", (run_id, path)).fetchone() is not None


def total_bytes(conn: Conn, project_ids: Sequence[int]) -> int:
    """Sum of the artifact sizes of the runs of these projects."""
    if not project_ids:
        return 0
    marks = ",".join("?" * len(project_ids))
    row = conn.execute(
        f"SELECT COALESCE(SUM(a.size), 0) FROM artifacts a JOIN runs r ON r.id = a.run_id "
        f"WHERE r.project_id IN ({marks})", tuple(project_ids)).fetchone()
    return int(row[0])


def delete(conn: Conn, run_id: int, name: str) -> list[str]:
    """Drop the rows of the artifact `name` or of every artifact under the folder `name`; returns their paths."""
    require_run(conn, run_id)
    cleaned = clean_name(name)
    folder = cleaned + "/"  # compared exactly: LIKE would ignore case
    paths = [row[0] for row in conn.execute(
        "SELECT path FROM artifacts WHERE run_id = ? AND (path = ? OR substr(path, 1, ?) = ?) ORDER BY path",
        (run_id, cleaned, len(folder), folder))]
    if not paths:
        raise NotFoundError(f"no artifact {cleaned!r:.80} in run {run_id}")
    conn.executemany("DELETE FROM artifacts WHERE run_id = ? AND path = ?", [(run_id, path) for path in paths])
    record_change(conn, run_id, "artifact_deleted", {"path": cleaned, "files": len(paths)})
    return paths
