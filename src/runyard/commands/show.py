"""`runyard show RUN`: everything about one run on one screen."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

import orjson
import typer
from rich.console import Console
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from runyard.api import ApiRun
from runyard.commands import fmt
from runyard.commands.common import DirOption, ServerOption, TokenOption, open_api, stdout_console
from runyard.export import jsonable
from runyard.nested import dotted

SYSTEM_KEYS_LIMIT = 12


def show(
    ctx: typer.Context,
    run: Annotated[str, typer.Argument(metavar="RUN", help="Run: uid, project/name, or integer id.")],
    log_lines: Annotated[
        int, typer.Option("--logs", "-l", min=0, help="Last console lines to show.")
    ] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
    dir: DirOption = None,
    server: ServerOption = None,
    token: TokenOption = None,
) -> None:
    """Show a run: attributes, config, params, system info, metric summaries, last log lines."""
    with open_api(ctx, dir, server, token) as api:
        found = api.run(run)
        if as_json:
            typer.echo(orjson.dumps(jsonable(_as_dict(found, log_lines))).decode())
        else:
            _render(stdout_console(), found, log_lines)


def _as_dict(run: ApiRun, log_lines: int) -> dict[str, Any]:
    data = run.to_dict()
    data["metrics"] = {
        k: {"count": s.count, "min": s.min, "max": s.max, "first_step": s.first_step,
            "last_step": s.last_step, "last": s.last_value, "last_time": s.last_time}
        for k, s in run.summaries.items()
    }
    data["logs"] = [
        {"time": line.time, "stream": line.stream, "line": line.line}
        for line in (run.logs(tail=log_lines) if log_lines else [])
    ]
    data["artifacts"] = [{"path": a.path, "size": a.size} for a in run.artifacts()]
    return data


def _render(console: Console, run: ApiRun, log_lines: int) -> None:
    console.print(_header(run))
    for title, mapping in (("config", dotted(run.config)), ("params", run.params)):
        if mapping:
            console.print(_kv_table(title, mapping))
    if run.system:
        console.print(_kv_table("system", _system_summary(run.system)))
    console.print(_metrics_table(run))
    artifacts = run.artifacts()
    if artifacts:
        table = Table(title="artifacts", title_justify="left")
        table.add_column("path")
        table.add_column("size", justify="right")
        for a in artifacts:
            table.add_row(a.path, f"{a.size:,}")
        console.print(table)
    if log_lines:
        lines = run.logs(tail=log_lines)
        body = Text("\n".join(_log_line(x.stream, x.line) for x in lines) or "(no log lines)")
        console.print(Panel(body, title=f"last {len(lines)} log lines", title_align="left", expand=False))


def _header(run: ApiRun) -> Panel:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column()
    rows: list[tuple[str, str | Text]] = [
        ("run", f"{run.project}/{run.name}"),
        ("uid", run.uid),
        ("id", str(run.id)),
        ("status", fmt.status(run.status)),
        ("started", fmt.timestamp(run.start_time)),
        ("ended", fmt.timestamp(run.end_time) or "-"),
        ("duration", fmt.duration(run.duration)),
    ]
    if run.host:
        rows.append(("host", f"{run.host} (pid {run.pid})" if run.pid > 0 else run.host))
    if run.tags:
        rows.append(("tags", ", ".join(run.tags)))
    if run.notes:
        rows.append(("notes", run.notes))
    for label, value in rows:
        grid.add_row(label, value)
    return Panel(grid, title=run.name, title_align="left", expand=False)


def _kv_table(title: str, mapping: Mapping[str, Any]) -> Table:
    table = Table(title=title, title_justify="left", show_header=False)
    table.add_column("key", style="bold")
    table.add_column("value", overflow="fold")
    for key, value in mapping.items():
        table.add_row(key, fmt.scalar(value))
    return table


def _metrics_table(run: ApiRun) -> Table:
    table = Table(title="metrics", title_justify="left")
    for name in ("key", "count", "min", "max", "last", "last step"):
        table.add_column(name, justify="left" if name == "key" else "right")
    for key, s in run.summaries.items():
        table.add_row(
            key, f"{s.count:,}", fmt.number(s.min), fmt.number(s.max), fmt.number(s.last_value),
            str(s.last_step),
        )
    return table


def _system_summary(system: Mapping[str, Any]) -> dict[str, Any]:
    """The first scalar entries of the system info (the full dict is in `--json`)."""
    flat = dotted(system)
    items = [(k, v) for k, v in flat.items() if not isinstance(v, (list, dict)) or len(str(v)) < 80]
    return dict(items[:SYSTEM_KEYS_LIMIT])


def _log_line(stream: str, line: str) -> str:
    return f"[{stream}] {line}" if stream and stream != "stdout" else line
