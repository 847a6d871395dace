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
        raise InvalidInputError(f"{what} id must be a positive 64-bit integer, not {text[:40]!r}")
    return int(text)


def _checked_ref(value: str | int, what: str) -> str:
    """A run reference: an id (digits, which must fit int64) or a uid."""
    text = str(value).strip()
    if text.isdigit() and not is_id(text):
        parse_id(text, what)  # raises the 400
    return text


async def load_project(store: Store, project_id: str | int, tenant: str) -> Project:
    """Project by id; 404 unknown, 403 another tenant's."""
    project = await call(store.get_project, parse_id(project_id, "experiment"))
    return check_tenant(project, tenant)


def _run_and_project(store: Store, run_ref: str) -> tuple[Run, Project]:
    run = store.get_run(int(run_ref)) if is_id(run_ref) else store.get_run_by_uid(run_ref)
    return run, store.get_project(run.project_id)


async def load_run(store: Store, run_ref: str | int, tenant: str) -> tuple[Run, Project]:
    """Run by id (or uid) with its project; 404 unknown, 403 another tenant's."""
    run, project = await call(_run_and_project, store, _checked_ref(run_ref, "run"))
    check_tenant(project, tenant)
    return run, project
