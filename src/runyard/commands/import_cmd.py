"""`runyard import mlflow SOURCE`: copy an MLflow store's experiments, runs and artifacts into the data dir.

Writes through the store of the local data dir (as `runyard serve` does; a server may run on
it meanwhile), so ids, every metric point and times arrive exactly. Running it again adds
only what is new (runs are found by their MLflow run id).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from runyard.commands.common import DirOption, open_cli_store, progress_bar, stderr_console

if TYPE_CHECKING:
    from runyard.importers.records import ImportedRun

import_app = typer.Typer(help="Copy experiments and runs from another tracker into the data dir.",
                         no_args_is_help=True)


def import_runs(ctx: typer.Context, dir: Path | None, tenant: str, kind: str, description: str,
                runs: Sequence[ImportedRun]) -> None:
    """Write `runs` (read by the `kind` importer from `description`) into the data dir, with a progress bar."""
    from runyard.importers.writer import RunImport

    with open_cli_store(ctx, dir) as store:
        importer = RunImport(store, kind, tenant)
        with progress_bar(stderr_console(), unit="runs") as bar:
            task = bar.add_task("importing", total=len(runs))
            for run in runs:
                importer.write(run)
                bar.advance(task)
    report = importer.report
    typer.echo(f"imported from {description}: {report.runs_created} new runs, {report.runs_updated} already "
               f"there (brought up to date), {report.points:,} new metric points, {report.log_lines:,} log "
               f"lines, {report.artifacts} artifact files ({report.artifact_bytes:,} bytes)")


SOURCE_HELP = ("MLflow tracking server URL (http://host:5000), mlruns folder, or MLflow SQLite database "
               "(sqlite:///path/mlflow.db or the file).")


@import_app.command("mlflow")
def import_mlflow(
    ctx: typer.Context,
    source: Annotated[str, typer.Argument(help=SOURCE_HELP, show_default=False)],
    experiment: Annotated[
        list[str] | None,
        typer.Option("--experiment", "-e", help="Only this experiment (by name); repeat for several.",
                     show_default=False),
    ] = None,
    tenant: Annotated[str, typer.Option("--tenant", help="Tenant whose projects receive the runs.")] = "default",
    token: Annotated[
        str | None,
        typer.Option("--token", "-t", help="Bearer token for the MLflow server (default: $MLFLOW_TRACKING_TOKEN).",
                     show_default=False),
    ] = None,
    artifacts: Annotated[
        Path | None,
        typer.Option("--artifacts", help="For a database source: the folder behind its runs' mlflow-artifacts: "
                     "URIs (the server's --artifacts-destination).", show_default=False),
    ] = None,
    dir: DirOption = None,
) -> None:
    """Copy experiments, runs (params, tags, every metric point, statuses, times) and artifacts from MLflow."""
    from runyard.importers.mlflow.source import open_source
    from runyard.importers.mlflow.writer import MlflowImport

    err = stderr_console()
    secret = token or os.environ.get("MLFLOW_TRACKING_TOKEN") or None
    with open_source(source, token=secret, artifacts_root=artifacts) as reader, \
            open_cli_store(ctx, dir) as store:
        importer = MlflowImport(store, reader, tenant)
        planned = importer.plan(experiment or ())
        with progress_bar(err, unit="runs") as bar:
            task = bar.add_task("importing", total=sum(len(item.runs) for item in planned))
            for item in planned:
                project = importer.write_experiment(item.experiment)
                for run in item.runs:
                    importer.write_run(project, run)
                    bar.advance(task)
    report = importer.report
    typer.echo(f"imported from {reader.description}: {report.experiments} experiments, "
               f"{report.runs_created} new runs, {report.runs_updated} already there (brought up to date), "
               f"{report.points:,} new metric points, {report.artifacts} artifact files "
               f"({report.artifact_bytes:,} bytes)")
    if report.artifacts_unreachable:
        err.print(f"artifacts of {len(report.artifacts_unreachable)} runs were not copied: their artifact URI "
                  "is not a local folder (for mlflow-artifacts: URIs pass --artifacts DIR, or import from the "
                  f"server's URL); first: {report.artifacts_unreachable[0]}", markup=False)


# Every importer's --tenant option.
TenantOption = Annotated[str, typer.Option("--tenant", help="Tenant whose projects receive the runs.")]
# --project of the importers whose source has projects of its own.
ProjectOverride = Annotated[
    str | None,
    typer.Option("--project", "-p", help="Put every run into this project (default: the project it has there).",
                 show_default=False),
]


def import_folder(ctx: typer.Context, dir: Path | None, tenant: str, kind: str, source: Path,
                  project: str | None, read: Callable[[Path], list[ImportedRun]]) -> None:
    """Import the runs `read` finds in the folder `source`, into `project` when given."""
    runs = read(source)
    if project is not None:
        runs = [replace(run, project=project) for run in runs]
    import_runs(ctx, dir, tenant, kind, str(source), runs)


@import_app.command("aspara")
def import_aspara(
    ctx: typer.Context,
    source: Annotated[Path, typer.Argument(help="Aspara data dir (the dir= of aspara.init; default "
                                           "~/.local/share/aspara).", show_default=False)],
    project: ProjectOverride = None,
    tenant: TenantOption = "default",
    dir: DirOption = None,
) -> None:
    """Copy Aspara runs (config, params, tags, notes, every metric point, status, times, artifacts)."""
    from runyard.importers.aspara import read_data_dir

    import_folder(ctx, dir, tenant, "aspara", source, project, read_data_dir)


@import_app.command("tensorboard")
def import_tensorboard(
    ctx: typer.Context,
    logdir: Annotated[Path, typer.Argument(help="TensorBoard log directory (the --logdir of tensorboard): each "
                                           "folder under it holding event files is one run.", show_default=False)],
    project: Annotated[
        str | None,
        typer.Option("--project", "-p", help="Project receiving the runs (default: LOGDIR's folder name).",
                     show_default=False),
    ] = None,
    tenant: TenantOption = "default",
    dir: DirOption = None,
) -> None:
    """Copy TensorBoard scalars (every point, with its step and wall time) into one run per run folder."""
    from runyard.importers.tensorboard.reader import TensorboardReader

    reader = TensorboardReader(logdir, project)
    import_runs(ctx, dir, tenant, "tensorboard", reader.description, reader.runs())
    if reader.dropped:
        kinds = ", ".join(f"{count:,} {kind}" for kind, count in sorted(reader.dropped.items()))
        stderr_console().print(f"not imported (runyard keeps scalars only): {kinds}", markup=False, soft_wrap=True)


@import_app.command("wandb")
def import_wandb(
    ctx: typer.Context,
    source: Annotated[Path, typer.Argument(help="A W&B run folder (wandb/offline-run-*), a wandb/ folder holding "
                                           "several, or the folder holding wandb/.", show_default=False)],
    project: ProjectOverride = None,
    tenant: TenantOption = "default",
    dir: DirOption = None,
) -> None:
    """Copy W&B offline runs (config, summary, tags, notes, every history row, system stats, console, status, files)."""
    from runyard.importers.wandb.reader import read_runs

    import_folder(ctx, dir, tenant, "wandb", source, project, read_runs)


@import_app.command("expman")
def import_expman(
    ctx: typer.Context,
    source: Annotated[Path, typer.Argument(help="expman-rs base dir (Experiment's base_dir, default experiments/) "
                                           "or one experiment's folder.", show_default=False)],
    project: Annotated[
        str | None,
        typer.Option("--project", "-p", help="Put every run into this project (default: its experiment's name).",
                     show_default=False),
    ] = None,
    tenant: TenantOption = "default",
    dir: DirOption = None,
) -> None:
    """Copy expman-rs runs (params, tags, description, every metric point, status, times, logs, artifacts)."""
    from runyard.importers.expman import read_experiments

    import_runs(ctx, dir, tenant, "expman", f"expman folders in {source}", read_experiments(source, project))


@import_app.command("swanlab")
def import_swanlab(
    ctx: typer.Context,
    source: Annotated[Path, typer.Argument(help="SwanLab swanlog folder (the logdir of swanlab.init in local mode, "
                                           "what `swanlab watch` reads).", show_default=False)],
    project: ProjectOverride = None,
    tenant: TenantOption = "default",
    dir: DirOption = None,
) -> None:
    """Copy SwanLab runs (config, description, every scalar point, console, status, times, media files)."""
    from runyard.importers.swanlab import read_swanlog

    import_folder(ctx, dir, tenant, "swanlab", source, project, read_swanlog)
