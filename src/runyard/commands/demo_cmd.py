"""`runyard demo`: fill the `demo` project and start one live run in the background."""

from __future__ import annotations

import time
from typing import Annotated

import typer

from runyard.commands.common import DirOption, data_dir, progress_bar, stderr_console
from runyard.demo import DEMO_PROJECT, DEMO_RUNS, DemoRun, generate, live_log_path, start_live
from runyard.store import open_store


def demo(
    ctx: typer.Context,
    live_minutes: Annotated[
        float,
        typer.Option("--live-minutes", min=0.0, help="How long the live run logs (0: no live run)."),
    ] = 10.0,
    seed: Annotated[int, typer.Option("--seed", help="Random seed of the finished runs.")] = 0,
    dir: DirOption = None,
) -> None:
    """Create the `demo` project (replacing an earlier one) and start a live run."""
    target = data_dir(ctx, dir)
    err = stderr_console()
    with open_store(target, create=True) as store, progress_bar(err, unit="runs") as bar:
        task = bar.add_task("generating demo runs", total=len(DEMO_RUNS))

        def advance(_spec: DemoRun) -> None:
            bar.advance(task)

        runs = generate(store, seed=seed, on_run=advance)
    typer.echo(f"created project {DEMO_PROJECT!r} with {len(runs)} runs in {target}")
    if live_minutes > 0:
        name = time.strftime("live-%Y%m%d-%H%M%S")
        child = start_live(target, live_minutes, name)
        typer.echo(
            f"started live run {DEMO_PROJECT}/{name} (pid {child.pid}) for {live_minutes:g} min; "
            f"watch it with: runyard --dir {target} ls {DEMO_PROJECT}\n"
            f"its own output goes to {live_log_path(name)}"
        )
