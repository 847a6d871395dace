"""Ordered delivery for one remote run: send now, or spool and drain when the server is back.

While anything waits in the spool, new requests queue behind it there, so the server
sees them in the order they were made. Sending directly retries a few times with
backoff; past that the request is spooled (durable, so the caller may move on) and
the spool is retried with growing pauses on later calls. A token the server refuses
(401/403) stops all sending: everything goes to the spool, for `runyard sync --token`.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

from runyard.errors import AuthError, ForbiddenError
from runyard.sdk.drain import DrainReport, drain
from runyard.sdk.http_client import IngestClient, Unavailable
from runyard.sdk.spool import Spool
from runyard.sdk.warn import WarnOnce
from runyard.sdk.wire import Request

DIRECT_ATTEMPTS = 3  # 0.2 s + 0.4 s of backoff before a request goes to the spool
DRAIN_SLICE_S = 2.0  # one background drain step, so heartbeats and new batches get their turn
MAX_BACKOFF_S = 10.0


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
                self._offline(str(exc))
            except (AuthError, ForbiddenError) as exc:
                self._auth_refused(str(exc))
            else:
                self._failures, self._next_try = 0, 0.0
                return answer
            self.to_spool(request)
            return None

    def to_spool(self, request: Request) -> None:
        """Append to the spool (taking its lock and writing the owner record the first time)."""
        with self._lock:
            if not self._locked:
                if not self.spool.lock():
                    raise RuntimeError(f"spool {self.spool.root} is in use by another process")
                self._locked = True
                self.spool.write_owner(self._owner)
            self.spool.append(request)

    def poke(self, heartbeat: Request) -> None:
        """Periodic: drain the spool when a retry is due, else send the heartbeat."""
        with self._lock:
            if len(self.spool):
                self._drain_if_due()
                return
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
        self._note(drain(self.spool, self.client, deadline=time.monotonic() + DRAIN_SLICE_S))

    def _note(self, report: DrainReport) -> None:
        if report.dropped:
            self.warn("dropped", f"the server refused {len(report.dropped)} spooled request(s) of run "
                                 f"{self.spool.uid}, dropped them; first: {report.dropped[0]}")
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
        if self._locked and not len(self.spool):
            self.spool.discard_if_empty()
            self._locked = False

    def close(self, timeout: float) -> DrainReport:
        """Drain for up to `timeout` seconds, then leave what is left for `runyard sync`."""
        total = DrainReport()
        deadline = time.monotonic() + timeout
        with self._lock:
            while len(self.spool) and self._refused is None:
                report = drain(self.spool, self.client, deadline=deadline)
                total.add(report)
                self._note(report)
                pause = min(0.5 * 2 ** max(0, self._failures - 1), 2.0, deadline - time.monotonic())
                if not len(self.spool) or pause <= 0:
                    break
                time.sleep(pause)
            left = len(self.spool)
            if left:
                data_dir: Path = self.spool.root.parent.parent
                self.warn("left", f"{left} request(s) of run {self.spool.uid} could not be sent within "
                                  f"{timeout:g} s; they are kept in {self.spool.root}. Run `runyard sync "
                                  f"--dir {data_dir}` once the server is reachable")
                # This process is done with the spool even if it lives on: sync may take it now.
                self.spool.write_owner({**self._owner, "released_at": time.time()})
            self._release_if_empty()
            self.spool.unlock()
            self._locked = False
        return total
