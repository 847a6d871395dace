"""`runyard ls [PROJECT]`: projects with run counts, or the runs of one project."""

from __future__ import annotations

from typing import Annotated

import orjson
import typer
from rich.table import Table

from runyard.api import Api, ApiRun
from runyard.commands import fmt
from runyard.commands.common import DirOption, ServerOption, TokenOption, open_api, stdout_console
from runyard.export import jsonable

MAX_METRIC_COLUMNS = 6


def ls(
    ctx: typer.Context,
    project: Annotated[str | None, typer.Argument(metavar="PROJECT", help="Project whose runs to list.")] = None,
    filter: Annotated[
        str | None,
        typer.Option("--filter", "-f", metavar="EXPR", help="e.g. \"metrics.loss < 0.5 and params.lr = 0.01\"."),
    ] = None,
    sort: Annotated[
        list[str] | None,
        typer.Option("--sort", "-s", metavar="TERM", help="e.g. \"metrics.loss asc\"; repeat for more keys."),
    ] = None,
    status: Annotated[
        list[str] | None,
        typer.Option("--status", metavar="STATUS", help="Keep runs with this status; repeat or comma-separate."),
    ] = None,
    limit: Annotated[
        int, typer.Option("--limit", "-n", min=0, help="Most runs to show (0: all).")
    ] = 100,
    keys: Annotated[
        str | None,
        typer.Option("--keys", "-k", metavar="KEYS", help="Metric columns to show, comma-separated (default: first 6)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
    dir: DirOption = None,
    server: ServerOption = None,
    token: TokenOption = None,
) -> None:
    """List projects, or the runs of PROJECT with their last metric values."""
    with open_api(ctx, dir, server, token) as api:
        if project is None:
            _projects(api, as_json)
        else:
            statuses = [s.strip() for item in status or [] for s in item.split(",") if s.strip()]
            runs = api.runs(
                project, status=statuses or None, filter=filter, order_by=sort or None,
                limit=limit or None,
            )
            total = api.count_runs(project, status=statuses or None, filter=filter)
            _runs(runs, total, project, _split(keys), as_json)


def _split(text: str | None) -> list[str] | None:
    return [k.strip() for k in text.split(",") if k.strip()] if text else None


def _projects(api: Api, as_json: bool) -> None:
    projects = api.projects()
    console = stdout_console()
    if as_json:
        rows = [
            {"id": p.id, "name": p.name, "runs": p.run_count, "description": p.description,
             "tags": p.tags, "created_at": p.created_at}
            for p in projects
        ]
        typer.echo(orjson.dumps(rows).decode())
        return
    if not projects:
        console.print(f"no projects in {api.location}")
        return
    table = Table(title=f"projects in {api.location}", title_justify="left")
    table.add_column("project", style="bold")
    table.add_column("runs", justify="right")
    table.add_column("created")
    table.add_column("description", overflow="fold")
    for p in projects:
        table.add_row(p.name, str(p.run_count), fmt.timestamp(p.created_at), p.description)
    console.print(table)


def _runs(
    runs: list[ApiRun], total: int, project: str, keys: list[str] | None, as_json: bool
) -> None:
    console = stdout_console()
    if as_json:
        typer.echo(orjson.dumps(jsonable([r.to_dict() for r in runs])).decode())
        return
    all_keys = sorted({k for r in runs for k in r.summaries})
    shown = keys if keys is not None else all_keys[:MAX_METRIC_COLUMNS]
    table = Table(title=f"runs of {project}", title_justify="left")
    for name in ("name", "uid", "status", "duration"):
        table.add_column(name, no_wrap=name != "name")
    for key in shown:
        table.add_column(key, justify="right", no_wrap=True)
    for run in runs:
        last = run.summary
        table.add_row(
            run.name, run.uid, fmt.status(run.status), fmt.duration(run.duration),
            *(fmt.number(last.get(k)) for k in shown),
        )
    console.print(table)
    notes = []
    if len(runs) < total:
        notes.append(f"showing {len(runs)} of {total} runs (--limit 0 shows all)")
    if keys is None and len(all_keys) > len(shown):
        hidden = len(all_keys) - len(shown)
        notes.append(f"{hidden} more metric keys hidden (choose with --keys)")
    for note in notes:
        console.print(note, style="dim")
