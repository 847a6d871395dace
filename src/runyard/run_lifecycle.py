"""A run's lifecycle beside its status: active, or archived (what MLflow calls a deleted run).

An archived run keeps all its data; the dashboard's views and MLflow's searches leave it out
until it is restored, while the other dialects (and the SDK's `Api`) still list it. The mark
is a key-value tag whose key MLflow's key rules refuse (`#lifecycle`), so no client can set
it as a tag and no dialect shows it as one. One mark, two words: the dashboard archives and
restores, MLflow deletes and restores; either one sees what the other did.
"""

from __future__ import annotations

from collections.abc import Mapping

from runyard.store import Store

TAG = "#lifecycle"
ARCHIVED = "deleted"  # MLflow's lifecycle_stage of such a run


def is_archived(values: Mapping[str, str]) -> bool:
    """Whether a run's key-value tags (`Store.run_tag_values`) mark it archived."""
    return values.get(TAG) == ARCHIVED


def set_archived(store: Store, run_id: int, archived: bool) -> None:
    """Archive the run, or restore it (nothing else of it changes)."""
    if archived:
        store.set_run_tag_values(run_id, {TAG: ARCHIVED})
    else:
        store.set_run_tag_values(run_id, {}, deletes=[TAG])
