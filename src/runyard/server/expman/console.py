"""A run's console as expman's two log files, and `GET .../log/stream?file=`: their live tail over SSE.

expman-rs keeps `console.log` (the run's stdout and stderr) and `run.log` (its own library's
messages) in a run's folder; its web app tails both in the Console tab and previews them in
Artifacts. runyard keeps one console per run, each line tagged `stdout` or `stderr`, so:
`console.log` is every line, `run.log` the `stderr` lines (where Python's `logging` writes,
the nearest runyard has to a library log). Nothing else can be named: no file is read.

The stream sends the lines logged so far (the newest `HISTORY_LINES`), then new ones as
they are committed, one SSE `message` per line (what the app's `EventSource.onmessage` renders). Every event carries an
`id:`, so the browser's automatic reconnect resumes without repeating a line. The stream ends
when the run has ended; a reconnect after that with nothing new answers 204, which tells
the browser to stop reconnecting (the app then shows "Connection permanently closed").
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response
from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.concurrency import run_in_threadpool

from runyard.errors import InvalidInputError
from runyard.events import RunEvent, StreamItem, follow_run, sse_response
from runyard.events.feed import ChangeFeed
from runyard.events.sse import Renderer
from runyard.server.deps import FeedDep, StoreDep, TenantDep, call
from runyard.server.expman import PREFIX, TAG, lookup
from runyard.server.expman.path_params import ExperimentName, RunName
from runyard.server.params import ResumeFrom
from runyard.store import LogLine, Store
from runyard.store.models import TERMINAL_STATUSES

router = APIRouter(prefix=PREFIX, tags=[TAG], responses={404: {"description": '`{"error": "..."}`'}})
# expman's file name -> the console streams it holds.
LOG_FILES: dict[str, tuple[str, ...]] = {"console.log": ("stdout", "stderr"), "run.log": ("stderr",)}
CHANGES_CHECKED = 1000
# The lines a new tail starts with: the app renders a DOM node per line, so the newest ones only.
HISTORY_LINES = 10_000
LogFile = Annotated[str, Query(description="`console.log` (every console line) or `run.log` (stderr lines)")]


def streams_of(file: str) -> tuple[str, ...]:
    """The console streams an expman log file name holds; 400 for any other name."""
    try:
        return LOG_FILES[file]
    except KeyError:
        raise InvalidInputError(f"file must be one of {sorted(LOG_FILES)}") from None


def log_text(store: Store, run_id: int, file: str) -> bytes:
    """The whole file as text, a line per console line (blocking)."""
    wanted = streams_of(file)
    return "".join(f"{line.line}\n" for line in store.read_logs(run_id) if line.stream in wanted).encode()


def _renderer(streams: Sequence[str]) -> Renderer:
    """One `message` per new line of the chosen streams; a line already sent is never sent again."""
    sent_up_to = 0

    def render(event: RunEvent) -> list[ServerSentEvent] | None:
        nonlocal sent_up_to
        if event.kind != "logs":
            return None
        fresh = [line for line in event.lines if line.id > sent_up_to and line.stream in streams]
        sent_up_to = max([sent_up_to, *(line.id for line in event.lines)])
        # A blank line still shows as one (the app skips empty messages).
        return [ServerSentEvent(data=line.line or " ") for line in fresh] or None

    return render


async def _tail(store: Store, feed: ChangeFeed, run_id: int, resume: int | None) -> AsyncIterator[StreamItem]:
    if resume is None:
        # What is committed up to `now` goes out first; the follower replays from `now` (a line
        # that landed in between comes twice and is dropped by the renderer).
        now = await run_in_threadpool(store.last_change_seq)
        history: list[LogLine] = await run_in_threadpool(lambda: store.read_logs(run_id, tail=HISTORY_LINES))
        yield RunEvent(now, run_id, "logs", lines=history)
        resume = now
    async for item in follow_run(store, feed, run_id, last_event_id=resume):
        yield item


def _nothing_after(store: Store, run_id: int, status: str, resume: int) -> bool:
    """True when the run had ended and no console line came after `resume`."""
    if status not in TERMINAL_STATUSES:
        return False
    changes = store.changes_since(resume, limit=CHANGES_CHECKED, run_id=run_id)
    # A full page may hide a console write behind it: then stream, as for news.
    return len(changes) < CHANGES_CHECKED and not any(change.kind == "logs" for change in changes)


@router.get("/{experiment}/runs/{run}/log/stream", summary="Live tail of a run's console log (SSE)",
            response_class=EventSourceResponse,
            responses={204: {"description": "the run has ended and nothing came after `Last-Event-ID`"},
                       400: {"description": "an unknown `file`"}})
async def stream_log(experiment: ExperimentName, run: RunName, store: StoreDep, tenant: TenantDep,
                     feed: FeedDep, resume: ResumeFrom, file: LogFile = "console.log") -> Response:
    """The lines so far, then new ones live, one `message` event each; ends when the run ends."""
    streams = streams_of(file)
    found = await call(lookup.run, store, experiment, run, tenant)
    if resume is not None and await call(_nothing_after, store, found.run.id, found.run.status, resume):
        return Response(status_code=204)
    return sse_response(_tail(store, feed, found.run.id, resume), _renderer(streams))
