"""The module-level API: `init`, `log`, `finish` and the current run of this process."""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, NoReturn

from runyard.paths import resolve_data_dir
from runyard.sdk.announce import announce
from runyard.sdk.local_sink import LocalSink
from runyard.sdk.run import FLUSH_THRESHOLD, MAX_BUFFERED, Run
from runyard.sdk.sink import DRAIN_TIMEOUT_S, RunSpec, Sink
from runyard.sdk.system_info import process_identity
from runyard.sdk.system_monitor import DEFAULT_INTERVAL_S
from runyard.sdk.values import config_dict
from runyard.sdk.warn import RunyardWarning

_current: Run | None = None
_last_finished: str | None = None


def current_run() -> Run | None:
    """The run started by the last `init()` of this process, until it finishes."""
    return _current


def _forget(run: Run) -> None:
    global _current, _last_finished
    if _current is run:
        _current = None
        _last_finished = run.name


def init(
    project: str = "default",
    name: str | None = None,
    config: Mapping[str, Any] | Any = None,
    tags: Iterable[str] | None = None,
    notes: str | None = None,
    dir: str | os.PathLike[str] | None = None,
    resume: bool | str | None = None,
    capture_console: bool = True,
    heartbeat_interval: float = 10.0,
    *,
    flush_interval: float = 0.5,
    flush_threshold: int = FLUSH_THRESHOLD,
    max_buffered: int = MAX_BUFFERED,
    system_info: bool = True,
    server: str | None = None,
    token: str | None = None,
    drain_timeout: float = DRAIN_TIMEOUT_S,
    monitor: bool | None = None,
    monitor_interval: float = DEFAULT_INTERVAL_S,
) -> Run:
    """Start (or resume) a run, locally or on a server, and make it the current run."""
    global _current
    if not isinstance(project, str) or not project.strip():
        raise ValueError("project must be a non-empty string")
    if isinstance(tags, str):
        raise TypeError("tags must be a list of strings, not a string")
    if resume is not None and not isinstance(resume, (bool, str)):
        raise TypeError("resume must be True, False, None, or the uid or name of a run")
    if heartbeat_interval <= 0 or flush_interval <= 0:
        raise ValueError("heartbeat_interval and flush_interval must be positive")
    if drain_timeout < 0:
        raise ValueError("drain_timeout must be zero or positive")
    if not monitor_interval > 0:
        raise ValueError("monitor_interval must be positive")
    if _current is not None:
        previous = _current
        warnings.warn(
            f"runyard.init: finishing the previous run {previous.name!r} first", RunyardWarning, stacklevel=2
        )
        previous.finish()
    host, pid, started = process_identity()
    spec = RunSpec(
        project=project,
        name=name,
        config=config_dict(config),
        tags=list(tags or []),
        notes=notes,
        resume=resume,
        host=host,
        pid=pid,
        pid_started_at=started,
    )
    data_dir = resolve_data_dir(dir)
    url = _server_url(server)
    sink = _sink(data_dir, url, token, drain_timeout)
    try:
        handle = sink.open_run(spec)
    except BaseException:
        sink.close()
        raise
    run = Run(
        sink,
        handle,
        data_dir,
        capture_console=capture_console,
        heartbeat_interval=heartbeat_interval,
        flush_interval=flush_interval,
        flush_threshold=flush_threshold,
        max_buffered=max_buffered,
        collect_system_info=system_info,
        monitor_interval=monitor_interval if _monitor_on(monitor) else None,
        on_end=_forget,
    )
    # Before console capture starts: the line is for the user, not the run's output.
    announce(handle, data_dir, url or None, offline=bool(url) and handle.id == 0)
    run._start()
    _current = run
    return run


def _monitor_on(monitor: bool | None) -> bool:
    """System monitoring unless turned off: `monitor=False`, or RUNYARD_MONITOR=0 (read now)."""
    if monitor is not None:
        return monitor
    return os.environ.get("RUNYARD_MONITOR", "").strip().lower() not in ("0", "false", "no", "off")


def _server_url(server: str | None) -> str:
    """The server to use: `server`, else RUNYARD_SERVER (read now); empty for local mode."""
    return (os.environ.get("RUNYARD_SERVER", "") if server is None else server).strip()


def _sink(data_dir: Path, url: str, token: str | None, drain_timeout: float) -> Sink:
    """Remote mode when a server URL is given, else local."""
    if not url:
        return LocalSink(data_dir)
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"server must be an http:// or https:// URL, got {url!r}")
    from runyard.sdk.remote_sink import RemoteSink  # httpx is imported only in remote mode

    secret = (os.environ.get("RUNYARD_TOKEN") or None) if token is None else token
    return RemoteSink(url, secret, data_dir, drain_timeout=drain_timeout)


def log(data: Mapping[str, Any], step: int | None = None) -> None:
    """Log metric values to the current run (see `Run.log`)."""
    run = _current
    if run is None:
        _no_run()
    run.log(data, step)


def _no_run() -> NoReturn:
    if _last_finished is not None:
        raise RuntimeError(
            f"runyard.log(): run {_last_finished!r} is finished; call runyard.init() to start a new run"
        )
    raise RuntimeError("runyard.log() called before runyard.init(); start a run first")


def finish(status: str | None = None) -> None:
    """Finish the current run, if any (see `Run.finish`)."""
    run = _current
    if run is not None:
        run.finish(status)
