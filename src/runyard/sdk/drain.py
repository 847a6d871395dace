"""Sending a spool to the server in order, deleting each request once it is acknowledged.

Used by the training process (its outbox) and by `runyard sync`. A request the server
refuses as bad (4xx other than 401/403/408/429) is dropped, so one bad batch cannot
block the rest; an unreachable server, or a token it refuses, stops the drain with the
request kept for later. A request the server fails on while up (500, 507: `suspect`)
`hold_after` times is held (kept aside in the spool) and the drain goes on behind it;
`drain_held` retries the held ones, each on its own. A create is never held: every
other request of the run needs it first.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import Enum
from urllib.parse import unquote

from runyard.errors import AuthError, ForbiddenError, RunyardError
from runyard.sdk.http_client import IngestClient, Unavailable
from runyard.sdk.spool import Spool
from runyard.sdk.wire import Request

HOLD_AFTER = 3  # failures of one request, with the backoff between drains, before it is set aside


@dataclass(slots=True)
class DrainReport:
    """What a drain did: acknowledged requests and points, drops, holds, and why it stopped early."""

    sent: int = 0
    points: int = 0
    lines: int = 0
    dropped: list[str] = field(default_factory=list)
    held: list[str] = field(default_factory=list)  # each request set aside, with the server's error
    statuses: list[str] = field(default_factory=list)
    stopped: str | None = None  # why requests are left: the server's error, or "time"
    auth_refused: bool = False
    unavailable: bool = False
    unreachable: bool = False  # stopped because the server is down (not because it failed on a request)

    def add(self, other: DrainReport) -> None:
        """Fold another drain's counts into this one."""
        self.sent += other.sent
        self.points += other.points
        self.lines += other.lines
        self.dropped += other.dropped
        self.held += other.held
        self.statuses += other.statuses
        self.stopped = other.stopped
        self.auth_refused = other.auth_refused
        self.unavailable = other.unavailable
        self.unreachable = other.unreachable


def describe(request: Request) -> str:
    """The request in a warning: an artifact by its name, others by their kind."""
    if request.kind == "artifact":
        return f"artifact {unquote(request.path.partition('?name=')[2])!r}"
    return f"a {request.kind} request"


class _Outcome(Enum):
    DONE = 1  # acknowledged or dropped: it left the spool
    FAILED = 2  # the server failed on it (suspect): kept
    STOP = 3  # unreachable, or the token is refused: kept, and so is the rest


def _send_one(spool: Spool, seq: int, client: IngestClient, report: DrainReport,
              deadline: float | None) -> tuple[_Outcome, Request | None, str]:
    try:
        request = spool.read(seq)
    except Exception as exc:  # a damaged file: nothing can send it, keep going with the rest
        report.dropped.append(f"spooled request #{seq} is unreadable ({exc!r})")
        spool.remove(seq)
        return _Outcome.DONE, None, ""
    try:
        client.send(request, deadline)
    except Unavailable as exc:
        if exc.suspect and request.kind != "create":
            return _Outcome.FAILED, request, str(exc)
        report.stopped, report.unavailable, report.unreachable = str(exc), True, not exc.suspect
        return _Outcome.STOP, request, str(exc)
    except (AuthError, ForbiddenError) as exc:
        report.stopped, report.auth_refused = str(exc), True
        return _Outcome.STOP, request, str(exc)
    except RunyardError as exc:
        report.dropped.append(str(exc))
    else:
        report.sent += 1
        report.points += request.points
        report.lines += int(request.meta.get("lines", 0))
        if request.kind == "status":
            report.statuses.append(str(request.meta.get("status", "")))
    spool.remove(seq)
    return _Outcome.DONE, request, ""


# Decides what a failed request means for the walk: True stops it, False goes on.
OnFailed = Callable[[int, Request | None, str, DrainReport], bool]


def _walk(
    spool: Spool,
    seqs: Iterable[int],
    client: IngestClient,
    deadline: float | None,
    on_done: Callable[[Request], None] | None,
    failed: OnFailed,
) -> DrainReport:
    """Send `seqs` in order until the deadline, a stop, or `failed` says to stop."""
    report = DrainReport()
    for seq in seqs:
        if deadline is not None and time.monotonic() >= deadline:
            report.stopped = "time"
            break
        outcome, request, error = _send_one(spool, seq, client, report, deadline)
        if outcome is _Outcome.FAILED:
            if failed(seq, request, error, report):
                break
            continue
        if outcome is _Outcome.STOP:
            break
        if on_done is not None and request is not None:
            on_done(request)  # sent or dropped: either way it left the spool
    return report


def drain(
    spool: Spool,
    client: IngestClient,
    *,
    deadline: float | None = None,
    on_done: Callable[[Request], None] | None = None,
    strikes: dict[int, int] | None = None,
    hold_after: int = HOLD_AFTER,
) -> DrainReport:
    """Send waiting requests oldest first until the spool is empty, the server fails, or the deadline.

    `strikes` counts each request's failures across drains (the caller keeps it).
    """
    counts = {} if strikes is None else strikes

    def failed(seq: int, request: Request | None, error: str, report: DrainReport) -> bool:
        counts[seq] = counts.get(seq, 0) + 1
        if counts[seq] < hold_after:
            report.stopped, report.unavailable = error, True
            return True
        spool.hold(seq)
        report.held.append(f"{describe(request) if request else 'a request'} ({error})")
        return False

    return _walk(spool, spool.seqs(), client, deadline, on_done, failed)


def drain_held(
    spool: Spool,
    client: IngestClient,
    *,
    deadline: float | None = None,
    on_done: Callable[[Request], None] | None = None,
) -> DrainReport:
    """Try each held request once, oldest first; those the server fails on again stay held."""

    def failed(seq: int, request: Request | None, error: str, report: DrainReport) -> bool:
        report.stopped = error
        return False

    return _walk(spool, spool.held(), client, deadline, on_done, failed)
