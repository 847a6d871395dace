"""One Jupyter server process: its command line, its environment, its readiness, its end.

expman starts Jupyter without a token; runyard never does. Every server gets a random
token (passed in its environment, so `ps` does not show it), binds 127.0.0.1 only, reads
no user config that could undo that, and is refused unless it answers 403 without the token.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from importlib.util import find_spec
from pathlib import Path

import httpx
import psutil

from runyard.errors import RunyardError

HOST = "127.0.0.1"
REQUIRED_MODULES = ("jupyter_server", "ipykernel")
INSTALL_HINT = "pip install 'runyard[jupyter]'"

# Runs in the child: a daemon thread ends Jupyter (gracefully, kernels included) as soon
# as runyard is gone, so even a runyard killed with SIGKILL leaves no server behind.
_CHILD = """
import os, shutil, signal, sys, threading, time
parent = int(sys.argv[1])
def watch():
    while os.getppid() == parent:
        time.sleep(0.5)
    os.kill(os.getpid(), signal.SIGTERM)
threading.Thread(target=watch, daemon=True).start()
sys.argv = ["jupyter-server", *sys.argv[2:]]
from jupyter_server.serverapp import main
try:
    main()
finally:
    if os.getppid() != parent:  # runyard is gone: nobody else removes the runtime dir
        shutil.rmtree(os.environ["JUPYTER_RUNTIME_DIR"], ignore_errors=True)
"""


class JupyterStartError(RunyardError):
    """Jupyter exited, did not answer in time, or answered without its token: 502 (a bad gateway)."""

    status = 502

    def __init__(self, message: str, log_tail: str = "") -> None:
        super().__init__(message)
        self.log_tail = log_tail

    def __str__(self) -> str:
        text = f"Jupyter did not start: {super().__str__()}"
        return f"{text}; last lines of its log:\n{self.log_tail}" if self.log_tail else text


def missing_modules() -> list[str]:
    """The modules a spawn needs that this Python lacks (empty when Jupyter is installed)."""
    return [name for name in REQUIRED_MODULES if find_spec(name) is None]


def notebook_url_path(notebook_name: str) -> str:
    """Where the notebook opens: Notebook 7, else JupyterLab, else the bare server's page."""
    if find_spec("notebook") is not None:
        return f"/notebooks/{notebook_name}"
    if find_spec("jupyterlab") is not None:
        return f"/lab/tree/{notebook_name}"
    return "/"


def free_port() -> int:
    """A loopback port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def jupyter_argv(port: int, root_dir: Path) -> list[str]:
    """The command line of a Jupyter server on HOST:port serving root_dir."""
    argv = [
        sys.executable, "-c", _CHILD, str(os.getpid()),
        f"--ServerApp.ip={HOST}",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",  # never drift to a port runyard did not announce
        "--ServerApp.open_browser=False",
        "--ServerApp.allow_remote_access=False",
        f"--ServerApp.root_dir={root_dir}",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        # Jupyter refuses root unless told; it runs as runyard's own user, no more.
        argv.append("--ServerApp.allow_root=True")
    return argv


def jupyter_env(token: str, runtime_dir: Path) -> dict[str, str]:
    """runyard's environment plus the token and a private, empty config and runtime dir."""
    env = dict(os.environ)
    for name in ("JUPYTER_TOKEN_FILE", "JUPYTER_CONFIG_PATH"):
        env.pop(name, None)
    config_dir = runtime_dir / "config"
    config_dir.mkdir(mode=0o700, exist_ok=True)
    # A user config (~/.jupyter) could set an empty token or another ip: it is not read.
    env.update(JUPYTER_TOKEN=token, JUPYTER_CONFIG_DIR=str(config_dir),
               JUPYTER_RUNTIME_DIR=str(runtime_dir), PYTHONUNBUFFERED="1")
    return env


def start(argv: list[str], env: Mapping[str, str], cwd: Path, log_path: Path) -> subprocess.Popen[bytes]:
    """Start the process in its own session, its output going to log_path."""
    with log_path.open("wb") as log:
        # Its own session: a Ctrl-C meant for runyard does not reach it; runyard stops it.
        return subprocess.Popen(argv, cwd=cwd, env=dict(env), stdin=subprocess.DEVNULL,
                                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def log_tail(log_path: Path, lines: int = 30, max_chars: int = 4000) -> str:
    """The last lines of a log file ('' when it cannot be read)."""
    try:
        text = log_path.read_text(errors="replace")
    except OSError:
        return ""
    return "\n".join(text.strip().splitlines()[-lines:])[-max_chars:]


def wait_ready(proc: subprocess.Popen[bytes], port: int, token: str, timeout_s: float,
               log_path: Path) -> None:
    """Return once Jupyter answers with its token and refuses without it; else raise."""
    base = f"http://{HOST}:{port}"
    deadline = time.monotonic() + timeout_s
    with httpx.Client(timeout=2.0, trust_env=False) as http:
        while True:
            code = proc.poll()
            if code is not None:
                raise JupyterStartError(f"Jupyter exited with code {code} before answering",
                                        log_tail(log_path))
            try:
                status = http.get(f"{base}/api/status",
                                  headers={"Authorization": f"token {token}"}).status_code
            except httpx.TransportError:
                status = 0
            if status == 200:
                break
            if time.monotonic() > deadline:
                raise JupyterStartError(f"Jupyter did not answer on port {port} within "
                                        f"{timeout_s:g} s", log_tail(log_path))
            time.sleep(0.1)
        http.cookies.clear()  # the answer above logged this client in
        if http.get(f"{base}/api/status").status_code not in (401, 403):
            raise JupyterStartError("Jupyter answered without its token; refusing to hand it out")


def stop_processes(procs: Sequence[subprocess.Popen[bytes]], grace_s: float = 5.0) -> None:
    """Terminate each process and its descendants (kernels); kill what outlives the grace."""
    tree: list[psutil.Process] = []
    for proc in procs:
        with contextlib.suppress(psutil.NoSuchProcess):
            if proc.poll() is None:
                parent = psutil.Process(proc.pid)
                # Kernels run in sessions of their own: collect them before the parent goes.
                tree.extend([parent, *parent.children(recursive=True)])
    for signal_them in (psutil.Process.terminate, psutil.Process.kill):
        for member in tree:
            with contextlib.suppress(psutil.NoSuchProcess):
                signal_them(member)
        _gone, tree = psutil.wait_procs(tree, timeout=grace_s)
    for proc in procs:
        proc.poll()  # reap, so no zombie is left whoever waits first
