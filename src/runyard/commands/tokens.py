"""`runyard token create|list|revoke`: API tokens of tenants (stored hashed)."""

from __future__ import annotations

import time
from typing import Annotated

import typer
from rich.table import Table

from runyard.commands.common import DirOption, open_cli_store, stdout_console

token_app = typer.Typer(help="Create, list and revoke API tokens.", no_args_is_help=True)


@token_app.command("create")
def create(
    ctx: typer.Context,
    tenant: Annotated[str, typer.Option("--tenant", "-t", help="Tenant the token acts for.")] = "default",
    name: Annotated[str, typer.Option("--name", "-n", help="A label to recognise it by.")] = "",
    dir: DirOption = None,
) -> None:
    """Create a token and print its secret (shown only this once)."""
    with open_cli_store(ctx, dir) as store:
        token, secret = store.create_token(tenant, name=name)
    typer.echo(secret)
    typer.echo(f"token {token.id} for tenant {token.tenant!r} created; store the secret now, it is not kept", err=True)


@token_app.command("list")
def list_tokens(
    ctx: typer.Context,
    tenant: Annotated[str | None, typer.Option("--tenant", "-t", help="Only this tenant's tokens.")] = None,
    dir: DirOption = None,
) -> None:
    """List tokens (never their secrets)."""
    with open_cli_store(ctx, dir, create=False) as store:
        tokens = store.list_tokens(tenant=tenant)
    table = Table("id", "tenant", "name", "prefix", "created", "state")
    for token in tokens:
        state = "revoked" if token.revoked_at else "active"
        created = time.strftime("%Y-%m-%d %H:%M", time.localtime(token.created_at))
        table.add_row(str(token.id), token.tenant, token.name, token.prefix + "...", created, state)
    stdout_console().print(table)


@token_app.command("revoke")
def revoke(
    ctx: typer.Context,
    token_id: Annotated[int, typer.Argument(help="Id shown by `runyard token list`.")],
    dir: DirOption = None,
) -> None:
    """Revoke a token: requests with it are refused from now on."""
    with open_cli_store(ctx, dir, create=False) as store:
        token = store.revoke_token(token_id)
    typer.echo(f"token {token.id} of tenant {token.tenant!r} revoked")
