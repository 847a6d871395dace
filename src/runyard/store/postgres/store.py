"""`Store` on PostgreSQL: the shared SQL store over a PostgreSQL `Database`, for several server replicas."""

from __future__ import annotations

from runyard.store.artifacts import ArtifactStore
from runyard.store.info import StoreInfo
from runyard.store.postgres.db import PgDatabase
from runyard.store.postgres.schema import SCHEMA_VERSION
from runyard.store.sql.store import COMPACT_MIN_AGE_S, SqlStore


class PostgresStore(SqlStore):
    """Metadata, metrics and the change log in one PostgreSQL database; any number of processes may share it.

    `pool_min`/`pool_max` size the reader pool of this process (see store/postgres/db.py for
    the connection budget of a replica).
    """

    def __init__(self, url: str, *, artifacts: ArtifactStore, pool_min: int = 1, pool_max: int = 10,
                 compact_min_age_s: float = COMPACT_MIN_AGE_S) -> None:
        self.url = url
        super().__init__(lambda idle_hook: PgDatabase(url, idle_hook, pool_min=pool_min, pool_max=pool_max),
                         artifacts=artifacts, compact_min_age_s=compact_min_age_s)

    def describe(self) -> StoreInfo:
        return StoreInfo(backend="postgresql", schema_version=SCHEMA_VERSION)
