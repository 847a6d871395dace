"""runyard: a self-hosted ML experiment tracker.

    import runyard
    run = runyard.init(project="mnist", config={"lr": 0.01})
    for step in range(1000):
        runyard.log({"loss": loss})
    runyard.log({"samples": runyard.Image(batch[0], caption="input")})
    runyard.finish()
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from runyard.sdk import Run, RunyardWarning, finish, init, log
from runyard.sdk.media import Histogram, Image, Table

if TYPE_CHECKING:
    from runyard.api import Api

__version__ = "0.1.0"

__all__ = ["Api", "Histogram", "Image", "Run", "RunyardWarning", "Table", "__version__", "finish", "init", "log",
           "run"]


def __getattr__(name: str) -> Any:
    # `runyard.run` is the live current run (None when none), not an import-time snapshot.
    if name == "run":
        from runyard.sdk.session import current_run

        return current_run()
    if name == "Api":
        try:
            from runyard.api import Api
        except ModuleNotFoundError as exc:
            if exc.name != "runyard.api":
                raise
            raise AttributeError("runyard.Api is not available in this install") from exc
        return Api
    raise AttributeError(f"module 'runyard' has no attribute {name!r}")
