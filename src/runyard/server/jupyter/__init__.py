"""Jupyter notebooks spawned per run, token-protected, bound to 127.0.0.1, stopped with runyard."""

from __future__ import annotations

from fastapi import FastAPI

from runyard.server.jupyter.manager import JupyterManager, JupyterServer
from runyard.server.jupyter.routes import router

__all__ = ["JupyterManager", "JupyterServer", "install"]


def install(app: FastAPI) -> None:
    """Add the `/api/jupyter` routes, a manager, its /health entry and its shutdown hook."""
    manager = JupyterManager(app.state.settings)
    app.state.jupyter = manager
    app.state.health_probes["jupyter"] = manager.health
    app.state.shutdown_hooks.append(manager.stop_all)
    app.include_router(router)
