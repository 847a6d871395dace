"""Shared pieces of the commands: the global state, consoles, progress bars, opening data."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from runyard.errors import InvalidInputError
from runyard.paths import resolve_data_dir

if TYPE_CHECKING:  # the read API pulls in polars (~0.15 s): `runyard serve` should not wait for it
    from runyard.api import Api
    from runyard.store import Store

DIR_HELP = "Data dir (default: $RUNYARD_DIR, else ./runyard)."
DirOption = Annotated[
    Path | None, typer.Option("--dir", "-d", help=DIR_HELP, show_default=False)
]
ServerOption = Annotated[
    str | None,
    typer.Option("--server", metavar="URL", show_default=False,
                 help="Read from this runyard server instead of a data dir (default: $RUNYARD_SERVER "
                      "unless --dir is given)."),
]
StoreOption = Annotated[
    str | None,
    typer.Option("--store", metavar="URL", show_default=False,
                 help="Metadata store: postgresql://USER@HOST:PORT/DB (default: $RUNYARD_STORE, else the data dir's "
                      "embedded store)."),
]
ArtifactsOption = Annotated[
    str | None,
    typer.Option("--artifacts", metavar="URL", show_default=False,
                 help="Artifact files: s3://BUCKET/PREFIX or a folder (default: $RUNYARD_ARTIFACTS, else the data "
                      "dir's artifacts folder)."),
]
TokenOption = Annotated[
    str | None,
    typer.Option("--token", metavar="TOKEN", show_default=False,
                 help="Bearer token for the server (default: $RUNYARD_TOKEN)."),
]


@dataclass(slots=True)
class CliState:
    """What the global options decided, shared with every command through the context."""

    dir: Path | None = None
    store: str | None = None
    artifacts: str | None = None


def data_dir(ctx: typer.Context, local: Path | None = None) -> Path:
    """The data dir: a command's own --dir, else the global --dir, else RUNYARD_DIR / ./runyard."""
    state = ctx.find_object(CliState)
    chosen = local if local is not None else (state.dir if state is not None else None)
    return resolve_data_dir(chosen)


def store_choice(ctx: typer.Context) -> tuple[str | None, str | None]:
    """(store URL, artifacts URL) chosen by the global --store/--artifacts, else RUNYARD_STORE/RUNYARD_ARTIFACTS."""
    state = ctx.find_object(CliState)
    store = (state.store if state is not None else None) or os.environ.get("RUNYARD_STORE", "").strip() or None
    files = (state.artifacts if state is not None else None) or os.environ.get("RUNYARD_ARTIFACTS", "").strip()
    return store, files or None


def open_cli_store(ctx: typer.Context, local: Path | None = None, *, create: bool = True) -> Store:
    """The store a command works on: the chosen store URL, else the data dir's (created unless `create=False`).

    The data dir also holds artifact files when no artifacts location is chosen.
    """
    from runyard.api.backend import open_local
    from runyard.store.locations import open_store

    home = data_dir(ctx, local)
    url, files = store_choice(ctx)
    if url is None and files is None and not create:
        return open_local(home)  # says clearly when the data dir is missing
    return open_store(url or home, artifacts=files, data_dir=home, create=create)


def read_target(ctx: typer.Context, local: Path | None, server: str | None) -> str | Path:
    """Where a read command reads: --server, else a --dir, else $RUNYARD_SERVER, else the data dir."""
    state = ctx.find_object(CliState)
    chosen_dir = local if local is not None else (state.dir if state is not None else None)
    if server is not None and chosen_dir is not None:
        raise InvalidInputError("give --server or --dir, not both")
    url = (server if server is not None else "" if chosen_dir is not None
           else os.environ.get("RUNYARD_SERVER", "")).strip()
    if not url:
        return resolve_data_dir(chosen_dir)
    if not url.startswith(("http://", "https://")):
        raise InvalidInputError(f"the server must be an http:// or https:// URL, not {url!r}")
    return url


@contextmanager
def open_api(ctx: typer.Context, local: Path | None = None, server: str | None = None,
             token: str | None = None) -> Iterator[Api]:
    """An `Api` over the chosen data dir or server (see `read_target`), closed at the end."""
    from runyard.api import Api
    from runyard.store.locations import redact

    url, _files = store_choice(ctx)
    api = (Api.from_store(open_cli_store(ctx, local, create=False), redact(url)) if url is not None and server is None
           else Api(read_target(ctx, local, server), token=token))
    try:
        yield api
    finally:
        api.close()


def stdout_console() -> Console:
    """Console for results (no markup: names are data); wide when piped, not squeezed to 80."""
    console = Console(highlight=False, markup=False)
    if not console.is_terminal and "COLUMNS" not in os.environ:
        console = Console(highlight=False, markup=False, width=200)
    return console


def stderr_console() -> Console:
    """Console for progress and status messages."""
    return Console(stderr=True, highlight=False)


def progress_bar(console: Console | None = None, *, unit: str = "") -> Progress:
    """A progress bar on stderr, drawn only on a terminal and removed when done."""
    console = console or stderr_console()
    return Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn(unit),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    )
