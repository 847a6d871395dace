"""Sending a spool to the server in order, deleting each request once it is acknowledged.

Used by the training process (its outbox) and by `runyard sync`. A request the server
refuses as bad (4xx other than 401/403/408/429) is dropped, so one bad batch cannot
block the rest; an unreachable server, or a token it refuses, stops the drain with the
request kept for later.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from runyard.errors import AuthError, ForbiddenError, RunyardError
from runyard.sdk.http_client import IngestClient, Unavailable
from runyard.sdk.spool import Spool
from runyard.sdk.wire import Request


@dataclass(slots=True)
class DrainReport:
    """What a drain did: acknowledged requests and points, drops, and why it stopped early."""

    sent: int = 0
    points: int = 0
    lines: int = 0
    dropped: list[str] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)
    stopped: str | None = None  # why requests are left: the server's error, or "time"
    auth_refused: bool = False
    unavailable: bool = False

    def add(self, other: DrainReport) -> None:
        """Fold another drain's counts into this one."""
        self.sent += other.sent
        self.points += other.points
        self.lines += other.lines
        self.dropped += other.dropped
        self.statuses += other.statuses
        self.stopped = other.stopped
        self.auth_refused = other.auth_refused
        self.unavailable = other.unavailable


def drain(
    spool: Spool,
    client: IngestClient,
    *,
    deadline: float | None = None,
    on_done: Callable[[Request], None] | None = None,
) -> DrainReport:
    """Send waiting requests oldest first until the spool is empty, the server fails, or the deadline."""
    report = DrainReport()
    for seq in spool.seqs():
        if deadline is not None and time.monotonic() >= deadline:
            report.stopped = "time"
            break
        try:
            request = spool.read(seq)
        except Exception as exc:  # a damaged file: nothing can send it, keep going with the rest
            report.dropped.append(f"spooled request #{seq} is unreadable ({exc!r})")
            spool.remove(seq)
            continue
        try:
            client.send(request)
        except Unavailable as exc:
            report.stopped, report.unavailable = str(exc), True
            break
        except (AuthError, ForbiddenError) as exc:
            report.stopped, report.auth_refused = str(exc), True
            break
        except RunyardError as exc:
            report.dropped.append(str(exc))
        else:
            report.sent += 1
            report.points += request.points
            report.lines += int(request.meta.get("lines", 0))
            if request.kind == "status":
                report.statuses.append(str(request.meta.get("status", "")))
        spool.remove(seq)
        if on_done is not None:
            on_done(request)  # sent or dropped: either way it left the spool
    return report
