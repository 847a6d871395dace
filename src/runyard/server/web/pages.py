"""The dashboard's HTML pages (Aspara's URLs); the run page also answers JSON when asked.

Pages carry only what the first paint needs (names, ids, config); tables and charts are
filled by the page's script from `/web/api` and kept live over SSE. Without valid
credentials (tokens required) a page redirects to `/login` rather than answering a 401.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from runyard import lookup
from runyard.errors import NotFoundError
from runyard.server.deps import StoreDep, call
from runyard.server.raw_paths import decode
from runyard.server.responses import JSONResponse
from runyard.server.run_shapes import run_detail
from runyard.server.web.login import PageTenantDep, signed_in_by_cookie, wants_json
from runyard.server.web.templating import render, segment
from runyard.store import Project, Run, RunQuery, Store

router = APIRouter(include_in_schema=False)


def _not_found(message: str, signed_in: bool) -> HTMLResponse:
    return render("not_found.html", status_code=404, title="Not found", message=message, crumbs=[],
                  signed_in=signed_in)


async def _project_or_page(request: Request, project: str, store: Store,
                           tenant: str) -> Project | HTMLResponse:
    """The path's project, or the not-found page to answer instead."""
    try:
        return await call(lookup.project_by_name, store, decode(request, project), tenant)
    except NotFoundError as exc:
        return await call(_not_found, str(exc), signed_in_by_cookie(request))


def _projects(store: Store, tenant: str) -> list[dict[str, Any]]:
    return [{"project": project, "runs": store.count_runs(RunQuery(project_ids=(project.id,)))}
            for project in store.list_projects(tenant=tenant)]


@router.get("/", response_class=HTMLResponse)
async def projects_page(request: Request, store: StoreDep, tenant: PageTenantDep) -> Response:
    """Projects list."""
    found = await call(_projects, store, tenant)
    return await call(render, "projects.html", title="Projects", projects=found, crumbs=[],
                      signed_in=signed_in_by_cookie(request))


@router.get("/projects/{project}", response_class=HTMLResponse)
async def project_page(request: Request, project: str, store: StoreDep, tenant: PageTenantDep) -> Response:
    """One chart per metric overlaying the selected runs, with the runs table to pick them."""
    found = await _project_or_page(request, project, store, tenant)
    if isinstance(found, Response):
        return found
    return await call(render, "project.html", title=found.name, project=found, view="charts",
                      crumbs=[(found.name, None)], signed_in=signed_in_by_cookie(request))


@router.get("/projects/{project}/runs", response_class=HTMLResponse)
async def runs_page(request: Request, project: str, store: StoreDep, tenant: PageTenantDep) -> Response:
    """The runs table on its own: every column, sort, filter, edit tags and notes, compare."""
    found = await _project_or_page(request, project, store, tenant)
    if isinstance(found, Response):
        return found
    return await call(render, "project.html", title=f"{found.name}: runs", project=found, view="table",
                      crumbs=[(found.name, f"/projects/{segment(found.name)}"), ("runs", None)],
                      signed_in=signed_in_by_cookie(request))


@router.get("/projects/{project}/diff", response_class=HTMLResponse)
async def diff_page(request: Request, project: str, store: StoreDep, tenant: PageTenantDep) -> Response:
    """Run diff of `?runs=` (2-10 run ids, read by the page's script): a comparison to link to."""
    found = await _project_or_page(request, project, store, tenant)
    if isinstance(found, Response):
        return found
    return await call(render, "diff.html", title=f"{found.name}: diff", project=found,
                      crumbs=[(found.name, f"/projects/{segment(found.name)}"), ("diff", None)],
                      signed_in=signed_in_by_cookie(request))


@router.get("/projects/{project}/runs/{run}", response_class=HTMLResponse)
async def run_page(request: Request, project: str, run: str, store: StoreDep, tenant: PageTenantDep) -> Response:
    """Config, system info, charts, live console log, artifacts; JSON with `Accept: application/json`."""
    project, run = decode(request, project), decode(request, run)

    def load() -> tuple[Project, Run, dict[str, Any]]:
        located = lookup.run_by_name(store, project, run, tenant)
        found, found_run = located.project, located.run
        summaries = store.metric_summaries([found_run.id]).get(found_run.id, {})
        return found, found_run, run_detail(found, found_run, summaries, store.list_artifacts(found_run.id))

    try:
        found, found_run, detail = await call(load)
    except NotFoundError as exc:
        if wants_json(request):
            raise
        return await call(_not_found, str(exc), signed_in_by_cookie(request))
    if wants_json(request):
        return JSONResponse(detail)
    return await call(render, "run.html", title=f"{found_run.name} - {found.name}", project=found, run=found_run,
                      detail=detail, crumbs=[(found.name, f"/projects/{segment(found.name)}"),
                                             ("runs", f"/projects/{segment(found.name)}/runs"), (found_run.name, None)],
                      signed_in=signed_in_by_cookie(request))
