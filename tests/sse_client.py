"""A small SSE reader over httpx for tests: yields (event, id, data) until the stream ends."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx


@dataclass(slots=True)
class Event:
    """One parsed server-sent event."""

    event: str
    id: str | None
    data: Any


def parse_lines(lines: Iterator[str]) -> Iterator[Event]:
    """Turn SSE lines into events (comments skipped, multi-line data joined)."""
    name, ident, data = "message", None, []
    for raw in lines:
        line = raw.rstrip("\r")
        if not line:
            if data:
                text = "\n".join(data)
                try:
                    payload: Any = json.loads(text)
                except ValueError:
                    payload = text
                yield Event(name, ident, payload)
            name, ident, data = "message", None, []
            continue
        if line.startswith(":"):
            continue
        field, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if field == "event":
            name = value
        elif field == "id":
            ident = value
        elif field == "data":
            data.append(value)


def read_events(url: str, *, headers: dict[str, str] | None = None, until: int | None = None,
                timeout: float = 20.0) -> list[Event]:
    """Collect events until the server closes the stream or `until` events arrived."""
    got: list[Event] = []
    with httpx.stream("GET", url, headers=headers, timeout=httpx.Timeout(timeout)) as response:
        response.raise_for_status()
        for event in parse_lines(response.iter_lines()):
            got.append(event)
            if until is not None and len(got) >= until:
                break
    return got
