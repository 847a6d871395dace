"""expman-rs experiment folders written by the real tool (expman-rs from PyPI, in a side venv: its
Python API drives the Rust writer) and what expman's own read API reads back from them."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.side_packages import side_venv

EXPMAN_RS = "1.3.0"


@dataclass(frozen=True)
class ExpmanRuns:
    base: Path
    files: Path  # the files the runs saved as artifacts
    expected: dict[str, dict[str, Any]]  # "experiment/run" -> {"run": run.yaml, "config": ..., "metrics": rows}


@pytest.fixture(scope="module")
def expman_runs(tmp_path_factory: pytest.TempPathFactory) -> ExpmanRuns:
    python = side_venv(f"expman-rs-{EXPMAN_RS}", [f"expman-rs=={EXPMAN_RS}"])
    work = tmp_path_factory.mktemp("expman")
    done = subprocess.run([str(python), str(Path(__file__).with_name("write_runs.py")), str(work / "experiments"),
                           str(work / "files")], capture_output=True, text=True, timeout=120, check=True, cwd=work)
    return ExpmanRuns(work / "experiments", work / "files", json.loads(done.stdout.splitlines()[-1]))
