"""`runyard migrate`: an embedded data dir copied into another store, exactly, resumably, verified.

The target here is another data dir (SQLite); test_migrate_pg.py runs the same checks into
PostgreSQL and object storage. `snapshot` reads everything a store holds through the `Store`
interface, so source and copy compare field by field, point by point, byte by byte.
"""

from __future__ import annotations

import hashlib
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner, Result

from runyard.cli import app
from runyard.commands import migrate_copy
from runyard.store import MetricColumns, RunQuery, Store, WriteBatch, open_store
from runyard.store.hub_store import hub_store
from runyard.store.logged_models import DatasetInput
from runyard.store.view_state import ViewSetting

T0 = 1_700_000_000.0
LOG_LINES = migrate_copy.LOG_PAGE + 7  # more than one page of lines


def _cols(steps: list[int], values: list[float], times: list[float] | None = None) -> MetricColumns:
    s = np.asarray(steps, dtype=np.int64)
    t = np.asarray(times, dtype=np.float64) if times is not None else T0 + s * 0.25
    return MetricColumns(s, np.asarray(values, dtype=np.float64), t)


def make_source(data_dir: Path) -> dict[str, str]:
    """Two tenants, key-value tags, a deleted project, histories with NaN/inf, many log lines,
    artifacts, a logged model with files and links, view settings, a hub experiment; run uids by name."""
    uids: dict[str, str] = {}
    with open_store(data_dir) as store:
        vision = store.create_project("vision", description="cv", tags=["cv", "x"], notes="n", artifact_location="a")
        store.set_project_tag_values(vision.id, {"team": "eyes"})
        other = store.create_project("vision", tenant="acme", description="acme's")
        gone = store.create_project("old")
        run = store.create_run(vision.id, name="base", tags=["a"], config={"lr": 0.1, "deep": {"x": [1, 2]}},
                               params={"opt": "sgd"}, system={"py": "3.11"}, notes="nb", description="d",
                               host="h1", pid=4242, pid_started_at=12.5, start_time=T0)
        uids["base"] = run.uid
        big = np.arange(30_000, dtype=np.int64)
        store.apply(run.id, WriteBatch(metrics={
            "loss": _cols([0, 1, 2, 3, 4], [1.0, math.nan, math.inf, -math.inf, 5e-324]),
            "acc": MetricColumns(big, np.sin(big.astype(np.float64)), T0 + big * 0.001 + 1e-6)}))
        # A history with repeated steps and an exact duplicate point (read back once).
        store.apply(run.id, WriteBatch(metrics={"h": _cols([0, 0, 1], [1.0, 2.0, 3.0], [T0, T0 + 1, T0 + 2])},
                                       history={"h": _cols([0, 0, 1, 1], [1.0, 2.0, 3.0, 3.0],
                                                           [T0, T0 + 1, T0 + 2, T0 + 2])}))
        store.set_run_tag_values(run.id, {"mlflow.note": "k"})
        store.append_logs(run.id, [(T0 + i * 1e-3, "stdout" if i % 3 else "stderr", f"line {i} é")
                                   for i in range(LOG_LINES)])
        store.add_artifact_bytes(run.id, "model/weights.bin", bytes(range(256)) * 1000)
        store.add_artifact_bytes(run.id, "notes.txt", b"hello")
        store.update_run(run.id, summary={"best": 0.5}, metric_defs={"acc": {"step_metric": "epoch"}})
        store.set_run_status(run.id, "finished", end_time=T0 + 99.5)
        live = store.create_run(vision.id, name="live", host="h2", pid=7)
        store.append_metrics(live.id, {"loss": _cols([0, 1], [0.5, 0.25])})
        uids["live"] = live.uid
        theirs = store.create_run(other.id, name="theirs")
        store.append_logs(theirs.id, [(T0, "stdout", "acme")])
        store.set_run_status(theirs.id, "failed", end_time=T0 + 5)
        uids["theirs"] = theirs.uid
        old = store.create_run(gone.id, name="old-run")
        uids["old-run"] = old.uid
        store.set_project_lifecycle(gone.id, "deleted")
        model = store.create_logged_model(vision.id, name="m", model_type="sk", source_run_id=run.id,
                                          params={"p": "1"}, tags={"t": "2"})
        import io
        store.add_logged_model_file(model.id, "MLmodel", io.BytesIO(b"flavors: {}"))
        store.add_logged_model_file(model.id, "data/model.pkl", io.BytesIO(b"\x00" * 5000))
        store.set_logged_model_status(model.id, "ready")
        store.log_run_inputs(run.id, [DatasetInput("ds", "abc", "local", "/x", "{}", "{}", (("ctx", "train"),))],
                             [model.id])
        store.log_run_outputs(run.id, [(model.id, 3)])
        store.set_view_settings([ViewSetting(vision.id, None, "chart", "loss", 1),
                                 ViewSetting(vision.id, run.id, "hidden", "acc", -1)])
        hub_store(store).hub_create_experiment("exp", tenant="default", type="toy", config={"a": 1},
                                               state={"s": "idle"})
    return uids


