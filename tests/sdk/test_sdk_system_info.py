"""System info: fields, GPUs through a fake pynvml, git state of the working dir."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import types
from pathlib import Path

import pytest

from runyard.sdk.system_info import collect, process_identity
from runyard.store.liveness import process_alive


def test_basic_fields(tmp_path: Path) -> None:
    info = collect(tmp_path)
    assert info["cwd"] == str(tmp_path)
    assert info["python_executable"] == sys.executable
    assert info["cpu_model"]
    assert info["cpu_count_logical"] >= 1
    assert info["memory_total_bytes"] > 0
    assert info["os"] and info["platform"] and info["hostname"]
    assert "git" not in info  # tmp_path is no repository


def fake_pynvml(count: int) -> types.ModuleType:
    module = types.ModuleType("pynvml")
    state = {"shut": False}

    class Memory:
        total = 80 * 2**30

    module.nvmlInit = lambda: None  # type: ignore[attr-defined]
    module.nvmlShutdown = lambda: state.__setitem__("shut", True)  # type: ignore[attr-defined]
    module.nvmlSystemGetDriverVersion = lambda: b"550.54.15"  # type: ignore[attr-defined]
    module.nvmlSystemGetCudaDriverVersion = lambda: 12040  # type: ignore[attr-defined]
    module.nvmlDeviceGetCount = lambda: count  # type: ignore[attr-defined]
    module.nvmlDeviceGetHandleByIndex = lambda i: i  # type: ignore[attr-defined]
    module.nvmlDeviceGetName = lambda h: "NVIDIA H100 80GB HBM3"  # type: ignore[attr-defined]
    module.nvmlDeviceGetMemoryInfo = lambda h: Memory()  # type: ignore[attr-defined]
    module.state = state  # type: ignore[attr-defined]
    return module


def test_gpus_through_pynvml(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    fake = fake_pynvml(2)
    monkeypatch.setitem(sys.modules, "pynvml", fake)
    info = collect(tmp_path)
    assert info["gpus"] == [
        {"index": 0, "name": "NVIDIA H100 80GB HBM3", "memory_total_bytes": 80 * 2**30},
        {"index": 1, "name": "NVIDIA H100 80GB HBM3", "memory_total_bytes": 80 * 2**30},
    ]
    assert info["gpu_driver_version"] == "550.54.15" and info["cuda_version"] == "12.4"
    assert fake.state["shut"]


def test_no_driver_means_no_gpus(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    fake = fake_pynvml(1)

    def fail() -> None:
        raise RuntimeError("NVML Shared Library Not Found")

    fake.nvmlInit = fail  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "pynvml", fake)
    assert collect(tmp_path)["gpus"] == []
    monkeypatch.setitem(sys.modules, "pynvml", None)  # not installed
    assert collect(tmp_path)["gpus"] == []


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_git_state(tmp_path: Path) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@x", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@x"}

    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=tmp_path, env=env, check=True, capture_output=True, text=True).stdout.strip()

    git("init", "-q", "-b", "trunk")
    (tmp_path / "train.py").write_text("print(1)\n")
    git("add", "train.py")
    git("commit", "-q", "-m", "first")
    git("remote", "add", "origin", "https://user:secret-token@example.com/team/repo.git")
    info = collect(tmp_path)["git"]
    assert info["commit"] == git("rev-parse", "HEAD") and len(info["commit"]) == 40
    assert info["branch"] == "trunk" and info["dirty"] is False
    assert info["remote"] == "https://example.com/team/repo.git"
    (tmp_path / "train.py").write_text("print(2)\n")
    assert collect(tmp_path)["git"]["dirty"] is True


def test_process_identity_and_liveness() -> None:
    host, pid, started = process_identity()
    assert pid == os.getpid() and started > 0
    assert process_alive(host, pid, started)
    assert not process_alive(host, pid, started - 100)  # a recycled pid started elsewhen
    assert not process_alive("another-host", pid, started)
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    assert not process_alive(host, proc.pid, 0.0)

