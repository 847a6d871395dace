"""`Store` on SQLite: the embedded default (a data dir holding the database and, unless told otherwise, the artifacts)."""

from __future__ import annotations

import os
from pathlib import Path

from runyard.errors import StoreError
from runyard.paths import ARTIFACTS_DIR_NAME, DB_FILE_NAME
from runyard.store.artifacts import ArtifactStore, LocalArtifacts
from runyard.store.info import StoreInfo
from runyard.store.sql.store import COMPACT_MIN_AGE_S, SqlStore
from runyard.store.sqlite.db import SQLiteDatabase
from runyard.store.sqlite.schema import SCHEMA_VERSION


class SQLiteStore(SqlStore):
    """SQLite in WAL mode: one writer thread (group commit), a pool of reader connections."""

    def __init__(self, data_dir: Path, *, create: bool = True, read_only: bool | None = None,
                 compact_min_age_s: float = COMPACT_MIN_AGE_S, artifacts: ArtifactStore | None = None) -> None:
        self.data_dir = Path(data_dir)
        db_path = self.data_dir / DB_FILE_NAME
        if (not create or read_only) and not db_path.exists():
            raise StoreError(f"no runyard data in {self.data_dir}")
        if self.data_dir.exists() and not self.data_dir.is_dir():
            raise StoreError(f"{self.data_dir} is not a directory")
        if read_only is None:  # an existing store this process may not write is read, not refused
            read_only = db_path.exists() and not (os.access(self.data_dir, os.W_OK) and os.access(db_path, os.W_OK))
        if not read_only:
            try:
                self.data_dir.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"cannot create data dir {self.data_dir}: {exc.strerror}") from None
            if not os.access(self.data_dir, os.W_OK):
                raise StoreError(f"data dir {self.data_dir} is not writable")
        opened_read_only = read_only
        super().__init__(lambda idle_hook: SQLiteDatabase(db_path, idle_hook, read_only=opened_read_only),
                         artifacts=LocalArtifacts(self.data_dir / ARTIFACTS_DIR_NAME) if artifacts is None else artifacts,
                         compact_min_age_s=compact_min_age_s)

    def describe(self) -> StoreInfo:
        return StoreInfo(backend="sqlite", schema_version=SCHEMA_VERSION)
