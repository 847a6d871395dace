"""ExperimentHub at the server's root paths: experiments trained in worker processes, recorded as runs."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI

from runyard.hub.manager import HubManager, TypeMap
from runyard.hub.queues import open_queue
from runyard.hub.views import mlops_health
from runyard.hub.worker import load_type
from runyard.server.dialect import Dialect, Installed
from runyard.server.errors import detail_shape
from runyard.server.hub.routes import router
from runyard.settings import Settings

__all__ = ["DIALECT", "install", "load_types"]
log = logging.getLogger("runyard.hub")


def load_types(settings: Settings, failures: dict[str, str] | None = None) -> TypeMap:
    """Types registered by entry point, plus the operator's `hub_types` ("name=module:Class").

    A type that fails to load is logged, left out, and (with `failures`) recorded: name -> why.
    """
    from runyard.hub.types import registry

    failed: dict[str, str] = {}
    found = dict(registry.available(failed))
    for spec in settings.hub_types:
        name, _, ref = spec.partition("=")
        try:
            found[name.strip()] = load_type(ref.strip())
        except Exception as exc:  # a bad setting must not take the server down
            log.warning("hub type %r (%s) failed to load: %s", name, ref, exc)
            failed[name.strip()] = f"hub type {name.strip()!r} ({ref.strip()}) failed to load: {exc}"
    if failures is not None:
        failures.update(failed)  # at once: /health may read it from another thread
    return found


def _health(manager: HubManager, failures: dict[str, str], show_errors: bool) -> dict[str, Any]:
    """The `mlops` entry, naming the types that failed to load (a broken plugin leaves the rest healthy)."""
    report = mlops_health(manager)
    if failures:
        # Open to anyone: with tokens required the error texts (they may name files) stay in the log.
        report["details"]["broken_types"] = {
            name: why if show_errors else "failed to load (details in the server log)"
            for name, why in sorted(failures.items())}
    return report


def install(app: FastAPI) -> Installed:
    """The hub's routes (last: they live at the root), its manager, /health entries and shutdown hook."""
    settings: Settings = app.state.settings
    queue = open_queue(settings.datastream_url, app.state.store)
    failures: dict[str, str] = {}
    manager = HubManager(settings, app.state.store, queue, lambda: load_types(settings, failures))
    manager.recover()
    app.state.hub = manager
    app.include_router(router)
    show = not settings.auth_required
    return Installed(probes={"mlops": lambda: _health(manager, failures, show), "datastream": queue.health},
                     shutdown=manager.stop_all)


def hub_enabled(settings: Settings) -> bool:
    """Whether this server mounts ExperimentHub (`hub_enabled`; `RUNYARD_HUB=0` turns it off)."""
    return settings.hub_enabled


DIALECT = Dialect(
    name="hub",
    title="ExperimentHub API",
    # Its routes live at the root (`/{name}/train`, ...): errors there fall back to {"detail": ...}.
    prefixes=("/available_experiments", "/create_experiment", "/experiments", "/flush"),
    tag="experimenthub",
    install=install,
    doc_page="docs/hub.md",
    shape=detail_shape,
    description="ExperimentHub: experiments of registered types trained in worker processes, each "
                "training and prediction a runyard run; data from RabbitMQ or the embedded queue; "
                "Plotly figures. Errors: {\"detail\": ...}.",
    enabled=hub_enabled,
)
