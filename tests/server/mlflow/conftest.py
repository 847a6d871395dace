"""The real `mlflow` 3.18 client against a real `runyard serve`.

`mlflow_python` is the python of a side virtualenv holding the client (it clashes with
runyard's own dependencies); `mlflow_server` a real `runyard serve` on a free port, shared by
a test module (`auth_server`: one with `--auth`, and two tenants' tokens); `run_mlflow_script`
runs client code with `MLFLOW_TRACKING_URI` pointing at it and fails the test with the
script's output when the script fails.

mlflow 3.18.0 pins `mlflow-tracing==3.18.0`, which PyPI does not have (mlflow-skinny ships the
same `mlflow.tracing` files), so the venv holds mlflow-skinny plus mlflow's other requirements,
and mlflow itself is installed without its dependencies. To add packages, change the key too
(`mlflow-3.18.0-2`, ...) so cached venvs are rebuilt.
"""

from __future__ import annotations

import os
import subprocess
import textwrap
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

from runyard.store import open_store
from tests.live_server import LiveServer
from tests.side_packages import side_venv

MLFLOW_VERSION = "3.18.0"
VENV_KEY = "mlflow-3.18.0"
# mlflow 3.18.0's own requirements (its wheel's METADATA) less mlflow-tracing, plus what the
# tests' scripts use (system metrics need psutil; log_image needs Pillow).
REQUIREMENTS = (
    f"mlflow-skinny=={MLFLOW_VERSION}", "Flask-CORS<7", "Flask<4", "aiohttp>=3.7.0,<4", "alembic!=1.10.0,<2",
    "cryptography>=43.0.0,<51", "docker>=4.0.0,<8", "graphene<4", "gunicorn<27", "huey>=2.5.4,<4",
    "matplotlib<4", "numpy<3", "pandas<4", "pyarrow>=4.0.0,<27", "scikit-learn<2", "scipy<2", "skops<1",
    "sqlalchemy>=1.4.0,<3", "psutil", "pillow",
)
SCRIPT_TIMEOUT_S = 300


@pytest.fixture(scope="session")
def mlflow_python() -> Path:
    """The python of the side venv with the real `mlflow` client (built once, then cached)."""
    return side_venv(VENV_KEY, REQUIREMENTS, without_deps=(f"mlflow=={MLFLOW_VERSION}",))


@pytest.fixture(scope="module")
def mlflow_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A real `runyard serve` on a free loopback port (one per test module)."""
    server = LiveServer(tmp_path_factory.mktemp("mlflow-serve")).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def auth_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, str, str]]:
    """`runyard serve --auth` and two tenants' tokens."""
    data_dir = tmp_path_factory.mktemp("mlflow-auth")
    with open_store(data_dir) as store:
        _token, acme = store.create_token("acme")
        _token, globex = store.create_token("globex")
    server = LiveServer(data_dir, extra=["--auth"]).start()
    try:
        yield server, acme, globex
    finally:
        server.stop()


def run_mlflow_script(python: Path, url: str, code: str, env: Mapping[str, str] | None = None,
                      cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run client code with `MLFLOW_TRACKING_URI=url`; fail the test with its output when it exits non-zero.

    The script runs without network retries (a wrong answer fails at once instead of after
    minutes of back-off) and without telemetry.
    """
    environment = {
        **os.environ,
        "MLFLOW_TRACKING_URI": url,
        "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "0",
        "MLFLOW_HTTP_REQUEST_TIMEOUT": "60",
        "MLFLOW_DISABLE_TELEMETRY": "true",
        "DO_NOT_TRACK": "true",
        "GIT_PYTHON_REFRESH": "quiet",
        "PYTHONUNBUFFERED": "1",
        **(env or {}),
    }
    environment.pop("VIRTUAL_ENV", None)
    done = subprocess.run([str(python), "-c", textwrap.dedent(code)], capture_output=True, text=True,
                          env=environment, cwd=cwd, timeout=SCRIPT_TIMEOUT_S, check=False)
    if done.returncode != 0:
        pytest.fail(f"mlflow client script failed (exit {done.returncode}):\n{done.stdout[-4000:]}\n{done.stderr[-8000:]}")
    return done
