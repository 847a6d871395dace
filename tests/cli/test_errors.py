"""Errors a user can hit: one `runyard: error:` line, exit 1 (2 for usage), no traceback."""

from __future__ import annotations

import errno
import sqlite3
from pathlib import Path

import pytest

from runyard.paths import DB_FILE_NAME
from tests.cli.conftest import Invoke
from tests.cli.helpers import Sample, assert_one_line_error


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ls", "nope"], "project 'nope' not found"),
        (["show", "run-nope"], "run 'run-nope' not found"),
        (["show", "vision/nope"], "run 'nope' not found in project 'vision'"),
        (["show", "12345"], "run with id 12345 not found"),
        (["ls", "vision", "--filter", "metrics.loss <<< 1"], "cannot parse filter term"),
        (["ls", "vision", "--filter", "= 'red'"], "'=' needs a field name before it"),
        (["ls", "vision", "--sort", "metrics.loss up"], "sort direction must be asc or desc"),
        (["ls", "vision", "--status", "done"], "unknown status 'done'"),
    ],
)
def test_user_errors(cli: Invoke, args: list[str], message: str) -> None:
    assert message in assert_one_line_error(cli(*args))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ls", "--frob"], "No such option: --frob (see 'runyard ls --help')"),
        (["show"], "Missing argument 'RUN'"),
        (["bogus"], "No such command 'bogus'"),
        (["ls", "vision", "--limit", "-3"], "--limit"),
    ],
)
def test_usage_errors_exit_2(cli: Invoke, args: list[str], message: str) -> None:
    assert message in assert_one_line_error(cli(*args), code=2)


@pytest.mark.parametrize("group", ["token", "import"])
def test_a_group_without_its_subcommand_shows_help_and_no_empty_error(cli: Invoke, group: str) -> None:
    result = cli(group)
    assert result.exit_code == 2
    assert "Usage: runyard" in result.stdout and "Commands" in result.stdout
    assert "error" not in result.stderr


def test_missing_data_dir(cli: Invoke, tmp_path: Path) -> None:
    line = assert_one_line_error(cli("ls", dir=tmp_path / "missing"))
    assert "no runyard data dir at" in line
    assert not (tmp_path / "missing").exists()


def test_data_dir_is_a_file(cli: Invoke, tmp_path: Path) -> None:
    target = tmp_path / "file"
    target.write_text("x")
    assert "not a directory" in assert_one_line_error(cli("ls", dir=target))
    assert "not a directory" in assert_one_line_error(cli("demo", "--live-minutes", "0", dir=target))
    line = assert_one_line_error(cli("demo", "--live-minutes", "0", dir=target / "data"))
    assert "cannot create data dir" in line


def test_damaged_database(cli: Invoke, tmp_path: Path) -> None:
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / DB_FILE_NAME).write_bytes(b"this is not sqlite" * 100)
    assert "not a runyard database" in assert_one_line_error(cli("ls", dir=tmp_path / "bad"))


def test_data_dir_from_newer_runyard(cli: Invoke, sample: Sample) -> None:
    conn = sqlite3.connect(sample.dir / DB_FILE_NAME)
    conn.execute("PRAGMA user_version = 9999")
    conn.close()
    line = assert_one_line_error(cli("ls"))
    assert "newer" in line and "upgrade runyard" in line


@pytest.mark.skipif(hasattr(__import__("os"), "geteuid") and __import__("os").geteuid() == 0,
                    reason="root ignores directory permissions")
def test_unwritable_parent(cli: Invoke, tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    try:
        line = assert_one_line_error(cli("demo", "--live-minutes", "0", dir=locked / "data"))
        assert "cannot create data dir" in line
    finally:
        locked.chmod(0o700)


def test_disk_full_during_export(cli: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import runyard.export

    def full(*_args: object, **_kw: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "out.csv"))

    monkeypatch.setattr(runyard.export, "write_frame", full)
    line = assert_one_line_error(cli("export", "vision/fast", "-o", str(tmp_path / "out.csv")))
    assert line == f"runyard: error: disk full: no space left on device: {tmp_path / 'out.csv'}"
    assert list(tmp_path.iterdir()) == [tmp_path / "data"]  # no half-written file left


def test_disk_full_in_store(cli: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # SQLite's own error, raised inside the store's write transaction: the store converts it,
    # so the CLI knows no backend's exceptions.
    from runyard.store.sqlite.db import SQLiteDatabase as Database

    def full(*_args: object, **_kw: object) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(Database, "_begin", full)
    line = assert_one_line_error(cli("demo", "--live-minutes", "0", dir=tmp_path / "demo"))
    assert "disk full" in line
