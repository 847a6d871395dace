"""Where runyard keeps its data, resolved from an argument, then RUNYARD_DIR, then ./runyard."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

DEFAULT_DIR_NAME = "runyard"
DB_FILE_NAME = "runyard.db"
ARTIFACTS_DIR_NAME = "artifacts"


def resolve_data_dir(
    explicit: str | os.PathLike[str] | None = None, environ: Mapping[str, str] | None = None
) -> Path:
    """The data dir to use: explicit argument, else `RUNYARD_DIR`, else `./runyard`."""
    env = os.environ if environ is None else environ
    chosen = explicit if explicit is not None else env.get("RUNYARD_DIR") or DEFAULT_DIR_NAME
    return Path(chosen).expanduser().absolute()
