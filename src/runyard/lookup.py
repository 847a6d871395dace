"""Finding a project or a run: the one resolver of every dialect, page, Jupyter, the hub and the SDK.

Blocking (store reads): from a route, call through `runyard.server.deps.call`.

Forms: a project by id or by name in a tenant (active projects only: a deleted one is
gone from every name look-up); a run by id, by uid, by `project/name`, or by a "ref" that
may be any of them. Whether the caller may see what was found is decided by
`runyard.access` (another tenant's object reads exactly as one nobody holds, so a foreign
match is skipped like a missing one). Dialects keep their own words for "not found" by
passing a `Wording`; the logic is the same for all.

`tenant=None` is the local reader (`runyard.Api`), which opened the data dir itself: it
reads every tenant's runs by id or uid, and names in the default tenant.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from runyard import access
from runyard.errors import InvalidInputError, NotFoundError
from runyard.store import DEFAULT_TENANT, Project, Run, Store
from runyard.store.validate_numbers import INT64_MAX

__all__ = [
    "INT64_MAX", "WORDS", "Located", "Wording", "check_runs", "is_id", "parse_id", "project_by_id",
    "project_by_name", "run_by_id", "run_by_id_or_uid", "run_by_name", "run_by_ref", "run_by_uid",
]


@dataclass(frozen=True, slots=True)
class Located:
    """A run and the project it belongs to (every run look-up returns this, never a tuple)."""

    project: Project
    run: Run


@dataclass(frozen=True, slots=True)
class Wording:
    """A dialect's "not found" messages, `str.format` templates.

    `project`: {name}; `run`: {name}, {project}; `run_ref`: {ref}, a run id (int) or uid (str);
    `ref`: {ref}, a reference that is no uid, `project/name` or id at all.
    """

    project: str = "project {name!r} not found"
    run: str = "run {name!r} not found in project {project!r}"
    run_ref: str = "run {ref!r} not found"
    ref: str = "run {ref!r} not found (give a uid, project/name or id)"


WORDS = Wording()


def is_id(text: str) -> bool:
    """ASCII digits that fit SQLite's int64 (`str.isdigit` also accepts superscripts and other scripts' digits)."""
    return text.isascii() and text.isdigit() and int(text) <= INT64_MAX


def parse_id(value: str | int, what: str) -> int:
    """An integer id sent as text or number; 400 for anything else (a larger one cannot exist)."""
    text = str(value).strip()
    if not is_id(text):
        raise InvalidInputError(f"{what} id must be a positive 64-bit integer, not {text[:40]!r}")
    return int(text)


def _seen(project: Project, tenant: str | None, kind: access.Kind, missing: NotFoundError) -> Project:
    """The project when the caller may see it; the kind's refusal in the dialect's words otherwise."""
    if tenant is None:
        return project
    try:
        return access.require(project, tenant, kind)
    except NotFoundError:
        raise missing from None  # hidden: word it exactly as for an object nobody holds


def project_by_id(store: Store, project_id: int, tenant: str | None) -> Project:
    """The project with that id, if the caller may see it."""
    missing = access.missing(access.Kind.PROJECT, project_id)
    try:
        project = store.get_project(project_id)
    except NotFoundError:
        raise missing from None
    return _seen(project, tenant, access.Kind.PROJECT, missing)


def project_by_name(store: Store, name: str, tenant: str | None, words: Wording = WORDS) -> Project:
    """The active project of that name in the tenant (names are per tenant)."""
    try:
        found: Project | None = store.get_project_by_name(name, tenant=tenant or DEFAULT_TENANT)
    except NotFoundError:
        found = None
    if found is None or found.lifecycle != "active":
        raise NotFoundError(words.project.format(name=name))
    return found


def _located(store: Store, get: Callable[[], Run], ref: str | int, tenant: str | None, words: Wording) -> Located:
    """The run `get` reads and its project, if the caller may see them; one not-found message for every miss."""
    missing = NotFoundError(words.run_ref.format(ref=ref))
    try:
        run = get()
        project = store.get_project(run.project_id)  # NotFoundError when deleted in between
    except NotFoundError:
        raise missing from None
    return Located(_seen(project, tenant, access.Kind.RUN, missing), run)


def run_by_id(store: Store, run_id: int, tenant: str | None, words: Wording = WORDS) -> Located:
    """The run with that id and its project, if the caller may see it."""
    return _located(store, lambda: store.get_run(run_id), run_id, tenant, words)


def run_by_uid(store: Store, uid: str, tenant: str | None, words: Wording = WORDS) -> Located:
    """The run with that uid and its project, if the caller may see it."""
    return _located(store, lambda: store.get_run_by_uid(uid), uid, tenant, words)


def run_by_id_or_uid(store: Store, key: str | int, tenant: str | None, words: Wording = WORDS) -> Located:
    """A run by id when `key` is digits (400 past int64: no such run can exist), else by uid."""
    text = str(key).strip()
    if text.isdigit():
        return run_by_id(store, parse_id(text, "run"), tenant, words)
    return run_by_uid(store, text, tenant, words)


def run_by_name(store: Store, project: str, name: str, tenant: str | None, words: Wording = WORDS) -> Located:
    """The run of that name in the tenant's active project of that name."""
    owner = project_by_name(store, project, tenant, words)
    try:
        return Located(owner, store.get_run_by_name(owner.id, name))
    except NotFoundError:
        raise NotFoundError(words.run.format(name=name, project=project)) from None


def run_by_ref(store: Store, ref: str | int, tenant: str | None, words: Wording = WORDS) -> Located:
    """A run by uid, then `project/name`, then id (the order of `runyard.Api.run`); an int is an id.

    Each form that finds nothing the caller may see is skipped, so a foreign uid that spells
    one of the caller's ids cannot shadow it.
    """
    if isinstance(ref, int):
        return run_by_id(store, ref, tenant, words)
    text = ref.strip()
    try:
        return run_by_uid(store, text, tenant, words)
    except NotFoundError:
        pass
    project, sep, name = text.partition("/")
    if sep and project and name:
        return run_by_name(store, project, name, tenant, words)
    if is_id(text):
        return run_by_id(store, int(text), tenant, words)
    raise NotFoundError(words.ref.format(ref=text))


def check_runs(store: Store, run_ids: Sequence[int], tenant: str) -> None:
    """`NotFoundError` for the first run the caller cannot see; one store read for all of them."""
    owners = store.run_tenants(run_ids)
    for run_id in run_ids:
        owner = owners.get(run_id)
        missing = access.missing(access.Kind.RUN, run_id)
        if owner is None:
            raise missing
        try:
            access.require_tenant(owner, tenant, access.Kind.RUN, run_id)
        except NotFoundError:
            raise missing from None
