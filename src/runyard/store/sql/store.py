"""`Store` on an SQL database + an `ArtifactStore` (a local folder or object storage): everything but the backend's `Database` (and its schema) is here once."""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from runyard.errors import NotFoundError
from runyard.store.artifacts import ArtifactFile, ArtifactStore, Folder
from runyard.store.base import DEFAULT_TENANT, Store
from runyard.store.models import (
    Artifact,
    Change,
    Downsampled,
    LogLine,
    MetricColumns,
    MetricSummary,
    Project,
    Run,
    Token,
)
from runyard.store.query import RunQuery
from runyard.store.run_data import ByteStream
from runyard.store.series import clip_steps, downsample_lazy
from runyard.store.sql import (
    artifacts,
    changes,
    history,
    keyvalues,
    logged_models,
    logs,
    metrics,
    projects,
    runs,
    search,
    tokens,
    units,
)
from runyard.store.sql.conn import Conn
from runyard.store.sql.database import Database, IdleHook
from runyard.store.sql.hub_mixin import SqlHub
from runyard.store.sql.logged_models_mixin import SqlLoggedModels
from runyard.store.sql.series_cache import Assembler, Assembly, LoadedSeries, SeriesCache
from runyard.store.sql.view_state_mixin import SqlViewState
from runyard.store.units import Applied, WriteBatch
from runyard.store.validate_batch import check_tag_values

COMPACT_MIN_AGE_S = 10.0


