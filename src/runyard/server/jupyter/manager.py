"""The Jupyter servers one runyard app spawned: start, list, stop, reap, stop them all."""

from __future__ import annotations

import logging
import secrets
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from runyard import access
from runyard.errors import ConflictError, ServiceUnavailableError, TooManyRequestsError
from runyard.server.jupyter import launch
from runyard.server.jupyter.launch import HOST, JupyterStartError
from runyard.server.jupyter.notebook import RunTarget
from runyard.settings import Settings

log = logging.getLogger("runyard.server.jupyter")
ArgvFactory = Callable[[int, Path], list[str]]


class LimitReachedError(TooManyRequestsError):
    """As many servers run as the settings allow: 429."""


class AlreadyStartingError(ConflictError):
    """A server for this run is starting right now: 409."""


class ShuttingDownError(ServiceUnavailableError):
    """runyard is stopping: nothing new is spawned (503)."""


@dataclass(eq=False)
class JupyterServer:
    """One spawned Jupyter server, tied to one run of one tenant."""

    id: str
    tenant: str
    run: RunTarget
    notebook: Path
    port: int
    token: str
    url_path: str
    process: subprocess.Popen[bytes]
    runtime_dir: Path
    started_at: float = field(default_factory=time.time)
    status: str = "starting"

    @property
    def url(self) -> str:
        """Where to open the notebook; the token logs the browser in."""
        return f"http://{HOST}:{self.port}{self.url_path}?token={self.token}"

    @property
    def log_path(self) -> Path:
        """Jupyter's own output."""
        return self.runtime_dir / "jupyter.log"

    def to_dict(self) -> dict[str, Any]:
        """JSON form, token included in `url` (only ever shown to the server's tenant)."""
        return {"id": self.id, "url": self.url, "notebook": str(self.notebook),
                "run": self.run.to_dict(), "pid": self.process.pid, "port": self.port,
                "status": self.status, "started_at": self.started_at}

    def remove_files(self) -> None:
        """Delete the private runtime dir (config, connection files, log)."""
        shutil.rmtree(self.runtime_dir, ignore_errors=True)


class JupyterManager:
    """Spawns at most `jupyter_max_servers` servers and never leaves one behind."""

    def __init__(self, settings: Settings, argv: ArgvFactory = launch.jupyter_argv) -> None:
        self.settings = settings
        self.argv = argv  # tests swap in a stand-in server
        self._lock = threading.Lock()
        self._servers: dict[str, JupyterServer] = {}
        self._closed = False

    def spawn(self, tenant: str, run: RunTarget, notebook: Path) -> tuple[JupyterServer, bool]:
        """The run's server, started and answering; `created` is False when it already ran."""
        with self._lock:
            if self._closed:
                raise ShuttingDownError("runyard is shutting down")
            for existing in self._servers.values():
                if access.owns(tenant, existing) and existing.run.id == run.id:
                    if existing.status == "running":
                        return existing, False
                    raise AlreadyStartingError(f"a Jupyter server for run {run.uid} is starting")
            if len(self._servers) >= self.settings.jupyter_max_servers:
                raise LimitReachedError(
                    f"{len(self._servers)} Jupyter servers run already (jupyter_max_servers); "
                    "stop one with DELETE /api/jupyter/{id}")
            server = self._start(tenant, run, notebook)
            self._servers[server.id] = server
        try:
            launch.wait_ready(server.process, server.port, server.token,
                              self.settings.jupyter_start_timeout_s, server.log_path)
        except JupyterStartError as exc:
            self._discard(server)
            if self._closed:
                raise ShuttingDownError("runyard is shutting down") from exc
            raise
        server.status = "running"
        # Watched only once ready: until then wait_ready reaps it and keeps its log to quote.
        threading.Thread(target=self._watch, args=(server,), name=f"jupyter-{server.id}",
                         daemon=True).start()
        log.info("Jupyter %s for run %s on port %d", server.id, run.uid, server.port)
        return server, True

    def _start(self, tenant: str, run: RunTarget, notebook: Path) -> JupyterServer:
        token = secrets.token_urlsafe(32)
        port = launch.free_port()
        runtime_dir = Path(tempfile.mkdtemp(prefix="runyard-jupyter-"))
        try:
            env = launch.jupyter_env(token, runtime_dir)
            process = launch.start(self.argv(port, notebook.parent), env, notebook.parent,
                                   runtime_dir / "jupyter.log")
        except BaseException:
            shutil.rmtree(runtime_dir, ignore_errors=True)
            raise
        return JupyterServer(
            id=secrets.token_hex(6), tenant=tenant, run=run, notebook=notebook, port=port,
            token=token, url_path=launch.notebook_url_path(notebook.name), process=process,
            runtime_dir=runtime_dir)

    def _watch(self, server: JupyterServer) -> None:
        """Reap the process whenever it ends, stopped or not, and forget it."""
        code = server.process.wait()
        with self._lock:
            mine = self._servers.pop(server.id, None) is not None
        server.remove_files()
        if mine and server.status == "running":
            log.warning("Jupyter %s for run %s exited on its own (code %s)", server.id,
                        server.run.uid, code)

    def _discard(self, server: JupyterServer) -> None:
        with self._lock:
            self._servers.pop(server.id, None)
        launch.stop_processes([server.process])
        server.remove_files()

    def servers(self, tenant: str) -> list[JupyterServer]:
        """The tenant's live servers, oldest first."""
        with self._lock:
            found = access.visible(self._servers.values(), tenant)
        return sorted(found, key=lambda s: s.started_at)

    def stop(self, server_id: str, tenant: str) -> JupyterServer:
        """Stop one of the tenant's servers and its kernels; 404 for any other id."""
        with self._lock:
            server = self._servers.get(server_id)
            if server is None:
                raise access.missing(access.Kind.JUPYTER_SERVER, server_id)
            access.require(server, tenant, access.Kind.JUPYTER_SERVER, server_id)
        self._discard(server)
        server.status = "stopped"
        return server

    def stop_all(self) -> None:
        """Stop every server and refuse new ones (the app's shutdown hook)."""
        with self._lock:
            self._closed = True
            servers = list(self._servers.values())
            self._servers.clear()
        launch.stop_processes([s.process for s in servers])
        for server in servers:
            server.remove_files()
            server.status = "stopped"

    def health(self) -> dict[str, Any]:
        """A /health entry: always healthy; says whether spawning can work."""
        with self._lock:
            running = len(self._servers)
        return {"healthy": True, "details": {
            "enabled": self.settings.jupyter_allowed, "installed": not launch.missing_modules(),
            "running": running, "limit": self.settings.jupyter_max_servers}}
