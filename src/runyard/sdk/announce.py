"""The one line `runyard.init` prints: where the run's data goes and where to look at it.

A new user's run otherwise lands silently in `./runyard` of whatever folder the script
ran in. The line goes to stderr (stdout stays the script's own) before console capture
starts, so it is not recorded as the run's output; `RUNYARD_QUIET=1` silences it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from urllib.parse import quote

from runyard.sdk.sink import RunHandle

DEFAULT_DASHBOARD = "http://127.0.0.1:8000"  # `runyard serve`'s default address


def quiet() -> bool:
    """Whether RUNYARD_QUIET (read now) asks for silence."""
    return os.environ.get("RUNYARD_QUIET", "").strip().lower() not in ("", "0", "false", "no", "off")


def run_page(base: str, handle: RunHandle) -> str:
    """The dashboard page of the run under a server's base URL."""
    return f"{base.rstrip('/')}/projects/{quote(handle.project, safe='')}/runs/{quote(handle.name, safe='')}"


def where_line(handle: RunHandle, data_dir: Path, server: str | None, *, offline: bool = False) -> str:
    """The line itself (without newline)."""
    what = f"runyard: run {handle.project}/{handle.name}"
    if server is None:
        folder = data_dir.resolve()
        return (f"{what} -> {folder} (local); dashboard: `runyard serve --dir {folder}` "
                f"then {run_page(DEFAULT_DASHBOARD, handle)}")
    if offline:
        return (f"{what} -> {server} (unreachable now: spooled in {data_dir.resolve()}, sent when it is back); "
                f"dashboard: {run_page(server, handle)}")
    return f"{what} -> {server}; dashboard: {run_page(server, handle)}"


def announce(handle: RunHandle, data_dir: Path, server: str | None, *, offline: bool = False) -> None:
    """Print the line to stderr unless RUNYARD_QUIET is set; never raises (a closed stderr is fine)."""
    if quiet():
        return
    try:
        sys.stderr.write(where_line(handle, data_dir, server, offline=offline) + "\n")
        sys.stderr.flush()
    except (OSError, ValueError, AttributeError):
        pass
