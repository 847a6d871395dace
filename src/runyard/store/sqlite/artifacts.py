"""Artifact files under `<data>/artifacts/<run uid>/` and their rows."""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import tempfile
import time
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from runyard.errors import InvalidInputError, NotFoundError, PayloadTooLargeError
from runyard.store.models import Artifact
from runyard.store.sqlite.rows import record_change

_COPY_BLOCK = 1 << 20


def clean_name(name: str) -> str:
    """A relative POSIX path with no `..`, no absolute part, no control characters."""
    if not isinstance(name, str) or not name.strip():
        raise InvalidInputError("artifact name must be a non-empty string")
    if "\x00" in name or "\\" in name or any(ord(ch) < 32 for ch in name):
        raise InvalidInputError(f"artifact name {name!r} has forbidden characters")
    pure = PurePosixPath(name)
    if pure.is_absolute() or any(part in ("..", "") for part in pure.parts) or name.startswith("/"):
        raise InvalidInputError(f"artifact name {name!r} must be a relative path without '..'")
    parts = [part for part in pure.parts if part != "."]
    if not parts:
        raise InvalidInputError(f"artifact name {name!r} names no file")
    return "/".join(parts)


def confined(run_dir: Path, name: str) -> Path:
    """The file for `name` inside `run_dir`; refuses anything that resolves outside it."""
    target = (run_dir / clean_name(name)).resolve()
    root = run_dir.resolve()
    if not target.is_relative_to(root):
        raise InvalidInputError(f"artifact name {name!r} escapes the run's artifact directory")
    return target


def write_file(run_dir: Path, name: str, source: BinaryIO, max_bytes: int | None = None) -> tuple[str, int, str]:
    """Copy a stream into place atomically; returns (clean name, size, sha256)."""
    cleaned = clean_name(name)
    target = confined(run_dir, cleaned)
    target.parent.mkdir(parents=True, exist_ok=True)
    confined(run_dir, cleaned)  # re-check: a symlinked parent may have appeared
    digest = hashlib.sha256()
    size = 0
    fd, temp_name = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as out:
            while block := source.read(_COPY_BLOCK):
                size += len(block)
                if max_bytes is not None and size > max_bytes:
                    raise PayloadTooLargeError(f"artifact {cleaned!r} is larger than {max_bytes} bytes")
                digest.update(block)
                out.write(block)
        os.replace(temp_name, target)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    return cleaned, size, digest.hexdigest()


def record(conn: sqlite3.Connection, run_id: int, name: str, size: int, sha256: str) -> Artifact:
    """Insert or replace the artifact row."""
    if conn.execute("SELECT 1 FROM runs WHERE id = ?", (run_id,)).fetchone() is None:
        raise NotFoundError(f"run {run_id} not found")
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


def list_(conn: sqlite3.Connection, run_id: int) -> list[Artifact]:
    """Artifacts of a run."""
    if conn.execute("SELECT 1 FROM runs WHERE id = ?", (run_id,)).fetchone() is None:
        raise NotFoundError(f"run {run_id} not found")
    rows = conn.execute(
        "SELECT id, run_id, path, size, sha256, created_at FROM artifacts WHERE run_id = ? ORDER BY path",
        (run_id,),
    ).fetchall()
    return [Artifact(*row) for row in rows]


def remove_tree(run_dir: Path) -> None:
    """Delete a run's artifact directory, if any."""
    shutil.rmtree(run_dir, ignore_errors=True)
