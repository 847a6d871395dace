"""Real third-party clients for tests, fetched from PyPI and cached by version.

Two kinds:
- `wheel_files(name, version)`: a wheel's files unpacked (no install): the built frontends of
  swanboard and Aspara, which runyard serves or a test loads into Chromium as they ship.
- `side_venv(key, requirements)`: a virtualenv of its own, for clients whose dependencies
  clash with runyard's (the `mlflow` client and server). Its python runs the client scripts.

The cache lives in `$RUNYARD_TEST_CACHE` (default `~/.cache/runyard-tests`), one folder per
name and version, created once (a marker file is written last, so an interrupted install is
redone) and reused by later runs, CI included. Under `CI=true` a failed fetch fails the test;
elsewhere the test skips with the reason.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import pytest

IN_CI = os.environ.get("CI", "").lower() == "true"
_DONE = ".complete"


def cache_root() -> Path:
    """Where fetched wheels and side virtualenvs are kept between runs."""
    root = Path(os.environ.get("RUNYARD_TEST_CACHE", Path.home() / ".cache" / "runyard-tests"))
    root.mkdir(parents=True, exist_ok=True)
    return root


@contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """One creator at a time (parallel test sessions share the cache)."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    with open(folder.parent / f".{folder.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _unavailable(what: str, detail: str) -> None:
    message = f"{what} could not be fetched from PyPI: {detail[-2000:]}"
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


def _run(command: Sequence[str], what: str, timeout_s: float) -> None:
    try:
        done = subprocess.run(list(command), capture_output=True, text=True, timeout=timeout_s, check=False)
    except subprocess.TimeoutExpired:
        _unavailable(what, f"timed out after {timeout_s:.0f} s")
        return
    if done.returncode != 0:
        _unavailable(what, done.stdout + done.stderr)


def wheel_files(name: str, version: str) -> Path:
    """The unpacked files of `name==version`'s wheel (its top-level packages are in it)."""
    folder = cache_root() / "wheels" / f"{name}-{version}"
    with _locked(folder):
        if not (folder / _DONE).exists():
            shutil.rmtree(folder, ignore_errors=True)
            download = folder.with_name(folder.name + ".download")
            shutil.rmtree(download, ignore_errors=True)
            _run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:",
                  "-d", str(download), f"{name}=={version}"], f"{name}=={version}", 300)
            wheels = sorted(download.glob("*.whl"))
            if not wheels:
                _unavailable(f"{name}=={version}", "pip downloaded no wheel")
            with zipfile.ZipFile(wheels[0]) as archive:
                archive.extractall(folder)
            shutil.rmtree(download, ignore_errors=True)
            (folder / _DONE).write_text(f"{name}=={version}\n")
    return folder


def side_venv(key: str, requirements: Sequence[str], timeout_s: float = 900,
              without_deps: Sequence[str] = ()) -> Path:
    """The python of a virtualenv holding `requirements`, cached under `key` (name it by version).

    `without_deps` are installed afterwards with `--no-deps`: for a release that pins a sibling
    package PyPI does not have (mlflow 3.18.0 pins mlflow-tracing==3.18.0, which was never
    published; mlflow-skinny carries the same files), list its other requirements in
    `requirements` and the release itself here.
    """
    folder = cache_root() / "venvs" / key
    python = folder / "bin" / "python"
    pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    with _locked(folder):
        if not (folder / _DONE).exists():
            shutil.rmtree(folder, ignore_errors=True)
            _run([sys.executable, "-m", "venv", str(folder)], f"virtualenv {key}", 120)
            _run([*pip, *requirements], f"{key} ({' '.join(requirements)})", timeout_s)
            if without_deps:
                _run([*pip, "--no-deps", *without_deps], f"{key} ({' '.join(without_deps)})", timeout_s)
            (folder / _DONE).write_text("\n".join([*requirements, *without_deps]) + "\n")
    return python
