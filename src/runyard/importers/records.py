"""What one run of another tracker becomes, as a plain record: each reader yields these and
`runyard.importers.writer` writes them (MLflow has its own records: it keeps several values per
step and key-value tags, which need its own mapping).

A reader translates only its storage format; mapping to runyard's rules (uids, name clashes,
what an existing run receives again) lives in the writer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from runyard.store.models import MetricColumns
from runyard.store.units import LogEntry  # (wall time, stream: "stdout" or "stderr", text)

# A run's series, read only when the writer gets to that run (sources can be large).
SeriesReader = Callable[[], Iterator[tuple[str, MetricColumns]]]
LogReader = Callable[[], Iterator[LogEntry]]


def no_series() -> Iterator[tuple[str, MetricColumns]]:
    """`ImportedRun.series` of a run without metrics."""
    return iter(())


def no_logs() -> Iterator[LogEntry]:
    """`ImportedRun.logs` of a run without console output."""
    return iter(())


@dataclass(frozen=True, slots=True)
class ImportedRun:
    """One run from another tracker, in runyard's units (epoch seconds, runyard statuses).

    `source_id` names the run stably inside its source (a run folder's id, a file path
    relative to the source root): importing the same source again finds the run by it and adds
    nothing twice. `artifacts` are (path inside the run's artifacts, file to copy) pairs.
    """

    source_id: str
    project: str
    name: str
    status: str = "finished"  # one of runyard.store.models.RUN_STATUSES
    start_time: float | None = None
    end_time: float | None = None
    config: dict[str, Any] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)
    tags: tuple[str, ...] = ()
    notes: str = ""
    description: str = ""
    system: dict[str, Any] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)  # final values the tool kept outside its series
    series: SeriesReader = no_series
    logs: LogReader = no_logs
    artifacts: tuple[tuple[str, Path], ...] = ()
