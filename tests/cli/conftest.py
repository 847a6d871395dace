"""Fixtures for the command-line tests: a sample data dir and a runner bound to it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from runyard.cli import app
from tests.cli.helpers import Sample, make_sample

Invoke = Callable[..., Result]


@pytest.fixture
def sample(tmp_path: Path) -> Sample:
    return make_sample(tmp_path / "data")


@pytest.fixture
def cli(sample: Sample, monkeypatch: pytest.MonkeyPatch) -> Invoke:
    """Run `runyard --dir SAMPLE ARGS...` in process; stdout and stderr kept apart."""
    monkeypatch.delenv("RUNYARD_DIR", raising=False)
    runner = CliRunner()

    def invoke(*args: str, dir: Path | None = None) -> Result:
        return runner.invoke(
            app, ["--dir", str(dir or sample.dir), *args], env={"COLUMNS": "250"}
        )

    return invoke