def snapshot(store: Store) -> dict[str, Any]:
    """Everything the store holds, keyed by what survives a copy (names, uids), not by row ids."""
    projects = store.list_projects(tenant=None, lifecycle=None)
    pname = {p.id: (p.tenant, p.name) for p in projects}
    ptags = store.project_tag_values([p.id for p in projects])
    out: dict[str, Any] = {"projects": {(p.tenant, p.name): (p.description, p.tags, p.notes, p.lifecycle,
                                                             p.artifact_location, ptags[p.id]) for p in projects}}
    runs = store.search_runs(RunQuery())
    uid_of = {r.id: r.uid for r in runs}
    out["runs"] = {}
    for r in runs:
        summaries = store.metric_summaries([r.id]).get(r.id, {})
        series = {}
        for key in summaries:
            for kind, cols in (("series", store.read_metric(r.id, key)), ("history", store.read_metric_history(r.id, key))):
                series[(key, kind)] = (cols.steps.tolist(), cols.values.view(np.int64).tolist(), cols.times.tolist())
        artifacts = {}
        for a in store.list_artifacts(r.id):
            data = store.open_artifact(r.id, a.path).read_bytes()
            assert hashlib.sha256(data).hexdigest() == a.sha256
            artifacts[a.path] = (a.size, a.sha256)
        logs = [(line.time, line.stream, line.line) for line in store.read_logs(r.id)]
        order = sorted(summaries, key=lambda k: (summaries[k].first_logged, k))
        out["runs"][r.uid] = dict(
            project=pname[r.project_id], name=r.name, status=r.status, description=r.description, notes=r.notes,
            tags=r.tags, config=r.config, params=r.params, system=r.system, start=r.start_time, end=r.end_time,
            host=r.host, pid=r.pid, pid_started_at=r.pid_started_at, summary=r.summary, metric_defs=r.metric_defs,
            tag_values=store.run_tag_values([r.id])[r.id], series=series, keys=order, logs=logs,
            artifacts=artifacts, links=store.run_links([r.id]).get(r.id))
        out["runs"][r.uid]["view"] = sorted((s.kind, s.name, s.value) for s in store.view_settings(r.project_id)
                                            if s.run_id == r.id)
    out["view"] = {pname[p.id]: sorted((s.kind, s.name, s.value) for s in store.view_settings(p.id) if s.run_id is None)
                   for p in projects}
    models = store.list_logged_models([p.id for p in projects])
    out["models"] = {m.id: (pname[m.project_id], m.name, m.model_type, None if m.source_run_id is None
                            else uid_of[m.source_run_id], m.status, m.status_message, m.params, m.tags,
                            store.logged_model_files(m.id),
                            [store.open_logged_model_file(m.id, f.path).read_bytes() for f in store.logged_model_files(m.id)])
                     for m in models}
    out["tokens"] = [(t.tenant, t.name, t.prefix, t.created_at, t.revoked_at) for t in store.list_tokens()]
    out["hub"] = [(e.name, e.tenant, e.type, e.config, e.state) for e in hub_store(store).hub_list_experiments()]
    return out


