"""Live events: the change feed, following a run with resume, and SSE rendering."""

from __future__ import annotations

from runyard.events.feed import ChangeFeed, Subscription
from runyard.events.model import RunEvent, materialize
from runyard.events.multi import follow_run, follow_runs
from runyard.events.sse import json_data, resume_id, sse_response
from runyard.events.stream import Opened, Resync, StreamItem, parse_last_event_id

__all__ = [
    "ChangeFeed",
    "Opened",
    "Resync",
    "RunEvent",
    "StreamItem",
    "Subscription",
    "follow_run",
    "follow_runs",
    "json_data",
    "materialize",
    "parse_last_event_id",
    "resume_id",
    "sse_response",
]
