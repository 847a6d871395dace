"""Aspara's `since` on a stream: the points logged since then come first, then live events.

Aspara's dashboard fetches `runs/metrics`, then opens the stream with `since` = the newest
timestamp it holds, and its server sends every record from then on: so a point committed
between the fetch and the stream's start is not lost. Here the stream subscribes first
and then reads the store, so nothing falls between them; a step both read and streamed
comes twice, which the dashboard merges (one point per step). A client resuming by event
id gets exactly what it missed instead (`since` is then not needed and not used).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence

from runyard.events import Opened, RunEvent, StreamItem
from runyard.server.aspara.series import Selection, read_run
from runyard.server.deps import call
from runyard.store import MetricColumns, Run, Store
from runyard.store.codec import sorted_union

# `since=0` (Aspara's runs list) asks for everything: a stream starts with at most this many
# of each run's newest steps; older points are `runs/metrics`' to give.
HISTORY_STEPS = 10_000


def _newest(series: dict[str, MetricColumns], steps: int) -> dict[str, MetricColumns]:
    every = sorted_union([columns.steps for columns in series.values()])
    if len(every) <= steps:
        return series
    first = every[-steps]
    kept = {key: columns.steps >= first for key, columns in series.items()}
    return {key: MetricColumns(columns.steps[kept[key]], columns.values[kept[key]], columns.times[kept[key]])
            for key, columns in series.items() if kept[key].any()}


def recent_points(store: Store, runs: Sequence[Run], since_ms: float) -> list[RunEvent]:
    """Per run, one metrics event of the points logged at or after `since_ms` (blocking)."""
    summaries = store.metric_summaries([run.id for run in runs]) if runs else {}
    events = []
    for run in runs:
        recent = {key: s for key, s in summaries.get(run.id, {}).items() if s.last_time * 1000.0 >= since_ms}
        series = {key: columns for key, columns in read_run(store, run, recent, Selection(None, None, since_ms)).items()
                  if len(columns)}
        if series:
            events.append(RunEvent(0, run.id, "metrics", metrics=_newest(series, HISTORY_STEPS)))
    return events


async def since_then(items: AsyncIterator[StreamItem], store: Store, runs: Sequence[Run],
                     since_ms: float | None) -> AsyncIterator[StreamItem]:
    """`items` with the points logged since `since_ms` right after the stream opens (numbered as its start)."""
    async for item in items:
        yield item
        if isinstance(item, Opened) and since_ms is not None:
            for event in await call(recent_points, store, runs, since_ms):
                event.seq = item.cursor
                yield event
