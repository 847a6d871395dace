"""`runyard sync`: upload the spools that remote-mode runs left behind (their server was down)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer

from runyard.commands.common import DirOption, data_dir, progress_bar, stderr_console
from runyard.errors import InvalidInputError
from runyard.sdk.spool import Spool, find_spools, owner_alive

SHOWN_DROPS = 5
ServerOption = Annotated[
    str | None,
    typer.Option("--server", "-s", help="Server URL (default: $RUNYARD_SERVER, else the one each run used).",
                 show_default=False),
]
TokenOption = Annotated[
    str | None, typer.Option("--token", "-t", help="API token (default: $RUNYARD_TOKEN).", show_default=False)
]


@dataclass(slots=True)
class _Job:
    spool: Spool
    server: str
    label: str


def _label(owner: dict[str, object], uid: str) -> str:
    project, name = owner.get("project"), owner.get("name")
    return f"{uid} ({project}/{name})" if project and name else f"{uid} ({project})" if project else uid


def sync(
    ctx: typer.Context,
    server: ServerOption = None,
    token: TokenOption = None,
    dir: DirOption = None,
) -> None:
    """Upload spooled runs whose process has ended, oldest request first; safe to run again."""
    from runyard.sdk.drain import drain, drain_held  # imports httpx: only when syncing
    from runyard.sdk.http_client import IngestClient

    target: Path = data_dir(ctx, dir)
    err = stderr_console()
    url = server or os.environ.get("RUNYARD_SERVER") or None
    secret = token or os.environ.get("RUNYARD_TOKEN") or None
    jobs: list[_Job] = []
    for spool in find_spools(target):
        owner = spool.owner()
        label = _label(owner, spool.uid)
        if owner_alive(owner) or not spool.lock():
            err.print(f"skipped {label}: its process is still running and sends it itself", markup=False)
            continue
        chosen = url or str(owner.get("server") or "")
        if not chosen:
            spool.unlock()
            raise InvalidInputError(f"no server known for {label}: pass --server URL")
        if spool.empty():
            spool.discard_if_empty()
            continue
        jobs.append(_Job(spool, chosen, label))
    if not jobs:
        typer.echo(f"nothing to sync in {target}")
        return
    clients: dict[str, IngestClient] = {}
    left = 0
    try:
        with progress_bar(err, unit="requests") as bar:
            task = bar.add_task("syncing", total=sum(len(job.spool) + len(job.spool.held()) for job in jobs))
            for job in jobs:
                if job.server not in clients:
                    clients[job.server] = IngestClient(job.server, secret)
                client = clients[job.server]
                spool = job.spool
                # One pass: a request the server fails on (500) is held at once and tried
                # again after the rest, so it cannot keep the others from arriving.
                report = drain(spool, client, on_done=lambda _r: bar.advance(task), hold_after=1)
                if not report.auth_refused and not len(spool):
                    report.add(drain_held(spool, client, on_done=lambda _r: bar.advance(task)))
                remaining = len(spool) + len(spool.held())
                left += remaining
                typer.echo(f"{job.label}: sent {report.sent} requests ({report.points:,} points, "
                           f"{report.lines:,} console lines) to {job.server}"
                           + (f"; {remaining} left: {report.stopped}" if remaining else ""))
                for message in report.dropped[:SHOWN_DROPS]:
                    err.print(f"  dropped (the server refused it): {message}", markup=False)
                if len(report.dropped) > SHOWN_DROPS:
                    err.print(f"  ... and {len(report.dropped) - SHOWN_DROPS} more dropped")
                if not remaining:
                    spool.discard_if_empty()
                spool.unlock()
    finally:
        for client in clients.values():
            client.close()
    if left:
        typer.echo(f"{left} requests are still spooled; run `runyard sync` again", err=True)
        raise typer.Exit(1)
