"""The `runyard` command: serve, list, show and export runs, sync spools, tokens, import, compact, demo data."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

import typer
from typer.core import TyperGroup

from runyard.commands.common import ArtifactsOption, CliState, DirOption, StoreOption
from runyard.commands.demo_cmd import demo
from runyard.commands.errors import describe
from runyard.commands.export_cmd import export
from runyard.commands.import_cmd import import_app
from runyard.commands.ls import ls
from runyard.commands.maintenance import compact, version
from runyard.commands.migrate import migrate
from runyard.commands.serve import serve
from runyard.commands.show import show
from runyard.commands.sync import sync
from runyard.commands.tokens import token_app


class RunyardGroup(TyperGroup):
    """Runs the commands so that every error a user can hit becomes one line on stderr."""

    def main(  # type: ignore[override]
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        try:
            result = super().main(
                args, prog_name or "runyard", complete_var, standalone_mode=False, **extra
            )
        except Exception as exc:
            described = describe(exc)
            if described is None:
                raise  # a bug: keep the traceback
            message, code = described
            if message:
                typer.echo(f"runyard: error: {message}", err=True)
            sys.exit(code)
        if standalone_mode:
            sys.exit(result if isinstance(result, int) else 0)
        return result


app = typer.Typer(
    cls=RunyardGroup,
    name="runyard",
    help="runyard: self-hosted ML experiment tracker.",
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.callback(invoke_without_command=True)
def _root(
    ctx: typer.Context,
    dir: DirOption = None,
    store: StoreOption = None,
    artifacts: ArtifactsOption = None,
) -> None:
    """runyard: self-hosted ML experiment tracker."""
    ctx.obj = CliState(dir=dir, store=store, artifacts=artifacts)
    if ctx.invoked_subcommand is None:
        typer.echo(ctx.get_help())


app.command("ls")(ls)
app.command("show")(show)
app.command("export")(export)
app.command("compact")(compact)
app.command("migrate")(migrate)
app.command("demo")(demo)
app.command("version")(version)
app.command("serve")(serve)
app.command("sync")(sync)
app.add_typer(token_app, name="token")
app.add_typer(import_app, name="import")


def main() -> None:
    """Console-script entry point."""
    app(prog_name="runyard")
