"""Local copies of artifact files that live elsewhere (a server, object storage), for `Run.artifact_path`."""

from __future__ import annotations

import tempfile
from pathlib import Path


class DownloadFolder:
    """A temporary folder, made on first use and removed by `cleanup`, holding one copy per run and name."""

    def __init__(self) -> None:
        self._folder: tempfile.TemporaryDirectory[str] | None = None

    def target(self, run_id: int, name: str) -> Path:
        """Where the copy of the run's file `name` goes (its folder made); it may exist already."""
        if self._folder is None:
            self._folder = tempfile.TemporaryDirectory(prefix="runyard-api-")
        path = Path(self._folder.name, str(run_id), *[p for p in name.split("/") if p not in ("", ".", "..")])
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    def cleanup(self) -> None:
        if self._folder is not None:
            self._folder.cleanup()
            self._folder = None
