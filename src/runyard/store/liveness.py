"""Whether a run's process is alive: the one rule for the SDK, the server and the store.

On this host a process is named by (pid, start time), so a recycled pid does not count;
on another host only the heartbeat can tell. Used to refuse resuming a live run, to mark
runs whose process is gone `crashed`, and to tell whether a spool's writer still runs.
"""

from __future__ import annotations

import os
import socket
import time

import psutil

from runyard.store.models import Run

STALE_AFTER_S = 120.0  # a run on another host counts as live while its heartbeat is this fresh
# (pid, start time) -> when its create time last matched. Between full checks a known
# process costs one syscall (the server looks every second: ~2 ms for 1,000 live runs
# instead of ~45 ms); a pid reused within PROCESS_RECHECK_S is caught at the next full check.
PROCESS_RECHECK_S = 30.0
_VERIFIED: dict[tuple[int, float], float] = {}
_MAX_VERIFIED = 100_000


def _pid_exists(pid: int) -> bool:
    if os.name != "posix":  # os.kill would terminate it on Windows
        return bool(psutil.pid_exists(pid))
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the pid exists
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by another user
    return True


def process_alive(host: str, pid: int, started_at: float) -> bool:
    """Whether (host, pid, start time) names a live process on this machine (0: any start time)."""
    if host != socket.gethostname() or pid <= 0:
        return False
    key, now = (pid, started_at), time.monotonic()
    seen = _VERIFIED.get(key)
    if seen is not None and now - seen < PROCESS_RECHECK_S:
        if _pid_exists(pid):
            return True
        _VERIFIED.pop(key, None)
        return False
    try:
        created = psutil.Process(pid).create_time()
    except (psutil.Error, OSError):
        _VERIFIED.pop(key, None)
        return False
    # A recycled pid belongs to a process that started at another time.
    alive = started_at <= 0 or abs(created - started_at) < 2.0
    if alive and len(_VERIFIED) < _MAX_VERIFIED:
        _VERIFIED[key] = now
    return alive


def owner_alive(host: str, pid: int, started_at: float, heartbeat_at: float,
                stale_after_s: float = STALE_AFTER_S) -> bool:
    """Whether a run's owner process lives: by pid on this host, by a fresh heartbeat elsewhere."""
    if host == socket.gethostname():
        return process_alive(host, pid, started_at)
    return time.time() - heartbeat_at < stale_after_s


def run_is_live(run: Run, stale_after_s: float = STALE_AFTER_S) -> bool:
    """Whether a run is `running` in a live process (it must not be taken over)."""
    return run.status == "running" and owner_alive(run.host, run.pid, run.pid_started_at, run.heartbeat_at,
                                                   stale_after_s)
