from __future__ import annotations

import os
import socket
import subprocess
import sys

import psutil
import pytest

from runyard.errors import ConflictError, InvalidInputError, NotFoundError
from runyard.store import Store


def test_project_crud(store: Store) -> None:
    created = store.create_project("vision", description="d", tags=["a", "b", "a"], notes="n")
    assert created.id > 0 and created.tags == ["a", "b"] and created.lifecycle == "active"
    assert store.get_project(created.id).name == "vision"
    assert store.get_project_by_name("vision").id == created.id
    with pytest.raises(ConflictError):
        store.create_project("vision")
    store.create_project("vision", tenant="other")  # names are unique per tenant only
    updated = store.update_project(created.id, description="new", tags=["x"])
    assert (updated.description, updated.tags, updated.notes) == ("new", ["x"], "n")
    assert updated.updated_at >= created.updated_at


def test_project_list_search_lifecycle(store: Store) -> None:
    for name in ("Alpha", "beta", "alphabet"):
        store.create_project(name)
    assert [p.name for p in store.list_projects(search="ALPHA")] == ["Alpha", "alphabet"]
    assert store.count_projects(search="alpha") == 2
    beta = store.get_project_by_name("beta")
    store.set_project_lifecycle(beta.id, "deleted")
    assert [p.name for p in store.list_projects()] == ["Alpha", "alphabet"]
    assert [p.name for p in store.list_projects(lifecycle="deleted")] == ["beta"]
    with pytest.raises(ConflictError):
        store.get_or_create_project("beta")
    store.set_project_lifecycle(beta.id, "active")
    assert store.get_or_create_project("beta").id == beta.id
    assert [p.name for p in store.list_projects(limit=1, offset=1)] == ["beta"]
    with pytest.raises(InvalidInputError):
        store.set_project_lifecycle(beta.id, "gone")


@pytest.mark.parametrize("bad", ["", "   ", "x" * 256, "a\nb"])
def test_bad_names_refused(store: Store, bad: str) -> None:
    with pytest.raises(InvalidInputError):
        store.create_project(bad)
    project = store.create_project("ok")
    with pytest.raises(InvalidInputError):
        store.create_run(project.id, name=bad)


def test_unknown_ids(store: Store) -> None:
    with pytest.raises(NotFoundError):
        store.get_project(99)
    with pytest.raises(NotFoundError):
        store.get_run(99)
    with pytest.raises(NotFoundError):
        store.get_run_by_uid("run-x")
    with pytest.raises(NotFoundError):
        store.create_run(99)
    with pytest.raises(NotFoundError):
        store.set_run_status(99, "finished")
    assert store.list_projects() == []  # nothing created on the way


def test_run_crud(store: Store) -> None:
    project = store.create_project("p")
    run = store.create_run(project.id, config={"lr": 0.1, "opt": {"name": "adam"}}, tags=["t"])
    assert run.name and run.uid.startswith("run-") and run.status == "running"
    assert run.end_time is None and run.config["opt"]["name"] == "adam"
    named = store.create_run(project.id, name="baseline")
    with pytest.raises(ConflictError):
        store.create_run(project.id, name="baseline")
    assert store.get_run_by_name(project.id, "baseline").id == named.id
    assert store.get_run_by_uid(named.uid).id == named.id
    store.log_params(named.id, {"lr": 0.1})
    merged = store.log_params(named.id, {"bs": 32, "lr": 0.2})
    assert merged.params == {"lr": 0.2, "bs": 32}
    changed = store.update_run(named.id, notes="hi", tags=["x", "y"], system={"cpu": "c"})
    assert (changed.notes, changed.tags, changed.system) == ("hi", ["x", "y"], {"cpu": "c"})
    with pytest.raises(ConflictError):
        store.update_run(run.id, name="baseline")
    done = store.set_run_status(named.id, "finished")
    assert done.status == "finished" and done.end_time is not None
    with pytest.raises(InvalidInputError):
        store.set_run_status(named.id, "exploded")
    again = store.resume_run(named.id, host="h", pid=5)
    assert again.status == "running" and again.end_time is None and again.pid == 5


def test_fresh_names_are_unique(store: Store) -> None:
    project = store.create_project("p")
    names = {store.create_run(project.id).name for _ in range(30)}
    assert len(names) == 30


def test_dead_process_marked_crashed(store: Store) -> None:
    project = store.create_project("p")
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    started = psutil.Process(child.pid).create_time()
    host = socket.gethostname()
    doomed = store.create_run(project.id, host=host, pid=child.pid, pid_started_at=started)
    alive = store.create_run(project.id, host=host, pid=os.getpid(),
                             pid_started_at=psutil.Process().create_time())
    rest_run = store.create_run(project.id)  # pid 0: no process to judge
    assert store.mark_stale_runs_crashed(120) == []
    child.kill()
    child.wait()
    assert store.mark_stale_runs_crashed(120) == [doomed.id]
    assert store.get_run(doomed.id).status == "crashed"
    assert store.get_run(alive.id).status == "running"
    assert store.get_run(rest_run.id).status == "running"


def test_heartbeat_timeout_for_remote_hosts(store: Store) -> None:
    project = store.create_project("p")
    remote = store.create_run(project.id, host="elsewhere.invalid", pid=1234)
    assert store.mark_stale_runs_crashed(60) == []
    store.heartbeat(remote.id)
    assert store.mark_stale_runs_crashed(0.0) == [remote.id]
    assert store.get_run(remote.id).status == "crashed"


def test_delete_run_and_project(store: Store, tmp_path: object) -> None:
    from tests.store.helpers import cols

    project = store.create_project("p")
    run = store.create_run(project.id)
    store.append_metrics(run.id, {"loss": cols([0, 1], [1.0, 0.5])})
    store.append_logs(run.id, [(1.0, "stdout", "hello")])
    art = store.add_artifact_bytes(run.id, "model/w.bin", b"abc")
    path = store.open_artifact(run.id, art.path).local_path
    assert path.read_bytes() == b"abc"
    store.delete_run(run.id)
    assert not path.exists()
    with pytest.raises(NotFoundError):
        store.read_metric(run.id, "loss")
    other = store.create_run(project.id)
    store.delete_project(project.id)
    with pytest.raises(NotFoundError):
        store.get_run(other.id)
    with pytest.raises(NotFoundError):
        store.get_project(project.id)
