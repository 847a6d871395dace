"""Opening a run: create, resume or refuse; shared by the SDK's local mode, the server's SDK ingest and the hub.

Both sides call `open_run`, so a script behaves the same with or without a server: a
taken name without `resume` is a clear `ConflictError`, `resume` finds the run by uid
or name, automatic steps continue after the last logged step, and a run still owned
by a live process is not taken over. A client-chosen uid makes creation idempotent: a
create sent again (its answer was lost) returns the run it made the first time.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field
from typing import Any

from runyard import access
from runyard.errors import ConflictError, NotFoundError
from runyard.store.base import DEFAULT_TENANT, Store
from runyard.store.liveness import STALE_AFTER_S, run_is_live
from runyard.store.models import SYSTEM_METRIC_PREFIX, Project, Run
from runyard.store.units import Owner, WriteBatch


@dataclass(slots=True)
class RunSpec:
    """What `runyard.init` asks for: the run to create or resume, and who owns it."""

    project: str
    name: str | None = None
    config: dict[str, Any] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)
    notes: str | None = None
    resume: bool | str | None = None
    host: str = ""
    pid: int = 0
    pid_started_at: float = 0.0
    uid: str | None = None  # chosen by the client in remote mode, so offline batches can name the run
    system: dict[str, Any] | None = None
    # When the run really started (epoch s); None: now. A create replayed from a spool by
    # `runyard sync` hours later must still start when the script did.
    start_time: float | None = None


@dataclass(frozen=True, slots=True)
class RunHandle:
    """The run a sink opened: ids, names and the step auto-numbering continues from."""

    id: int
    uid: str
    name: str
    project: str
    project_id: int
    next_step: int = 0
    resumed: bool = False
    start_time: float = 0.0  # epoch seconds; 0 when unknown (a run created offline)
    # The run's fields as stored (a resumed run's earlier ones): the SDK's config, summary and
    # metric definitions start from them, since it writes each back whole.
    config: dict[str, Any] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)
    metric_defs: dict[str, Any] = field(default_factory=dict)


def open_run(
    store: Store,
    spec: RunSpec,
    tenant: str = DEFAULT_TENANT,
    *,
    rename_taken: bool = False,
    stale_after_s: float = STALE_AFTER_S,
) -> RunHandle:
    """Create the run (or return the one its uid already made), or find and resume it.

    `rename_taken` gives a new run whose name is taken a unique variant of it instead of
    a conflict: for creates replayed from a spool, whose name could not be checked then.
    """
    if spec.resume is None or spec.resume is False:
        found = _existing(store, spec, tenant)  # before creating anything: it may be refused
        if found is not None:
            return found
        project = store.get_or_create_project(spec.project, tenant=tenant)
        return _create(store, project, spec, rename_taken)
    return _resume(store, spec, tenant, stale_after_s)


def _handle(store: Store, run: Run, project: Project, *, resumed: bool) -> RunHandle:
    summaries = store.metric_summaries([run.id]).get(run.id, {})
    # System monitor samples count seconds, not training steps: they must not move the counter.
    next_step = max((s.last_step for k, s in summaries.items() if not k.startswith(SYSTEM_METRIC_PREFIX)), default=-1) + 1
    return RunHandle(run.id, run.uid, run.name, project.name, project.id, next_step, resumed=resumed,
                     start_time=run.start_time, config=run.config, summary=run.summary, metric_defs=run.metric_defs)


def _existing(store: Store, spec: RunSpec, tenant: str) -> RunHandle | None:
    """The run a create with this uid already made, if any (a create sent twice)."""
    if not spec.uid:
        return None
    try:
        run = store.get_run_by_uid(spec.uid)
    except NotFoundError:
        return None
    owner = store.get_project(run.project_id)
    access.require(owner, tenant, access.Kind.RUN, spec.uid)  # another tenant's: 404, as a uid nobody holds
    if owner.name != spec.project:
        raise ConflictError(f"run uid {spec.uid!r} is taken by a run of project {owner.name!r}")
    return _handle(store, run, owner, resumed=False)


def _create(store: Store, project: Project, spec: RunSpec, rename_taken: bool) -> RunHandle:
    names = [spec.name]
    if rename_taken and spec.name:
        names.append(f"{spec.name}-{(spec.uid or '')[-8:] or int(time.time())}")
    for name in names:
        try:
            run = store.create_run(
                project.id,
                name=name,
                config=spec.config,
                tags=spec.tags,
                notes=spec.notes or "",
                system=spec.system,
                host=spec.host,
                pid=spec.pid,
                pid_started_at=spec.pid_started_at,
                uid=spec.uid,
                start_time=spec.start_time,
            )
        except ConflictError:
            found = _existing(store, spec, project.tenant)  # a concurrent twin of this create won
            if found is not None:
                return found
            continue
        return RunHandle(run.id, run.uid, run.name, project.name, project.id, start_time=run.start_time,
                         config=run.config)
    raise ConflictError(
        f"a run named {spec.name!r} already exists in project {project.name!r}; "
        f"pass resume=True to continue it, or choose another name"
    )


def _resume(store: Store, spec: RunSpec, tenant: str, stale_after_s: float) -> RunHandle:
    if spec.resume is True:
        if not spec.name:
            raise ValueError("resume=True needs name= (the run to continue), or pass resume='<uid or name>'")
        target = spec.name
    else:
        target = str(spec.resume)
    run, project = _find(store, spec.project, tenant, target)
    myself = run.host == spec.host and run.pid == spec.pid
    if not myself and run_is_live(run, stale_after_s):
        raise ConflictError(
            f"run {run.name!r} is still running in process {run.pid} on {run.host}; "
            f"stop it before resuming"
        )
    rename = spec.name if spec.name and spec.name != run.name and spec.resume is not True else None
    tags = list(dict.fromkeys([*run.tags, *spec.tags])) if spec.tags else None
    config = {**run.config, **spec.config} if spec.config else None
    # One unit: a taken new name or a bad field leaves the run as it was, not half resumed.
    store.apply(run.id, WriteBatch(resume=Owner(spec.host, spec.pid, spec.pid_started_at), name=rename,
                                   tags=tags, config=config, system=spec.system, notes=spec.notes))
    run = dataclasses.replace(run, name=rename or run.name, config=config or run.config)
    return _handle(store, run, project, resumed=True)


def _find(store: Store, project_name: str, tenant: str, target: str) -> tuple[Run, Project]:
    """The run to resume, by uid first, then by name; creates nothing (a lookup may be refused)."""
    try:
        project: Project | None = store.get_project_by_name(project_name, tenant=tenant)
    except NotFoundError:
        project = None
    try:
        run = store.get_run_by_uid(target)
        owner = access.require(store.get_project(run.project_id), tenant, access.Kind.RUN, target)
    except NotFoundError:  # another tenant's uid reads as one nobody holds (runyard.access)
        try:
            if project is None:
                raise NotFoundError(target) from None
            return store.get_run_by_name(project.id, target), project
        except NotFoundError:
            raise NotFoundError(
                f"cannot resume: no run named {target!r} in project {project_name!r} "
                f"(and no run with that uid); drop resume= to start a new run"
            ) from None
    if project is None or run.project_id != project.id:
        raise ConflictError(f"run {target!r} belongs to another project than {project_name!r}")
    return run, owner
