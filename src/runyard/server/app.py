"""`create_app(settings)`: the one FastAPI application serving every dialect."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from runyard import __version__
from runyard.events import ChangeFeed
from runyard.server import docs, health
from runyard.server.body_middleware import BodyMiddleware
from runyard.server.deps import call, check_token_before_body
from runyard.server.dialect import HealthProbe
from runyard.server.dialects import DIALECTS, RAW_BODY_PREFIXES
from runyard.server.errors import install_error_handlers
from runyard.server.hosts import HostMiddleware, HostRule
from runyard.server.responses import JSONResponse
from runyard.server.security_headers import SecurityHeadersMiddleware
from runyard.server.uploads import is_upload_path, upload_limit
from runyard.settings import Settings
from runyard.store import Store
from runyard.store.locations import open_store

log = logging.getLogger("runyard.server")
STATIC_DIR = Path(__file__).parent / "web" / "static"


async def _reap_dead_runs(app: FastAPI) -> None:
    """Mark runs whose process died as crashed, now and then."""
    settings: Settings = app.state.settings
    if app.state.store.read_only:
        return  # nothing to mark: a read-only data dir is served as it is
    while True:
        try:
            await call(app.state.store.mark_stale_runs_crashed, settings.stale_after_s)
        except Exception:
            log.exception("stale-run check failed")
        await asyncio.sleep(settings.reap_interval_s)


def create_app(settings: Settings, store: Store | None = None) -> FastAPI:
    """Build the app; it opens the store now (unless given one) and closes it on shutdown."""
    owned = store is None
    opened = (open_store(settings.store or settings.data_dir, artifacts=settings.artifacts, data_dir=settings.data_dir)
              if store is None else store)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        reaper = asyncio.create_task(_reap_dead_runs(app))
        try:
            yield
        finally:
            reaper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reaper
            await app.state.feed.stop()
            for hook in app.state.shutdown_hooks:
                await call(hook)
            if owned:
                # Drains the writer queue: everything acknowledged is committed first.
                await call(opened.close)

    app = FastAPI(
        title="runyard",
        version=__version__,
        description="Self-hosted ML experiment tracker: every API runyard serves.",
        docs_url=None,
        redoc_url=None,
        default_response_class=JSONResponse,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.store = opened
    app.state.feed = ChangeFeed(opened)  # started by the first stream that needs it
    app.state.dialects = list(DIALECTS)  # error shapes and /docs pages: every dialect, mounted or not
    health_probes: dict[str, HealthProbe] = {}  # `name -> probe`, one /health entry each
    shutdown_hooks: list[Callable[[], None]] = []  # blocking, run in order when the server stops
    app.state.health_probes = health_probes
    app.state.shutdown_hooks = shutdown_hooks
    install_error_handlers(app)
    # Outermost last: security headers on every answer, then the Host check, then bodies.
    app.add_middleware(
        BodyMiddleware,
        limit=settings.max_body_bytes,
        is_raw_path=lambda path: path.startswith(RAW_BODY_PREFIXES),
        upload_limit=upload_limit(settings),
        is_upload_path=is_upload_path,
        gate=check_token_before_body if settings.auth_required else None,
    )
    app.add_middleware(HostMiddleware, rule=HostRule.from_settings(settings))
    app.add_middleware(SecurityHeadersMiddleware)
    app.include_router(health.router)
    app.include_router(docs.router)
    # Mounted before the routers: ExperimentHub's root-level `/{name}/...` routes must not see /static.
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for dialect in DIALECTS:  # in routing order (see runyard.server.dialects)
        if dialect.enabled(settings):
            started = dialect.install(app)
            health_probes.update(started.probes)
            if started.shutdown is not None:
                shutdown_hooks.append(started.shutdown)
    return app
