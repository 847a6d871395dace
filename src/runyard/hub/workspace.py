"""Where the hub keeps files of its own: each experiment's current training data and job outcomes.

`<data_dir>/hub/@<tenant tag>/<experiment>/data.json` is the data the next retrain starts
from and what GET /{name}/train_data answers; `jobs/` holds each worker's outcome file.
Models, plots and each run's copy of its training data are run artifacts, not here.
Experiment names never contain `@`, so the tenant folders cannot meet the folders of the
older layout (`hub/<experiment>`), which `adopt_legacy` moves in on recovery.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from runyard.hub.name_rules import tenant_tag

HUB_DIR_NAME = "hub"


class Workspace:
    """Paths under `<data_dir>/hub`; experiment names are checked before they get here."""

    def __init__(self, data_dir: Path) -> None:
        self.root = Path(data_dir) / HUB_DIR_NAME

    def folder(self, tenant: str, name: str) -> Path:
        """The experiment's folder, inside its tenant's."""
        return self.root / f"@{tenant_tag(tenant)}" / name

    def data_path(self, tenant: str, name: str) -> Path:
        """The experiment's current training data (a frame in pandas' `table` orient)."""
        return self.folder(tenant, name) / "data.json"

    def job_path(self, tenant: str, name: str, run_uid: str, suffix: str) -> Path:
        """A file of one job (outcome, prediction input), created with its folder."""
        folder = self.folder(tenant, name) / "jobs"
        folder.mkdir(parents=True, exist_ok=True)
        return folder / f"{run_uid}{suffix}"

    def remove(self, tenant: str, name: str) -> None:
        """Forget the experiment's files."""
        shutil.rmtree(self.folder(tenant, name), ignore_errors=True)

    def adopt_legacy(self, tenant: str, name: str) -> None:
        """Move a folder of the per-name layout (before tenants had their own) to the tenant's."""
        old, new = self.root / name, self.folder(tenant, name)
        if old.is_dir() and not new.exists():
            new.parent.mkdir(parents=True, exist_ok=True)
            old.rename(new)
