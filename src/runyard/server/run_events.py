"""runyard's own live-event shapes: the v1 run stream and the web dashboard's multi-run stream.

One `metrics`, `logs`, `status` or `media` SSE event per run event, each carrying its `run_id`, so a
page overlaying several runs tells them apart. Dialects with their own event shapes
(expman, Aspara, SwanLab) render theirs in their packages.
"""

from __future__ import annotations

from typing import Any

from sse_starlette import ServerSentEvent

from runyard.events import RunEvent, json_data
from runyard.server.series_encoding import series_json


def render_run_event(event: RunEvent) -> ServerSentEvent | None:
    """One SSE event per run event, in runyard's own JSON shapes."""
    run_id = str(event.run_id)
    data: dict[str, Any]
    if event.kind == "metrics":
        data = {"run_id": run_id, "metrics": {key: series_json(s) for key, s in event.metrics.items()}}
    elif event.kind == "logs":
        data = {"run_id": run_id, "lines": [{"id": line.id, "timestamp": line.time * 1000, "stream": line.stream,
                                             "line": line.line} for line in event.lines]}
    elif event.kind == "media":
        data = {"run_id": run_id, **event.detail}
    else:
        data = {"run_id": run_id, "status": event.status.upper()}
    return ServerSentEvent(event=event.kind, data=json_data(data))
