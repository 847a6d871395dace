"""Choosing a store by location: `open_store` dispatch, `--store`/`RUNYARD_STORE` on the commands, /health.

Against the machine's PostgreSQL (a database of this module's own): the commands that open a
store reach it through the global option or the variable, /health names it without its password.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner, Result

from runyard.cli import app
from runyard.errors import DependencyMissingError, InvalidInputError
from runyard.server import create_app
from runyard.settings import Settings
from runyard.store import open_store
from runyard.store.locations import is_postgres, redact
from tests.pg import fresh_database


def test_redact_keeps_everything_but_secrets() -> None:
    assert redact("postgresql://me:hunter2@db:5432/runyard?sslmode=require&password=x") == \
        "postgresql://me@db:5432/runyard?sslmode=require"
    assert redact("postgres://:only-pass@db/x") == "postgres://db/x"
    assert redact("s3://bucket/prefix") == "s3://bucket/prefix"
    assert redact("/srv/runyard") == "/srv/runyard"
    assert is_postgres("postgres://db/x") and is_postgres("POSTGRESQL://db/x") and not is_postgres("/srv/x")


def test_unknown_schemes_and_a_missing_driver_are_clear_errors(monkeypatch: pytest.MonkeyPatch,
                                                               tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="a data dir or a postgresql:// URL"):
        open_store("mysql://u:secret@db/x")
    monkeypatch.setitem(sys.modules, "psycopg", None)  # as if the extra were not installed
    with pytest.raises(DependencyMissingError, match=r"pip install 'runyard\[postgres\]'"):
        open_store("postgresql://db/x", data_dir=tmp_path)


def test_settings_read_the_store_variables_when_built() -> None:
    built = Settings.from_env({"RUNYARD_STORE": " postgresql://db/x ", "RUNYARD_ARTIFACTS": "s3://b/p"})
    assert (built.store, built.artifacts) == ("postgresql://db/x", "s3://b/p")
    assert (Settings.from_env({}).store, Settings.from_env({}).artifacts) == (None, None)


@pytest.fixture(scope="module")
def database() -> Iterator[str]:
    with fresh_database() as url:
        yield url


def _cli(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(app, list(args), env={"COLUMNS": "200", **(env or {})})


def test_commands_open_the_chosen_store(database: str, tmp_path: Path) -> None:
    home = str(tmp_path / "home")
    made = _cli("--dir", home, "--store", database, "token", "create", "--tenant", "team", "--name", "ci")
    assert made.exit_code == 0, made.output
    listed = _cli("--dir", home, "token", "list", env={"RUNYARD_STORE": database})
    assert listed.exit_code == 0 and "team" in listed.stdout and "ci" in listed.stdout
    with open_store(database, data_dir=home) as store:
        assert store.tenant_for_token(made.stdout.strip()) == "team"
        project = store.create_project("pg-only")
        store.create_run(project.id, name="r1")
    shown = _cli("--dir", home, "--store", database, "ls", "pg-only")
    assert shown.exit_code == 0 and "r1" in shown.stdout, shown.output
    assert _cli("--dir", home, "ls").exit_code != 0  # the data dir itself holds nothing
    assert not (tmp_path / "home" / "runyard.db").exists()


def test_serve_refuses_demo_data_in_a_database(database: str, tmp_path: Path) -> None:
    result = _cli("--dir", str(tmp_path), "serve", "--demo", "--store", database, "--port", "0")
    assert result.exit_code == 2 and "--demo" in result.stderr


@pytest.mark.anyio
async def test_health_names_the_backends_without_the_password(database: str, tmp_path: Path) -> None:
    secret_url = database.replace("postgres@", "postgres:hunter2@")  # trust auth: the password is not checked
    settings = Settings(data_dir=tmp_path, store=secret_url, artifacts=str(tmp_path / "files"))
    app_ = create_app(settings)
    async with app_.router.lifespan_context(app_), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app_), base_url="http://127.0.0.1") as client:
        answer = await client.get("/health")
    assert answer.status_code == 200 and "hunter2" not in answer.text
    body = answer.json()
    assert body["store"]["details"]["backend"] == "postgresql"
    assert body["store"]["details"]["location"] == database
    assert body["artifacts"] == {"healthy": True, "details": {"backend": "local", "location": str(tmp_path / "files")}}
    hidden = create_app(settings.with_changes(auth=True))
    async with hidden.router.lifespan_context(hidden), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=hidden), base_url="http://127.0.0.1") as client:
        details = (await client.get("/health")).json()
    assert "location" not in details["store"]["details"] and details["artifacts"]["details"] == {"backend": "local"}
