"""Run events: what a committed change means for someone following a run live."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from runyard import media_index
from runyard.errors import NotFoundError
from runyard.store import Change, LogLine, MetricColumns, Store
from runyard.store.models import TERMINAL_STATUSES

MAX_LOG_LINES_PER_EVENT = 5_000


@dataclass(slots=True)
class RunEvent:
    """One event of a run, numbered by the change-log sequence it came from."""

    seq: int
    run_id: int
    kind: str  # "metrics", "logs", "status" or "media" (a logged image/histogram/table: detail key, step, kind)
    metrics: dict[str, MetricColumns] = field(default_factory=dict)
    lines: list[LogLine] = field(default_factory=list)
    status: str = ""
    detail: dict[str, Any] = field(default_factory=dict)
    time: float | None = None  # when the change was committed (epoch seconds); None: not known

    @property
    def final(self) -> bool:
        """The run ended: a stream following it closes after this event."""
        return self.kind == "status" and self.status in TERMINAL_STATUSES


EVENT_KINDS = ("metrics", "logs", "status", "artifact")


def materialize(store: Store, change: Change) -> RunEvent | None:
    """The event for a change, read back from the store (blocking); None if nothing to tell.

    Metric events carry the points now stored in the step range the write touched, so a
    replay after compaction or an overwrite still shows current values.
    """
    if change.run_id is None or change.kind not in EVENT_KINDS:
        return None
    if change.kind == "status":
        return RunEvent(change.seq, change.run_id, "status", status=str(change.detail.get("status", "")),
                        detail=change.detail, time=change.created_at or None)
    if change.kind == "artifact":
        # Only logged media are told live (a page adds their step); other artifacts are not run events.
        found = media_index.parse_media_path(str(change.detail.get("path", "")))
        if found is None or found.kind == "caption":
            return None
        return RunEvent(change.seq, change.run_id, "media", detail={"key": found.key, "step": found.step,
                                                                    "kind": found.kind}, time=change.created_at or None)
    try:
        if change.kind == "logs":
            after = int(change.detail.get("after_id", 0))
            last = int(change.detail.get("last_id", after))
            limit = min(max(last - after, 0), MAX_LOG_LINES_PER_EVENT)
            lines = [line for line in store.read_logs(change.run_id, after_id=after, limit=limit) if line.id <= last]
            return RunEvent(change.seq, change.run_id, "logs", lines=lines) if lines else None
        metrics: dict[str, MetricColumns] = {}
        for key, (_count, first_step, last_step) in change.detail.get("keys", {}).items():
            series = store.read_metric(change.run_id, key, step_min=int(first_step), step_max=int(last_step))
            if len(series):
                metrics[key] = series
        return RunEvent(change.seq, change.run_id, "metrics", metrics=metrics) if metrics else None
    except NotFoundError:
        return None  # the run was deleted meanwhile
