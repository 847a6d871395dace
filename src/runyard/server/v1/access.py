"""Look-ups shared by the v1 routers: ids from paths and bodies, tenant checks."""

from __future__ import annotations

from runyard.errors import InvalidInputError
from runyard.server.deps import call, check_tenant
from runyard.store import Project, Run, Store

MAX_ID = 2**63 - 1


def is_id(text: str) -> bool:
    """ASCII digits that fit SQLite's int64 (`str.isdigit` also accepts '²')."""
    return text.isascii() and text.isdigit() and int(text) <= MAX_ID


def parse_id(value: str | int, what: str) -> int:
    """v1 ids travel as strings; they are the integer ids of the store."""
    text = str(value).strip()
    if not is_id(text):
        raise InvalidInputError(f"{what} id must be a positive integer, not {value!r}")
    return int(text)


async def load_project(store: Store, project_id: str | int, tenant: str) -> Project:
    """Project by id; 404 unknown, 403 another tenant's."""
    project = await call(store.get_project, parse_id(project_id, "experiment"))
    return check_tenant(project, tenant)


def _run_and_project(store: Store, run_ref: str | int) -> tuple[Run, Project]:
    text = str(run_ref).strip()
    run = store.get_run(int(text)) if is_id(text) else store.get_run_by_uid(text)
    return run, store.get_project(run.project_id)


async def load_run(store: Store, run_ref: str | int, tenant: str) -> tuple[Run, Project]:
    """Run by id (or uid) with its project; 404 unknown, 403 another tenant's."""
    run, project = await call(_run_and_project, store, run_ref)
    check_tenant(project, tenant)
    return run, project
