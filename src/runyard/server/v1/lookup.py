"""Experiment and run look-ups for the v1 routers: `access.py` plus a guard on odd ids.

`access.parse_id` takes any `str.isdigit()` text, so `"²"` or a 30-digit id would reach
`int()` or SQLite and fail as a 500; these wrappers answer 400 first.
"""

from __future__ import annotations

from runyard.errors import ConflictError, InvalidInputError
from runyard.server.v1.access import load_project, load_run
from runyard.server.v1.shapes import INT64_MAX
from runyard.store import Project, Run, Store


def check_ref(value: str | int, what: str) -> str | int:
    """Refuse digit strings that are not ASCII or do not fit an int64 id."""
    text = str(value).strip()
    if text.isdigit() and (not text.isascii() or int(text) > INT64_MAX):
        raise InvalidInputError(f"{what} id must be a positive 64-bit integer, not {text[:40]!r}")
    return value


async def experiment(store: Store, ref: str | int, tenant: str) -> Project:
    """The caller's experiment: 400 malformed id, 404 unknown, 403 another tenant's."""
    return await load_project(store, check_ref(ref, "experiment"), tenant)


async def active_experiment(store: Store, ref: str | int, tenant: str) -> Project:
    """Like `experiment`, and 409 when it is deleted (restore it first)."""
    project = await experiment(store, ref, tenant)
    if project.lifecycle != "active":
        raise ConflictError(f"experiment {project.id} is deleted; restore it before creating runs in it")
    return project


async def run(store: Store, ref: str | int, tenant: str) -> tuple[Run, Project]:
    """The caller's run (by id or uid) with its experiment: 400, 404 or 403."""
    return await load_run(store, check_ref(ref, "run"), tenant)
