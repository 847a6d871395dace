"""`runyard export RUN`: a run's full history as CSV, Parquet or JSON."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Annotated

import typer

from runyard.commands.common import (
    DirOption,
    ServerOption,
    TokenOption,
    open_api,
    progress_bar,
    stderr_console,
)
from runyard.errors import InvalidInputError
from runyard.export import FORMATS, ORIENTS, export_run

_UNSAFE = re.compile(r"[^\w.+-]+")


def export(
    ctx: typer.Context,
    run: Annotated[str, typer.Argument(metavar="RUN", help="Run: uid, project/name, or integer id.")],
    format: Annotated[str, typer.Option("--format", "-F", help="csv, parquet or json.")] = "csv",
    out: Annotated[
        str | None,
        typer.Option("--out", "-o", metavar="FILE", help="Output file ('-' for stdout; default: PROJECT_RUN.FORMAT)."),
    ] = None,
    keys: Annotated[
        str | None,
        typer.Option("--keys", "-k", metavar="KEYS", help="Metric keys to export, comma-separated (default: all)."),
    ] = None,
    orient: Annotated[
        str, typer.Option("--orient", help="JSON layout: records (one object per step) or columns.")
    ] = "records",
    dir: DirOption = None,
    server: ServerOption = None,
    token: TokenOption = None,
) -> None:
    """Export the history of RUN: a `step` column plus one column per metric key."""
    fmt = format.lower()
    if fmt not in FORMATS:
        raise InvalidInputError(f"unknown export format {format!r}; use one of {', '.join(FORMATS)}")
    if orient not in ORIENTS:
        raise InvalidInputError(f"unknown JSON orient {orient!r}; use one of {', '.join(ORIENTS)}")
    wanted = list(dict.fromkeys(k.strip() for k in keys.split(",") if k.strip())) if keys else None
    err = stderr_console()
    with open_api(ctx, dir, server, token) as api:
        found = api.run(run)
        chosen = wanted if wanted is not None else list(found.summaries)
        missing = [k for k in chosen if k not in found.summaries]
        if missing:
            found.series(missing[0])  # raises NotFoundError naming the run's keys
        total = sum(found.summaries[k].count for k in chosen)
        with progress_bar(err, unit="points") as bar:
            task = bar.add_task(f"exporting {found.name}", total=total)
            if out == "-":
                if fmt == "parquet":
                    raise InvalidInputError("parquet cannot go to stdout; give --out FILE")
                result = export_run(
                    found, fmt, sys.stdout.buffer, keys=chosen, orient=orient,
                    on_progress=lambda _k, n: bar.advance(task, n),
                )
                sys.stdout.buffer.flush()
                return
            path = Path(out) if out else Path(_default_name(found.project, found.name, fmt))
            result = export_run(
                found, fmt, path, keys=chosen, orient=orient,
                on_progress=lambda _k, n: bar.advance(task, n),
            )
    err.print(f"wrote {result.rows:,} steps x {len(result.keys)} keys to {path}")


def _default_name(project: str, name: str, fmt: str) -> str:
    return f"{_UNSAFE.sub('_', project)}_{_UNSAFE.sub('_', name)}.{fmt}"
