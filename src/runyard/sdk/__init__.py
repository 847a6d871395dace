"""The tracking SDK: `init`, `log`, `finish` and the `Run` they drive (local store or a server)."""

from __future__ import annotations

from runyard.sdk.run import Run
from runyard.sdk.session import current_run, finish, init, log
from runyard.sdk.sink import RunHandle, RunSpec, Sink
from runyard.sdk.warn import RunyardWarning

__all__ = ["Run", "RunHandle", "RunSpec", "RunyardWarning", "Sink", "current_run", "finish", "init", "log"]