class SqlStore(SqlHub, SqlLoggedModels, SqlViewState, Store):
    """The store over a backend's `Database` (serialized group-committed writes, snapshot reads) and an `ArtifactStore`.

    A backend subclass opens its `Database` (given the idle hook that compacts metric chunks
    between writes) and says `describe()`.
    """

    def __init__(self, open_database: Callable[[IdleHook], Database], *, artifacts: ArtifactStore,
                 compact_min_age_s: float = COMPACT_MIN_AGE_S) -> None:
        self.artifacts = artifacts  # the bytes of artifacts and logged-model files; their rows are here
        self.compact_min_age_s = compact_min_age_s
        self._compact_due: set[int] = set()
        self._compact_lock = threading.Lock()
        self._series_cache = SeriesCache()
        self._assembler = Assembler()
        self._db = open_database(self._idle_compaction)

    @property
    def read_only(self) -> bool:
        return self._db.read_only

    def close(self) -> None:
        self._db.close()
        self._assembler.close()

    # -- projects ------------------------------------------------------------------
    def create_project(self, name: str, *, tenant: str = DEFAULT_TENANT, description: str = "",
                       tags: Sequence[str] = (), notes: str = "", artifact_location: str = "") -> Project:
        return self._db.write(lambda c: projects.create(c, name, tenant, description, tags, notes, artifact_location))

    def get_project(self, project_id: int) -> Project:
        return self._db.read(lambda c: projects.get(c, project_id))

    def get_project_by_name(self, name: str, *, tenant: str = DEFAULT_TENANT) -> Project:
        return self._db.read(lambda c: projects.get_by_name(c, name, tenant))

    def list_projects(self, *, tenant: str | None = DEFAULT_TENANT, search: str | None = None,
                      lifecycle: str | None = "active", limit: int | None = None, offset: int = 0) -> list[Project]:
        return self._db.read(lambda c: projects.list_(c, tenant, search, lifecycle, limit, offset))

    def count_projects(self, *, tenant: str | None = DEFAULT_TENANT, search: str | None = None,
                       lifecycle: str | None = "active") -> int:
        return self._db.read(lambda c: projects.count(c, tenant, search, lifecycle))

    def update_project(self, project_id: int, *, name: str | None = None, description: str | None = None,
                       tags: Sequence[str] | None = None, notes: str | None = None,
                       artifact_location: str | None = None) -> Project:
        fields: dict[str, object] = {"name": name, "description": description, "tags": tags,
                                     "notes": notes, "artifact_location": artifact_location}
        return self._db.write(lambda c: projects.update(c, project_id, fields))

    def set_project_lifecycle(self, project_id: int, lifecycle: str) -> Project:
        return self._db.write(lambda c: projects.update(c, project_id, {"lifecycle": lifecycle}))

    def delete_project(self, project_id: int) -> None:
        model_ids, uids = self._db.write(
            lambda c: (logged_models.delete_of_project(c, project_id), projects.delete(c, project_id)))
        for uid in uids:
            self.artifacts.remove_folder(Folder.run(uid))
        for model_id in model_ids:
            self.artifacts.remove_folder(Folder.model(model_id))
        self._series_cache.clear()

    def project_tag_values(self, project_ids: Sequence[int]) -> dict[int, dict[str, str]]:
        return self._db.read(lambda c: keyvalues.read(c, "project_tags", project_ids))

    def set_project_tag_values(self, project_id: int, values: Mapping[str, str], deletes: Sequence[str] = ()) -> None:
        clean, removed = check_tag_values(values, deletes)

        def write(conn: Conn) -> None:
            projects.get(conn, project_id)
            keyvalues.write(conn, "project_tags", project_id, clean, removed)

        self._db.write(write)

    # -- runs ----------------------------------------------------------------------
    def create_run(self, project_id: int, *, name: str | None = None, description: str = "",
                   notes: str = "", tags: Sequence[str] = (), config: Mapping[str, Any] | None = None,
                   params: Mapping[str, Any] | None = None, system: Mapping[str, Any] | None = None,
                   host: str = "", pid: int = 0, pid_started_at: float = 0.0, status: str = "running",
                   uid: str | None = None, start_time: float | None = None) -> Run:
        fields = {"uid": uid, "start_time": start_time, "name": name, "description": description, "notes": notes, "tags": tags, "config": config,
                  "params": params, "system": system, "host": host, "pid": pid,
                  "pid_started_at": pid_started_at, "status": status}
        return self._db.write(lambda c: runs.create(c, project_id, fields))

    def get_run(self, run_id: int) -> Run:
        return self._db.read(lambda c: runs.get(c, run_id))

    def get_run_by_uid(self, uid: str) -> Run:
        return self._db.read(lambda c: runs.get_by_uid(c, uid))

    def get_run_by_name(self, project_id: int, name: str) -> Run:
        return self._db.read(lambda c: runs.get_by_name(c, project_id, name))

    def search_runs(self, query: RunQuery) -> list[Run]:
        return self._db.read(lambda c: search.search(c, query))

    def count_runs(self, query: RunQuery) -> int:
        return self._db.read(lambda c: search.count(c, query))

    def update_run(self, run_id: int, *, name: str | None = None, description: str | None = None,
                   notes: str | None = None, tags: Sequence[str] | None = None,
                   config: Mapping[str, Any] | None = None, system: Mapping[str, Any] | None = None,
                   summary: Mapping[str, Any] | None = None, metric_defs: Mapping[str, Any] | None = None) -> Run:
        fields = {"name": name, "description": description, "notes": notes, "tags": tags,
                  "config": config, "system": system, "summary": summary, "metric_defs": metric_defs}
        return self._db.write(lambda c: runs.update(c, run_id, fields))

    def log_params(self, run_id: int, params: Mapping[str, Any]) -> Run:
        return self._db.write(lambda c: runs.log_params(c, run_id, params))

    def set_run_status(self, run_id: int, status: str, *, end_time: float | None = None) -> Run:
        return self._db.write(lambda c: runs.set_status(c, run_id, status, end_time))

    def resume_run(self, run_id: int, *, host: str = "", pid: int = 0, pid_started_at: float = 0.0) -> Run:
        return self._db.write(lambda c: runs.resume(c, run_id, host, pid, pid_started_at))

    def heartbeat(self, run_id: int) -> None:
        self._db.write(lambda c: runs.heartbeat(c, run_id))

    def mark_stale_runs_crashed(self, stale_after_s: float) -> list[int]:
        candidates = self._db.read(lambda c: runs.stale_candidates(c, stale_after_s))
        if not candidates:
            return []
        return self._db.write(lambda c: runs.mark_crashed(c, candidates))

    def delete_run(self, run_id: int) -> None:
        uid = self._db.write(lambda c: runs.delete_rows(c, run_id))
        self.artifacts.remove_folder(Folder.run(uid))
        self._series_cache.clear()

    # -- units of work -------------------------------------------------------------
    def _apply(self, run_id: int, batch: WriteBatch) -> Applied:
        prepared = metrics.encode(batch.metrics)  # encoded here, off the writer thread
        applied, due = self._db.write(lambda c: units.apply(c, run_id, batch, prepared))
        if due:
            with self._compact_lock:
                self._compact_due.update(due)
        return applied

    # -- metrics -------------------------------------------------------------------
    def _series(self, run_id: int, key: str, step_min: int | None, step_max: int | None, *,
                lazy_times: bool) -> LoadedSeries:
        def fetch(conn: Conn) -> tuple[LoadedSeries | Assembly, int, tuple[int, ...]]:
            kid = metrics.key_id(conn, run_id, key)
            rows = metrics.chunk_rows(conn, kid)
            ids = tuple(row.id for row in rows)
            hit = self._series_cache.get(kid, ids)
            if hit is not None:
                return hit, kid, ids
            inside = [row for row in rows if (step_min is None or row.last_step >= step_min)
                      and (step_max is None or row.first_step <= step_max)]
            if sum(row.n for row in inside) * 2 < sum(row.n for row in rows):
                # A narrow zoom: decode only its chunks and leave the cache alone.
                rows, ids = inside, ()
            # Chunks decode in workers while later blobs are still being read.
            assembly = self._assembler.start(rows, lazy_times=lazy_times)
            metrics.fill_blobs(conn, rows, assembly.add)
            return assembly, kid, ids

        found, kid, ids = self._db.read(fetch)
        if isinstance(found, Assembly):
            found = found.result()
            if ids:
                self._series_cache.put(kid, ids, found)
        return found

    def read_metric(self, run_id: int, key: str, *, step_min: int | None = None,
                    step_max: int | None = None) -> MetricColumns:
        return clip_steps(self._series(run_id, key, step_min, step_max, lazy_times=False).columns(), step_min, step_max)

    def read_metric_downsampled(self, run_id: int, key: str, *, buckets: int = 1000,
                                step_min: int | None = None, step_max: int | None = None) -> Downsampled:
        # Downsampling reports one wall time per bucket: those are summed from deltas on demand.
        series = self._series(run_id, key, step_min, step_max, lazy_times=True)
        return downsample_lazy(key, series.steps, series.values, series.times_at, buckets, step_min, step_max,
                               self._assembler.executor)

    def metric_summaries(self, run_ids: Sequence[int]) -> dict[int, dict[str, MetricSummary]]:
        return self._db.read(lambda c: metrics.summaries(c, run_ids))

    def read_metric_history(self, run_id: int, key: str) -> MetricColumns:
        found = self._db.read(lambda c: history.read(c, run_id, key))
        return self.read_metric(run_id, key) if found is None else found

    def run_tag_values(self, run_ids: Sequence[int]) -> dict[int, dict[str, str]]:
        return self._db.read(lambda c: keyvalues.read(c, "run_tags", run_ids))

    def compact(self, run_id: int | None = None) -> int:
        key_ids = self._db.read(lambda c: metrics.key_ids_to_compact(c, run_id))
        older_than = time.time() + 1.0  # an explicit compact merges everything
        removed = 0
        for kid in key_ids:
            removed += self._db.write(functools.partial(metrics.compact_key, kid=kid, older_than=older_than))
        return removed

    def _idle_compaction(self, conn: Conn) -> float | None:
        """Writer-thread hook: merge small chunks old enough to be out of the live window."""
        with self._compact_lock:
            due, self._compact_due = self._compact_due, set()
        if not due:
            return None
        older_than = time.time() - self.compact_min_age_s
        for kid in sorted(due):  # one transaction per key: a write waits at most one key's merge
            self._db.in_transaction(conn, functools.partial(metrics.compact_key, kid=kid, older_than=older_than))
        return None

    # -- logs ----------------------------------------------------------------------
    def read_logs(self, run_id: int, *, after_id: int = 0, limit: int | None = None,
                  tail: int | None = None) -> list[LogLine]:
        return self._db.read(lambda c: logs.read(c, run_id, after_id, limit, tail))

    # -- artifacts -----------------------------------------------------------------
    def add_artifact_stream(self, run_id: int, name: str, stream: ByteStream, *,
                            max_bytes: int | None = None) -> Artifact:
        self._db.check_writable()  # before the file lands in the artifact store
        run = self.get_run(run_id)
        stored = self.artifacts.put(Folder.run(run.uid), name, stream, max_bytes=max_bytes)
        return self._db.write(lambda c: artifacts.record(c, run_id, stored.name, stored.size, stored.sha256))

    def list_artifacts(self, run_id: int) -> list[Artifact]:
        return self._db.read(lambda c: artifacts.list_(c, run_id))

    def artifact_bytes(self, project_ids: Sequence[int]) -> int:
        return self._db.read(lambda c: artifacts.total_bytes(c, project_ids))

    def delete_artifacts(self, run_id: int, name: str) -> int:
        run = self.get_run(run_id)
        removed = self._db.write(lambda c: artifacts.delete(c, run_id, name))
        self.artifacts.delete(Folder.run(run.uid), removed)
        return len(removed)

    def open_artifact(self, run_id: int, name: str) -> ArtifactFile:
        run = self.get_run(run_id)
        missing = NotFoundError(f"artifact {name!r} not found in run {run.uid}")
        try:
            opened = self.artifacts.open(Folder.run(run.uid), name)  # refuses names that could escape first
        except NotFoundError:
            raise missing from None
        if not self._db.read(lambda c: artifacts.recorded(c, run_id, opened.name)):
            raise missing  # only what the run recorded: never a stray file in its folder
        return opened

    # -- change feed ---------------------------------------------------------------
    def last_change_seq(self) -> int:
        return self._db.read(changes.last_seq)

    def changes_since(self, seq: int, *, limit: int = 1000, run_id: int | None = None) -> list[Change]:
        return self._db.read(lambda c: changes.since(c, seq, limit, run_id))

    # -- tokens --------------------------------------------------------------------
    def create_token(self, tenant: str, *, name: str = "") -> tuple[Token, str]:
        return self._db.write(lambda c: tokens.create(c, tenant, name))

    def list_tokens(self, *, tenant: str | None = None) -> list[Token]:
        return self._db.read(lambda c: tokens.list_(c, tenant))

    def revoke_token(self, token_id: int) -> Token:
        return self._db.write(lambda c: tokens.revoke(c, token_id))

    def tenant_for_token(self, secret: str) -> str | None:
        return self._db.read(lambda c: tokens.tenant_of(c, secret))

    def token_records(self) -> list[tuple[Token, str]]:
        return self._db.read(tokens.records)

    def keep_token(self, token: Token, secret_hash: str) -> Token:
        return self._db.write(lambda c: tokens.keep(c, token, secret_hash))

    def run_tenants(self, run_ids: Sequence[int]) -> dict[int, str]:
        return self._db.read(lambda c: projects.run_tenants(c, run_ids))

    def add_commit_listener(self, listener: Callable[[], None]) -> None:
        self._db.add_commit_listener(listener)
