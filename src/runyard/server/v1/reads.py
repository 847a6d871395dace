"""Full-fidelity reads for `runyard.Api` over HTTP (`/api/v1/experiments/read/...`), in msgpack.

The v1 shapes round times to milliseconds and map tags to dicts; `runyard.Api` promises the
same records a local read gives, so these routes send the store's records as they are
(`runyard.api.records`), searched with `Api.runs`' own conditions and query builder.
Metric histories come from the v1 history routes (raw arrays), not from here.
"""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any

import ormsgpack
from fastapi import APIRouter, Query
from fastapi.responses import FileResponse, Response
from pydantic import BaseModel, Field

from runyard import lookup
from runyard.api.local import project_view, run_records, search_query
from runyard.api.records import RunSearch, record_wire
from runyard.server.deps import StoreDep, TenantDep, call
from runyard.server.downloads import file_response
from runyard.server.params import INT64_MAX, INT64_MIN
from runyard.server.v1.access import load_run
from runyard.server.v1.schemas import ERRORS
from runyard.store import Store

router = APIRouter(prefix="/api/v1/experiments/read", tags=["experiments-v1"], responses=ERRORS)
MSGPACK = "application/msgpack"


def _msgpack(payload: Any) -> Response:
    return Response(ormsgpack.packb(payload), media_type=MSGPACK)


class ReadRuns(BaseModel):
    """`runyard.Api.runs`' conditions; `project` is a name (all the caller's projects when null)."""

    project: str | None = None
    status: list[str] | None = None
    tags: list[str] = Field(default_factory=list, max_length=1000)
    params: dict[str, Any] = Field(default_factory=dict)
    filter: str | None = Field(default=None, max_length=10_000)
    order_by: list[str] = Field(default_factory=list, max_length=100)
    limit: int | None = Field(default=None, ge=INT64_MIN, le=INT64_MAX)  # < 0: the 400 of Api.runs


def _search(store: Store, tenant: str, body: ReadRuns) -> dict[str, Any]:
    if body.project is not None:
        ids: tuple[int, ...] = (lookup.project_by_name(store, body.project, tenant).id,)
    else:
        ids = tuple(p.id for p in store.list_projects(tenant=tenant, lifecycle=None))
        if not ids:  # no project ids would mean every tenant's runs
            return {"runs": [], "total": 0}
    search = RunSearch(status=None if body.status is None else tuple(body.status), tags=tuple(body.tags),
                       params=body.params, filter=body.filter, order_by=tuple(body.order_by), limit=body.limit)
    query = search_query(ids, search)
    found = store.search_runs(query)
    total = store.count_runs(dataclasses.replace(query, limit=None))
    return {"runs": [record_wire(r) for r in run_records(store, found, {})], "total": total}


@router.get("/projects", summary="Projects with run counts, as runyard.Api reads them (msgpack)")
async def read_projects(store: StoreDep, tenant: TenantDep) -> Response:
    """The caller's active projects ordered by id, each with `run_count`; times in epoch seconds."""

    def read() -> list[dict[str, Any]]:
        return [dataclasses.asdict(project_view(store, p)) for p in store.list_projects(tenant=tenant)]

    return _msgpack({"projects": await call(read)})


@router.post("/runs", summary="Search runs as runyard.Api.runs does (msgpack records)")
async def read_runs(body: ReadRuns, store: StoreDep, tenant: TenantDep) -> Response:
    """`{"runs": [record...], "total": n}`: full run records with summaries; `total` ignores `limit`."""
    return _msgpack(await call(_search, store, tenant, body))


@router.get("/run", summary="One run by uid, project/name or id, as runyard.Api.run reads it (msgpack)")
async def read_run(
    store: StoreDep, tenant: TenantDep,
    ref: Annotated[str, Query(min_length=1, max_length=1000, description="uid, project/name or id")],
) -> Response:
    """`{"run": record}`; 404 when no run of the caller's matches."""

    def read() -> dict[str, Any]:
        found = lookup.run_by_ref(store, ref, tenant)
        return {"run": record_wire(run_records(store, [found.run], {found.project.id: found.project.name})[0])}

    return _msgpack(await call(read))


@router.get("/runs/{run_id}/logs", summary="Console lines of a run, as runyard.Api reads them (msgpack)")
async def read_logs(
    run_id: str, store: StoreDep, tenant: TenantDep,
    tail: Annotated[int | None, Query(ge=1, le=INT64_MAX, description="only the last N lines")] = None,
) -> Response:
    """`{"lines": [{id, run_id, time, stream, line}...]}` in order; all of them without `tail`."""
    run = (await load_run(store, run_id, tenant)).run
    lines = await call(store.read_logs, run.id, tail=tail)
    return _msgpack({"lines": [dataclasses.asdict(line) for line in lines]})


@router.get("/runs/{run_id}/artifacts", summary="Artifact records of a run (msgpack)")
async def read_artifacts(run_id: str, store: StoreDep, tenant: TenantDep) -> Response:
    """`{"artifacts": [{id, run_id, path, size, sha256, created_at}...]}`."""
    run = (await load_run(store, run_id, tenant)).run
    found = await call(store.list_artifacts, run.id)
    return _msgpack({"artifacts": [dataclasses.asdict(a) for a in found]})


@router.get("/runs/{run_id}/artifacts/{path:path}", summary="One artifact file of a run",
            response_class=FileResponse)
async def read_artifact_file(run_id: str, path: str, store: StoreDep, tenant: TenantDep) -> Response:
    """The file's bytes, streamed from wherever the artifacts are kept; `path` stays inside the run's files."""
    run = (await load_run(store, run_id, tenant)).run
    return file_response(await call(store.open_artifact, run.id, path), name=path)
