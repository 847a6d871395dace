"""`runyard migrate` into PostgreSQL (own database per test) and object storage (moto on loopback)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from runyard.store import open_store
from tests.cli.test_migrate import make_source, migrate, snapshot
from tests.pg import fresh_database
from tests.s3_server import s3_server as s3_server
from tests.s3_server import s3_url as s3_url


@pytest.fixture
def database() -> Iterator[str]:
    with fresh_database() as url:
        yield url


def _round_trip(source: Path, url: str, home: Path, artifacts: str | None) -> None:
    args = ["--from", str(source), "--to", url] + (["--artifacts", artifacts] if artifacts else [])
    from typer.testing import CliRunner

    from runyard.cli import app

    result = CliRunner().invoke(app, ["--dir", str(home), "migrate", *args], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "verified" in result.stdout
    with open_store(source, read_only=True) as src, open_store(url, artifacts=artifacts, data_dir=home) as dst:
        assert snapshot(dst) == snapshot(src)
        assert dst.describe().backend == "postgresql"
    again = migrate(*args) if artifacts else CliRunner().invoke(app, ["--dir", str(home), "migrate", *args])
    assert again.exit_code == 0 and "(0 copied, 4 already there)" in again.stdout, again.output


def test_migrate_into_postgresql_with_local_artifacts(tmp_path: Path, database: str) -> None:
    make_source(tmp_path / "source")
    _round_trip(tmp_path / "source", database, tmp_path / "home", None)
    assert (tmp_path / "home" / "artifacts").is_dir()  # --dir's artifacts folder, not the source's


def test_migrate_into_postgresql_and_s3(tmp_path: Path, database: str, s3_url: str) -> None:
    make_source(tmp_path / "source")
    _round_trip(tmp_path / "source", database, tmp_path / "home", s3_url)
