"""`runyard serve`: the server (every dialect and the dashboard) on uvicorn."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from runyard.commands.common import ArtifactsOption, DirOption, StoreOption, data_dir, store_choice
from runyard.errors import InvalidInputError, RunyardError
from runyard.settings import Settings, is_loopback, split_hosts

if TYPE_CHECKING:
    from runyard.server.sites import FrontendSite

HOSTS_HELP = ("Extra host names the server answers to, comma-separated (.example.com: subdomains too; '*': any, "
              "unsafe: allows DNS rebinding). Default: $RUNYARD_ALLOWED_HOSTS; the bind address and localhost always.")


def serve(
    ctx: typer.Context,
    host: Annotated[str | None, typer.Option("--host", help="Address to bind (default: $RUNYARD_HOST, else 127.0.0.1).", show_default=False)] = None,
    port: Annotated[int | None, typer.Option("--port", "-p", min=0, max=65535, help="Port to bind (default: $RUNYARD_PORT, else 8000).", show_default=False)] = None,
    auth: Annotated[bool | None, typer.Option("--auth/--no-auth", help="Require bearer tokens (always on off loopback).", show_default=False)] = None,
    allowed_hosts: Annotated[str | None, typer.Option("--allowed-hosts", help=HOSTS_HELP, show_default=False)] = None,
    jupyter: Annotated[bool | None, typer.Option("--jupyter/--no-jupyter", help="Allow POST /api/jupyter/spawn (notebooks run code as this user; default: $RUNYARD_JUPYTER, else off).", show_default=False)] = None,
    demo: Annotated[bool, typer.Option("--demo", help="Create the demo project if missing, and start a live run that stops with the server.")] = False,
    live_minutes: Annotated[float, typer.Option("--live-minutes", min=0.0, help="With --demo: how long the live run logs.")] = 30.0,
    log_level: Annotated[str, typer.Option("--log-level", help="uvicorn log level.")] = "info",
    project: Annotated[str | None, typer.Option("--project", help="Project SwanLab's GET /api/v1/project shows (default: RUNYARD_PROJECT, else the most recently active).", show_default=False)] = None,
    swanboard_port: Annotated[int | None, typer.Option("--swanboard-port", min=1, max=65535, help="Also serve swanboard's own dashboard (pip install swanboard) on this port, on runyard's data (default: $RUNYARD_SWANBOARD_PORT, else off).", show_default=False)] = None,
    aspara_port: Annotated[int | None, typer.Option("--aspara-port", min=1, max=65535, help="Also serve Aspara's own dashboard (pip install aspara==0.1.0 pystache) on this port, on runyard's data (default: $RUNYARD_ASPARA_PORT, else off).", show_default=False)] = None,
    expman_port: Annotated[int | None, typer.Option("--expman-port", min=1, max=65535, help="Also serve expman-rs 1.3.0's own web app (included with runyard) on this port, on runyard's data (default: $RUNYARD_EXPMAN_PORT, else off).", show_default=False)] = None,
    datastream: Annotated[str | None, typer.Option("--datastream", help="ExperimentHub data queues on RabbitMQ, e.g. amqp://guest:guest@127.0.0.1:5672/ (default: RUNYARD_DATASTREAM_URL, else embedded in the store).", show_default=False)] = None,
    store: StoreOption = None,
    artifacts: ArtifactsOption = None,
    dir: DirOption = None,
) -> None:
    """Serve the REST APIs and docs on HOST:PORT from the data dir (or a database and object storage)."""
    import uvicorn

    from runyard.server import create_app
    from runyard.server.listen import PortUnavailableError, bind
    from runyard.server.sites import SiteServer, serve_together, site_app
    from runyard.store.locations import redact

    target: Path = data_dir(ctx, dir)
    chosen_store, chosen_artifacts = store_choice(ctx)
    settings = Settings.from_env(
        data_dir=target, store=store or chosen_store, artifacts=artifacts or chosen_artifacts, host=host, port=port, auth=auth, demo=demo, default_project=project,
        datastream_url=datastream, jupyter_enabled=jupyter, swanboard_port=swanboard_port,
        aspara_port=aspara_port, expman_port=expman_port,
        allowed_hosts=split_hosts(allowed_hosts) if allowed_hosts is not None else None,
    )
    if settings.auth is False and not is_loopback(settings.host):
        raise typer.BadParameter("--no-auth is refused off loopback: tokens protect a reachable server")
    if demo and settings.store is not None:
        raise typer.BadParameter("--demo writes into the data dir's embedded store: serve it without --store")
    try:
        # Before the demo: a busy port must not leave a live demo process behind.
        listener = bind(settings.host, settings.port)
        sites = [(site, bind(settings.host, site_port, option)) for site_port, option, site in _sites(settings)]
    except (PortUnavailableError, RunyardError) as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    app = create_app(settings)
    if demo:
        child = _make_demo(target, live_minutes)
        if child is not None:
            app.state.shutdown_hooks.append(lambda: _stop(child))
    mode = "tokens required" if settings.auth_required else "no auth (loopback)"
    shown = f"[{settings.host}]" if ":" in settings.host else settings.host
    where = str(target) if settings.store is None else redact(settings.store)
    typer.echo(f"runyard serving {where} on http://{shown}:{settings.port} ({mode}); docs at /docs", err=True)
    config = uvicorn.Config(app, host=settings.host, port=settings.port, log_level=log_level,
                            timeout_graceful_shutdown=10)
    servers = [SiteServer(uvicorn.Server(config), listener)]
    for site, site_listener in sites:
        site_port = site_listener.getsockname()[1]
        typer.echo(f"{site.name} on http://{shown}:{site_port} (its API calls answered by runyard)", err=True)
        site_config = uvicorn.Config(site_app(site, app), host=settings.host, port=site_port, log_level=log_level,
                                     lifespan="off", timeout_graceful_shutdown=10)
        servers.append(SiteServer(uvicorn.Server(site_config), site_listener))
    serve_together(servers)


def _sites(settings: Settings) -> list[tuple[int, str, FrontendSite]]:
    """(port, option, site) of each third-party dashboard asked for; RunyardError when one cannot be served."""
    from runyard.server.aspara.site import aspara_site
    from runyard.server.expman.site import expman_site
    from runyard.server.swanlab.site import swanboard_site

    wanted = [(settings.swanboard_port, "--swanboard-port N or set RUNYARD_SWANBOARD_PORT", swanboard_site),
              (settings.aspara_port, "--aspara-port N or set RUNYARD_ASPARA_PORT", aspara_site),
              (settings.expman_port, "--expman-port N or set RUNYARD_EXPMAN_PORT", expman_site)]
    chosen: list[tuple[int, str, FrontendSite]] = []
    for site_port, option, make in wanted:
        if site_port is None:
            continue
        if site_port in (settings.port, *(taken for taken, _option, _site in chosen)):
            raise InvalidInputError(f"port {site_port} is taken by another server of this command: pass {option}")
        chosen.append((site_port, option, make()))
    return chosen


def _make_demo(target: Path, live_minutes: float) -> subprocess.Popen[bytes] | None:
    """The demo project when missing (edits to an existing one are kept) and a live run owned by this server."""
    import os

    from runyard.demo import DEMO_PROJECT, ensure_demo, start_live
    from runyard.store import open_store

    with open_store(target) as store:
        created = ensure_demo(store)
    state = "created" if created else "kept as it is"
    if live_minutes <= 0:
        typer.echo(f"demo project {DEMO_PROJECT!r} {state}", err=True)
        return None
    name = time.strftime("live-%Y%m%d-%H%M%S")
    child = start_live(target, live_minutes, name, parent_pid=os.getpid())
    typer.echo(f"demo project {DEMO_PROJECT!r} {state}; live run {name!r} logs for {live_minutes:g} min "
               "(it stops with the server)", err=True)
    return child


def _stop(child: subprocess.Popen[bytes], timeout_s: float = 5.0) -> None:
    """Stop the live demo run (it finishes as killed) when the server stops."""
    if child.poll() is not None:
        return
    child.terminate()
    try:
        child.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()

