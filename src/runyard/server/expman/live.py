"""`GET /api/experiments/{experiment}/runs/{run}/live`: a run's live events over SSE.

Events: `MetricsUpdated` (only the new points), `LogMessage` (new console lines),
`StatusChanged`. Each has `id:` (its change sequence); reconnect with `Last-Event-ID`
(or `?after=`) to get exactly what was missed. The stream ends after the final status.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from sse_starlette import EventSourceResponse, ServerSentEvent

from runyard.events import RunEvent, follow_run, json_data, sse_response
from runyard.events.sse import Renderer
from runyard.server.deps import FeedDep, StoreDep, TenantDep, call
from runyard.server.expman import PREFIX, lookup
from runyard.server.expman.path_params import ExperimentName, RunName
from runyard.server.params import ResumeFrom
from runyard.server.series_encoding import series_json
from runyard.server.times import iso

router = APIRouter(prefix=PREFIX, tags=["expman"], responses={404: {"description": '`{"error": "..."}`'}})
EVENT_NAMES = {"metrics": "MetricsUpdated", "logs": "LogMessage", "status": "StatusChanged"}


def renderer(experiment: str, run: str) -> Renderer:
    """Render run events in expman's event names, naming the run by experiment and name."""

    def render(event: RunEvent) -> ServerSentEvent | None:
        data: dict[str, Any] = {"experiment": experiment, "run": run}
        if event.kind == "metrics":
            data["metrics"] = {key: series_json(series) for key, series in event.metrics.items()}
        elif event.kind == "logs":
            data["lines"] = [{"id": line.id, "time": iso(line.time), "stream": line.stream, "line": line.line}
                             for line in event.lines]
        elif event.kind == "status":
            data["status"] = event.status.upper()
        else:
            return None
        return ServerSentEvent(event=EVENT_NAMES[event.kind], data=json_data(data))

    return render


@router.get("/{experiment}/runs/{run}/live", summary="Live events of a run (SSE)", response_class=EventSourceResponse)
async def live(
    experiment: ExperimentName,
    run: RunName,
    store: StoreDep,
    tenant: TenantDep,
    feed: FeedDep,
    resume: ResumeFrom,
) -> EventSourceResponse:
    """`MetricsUpdated`, `LogMessage`, `StatusChanged`; only data committed after connecting (or after the id)."""
    found = await call(lookup.run, store, experiment, run, tenant)
    return sse_response(follow_run(store, feed, found.run.id, last_event_id=resume),
                        renderer(found.project.name, found.run.name))
