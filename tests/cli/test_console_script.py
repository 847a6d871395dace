"""The installed `runyard` console script and `python -m runyard`, as real processes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.helpers import Sample


def script() -> str:
    beside = Path(sys.executable).parent / "runyard"
    found = str(beside) if beside.exists() else shutil.which("runyard")
    if found is None:
        pytest.fail("the runyard console script is not installed (pip install -e .)")
    return found


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k != "RUNYARD_DIR"}
    return subprocess.run(
        args, capture_output=True, text=True, timeout=60, env={**environ, **(env or {})}
    )


def test_console_script_lists_runs(sample: Sample) -> None:
    result = run(script(), "--dir", str(sample.dir), "ls", "vision")
    assert result.returncode == 0, result.stderr
    assert "baseline" in result.stdout and sample.uids["fast"] in result.stdout


def test_console_script_reads_runyard_dir(sample: Sample) -> None:
    result = run(script(), "show", "vision/fast", env={"RUNYARD_DIR": str(sample.dir)})
    assert result.returncode == 0, result.stderr
    assert sample.uids["fast"] in result.stdout


def test_console_script_error_is_one_line(sample: Sample) -> None:
    result = run(script(), "--dir", str(sample.dir), "show", "vision/nope")
    assert result.returncode == 1
    assert result.stderr == "runyard: error: run 'nope' not found in project 'vision' " + (
        f"({sample.dir})\n"
    )
    assert result.stdout == ""


def test_python_dash_m(tmp_path: Path) -> None:
    result = run(sys.executable, "-m", "runyard", "--dir", str(tmp_path / "none"), "ls")
    assert result.returncode == 1
    assert result.stderr.startswith("runyard: error: no runyard data dir at")
    version = run(sys.executable, "-m", "runyard", "version")
    assert version.returncode == 0 and version.stdout.startswith("runyard ")
