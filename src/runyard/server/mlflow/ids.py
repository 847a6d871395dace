"""MLflow ids <-> runyard objects: experiments are projects, runs are runs (by uid).

Experiment `"0"` ("Default") exists for every tenant: it is the tenant's project named
`Default`, created on first use and reported as `"0"`; every other experiment id is the
project's id. A run's id is its uid (runs made through MLflow get `uuid4().hex` uids; runs made
by the SDK keep theirs). Another tenant's object reads exactly as a missing one.
"""

from __future__ import annotations

from runyard import lookup
from runyard.errors import InvalidInputError, NotFoundError
from runyard.store import Project, Store

DEFAULT_EXPERIMENT_ID = "0"
DEFAULT_EXPERIMENT_NAME = "Default"
RUN_WORDS = lookup.Wording(run_ref="Run with id={ref} not found", ref="Run with id={ref} not found")


def experiment_id(project: Project) -> str:
    """The MLflow id of a project."""
    return DEFAULT_EXPERIMENT_ID if project.name == DEFAULT_EXPERIMENT_NAME else str(project.id)


def default_experiment(store: Store, tenant: str) -> Project:
    """The tenant's `Default` project (deleted or not), created when missing."""
    try:
        return store.get_project_by_name(DEFAULT_EXPERIMENT_NAME, tenant=tenant)
    except NotFoundError:
        return store.get_or_create_project(DEFAULT_EXPERIMENT_NAME, tenant=tenant)


def experiment(store: Store, ref: str, tenant: str) -> Project:
    """The caller's experiment by MLflow id; 404 for an unknown or foreign one, 400 for a malformed id."""
    text = ref.strip()
    if text == DEFAULT_EXPERIMENT_ID:
        return default_experiment(store, tenant)
    if not lookup.is_id(text):
        raise InvalidInputError(f"experiment id must be an integer, not {text[:40]!r}")
    try:
        return lookup.project_by_id(store, int(text), tenant)
    except NotFoundError:
        raise NotFoundError(f"No Experiment with id={text} exists") from None


def active_experiment(store: Store, ref: str, tenant: str) -> Project:
    """Like `experiment`, refusing a deleted one (MLflow: runs go only into active experiments)."""
    project = experiment(store, ref, tenant)
    if project.lifecycle != "active":
        raise InvalidInputError(f"The experiment {ref} must be in the 'active' state. Current state is deleted.")
    return project


def run(store: Store, run_id: str, tenant: str) -> lookup.Located:
    """The caller's run by MLflow run id (the run's uid); 404 for an unknown or foreign one."""
    text = run_id.strip()
    if not text:
        raise InvalidInputError("run_id must be given")
    return lookup.run_by_uid(store, text, tenant, RUN_WORDS)
