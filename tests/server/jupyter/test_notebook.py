"""The written notebook: valid, confined to the data dir, and its cells never fail."""

from __future__ import annotations

import contextlib
import io
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from runyard.errors import InvalidInputError
from runyard.server.jupyter.notebook import RunTarget, notebook_dir, notebook_json, write_notebook
from runyard.store import MetricColumns, Store
from tests.server.jupyter.conftest import make_run


def target(uid: str = "run-1-abc", run_id: int = 1) -> RunTarget:
    return RunTarget(id=run_id, uid=uid, project="mnist", name="baseline")


def execute(notebook: dict[str, Any], namespace: dict[str, Any]) -> str:
    """Run the code cells in this process, as a kernel would; returns what they printed."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        for cell in notebook["cells"]:
            if cell["cell_type"] == "code":
                exec("".join(cell["source"]), namespace)
    namespace["api"].close()
    return out.getvalue()


def test_notebook_is_valid_nbformat_and_names_the_run(tmp_path: Path) -> None:
    nbformat = pytest.importorskip("nbformat")
    data_dir = tmp_path / "it's data"
    notebook = notebook_json(data_dir, target())
    nbformat.validate(nbformat.from_dict(notebook))
    load = "".join(notebook["cells"][1]["source"])
    assert f"runyard.Api({str(data_dir)!r})" in load
    assert "api.run('run-1-abc')" in load and "run.history()" in load
    assert notebook["metadata"]["runyard"]["uid"] == "run-1-abc"


def test_written_once_atomically_and_kept(tmp_path: Path) -> None:
    path = write_notebook(tmp_path, target())
    assert path == tmp_path.resolve() / "jupyter" / "run-1-abc" / "analysis.ipynb"
    assert json.loads(path.read_text())["nbformat"] == 4
    path.write_text("edited")
    assert write_notebook(tmp_path, target()) == path and path.read_text() == "edited"
    assert [p.name for p in path.parent.iterdir()] == ["analysis.ipynb"]  # no temp file left


@pytest.mark.parametrize(("uid", "folder"), [
    ("../../etc", "_.._etc"), ("a/b", "a_b"), ("..", "run-7"), ("", "run-7"), ("é x", "__x"),
])
def test_folders_stay_inside_the_data_dir(tmp_path: Path, uid: str, folder: str) -> None:
    path = notebook_dir(tmp_path, target(uid, 7))
    assert path == tmp_path.resolve() / "jupyter" / folder


def test_a_symlinked_folder_out_of_the_data_dir_is_refused(tmp_path: Path) -> None:
    (tmp_path / "data" / "jupyter").mkdir(parents=True)
    (tmp_path / "data" / "jupyter" / "run-1-abc").symlink_to(tmp_path)
    with pytest.raises(InvalidInputError):
        write_notebook(tmp_path / "data", target())


def test_cells_load_summarize_and_sparkline_without_matplotlib(
        store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run = make_run(store)
    store.append_metrics(run.id, {
        "broken": MetricColumns(np.arange(3), np.array([np.nan, np.inf, -np.inf]), np.zeros(3)),
        "flat": MetricColumns(np.arange(5), np.ones(5), np.zeros(5)),
    })
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib -> ImportError
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    namespace: dict[str, Any] = {}
    data_dir = tmp_path / "data"
    printed = execute(notebook_json(data_dir, target(run.uid, run.id)), namespace)
    assert namespace["history"].columns == ["step", "acc", "broken", "flat", "loss"]
    assert namespace["history"].height == 100
    assert namespace["summary"]["key"].to_list() == ["acc", "broken", "flat", "loss"]
    assert "mnist/baseline" in printed and "{'lr': 0.01}" in printed
    assert "matplotlib is not installed" in printed
    lines = {line.split()[0]: line for line in printed.splitlines() if "last=" in line or "no finite" in line}
    assert "(no finite points)" in lines["broken"]
    assert lines["loss"].count("\u2588") >= 1 and "last=0.0368832" in lines["loss"]
    assert len(lines["loss"].split()[1]) <= 60


def test_cells_on_a_run_without_metrics(store: Store, tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    project = store.get_or_create_project("empty")
    run = store.create_run(project.id, name="nothing-yet")
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    printed = execute(notebook_json(tmp_path / "data", target(run.uid, run.id)), {})
    assert "no metrics logged yet" in printed


def test_cells_plot_with_matplotlib(store: Store, tmp_path: Path) -> None:
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    run = make_run(store)
    namespace: dict[str, Any] = {}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(plt, "show", lambda: None)
        execute(notebook_json(tmp_path / "data", target(run.uid, run.id)), namespace)
    assert [ax.get_ylabel() for ax in namespace["axes"][:, 0]] == ["acc", "loss"]
    plt.close("all")
