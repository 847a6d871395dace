"""Jupyter notebooks spawned per run, token-protected, bound to 127.0.0.1, stopped with runyard."""

from __future__ import annotations

from fastapi import FastAPI

from runyard.server.dialect import Dialect, Installed, error_message_shape
from runyard.server.jupyter.manager import JupyterManager, JupyterServer

__all__ = ["DIALECT", "JupyterManager", "JupyterServer", "install"]


def install(app: FastAPI) -> Installed:
    """Add the `/api/jupyter` routes and a manager (`app.state.jupyter`), its /health entry and shutdown hook."""
    from runyard.server.jupyter.routes import router

    manager = JupyterManager(app.state.settings)
    app.state.jupyter = manager
    app.include_router(router)
    return Installed(probes={"jupyter": manager.health}, shutdown=manager.stop_all)


DIALECT = Dialect(
    name="jupyter",
    title="Jupyter notebooks",
    prefixes=("/api/jupyter",),
    tag="expman",  # expman's Jupyter routes: documented on expman's Swagger page
    install=install,
    doc_page="docs/jupyter.md",
    shape=error_message_shape,  # as expman: {"error": message}
    description="A token-protected Jupyter notebook per run, spawned on demand (off unless --jupyter).",
    swagger=False,
)
