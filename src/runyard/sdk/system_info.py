"""What machine and code a run ran on: collected once, in the background, at run start."""

from __future__ import annotations

import contextlib
import functools
import importlib.metadata
import os
import platform
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import psutil

GIT_TIMEOUT_S = 2.0


def process_identity() -> tuple[str, int, float]:
    """(hostname, pid, process start time) so readers can tell when the process is gone."""
    pid = os.getpid()
    try:
        started = psutil.Process(pid).create_time()
    except (psutil.Error, OSError):
        started = 0.0
    return socket.gethostname(), pid, started


def collect(cwd: Path | None = None) -> dict[str, Any]:
    """Hardware, OS, Python, command line and git state; parts that fail are left out."""
    from runyard import __version__

    here = cwd or Path.cwd()
    info: dict[str, Any] = {
        "hostname": socket.gethostname(),
        "os": platform.system(),
        "os_release": platform.release(),
        "platform": platform.platform(),
        "os_pretty": _os_pretty(),
        "machine": platform.machine(),
        "python_version": platform.python_version(),
        "python_implementation": platform.python_implementation(),
        "python_verbose": sys.version,
        "python_executable": sys.executable,
        "argv": list(sys.argv),
        "cwd": str(here),
        "pid": os.getpid(),
        "runyard_version": __version__,
    }
    info.update(_cpu_and_memory())
    info["gpus"], gpu_driver = _gpus()
    info.update(gpu_driver)
    git = _git(here)
    if git:
        info["git"] = git
    info["requirements"] = list(installed_packages())
    return info


@functools.cache
def installed_packages() -> tuple[str, ...]:
    """`name==version` of every installed distribution, as `pip freeze` lists them (case-insensitive order).

    Read from the installed metadata (no subprocess): about 0.1 s for a few hundred
    packages, on the background thread that collects the rest of this; once per process
    (a process that starts many runs reads them once).
    """
    found: dict[str, str] = {}
    for dist in importlib.metadata.distributions():
        name = dist.metadata["Name"]
        if name and name.lower() not in found:  # the first on sys.path wins, as for imports
            found[name.lower()] = f"{name}=={dist.version}"
    return tuple(found[key] for key in sorted(found))


def _os_pretty() -> str:
    """The distribution's name (`Debian GNU/Linux 12 (bookworm)`) where it says one, else the OS."""
    try:
        for line in Path("/etc/os-release").read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("PRETTY_NAME="):
                return line.split("=", 1)[1].strip().strip('"')
    except OSError:
        pass
    return f"{platform.system()} {platform.release()}".strip()


def _cpu_and_memory() -> dict[str, Any]:
    out: dict[str, Any] = {"cpu_model": _cpu_model()}
    try:
        out["cpu_count_logical"] = psutil.cpu_count(logical=True)
        out["cpu_count_physical"] = psutil.cpu_count(logical=False)
        out["memory_total_bytes"] = int(psutil.virtual_memory().total)
    except (psutil.Error, OSError):
        pass
    return out


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as fh:
            for line in fh:
                if line.startswith(("model name", "Hardware", "cpu model")):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    if sys.platform == "darwin":
        brand = _run(["sysctl", "-n", "machdep.cpu.brand_string"], None)
        if brand:
            return brand
    return platform.processor() or platform.machine()


def _gpus() -> tuple[list[dict[str, Any]], dict[str, Any]]:
    try:
        import pynvml
    except ImportError:
        return [], {}
    try:
        pynvml.nvmlInit()
    except Exception:
        # No NVIDIA driver on this machine: that is simply "no GPUs".
        return [], {}
    gpus: list[dict[str, Any]] = []
    driver: dict[str, Any] = {}
    try:
        driver["gpu_driver_version"] = _text(pynvml.nvmlSystemGetDriverVersion())
        try:
            cuda = int(pynvml.nvmlSystemGetCudaDriverVersion())
            driver["cuda_version"] = f"{cuda // 1000}.{(cuda % 1000) // 10}"
        except Exception:
            pass
        for index in range(pynvml.nvmlDeviceGetCount()):
            handle = pynvml.nvmlDeviceGetHandleByIndex(index)
            gpus.append(
                {
                    "index": index,
                    "name": _text(pynvml.nvmlDeviceGetName(handle)),
                    "memory_total_bytes": int(pynvml.nvmlDeviceGetMemoryInfo(handle).total),
                }
            )
    except Exception:
        pass
    finally:
        with contextlib.suppress(Exception):
            pynvml.nvmlShutdown()
    return gpus, driver


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _git(cwd: Path) -> dict[str, Any]:
    commit = _run(["git", "rev-parse", "HEAD"], cwd)
    if commit is None:
        return {}
    branch = _run(["git", "rev-parse", "--abbrev-ref", "HEAD"], cwd)
    status = _run(["git", "status", "--porcelain", "--untracked-files=no"], cwd)
    remote = _run(["git", "config", "--get", "remote.origin.url"], cwd)
    out: dict[str, Any] = {"commit": commit, "branch": branch, "dirty": bool(status) if status is not None else None}
    if remote:
        out["remote"] = _strip_credentials(remote)
    return out


def _strip_credentials(url: str) -> str:
    # https://user:token@host/repo must not end up in the run's metadata.
    scheme, sep, rest = url.partition("://")
    if sep and "@" in rest.split("/", 1)[0]:
        return f"{scheme}://{rest.split('@', 1)[1]}"
    return url


def _run(cmd: list[str], cwd: Path | None) -> str | None:
    try:
        done = subprocess.run(
            cmd,
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=GIT_TIMEOUT_S,
            stdin=subprocess.DEVNULL,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if done.returncode != 0:
        return None
    return done.stdout.strip()
