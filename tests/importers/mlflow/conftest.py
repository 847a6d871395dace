"""Real MLflow data for the import tests: a file store, a SQLite database and a real `mlflow server`.

The real client (the side venv of tests/server/mlflow/conftest.py) writes the same workload
into each and reads it back (`workload.py`); that read-back is what an import must reproduce.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.mlflow_server import MlflowServer
from tests.server.mlflow.conftest import mlflow_python, run_mlflow_script

__all__ = ["MlflowData", "mlflow_data", "mlflow_python", "run_mlflow_script"]

WORKLOAD = Path(__file__).with_name("workload.py")


def run_workload(python: Path, work: Path, out: Path, sources: list[str], more: str = "", read: bool = False) -> None:
    """Run workload.py (cwd `work`: a SQLite source's default artifact folder lands there)."""
    run_mlflow_script(python, sources[0], WORKLOAD.read_text(), cwd=work, env={
        "MLFLOW_ALLOW_FILE_STORE": "true", "WORKLOAD_OUT": str(out), "WORKLOAD_URIS": "\n".join(sources),
        "WORKLOAD_MORE": more, "WORKLOAD_READ": "1" if read else ""})


@dataclass(frozen=True)
class MlflowData:
    """Where the workload was logged and what the real client read back from each place."""

    python: Path
    work: Path
    file_store: Path
    database: Path
    server: MlflowServer
    expected: dict[str, dict[str, Any]]  # by source argument of `runyard import mlflow`

    def source(self, kind: str) -> str:
        return {"files": str(self.file_store), "database": f"sqlite:///{self.database}",
                "server": self.server.url}[kind]


@pytest.fixture(scope="module")
def mlflow_data(mlflow_python: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[MlflowData]:
    work = tmp_path_factory.mktemp("mlflow-sources")
    # The server keeps artifacts itself (mlflow-artifacts: URIs), MLflow's default for a server.
    server = MlflowServer(work, str(mlflow_python), proxy_artifacts=True, workers=1).start()
    try:
        file_store, database = work / "filestore" / "mlruns", work / "client.db"
        sources = [f"file://{file_store}", f"sqlite:///{database}", server.url]
        out = work / "expected.json"
        run_workload(mlflow_python, work, out, sources)
        read = json.loads(out.read_text())
        expected = {str(file_store): read[sources[0]], f"sqlite:///{database}": read[sources[1]],
                    server.url: read[sources[2]]}
        yield MlflowData(mlflow_python, work, file_store, database, server, expected)
    finally:
        server.stop()
