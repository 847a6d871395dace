"""The real-client fixture itself: the side venv runs the pinned client; a failing script fails the test."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.live_server import LiveServer
from tests.server.mlflow.conftest import MLFLOW_VERSION, run_mlflow_script


def test_side_venv_runs_the_pinned_client(mlflow_python: Path, mlflow_server: LiveServer) -> None:
    done = run_mlflow_script(mlflow_python, mlflow_server.url, """
        import os, mlflow
        print(mlflow.__version__, mlflow.get_tracking_uri() == os.environ["MLFLOW_TRACKING_URI"])
    """)
    assert done.stdout.split() == [MLFLOW_VERSION, "True"]


def test_a_failing_script_fails_the_test_with_its_output(mlflow_python: Path, mlflow_server: LiveServer) -> None:
    with pytest.raises(pytest.fail.Exception, match="boom"):
        run_mlflow_script(mlflow_python, mlflow_server.url, "raise SystemExit('boom')")
