"""Where the hub keeps files of its own: each experiment's current training data and job outcomes.

`<data_dir>/hub/<experiment>/data.json` is the data the next retrain starts from and what
GET /{name}/train_data answers; `jobs/` holds each worker's outcome file. Models, plots
and each run's copy of its training data are run artifacts, not here.
"""

from __future__ import annotations

import shutil
from pathlib import Path

HUB_DIR_NAME = "hub"


class Workspace:
    """Paths under `<data_dir>/hub`; experiment names are checked before they get here."""

    def __init__(self, data_dir: Path) -> None:
        self.root = Path(data_dir) / HUB_DIR_NAME

    def folder(self, name: str) -> Path:
        """The experiment's folder."""
        return self.root / name

    def data_path(self, name: str) -> Path:
        """The experiment's current training data (a frame in pandas' `table` orient)."""
        return self.folder(name) / "data.json"

    def job_path(self, name: str, run_uid: str, suffix: str) -> Path:
        """A file of one job (outcome, prediction input), created with its folder."""
        folder = self.folder(name) / "jobs"
        folder.mkdir(parents=True, exist_ok=True)
        return folder / f"{run_uid}{suffix}"

    def remove(self, name: str) -> None:
        """Forget the experiment's files."""
        shutil.rmtree(self.folder(name), ignore_errors=True)
