"""`runyard compact` and `runyard version`."""

from __future__ import annotations

import platform
from importlib import metadata

import typer

from runyard.commands.common import DirOption, open_cli_store, progress_bar, stderr_console
from runyard.store import RunQuery


def compact(ctx: typer.Context, dir: DirOption = None) -> None:
    """Merge small metric chunks into large ones (smaller and faster to read)."""
    err = stderr_console()
    with open_cli_store(ctx, dir, create=False) as store:
        run_ids = [r.id for r in store.search_runs(RunQuery())]
        merged = 0
        with progress_bar(err, unit="runs") as bar:
            task = bar.add_task("compacting", total=len(run_ids))
            for run_id in run_ids:
                merged += store.compact(run_id)
                bar.advance(task)
    typer.echo(f"compacted {len(run_ids)} runs: merged {merged:,} chunks")


def version() -> None:
    """Print the runyard version."""
    typer.echo(f"runyard {package_version()} (python {platform.python_version()})")


def package_version() -> str:
    """The installed runyard version."""
    try:
        return metadata.version("runyard")
    except metadata.PackageNotFoundError:
        return "unknown"