def migrate(*args: str) -> Result:
    return CliRunner().invoke(app, ["migrate", *args], env={"COLUMNS": "200"})


@pytest.fixture
def source(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    folder = tmp_path / "source"
    return folder, make_source(folder)


def test_migrate_copies_everything_exactly(source: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    folder, _uids = source
    with open_store(folder) as store:
        secret_token, secret = store.create_token("acme", name="ci")
        store.revoke_token(store.create_token("default")[0].id)
    result = migrate("--from", str(folder), "--to", str(tmp_path / "target"))
    assert result.exit_code == 0, result.output
    assert "4 runs (4 copied, 0 already there)" in result.stdout and "verified" in result.stdout
    with open_store(folder, read_only=True) as src, open_store(tmp_path / "target") as dst:
        want, got = snapshot(src), snapshot(dst)
        assert got == want
        assert dst.tenant_for_token(secret) == "acme"  # the hash came along; the secret was never known
    assert secret_token.name == "ci"


def test_a_second_pass_adds_nothing_and_an_interrupted_run_is_copied_again(
        source: tuple[Path, dict[str, str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder, uids = source
    target = tmp_path / "target"
    real = migrate_copy.Copier._artifacts

    def broken(self: migrate_copy.Copier, source_id: int, target_id: int) -> None:
        raise OSError("disk gone")

    monkeypatch.setattr(migrate_copy.Copier, "_artifacts", broken)
    failed = migrate("--from", str(folder), "--to", str(target))
    assert failed.exit_code == 1 and "disk gone" in failed.stderr
    with open_store(target) as dst:
        half = dst.get_run_by_uid(uids["base"])
        assert dst.list_artifacts(half.id) == [] and dst.read_logs(half.id, limit=1)  # half copied
    monkeypatch.setattr(migrate_copy.Copier, "_artifacts", real)
    again = migrate("--from", str(folder), "--to", str(target))
    assert again.exit_code == 0, again.output
    assert "(4 copied, 0 already there)" in again.stdout  # the half-copied run was replaced
    third = migrate("--from", str(folder), "--to", str(target))
    assert third.exit_code == 0 and "(0 copied, 4 already there)" in third.stdout
    with open_store(folder, read_only=True) as src, open_store(target) as dst:
        assert snapshot(dst) == snapshot(src)


def test_a_mismatch_is_reported_and_exits_non_zero(source: tuple[Path, dict[str, str]], tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    folder, uids = source
    def first_page_only(self: migrate_copy.Copier, source_id: int, target_id: int) -> None:
        page = self.source.read_logs(source_id, limit=100)
        self.target.apply(target_id, WriteBatch(logs=[(line.time, line.stream, line.line) for line in page]))

    monkeypatch.setattr(migrate_copy.Copier, "_logs", first_page_only)
    result = migrate("--from", str(folder), "--to", str(tmp_path / "target"))
    assert result.exit_code == 1
    assert f"run {uids['base']} (base): {LOG_LINES} log lines, the copy has 100" in result.stderr


def test_bad_sources_and_targets_are_one_line_errors(source: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    folder, _uids = source
    cases = [(["--from", str(tmp_path / "nope"), "--to", str(tmp_path / "t")], "no runyard data dir"),
             (["--from", str(folder), "--to", str(folder)], "same data dir"),
             (["--from", str(folder), "--to", "mysql://x/y"], "postgresql://"),
             (["--from", str(folder), "--to", str(tmp_path / "t"), "--artifacts", str(folder / "artifacts")],
              "the source's own folder")]
    for args, text in cases:
        result = migrate(*args)
        assert result.exit_code != 0 and text in result.stderr, (args, result.output)
        assert "Traceback" not in result.output
