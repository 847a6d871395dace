"""`runyard migrate --from DIR --to URL [--artifacts URL]`: an embedded data dir into another store.

Typically PostgreSQL + object storage (docs/storage.md), but any store `open_store` opens (another
data dir too). The source is opened read-only. Resumable: run it again after an interruption and
it copies what is missing. It ends by comparing counts run by run and exits 1 on a mismatch.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from runyard.commands.common import data_dir, progress_bar, stderr_console, store_choice
from runyard.commands.migrate_copy import Copier, run_counts
from runyard.errors import InvalidInputError, NotFoundError, StoreError
from runyard.paths import ARTIFACTS_DIR_NAME, DB_FILE_NAME
from runyard.store import Run, Store
from runyard.store.locations import open_store, redact, url_scheme


def migrate(
    ctx: typer.Context,
    source: Annotated[Path, typer.Option("--from", metavar="DIR", help="The data dir to copy (read, never changed).",
                                         show_default=False)],
    to: Annotated[str, typer.Option("--to", metavar="URL", help="The store to copy into: postgresql://... "
                                    "(or another data dir).", show_default=False)],
    artifacts: Annotated[str | None, typer.Option(
        "--artifacts", metavar="URL", show_default=False,
        help="Where the copies' artifact files go: s3://BUCKET/PREFIX or a folder (default: $RUNYARD_ARTIFACTS, "
             "else the artifacts folder of the target data dir, or of --dir for a database).")] = None,
) -> None:
    """Copy every project, run (metrics, histories, logs, artifacts), token and model into another store."""
    source = source.expanduser().absolute()
    if not (source / DB_FILE_NAME).is_file():
        raise StoreError(f"no runyard data dir at {source} (it has no {DB_FILE_NAME})")
    artifacts = artifacts or store_choice(ctx)[1]
    home = _target_home(ctx, source, to, artifacts)
    err = stderr_console()
    with open_store(source, create=False, read_only=True) as src, \
            open_store(to, artifacts=artifacts, data_dir=home) as dst:
        err.print(f"copying {source} into {redact(to)}", highlight=False, markup=False)
        copier = Copier(src, dst)
        projects = copier.projects()
        runs = copier.runs()
        with progress_bar(err, unit="runs") as bar:
            task = bar.add_task("copying runs", total=len(runs))
            for run in runs:
                copier.run(run)
                bar.advance(task)
        models = copier.logged_models()
        copier.run_links(runs)
        copier.view_settings()
        tokens = copier.tokens()
        hub = copier.hub()
        copier.project_states(projects)
        problems = verify(src, dst, runs)
    typer.echo(f"{len(projects)} projects, {len(runs)} runs ({copier.copied} copied, {copier.skipped} already "
               f"there), {models} logged models, {tokens} tokens, {hub} hub experiments")
    for problem in problems:
        typer.echo(f"runyard: mismatch: {problem}", err=True)
    if problems:
        raise typer.Exit(1)
    typer.echo("verified: every run's points per key, log lines and artifacts match")


def _target_home(ctx: typer.Context, source: Path, to: str, artifacts: str | None) -> Path:
    """The data dir whose artifacts folder a database target uses without --artifacts; refuses sharing the source's.

    Sharing it would let a retried run's clean-up delete the source's own files.
    """
    target_dir = Path(to).expanduser().absolute() if url_scheme(to) is None else data_dir(ctx)
    if url_scheme(to) is None and target_dir == source:
        raise InvalidInputError("--from and --to name the same data dir")
    files = target_dir / ARTIFACTS_DIR_NAME if artifacts is None else (
        Path(artifacts).expanduser().absolute() if url_scheme(artifacts) in (None, "file") else None)
    if files is not None and files in (source / ARTIFACTS_DIR_NAME, source):
        raise InvalidInputError(
            f"the copies' artifacts would go to {files}, the source's own folder: pass --artifacts "
            "(s3://... or another folder) or --dir")
    return target_dir


def verify(source: Store, target: Store, runs: list[Run]) -> list[str]:
    """One line per run whose copy lacks it or differs in points per key, log lines or artifacts."""
    problems: list[str] = []
    for run in runs:
        try:
            copy = target.get_run_by_uid(run.uid)
        except NotFoundError:
            problems.append(f"run {run.uid} ({run.name}) is missing from the target")
            continue
        want, got = run_counts(source, run.id), run_counts(target, copy.id)
        if want.points != got.points:
            keys = sorted(k for k in want.points.keys() | got.points.keys() if want.points.get(k) != got.points.get(k))
            problems.append(f"run {run.uid} ({run.name}): points differ for {', '.join(keys[:5])}")
        if want.logs != got.logs:
            problems.append(f"run {run.uid} ({run.name}): {want.logs} log lines, the copy has {got.logs}")
        if want.artifacts != got.artifacts:
            problems.append(f"run {run.uid} ({run.name}): artifacts differ")
    return problems
