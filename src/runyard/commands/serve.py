"""`runyard serve`: the server (every dialect and the dashboard) on uvicorn."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from runyard.commands.common import DirOption, data_dir
from runyard.settings import Settings, is_loopback


def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option("--host", help="Address to bind (loopback unless told otherwise).")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", "-p", min=0, max=65535, help="Port to bind.")] = 8000,
    auth: Annotated[bool | None, typer.Option("--auth/--no-auth", help="Require bearer tokens (always on off loopback).", show_default=False)] = None,
    demo: Annotated[bool, typer.Option("--demo", help="Create the demo project (with a live run) first.")] = False,
    live_minutes: Annotated[float, typer.Option("--live-minutes", min=0.0, help="With --demo: how long the live run logs.")] = 30.0,
    log_level: Annotated[str, typer.Option("--log-level", help="uvicorn log level.")] = "info",
    project: Annotated[str | None, typer.Option("--project", help="Project SwanLab's GET /api/v1/project shows (default: RUNYARD_PROJECT, else the most recently active).", show_default=False)] = None,
    datastream: Annotated[str | None, typer.Option("--datastream", help="ExperimentHub data queues on RabbitMQ, e.g. amqp://guest:guest@127.0.0.1:5672/ (default: RUNYARD_DATASTREAM_URL, else embedded in the store).", show_default=False)] = None,
    dir: DirOption = None,
) -> None:
    """Serve the REST APIs and docs on HOST:PORT from the data dir."""
    import uvicorn

    from runyard.server import create_app

    target: Path = data_dir(ctx, dir)
    if auth is False and not is_loopback(host):
        raise typer.BadParameter("--no-auth is refused off loopback: tokens protect a reachable server")
    settings = Settings.from_env(data_dir=target, host=host, port=port, auth=auth, demo=demo,
                                 default_project=project, datastream_url=datastream)
    if demo:
        _make_demo(target, live_minutes)
    app = create_app(settings)
    mode = "tokens required" if settings.auth_required else "no auth (loopback)"
    typer.echo(f"runyard serving {target} on http://{host}:{port} ({mode}); docs at /docs", err=True)
    uvicorn.run(app, host=host, port=port, log_level=log_level, timeout_graceful_shutdown=10)


def _make_demo(target: Path, live_minutes: float) -> None:
    from runyard.demo import DEMO_PROJECT, generate, start_live
    from runyard.store import open_store

    with open_store(target) as store:
        generate(store)
    if live_minutes > 0:
        name = time.strftime("live-%Y%m%d-%H%M%S")
        start_live(target, live_minutes, name)
        typer.echo(f"demo project {DEMO_PROJECT!r} ready; live run {name!r} logs for {live_minutes:g} min", err=True)
