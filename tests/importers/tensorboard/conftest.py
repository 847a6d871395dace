"""TensorBoard logs written by the real writer (tensorboardX, in a side venv keyed by its version)."""

from __future__ import annotations

import json
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.side_packages import side_venv

TENSORBOARDX = "2.6.5"


@dataclass(frozen=True)
class TensorboardLogs:
    logdir: Path
    written: dict[str, dict[str, list[list[Any]]]]  # run -> tag -> [step, value, wall time, float32?]
    made_after: float  # the writers' event files were created between these times
    made_before: float


@pytest.fixture(scope="module")
def tb_logs(tmp_path_factory: pytest.TempPathFactory) -> TensorboardLogs:
    python = side_venv(f"tensorboardX-{TENSORBOARDX}", [f"tensorboardX=={TENSORBOARDX}"])
    logdir = tmp_path_factory.mktemp("tb") / "mnist"
    base = float(int(time.time()) + 100_000)  # scalars' wall times: after every file-creation event
    after = time.time()
    done = subprocess.run([str(python), str(Path(__file__).with_name("write_logs.py")), str(logdir), str(base)],
                          capture_output=True, text=True, timeout=120, check=True)
    return TensorboardLogs(logdir, json.loads(done.stdout), after, time.time())
