"""`runyard ls/show/export --server URL` print what the same commands print over the data dir."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner, Result

from runyard.cli import app
from tests.cli.helpers import Sample, assert_one_line_error
from tests.live_server import LiveServer, free_port

NO_ENV: dict[str, str | None] = {"RUNYARD_DIR": None, "RUNYARD_SERVER": None, "RUNYARD_TOKEN": None,
                                 "COLUMNS": "250"}


def run_cli(*args: str, **env: str | None) -> Result:
    return CliRunner().invoke(app, list(args), env={**NO_ENV, **env})


@pytest.mark.parametrize("args", [
    ["ls"],
    ["ls", "--json"],
    ["ls", "vision"],
    ["ls", "vision", "--json", "--sort", "metrics.loss desc", "--limit", "2"],
    ["ls", "vision", "--filter", "params.lr >= 0.01", "--status", "finished,failed", "--keys", "loss"],
    ["show", "vision/baseline"],
    ["show", "vision/fast", "--json", "--logs", "3"],
    ["export", "vision/baseline", "--out", "-"],
    ["export", "vision/baseline", "--out", "-", "--format", "json", "--keys", "loss,lr"],
    ["export", "odd/keys", "--out", "-", "--format", "json", "--orient", "columns"],
])
def test_server_output_equals_local_output(shared: Sample, server: LiveServer, args: list[str]) -> None:
    local = run_cli("--dir", str(shared.dir), *args)
    remote = run_cli(*args, "--server", server.url)
    assert local.exit_code == 0 and remote.exit_code == 0, (local.output, remote.output)
    assert _lines(remote.stdout.replace(server.url, str(shared.dir))) == _lines(local.stdout)
    assert local.stdout.strip()


def _lines(text: str) -> list[str]:
    # The table title names the data dir or the server; its padding follows the name's length.
    return [line.rstrip() for line in text.splitlines()]


def test_server_from_environment(shared: Sample, server: LiveServer) -> None:
    local = run_cli("--dir", str(shared.dir), "ls", "vision", "--json")
    remote = run_cli("ls", "vision", "--json", RUNYARD_SERVER=server.url)
    assert remote.exit_code == 0 and json.loads(remote.stdout) == json.loads(local.stdout)
    # An explicit --dir reads the data dir even when RUNYARD_SERVER is set.
    unreachable = f"http://127.0.0.1:{free_port()}"
    assert run_cli("ls", "vision", "--json", "--dir", str(shared.dir), RUNYARD_SERVER=unreachable).stdout == local.stdout


def test_token_option_and_variable(guarded: tuple[LiveServer, Sample, str, str]) -> None:
    live, _sample, secret, _ = guarded
    by_option = run_cli("ls", "--json", "--server", live.url, "--token", secret)
    by_variable = run_cli("ls", "--json", "--server", live.url, RUNYARD_TOKEN=secret)
    assert [p["name"] for p in json.loads(by_option.stdout)] == ["vision", "nlp"]
    assert by_variable.stdout == by_option.stdout
    line = assert_one_line_error(run_cli("show", "vision/baseline", "--server", live.url, "--token", "wrong"))
    assert live.url in line and "401" in line


def test_server_errors_are_one_line(shared: Sample) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    line = assert_one_line_error(run_cli("ls", "--server", url))
    assert f"cannot reach the runyard server at {url}" in line
    line = assert_one_line_error(run_cli("ls", "--server", url, "--dir", str(shared.dir)))
    assert "--server or --dir, not both" in line
    line = assert_one_line_error(run_cli("export", "vision/fast", "--server", "tracker:8000"))
    assert "http:// or https://" in line
