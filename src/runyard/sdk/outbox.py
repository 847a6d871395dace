"""Ordered delivery for one remote run: send now, or spool and drain when the server is back.

While anything waits in the spool, new requests queue behind it there, so the server
sees them in the order they were made. Sending directly retries a few times with
backoff; past that the request is spooled (durable, so the caller may move on) and
the spool is retried with growing pauses on later calls. A token the server refuses
(401/403) stops all sending: everything goes to the spool, for `runyard sync --token`.

A request the server itself fails on (500 for one artifact, 507) must not hold the rest
up: after its retries it is held (kept aside in the spool, see `drain`) and later
requests go on; held requests are retried every `HELD_RETRY_S` (doubling up to
`MAX_HELD_RETRY_S`), once more at `close`, then left for `runyard sync`.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

from runyard.errors import AuthError, ForbiddenError
from runyard.sdk.drain import DrainReport, describe, drain, drain_held
from runyard.sdk.http_client import IngestClient, Unavailable
from runyard.sdk.spool import Spool
from runyard.sdk.warn import WarnOnce
from runyard.sdk.wire import Request

DIRECT_ATTEMPTS = 3  # 0.2 s + 0.4 s of backoff before a request goes to the spool
DRAIN_SLICE_S = 2.0  # one background drain step, so heartbeats and new batches get their turn
MAX_BACKOFF_S = 10.0
HELD_RETRY_S = 5.0
MAX_HELD_RETRY_S = 300.0


class Outbox:
    """Thread-safe: the flusher thread and the training thread (params, artifacts) share it."""

    def __init__(self, client: IngestClient, spool: Spool, warn: WarnOnce, owner: dict[str, Any]) -> None:
        self.client = client
        self.spool = spool
        self.warn = warn
        self._owner = owner
        self._lock = threading.RLock()
        self._failures = 0
        self._next_try = 0.0
        self._refused: str | None = None
        self._locked = False
        self._strikes: dict[int, int] = {}
        self._held_pause = HELD_RETRY_S
        self._held_next = 0.0

    def submit(self, request: Request) -> dict[str, Any] | None:
        """Deliver in order: the server's answer, or None when the request was spooled.

        Refusals other than 401/403 raise (the caller decides: split, drop or report).
        """
        with self._lock:
            if len(self.spool) or self._refused is not None or time.monotonic() < self._next_try:
                self.to_spool(request)
                self._drain_if_due()
                return None
            try:
                answer = self.client.send_retrying(request, attempts=DIRECT_ATTEMPTS)
            except Unavailable as exc:
                if exc.suspect:  # the server is up and failed on this one: set it aside, go on
                    self._hold(request, str(exc))
                    return None
                self._offline(str(exc))
            except (AuthError, ForbiddenError) as exc:
                self._auth_refused(str(exc))
            else:
                self._failures, self._next_try = 0, 0.0
                return answer
            self.to_spool(request)
            return None

    def to_spool(self, request: Request) -> int:
        """Append to the spool (taking its lock and writing the owner record the first time); its number."""
        with self._lock:
            if not self._locked:
                if not self.spool.lock():
                    raise RuntimeError(f"spool {self.spool.root} is in use by another process")
                self._locked = True
                self.spool.write_owner(self._owner)
            return self.spool.append(request)

    def _hold(self, request: Request, reason: str) -> None:
        self.spool.hold(self.to_spool(request))
        self._held_next = max(self._held_next, time.monotonic() + self._held_pause)
        self.warn(f"held:{request.kind}:{request.path}",
                  f"the server failed on {describe(request)} of run {self.spool.uid} ({reason}); it is kept in "
                  f"{self.spool.root} and retried later while the rest of the run goes on")

    def poke(self, heartbeat: Request) -> None:
        """Periodic: drain the spool when a retry is due, else send the heartbeat (and retry held ones)."""
        with self._lock:
            if len(self.spool):
                self._drain_if_due()
                return
            if self.spool.held() and self._refused is None and time.monotonic() >= self._held_next:
                self._retry_held(None)
            if self._refused is not None or time.monotonic() < self._next_try:
                return
            try:
                self.client.send(heartbeat)
            except Unavailable as exc:
                self._offline(str(exc))
            except (AuthError, ForbiddenError) as exc:
                self._auth_refused(str(exc))
            # Other refusals (the run was deleted: 404) reach the flusher, which warns once.

    def _drain_if_due(self) -> None:
        if self._refused is not None or time.monotonic() < self._next_try:
            return
        self._note(drain(self.spool, self.client, deadline=time.monotonic() + DRAIN_SLICE_S,
                         strikes=self._strikes))

    def _retry_held(self, deadline: float | None) -> None:
        report = drain_held(self.spool, self.client, deadline=deadline)
        self._note(report)
        if self.spool.held():
            self._held_pause = min(MAX_HELD_RETRY_S, self._held_pause * 2)
        else:
            self._held_pause = HELD_RETRY_S
        self._held_next = time.monotonic() + self._held_pause

    def _note(self, report: DrainReport) -> None:
        for message in report.dropped:  # one warning per distinct refusal, never one per retry
            self.warn(f"dropped:{message}", f"the server refused a request of run {self.spool.uid}; "
                                            f"dropped it: {message}")
        for message in report.held:
            self.warn(f"held:{message}", f"the server keeps failing on {message} of run {self.spool.uid}; "
                                         f"it is kept in {self.spool.root} and retried later "
                                         "while the rest of the run goes on")
        if report.held:
            self._held_next = max(self._held_next, time.monotonic() + self._held_pause)
        if report.auth_refused:
            self._auth_refused(report.stopped or "")
        elif report.unavailable:
            self._offline(report.stopped or "")
        elif report.stopped is None:
            self._failures, self._next_try = 0, 0.0
            self._release_if_empty()

    def _offline(self, reason: str) -> None:
        self._failures += 1
        self._next_try = time.monotonic() + min(MAX_BACKOFF_S, 0.5 * 2 ** (self._failures - 1))
        self.warn("offline", f"server unreachable ({reason}); run {self.spool.uid} is spooled to "
                             f"{self.spool.root} and sent when the server is back")

    def _auth_refused(self, reason: str) -> None:
        self._refused = reason
        self.warn("auth", f"the server refused this token for run {self.spool.uid}: {reason}. Nothing more is "
                          f"sent; data is kept in {self.spool.root}: fix the token, then run "
                          f"`runyard sync --dir {self.spool.root.parent.parent} --token ...`")

    def _release_if_empty(self) -> None:
        if self._locked and self.spool.empty():
            self.spool.discard_if_empty()
            self._locked = False

    def close(self, timeout: float) -> DrainReport:
        """Drain for up to `timeout` seconds (held requests get one more try), then leave the rest to sync.

        Returns within `timeout` plus a fraction of a second: requests under way are cut at the deadline.
        """
        total = DrainReport()
        deadline = time.monotonic() + timeout
        with self._lock:
            while len(self.spool) and self._refused is None:
                report = drain(self.spool, self.client, deadline=deadline, strikes=self._strikes)
                total.add(report)
                self._note(report)
                if report.unreachable:
                    break  # the server is down: waiting out the timeout would only hold the script up
                pause = min(0.5 * 2 ** max(0, self._failures - 1), 2.0, deadline - time.monotonic())
                if not len(self.spool) or pause <= 0:
                    break
                time.sleep(pause)
            if self.spool.held() and self._refused is None and not len(self.spool):
                # Once more, in order after everything else; what fails again waits for sync.
                report = drain_held(self.spool, self.client, deadline=deadline)
                total.add(report)
                self._note(report)
            left = len(self.spool) + len(self.spool.held())
            if left:
                data_dir: Path = self.spool.root.parent.parent
                why = (f"the runyard server {self._owner.get('server')} is unreachable ({total.stopped})"
                       if total.unreachable else f"they could not be sent within {timeout:g} s or the server "
                                                 "failed on them")
                self.warn("left", f"{left} request(s) of run {self.spool.uid} are not sent: {why}. They are "
                                  f"kept in {self.spool.root}; run `runyard sync --dir {data_dir}` once the "
                                  "server is reachable (or fixed)")
                # This process is done with the spool even if it lives on: sync may take it now.
                self.spool.write_owner({**self._owner, "released_at": time.time()})
            self._release_if_empty()
            self.spool.unlock()
            self._locked = False
        return total

