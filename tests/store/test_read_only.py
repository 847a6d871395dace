"""A data dir this process may not write is read (store, Api, ls/show/export, serve), never written."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

import runyard
from runyard.errors import ReadOnlyError, StoreError
from runyard.server.app import create_app
from runyard.settings import Settings
from runyard.store import RunQuery, open_store
from tests.server.conftest import TEST_HOSTS

REPO = Path(__file__).resolve().parents[2]


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def archive() -> Iterator[Path]:
    """A data dir with one finished run (metrics, console, an artifact), under a folder anyone may enter."""
    top = Path(tempfile.mkdtemp(prefix="runyard-ro-"))
    os.chmod(top, 0o755)
    data = top / "data"
    previous = os.environ.get("RUNYARD_QUIET")
    run = runyard.init(project="p", name="r", dir=data, system_info=False, monitor=False)
    for step in range(100):
        run.log({"loss": 1 / (step + 1)})
    print("a console line")
    note = top / "note.txt"
    note.write_text("kept")
    run.log_artifact(note)
    run.summary["best"] = 0.01
    run.finish()
    assert previous == os.environ.get("RUNYARD_QUIET")
    try:
        yield data
    finally:
        shutil.rmtree(top, ignore_errors=True)


def test_read_only_mode_reads_everything_and_refuses_every_write(archive: Path) -> None:
    before = _digest(archive / "runyard.db")
    threads_before = set(threading.enumerate())  # other tests' stores may still be closing theirs
    store = open_store(archive, read_only=True)
    try:
        assert store.read_only
        started = [t.name for t in set(threading.enumerate()) - threads_before]
        assert "runyard-store-writer" not in started  # no writer at all
        (found,) = store.search_runs(RunQuery())
        assert found.name == "r" and found.status == "finished" and found.summary == {"best": 0.01}
        assert len(store.read_metric(found.id, "loss")) == 100
        assert [line.line for line in store.read_logs(found.id)] == ["a console line"]
        assert store.read_artifact(found.id, "note.txt").decode() == "kept"
        for write in (lambda: store.create_project("q"), lambda: store.set_run_status(found.id, "failed"),
                      lambda: store.log_params(found.id, {"a": 1}),
                      lambda: store.add_artifact_bytes(found.id, "new.txt", b"x")):
            with pytest.raises(ReadOnlyError, match="read-only"):
                write()
        assert not (archive / "artifacts" / found.uid / "new.txt").exists()  # refused before any file
    finally:
        store.close()
    assert _digest(archive / "runyard.db") == before


def test_read_only_needs_an_existing_store(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no runyard data"):
        open_store(tmp_path / "missing", read_only=True)
    assert not (tmp_path / "missing").exists()


def test_a_store_of_an_older_schema_cannot_be_upgraded_read_only(tmp_path: Path) -> None:
    import sqlite3

    open_store(tmp_path / "old").close()
    with sqlite3.connect(tmp_path / "old" / "runyard.db") as conn:
        conn.execute("PRAGMA user_version = 1")
    with pytest.raises(StoreError, match="older runyard"):
        open_store(tmp_path / "old", read_only=True)


@pytest.mark.anyio
async def test_serve_answers_reads_and_refuses_writes_with_405(archive: Path) -> None:
    store = open_store(archive, read_only=True)
    try:
        app = create_app(Settings(data_dir=archive, allowed_hosts=TEST_HOSTS), store=store)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://runyard.test") as http:
            listed = await http.get("/api/v1/experiments")
            assert listed.status_code == 200 and [e["name"] for e in listed.json()["experiments"]] == ["p"]
            page = await http.get("/projects/p/runs/r", headers={"Accept": "application/json"})
            assert page.status_code == 200, page.text
            refused = await http.post("/api/v1/experiments", json={"name": "new"})
            assert refused.status_code == 405 and "read-only" in refused.text
            assert refused.headers["allow"] == "GET, HEAD"
            sdk = await http.post("/api/v1/sdk/runs", json={"project": "p"})
            assert sdk.status_code == 405 and "read-only" in sdk.json()["detail"]
    finally:
        store.close()


READER = """
import sys, runyard
from typer.testing import CliRunner
from runyard.cli import app
data = sys.argv[1]
with runyard.Api(data) as api:
    (run,) = api.runs()
    print("api", run.name, len(run.history()), run.summary["best"])
runner = CliRunner()
for args in (["ls", "--dir", data], ["show", "p/r", "--dir", data], ["export", "p/r", "--dir", data, "-o", "-"]):
    result = runner.invoke(app, args)
    assert result.exit_code == 0, (args, result.output)
    print(args[0], len(result.output.splitlines()))
try:
    runyard.init(project="p", dir=data, capture_console=False, system_info=False)
except Exception as exc:
    print("init", type(exc).__name__, exc)
"""


def test_a_really_read_only_data_dir_is_read_by_api_and_cli(archive: Path) -> None:
    """Without write access: the write bits taken away, and as root (whom they do not stop) the
    reader runs without CAP_DAC_OVERRIDE (setpriv), so the kernel refuses its writes as anyone's."""
    prefix: list[str] = []
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root without setpriv: file permissions cannot take write access away")
        prefix = [setpriv, "--inh-caps=-all", "--bounding-set=-dac_override,-dac_read_search,-fowner", "--"]
    open_store(archive).close()  # a clean close: no -wal/-shm left, as in an archived data dir
    assert sorted(os.listdir(archive)) == ["artifacts", "runyard.db"]
    modes = {path: path.stat().st_mode for path in [archive, *archive.rglob("*")]}
    for path, mode in modes.items():
        path.chmod(mode & ~0o222)
    script = Path(tempfile.mkdtemp(prefix="runyard-ro-script-")) / "read.py"
    try:
        script.write_text(textwrap.dedent(READER))
        env = {**os.environ, "PYTHONPATH": str(REPO), "RUNYARD_QUIET": "1"}
        env.pop("RUNYARD_DIR", None)
        before = _digest(archive / "runyard.db")
        result = subprocess.run([*prefix, sys.executable, str(script), str(archive)], capture_output=True,
                                text=True, timeout=120, env=env, cwd=script.parent)
        assert result.returncode == 0, result.stderr + result.stdout
        lines = result.stdout.splitlines()
        assert lines[0] == "api r 100 0.01"
        assert [line.split()[0] for line in lines[1:4]] == ["ls", "show", "export"]
        assert lines[4].startswith("init ReadOnlyError") and "read-only" in lines[4]
        assert _digest(archive / "runyard.db") == before
        assert sorted(os.listdir(archive)) == ["artifacts", "runyard.db"]  # nothing was created next to it
    finally:
        shutil.rmtree(script.parent, ignore_errors=True)
        for path, mode in modes.items():
            path.chmod(mode)
