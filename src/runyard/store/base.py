"""The one interface every caller uses (SDK, server, CLI); backends implement it.

A backend implements the abstract primitives; conveniences (`get_or_create_project`,
`run_tenants`, ...) and checks that do not depend on the backend live here once. The run-data
part (units of work, metrics, console logs, artifacts) is `runyard.store.run_data.RunDataStore`,
which `Store` inherits, as it does `runyard.store.logged_models.LoggedModelStore` (logged models
and runs' inputs/outputs) and `runyard.store.view_state.ViewStateStore` (dashboards' view
settings). ExperimentHub persistence is a separate interface (`runyard.store.hub_store.HubStore`).
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from runyard.errors import ConflictError, NotFoundError
from runyard.store.info import StoreInfo
from runyard.store.logged_models import LoggedModelStore
from runyard.store.models import (
    Change,
    Project,
    Run,
    Token,
)
from runyard.store.query import RunQuery
from runyard.store.run_data import RunDataStore
from runyard.store.view_state import ViewStateStore

DEFAULT_TENANT = "default"


class Store(RunDataStore, LoggedModelStore, ViewStateStore):
    """Projects, runs, metrics, logs and artifacts behind one API.

    Every method is blocking and thread-safe: call it from worker threads, never from
    an event loop. Unknown ids raise `NotFoundError`, taken names `ConflictError`.
    """

    # -- lifecycle -----------------------------------------------------------------
    @abc.abstractmethod
    def close(self) -> None:
        """Flush pending writes and release connections."""

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def read_only(self) -> bool:
        """Whether the store was opened read-only (every write raises `ReadOnlyError`)."""
        return False

    @abc.abstractmethod
    def describe(self) -> StoreInfo:
        """The backend's name and schema version: callers never need to know which backend this is."""

    # -- projects ------------------------------------------------------------------
    @abc.abstractmethod
    def create_project(
        self,
        name: str,
        *,
        tenant: str = DEFAULT_TENANT,
        description: str = "",
        tags: Sequence[str] = (),
        notes: str = "",
        artifact_location: str = "",
    ) -> Project:
        """Create a project; `ConflictError` if the name is taken in the tenant."""

    def get_or_create_project(self, name: str, *, tenant: str = DEFAULT_TENANT) -> Project:
        """Return the active project of that name, creating it when missing.

        `ConflictError` when the project is deleted (restore it first).
        """
        try:
            found = self.get_project_by_name(name, tenant=tenant)
        except NotFoundError:
            try:
                return self.create_project(name, tenant=tenant)
            except ConflictError:  # another caller created it meanwhile
                found = self.get_project_by_name(name, tenant=tenant)
        if found.lifecycle != "active":
            raise ConflictError(f"project {found.name!r} is deleted; restore it before logging to it")
        return found

    @abc.abstractmethod
    def get_project(self, project_id: int) -> Project:
        """Project by id."""

    @abc.abstractmethod
    def get_project_by_name(self, name: str, *, tenant: str = DEFAULT_TENANT) -> Project:
        """Project by name within a tenant."""

    @abc.abstractmethod
    def list_projects(
        self,
        *,
        tenant: str | None = DEFAULT_TENANT,
        search: str | None = None,
        lifecycle: str | None = "active",
        limit: int | None = None,
        offset: int = 0,
    ) -> list[Project]:
        """Projects ordered by id; `search` is a case-insensitive substring of the name."""

    @abc.abstractmethod
    def count_projects(
        self, *, tenant: str | None = DEFAULT_TENANT, search: str | None = None,
        lifecycle: str | None = "active",
    ) -> int:
        """How many projects `list_projects` would give without limit."""

    @abc.abstractmethod
    def update_project(
        self,
        project_id: int,
        *,
        name: str | None = None,
        description: str | None = None,
        tags: Sequence[str] | None = None,
        notes: str | None = None,
        artifact_location: str | None = None,
    ) -> Project:
        """Change the given fields; others stay."""

    @abc.abstractmethod
    def set_project_lifecycle(self, project_id: int, lifecycle: str) -> Project:
        """Soft delete (`deleted`) or restore (`active`)."""

    @abc.abstractmethod
    def delete_project(self, project_id: int) -> None:
        """Remove a project with all its runs, metrics, logs and artifact files."""

    @abc.abstractmethod
    def project_tag_values(self, project_ids: Sequence[int]) -> dict[int, dict[str, str]]:
        """Key-value tags (MLflow's experiment tags) of many projects in one read: id -> {key: value}.

        Separate from `Project.tags` (a list of labels). Every id asked for is in the answer.
        """

    @abc.abstractmethod
    def set_project_tag_values(self, project_id: int, values: Mapping[str, str], deletes: Sequence[str] = ()) -> None:
        """Set key-value tags of a project, then remove the keys in `deletes` (a missing key is no error)."""

    # -- runs ----------------------------------------------------------------------
    @abc.abstractmethod
    def create_run(
        self,
        project_id: int,
        *,
        name: str | None = None,
        description: str = "",
        notes: str = "",
        tags: Sequence[str] = (),
        config: Mapping[str, Any] | None = None,
        params: Mapping[str, Any] | None = None,
        system: Mapping[str, Any] | None = None,
        host: str = "",
        pid: int = 0,
        pid_started_at: float = 0.0,
        status: str = "running",
        uid: str | None = None,
        start_time: float | None = None,
    ) -> Run:
        """Create a run; a missing name gets a fresh unique one; a taken one is a conflict.

        `uid` lets a client choose the uid (remote SDKs do, so offline batches can name
        their run); a taken uid is a conflict. `start_time` (epoch seconds) defaults to
        now; importers of old runs set it.
        """

    @abc.abstractmethod
    def get_run(self, run_id: int) -> Run:
        """Run by integer id."""

    @abc.abstractmethod
    def get_run_by_uid(self, uid: str) -> Run:
        """Run by string uid."""

    @abc.abstractmethod
    def get_run_by_name(self, project_id: int, name: str) -> Run:
        """Run by name inside a project."""

    @abc.abstractmethod
    def search_runs(self, query: RunQuery) -> list[Run]:
        """Runs matching filters, sorted, paginated (default order: id)."""

    @abc.abstractmethod
    def count_runs(self, query: RunQuery) -> int:
        """How many runs match, ignoring limit and offset."""

    @abc.abstractmethod
    def update_run(
        self,
        run_id: int,
        *,
        name: str | None = None,
        description: str | None = None,
        notes: str | None = None,
        tags: Sequence[str] | None = None,
        config: Mapping[str, Any] | None = None,
        system: Mapping[str, Any] | None = None,
        summary: Mapping[str, Any] | None = None,
        metric_defs: Mapping[str, Any] | None = None,
    ) -> Run:
        """Replace the given fields (`summary`, `metric_defs`: the SDK's, see models.Run)."""

    @abc.abstractmethod
    def log_params(self, run_id: int, params: Mapping[str, Any]) -> Run:
        """Merge params into the run's params (later values win)."""

    @abc.abstractmethod
    def set_run_status(self, run_id: int, status: str, *, end_time: float | None = None) -> Run:
        """Set status; a terminal status records the end time."""

    @abc.abstractmethod
    def resume_run(self, run_id: int, *, host: str = "", pid: int = 0, pid_started_at: float = 0.0) -> Run:
        """Mark a run running again for a new process."""

    @abc.abstractmethod
    def heartbeat(self, run_id: int) -> None:
        """Record that the run's process is alive."""

    @abc.abstractmethod
    def mark_stale_runs_crashed(self, stale_after_s: float) -> list[int]:
        """Mark running runs whose process is gone as crashed; return their ids."""

    @abc.abstractmethod
    def delete_run(self, run_id: int) -> None:
        """Remove a run with its metrics, logs and artifact files."""

    # -- change feed ---------------------------------------------------------------
    @abc.abstractmethod
    def last_change_seq(self) -> int:
        """Sequence number of the newest committed change."""

    @abc.abstractmethod
    def changes_since(self, seq: int, *, limit: int = 1000, run_id: int | None = None) -> list[Change]:
        """Committed changes after `seq`, oldest first (only one run's when `run_id` is given)."""

    @abc.abstractmethod
    def add_commit_listener(self, listener: Callable[[], None]) -> None:
        """Call `listener` (from the writer thread; keep it tiny) after each commit of this process.

        Commits of other processes are not announced: poll `last_change_seq` for those.
        """

    # -- tenants and tokens --------------------------------------------------------
    @abc.abstractmethod
    def create_token(self, tenant: str, *, name: str = "") -> tuple[Token, str]:
        """A new token for a tenant: its record and the secret, shown only this once."""

    @abc.abstractmethod
    def list_tokens(self, *, tenant: str | None = None) -> list[Token]:
        """Tokens (never their secrets), oldest first."""

    @abc.abstractmethod
    def revoke_token(self, token_id: int) -> Token:
        """Make a token unusable from now on."""

    @abc.abstractmethod
    def tenant_for_token(self, secret: str) -> str | None:
        """The tenant of a valid, unrevoked token; None otherwise."""

    @abc.abstractmethod
    def token_records(self) -> list[tuple[Token, str]]:
        """Every token with the hash of its secret, oldest first: what `runyard migrate` copies."""

    @abc.abstractmethod
    def keep_token(self, token: Token, secret_hash: str) -> Token:
        """Store a token record copied from another store (its hash: the secret is never known);
        a token with that hash already here is kept as it is and returned."""

    def run_tenants(self, run_ids: Sequence[int]) -> dict[int, str]:
        """The tenant owning each of those runs; ids of no run are left out.

        Tenant checks of a chart's N runs: backends answer in one read (SQLite overrides this);
        this fallback reads run and project one by one.
        """
        owners: dict[int, str] = {}
        for run_id in dict.fromkeys(run_ids):
            try:
                owners[run_id] = self.get_project(self.get_run(run_id).project_id).tenant
            except NotFoundError:
                continue
        return owners
