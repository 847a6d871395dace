"""Units of work: everything one request writes into a run, committed together or not at all.

A client request often writes several things (an SDK batch: metrics and console lines; a
v1 log-batch: metrics, params and tags; a resume: owner, name, tags, config, notes). Each
goes to `Store.apply` as one `WriteBatch`, so a failing part leaves nothing of the request
behind and a retried request (same `batch_id`) is applied once, whole.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from runyard.store.models import MetricColumns

LogEntry = tuple[float, str, str]  # (wall time, stream, text)


@dataclass(frozen=True, slots=True)
class Owner:
    """The process that takes a run over when it is resumed."""

    host: str = ""
    pid: int = 0
    pid_started_at: float = 0.0


@dataclass(frozen=True, slots=True)
class WriteBatch:
    """What to write into one run; parts left at their default are not touched.

    Applied in this order inside one transaction: run fields (`name`, `notes`, `tags`,
    `config`, `system`: replaced), `resume` (running again, owned by that process),
    `params` (merged), key-value tags, `metrics` with `history`, `logs`, and last `status`
    (so a terminal status closes a run that already holds the batch's data).
    """

    metrics: Mapping[str, MetricColumns] = field(default_factory=dict)
    logs: Sequence[LogEntry] = ()
    params: Mapping[str, Any] | None = None
    name: str | None = None
    notes: str | None = None
    tags: Sequence[str] | None = None
    config: Mapping[str, Any] | None = None
    system: Mapping[str, Any] | None = None
    resume: Owner | None = None
    status: str | None = None
    batch_id: str | None = None  # applied at most once per run; a resend is skipped whole
    # Params that never change (MLflow's): a key already holding another value refuses the whole unit.
    fixed_params: bool = False
    # Key-value tags (`Store.run_tag_values`): set these, then remove `tag_deletes`.
    tag_values: Mapping[str, str] | None = None
    tag_deletes: Sequence[str] = ()
    # Every point as logged, appended to the keys' full histories (`runyard.store.history`);
    # unlike `metrics`, a step may repeat. Written with `metrics`, which keeps the last per step.
    history: Mapping[str, MetricColumns] = field(default_factory=dict)

    def run_fields(self) -> dict[str, Any]:
        """The run fields to replace (those given)."""
        fields = {"name": self.name, "notes": self.notes, "tags": self.tags, "config": self.config,
                  "system": self.system}
        return {name: value for name, value in fields.items() if value is not None}

    def is_empty(self) -> bool:
        """Nothing to write (no commit, no batch id recorded)."""
        return (not self.metrics and not self.logs and not self.params and not self.run_fields()
                and self.resume is None and self.status is None and not self.tag_values
                and not self.tag_deletes and not self.history)


@dataclass(frozen=True, slots=True)
class Applied:
    """The outcome of `Store.apply`.

    `seq` is the change sequence number of the commit (0 when nothing was written);
    `replayed` is true when the batch id had been applied before, so nothing was written now.
    """

    seq: int = 0
    replayed: bool = False
