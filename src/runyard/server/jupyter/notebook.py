"""The analysis notebook written for a run: load its metrics into polars, summarize, plot."""

from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from runyard.errors import InvalidInputError

NOTEBOOK_NAME = "analysis.ipynb"
JUPYTER_DIR_NAME = "jupyter"
MAX_PLOTTED_KEYS = 8


@dataclass(frozen=True, slots=True)
class RunTarget:
    """The run a notebook analyses."""

    id: int
    uid: str
    project: str
    name: str

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {"id": self.id, "uid": self.uid, "project": self.project, "name": self.name}


def notebook_dir(data_dir: Path, run: RunTarget) -> Path:
    """`<data dir>/jupyter/<run uid>`, refused if it would resolve outside the data dir."""
    root = (data_dir / JUPYTER_DIR_NAME).resolve()
    # A uid comes from a client: keep it to one plain path segment.
    segment = re.sub(r"[^A-Za-z0-9._-]", "_", run.uid).strip(".") or f"run-{run.id}"
    folder = (root / segment).resolve()
    if not folder.is_relative_to(root) or folder == root:
        raise InvalidInputError(f"run uid {run.uid!r} does not make a notebook folder")
    return folder


def write_notebook(data_dir: Path, run: RunTarget) -> Path:
    """Write the run's notebook unless one is there already (the user's edits are kept)."""
    folder = notebook_dir(data_dir, run)
    path = folder / NOTEBOOK_NAME
    if path.exists():
        return path
    folder.mkdir(parents=True, exist_ok=True)
    text = json.dumps(notebook_json(data_dir.resolve(), run), indent=1, ensure_ascii=False)
    # Atomic: a Jupyter opening it never sees half a file.
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".analysis-", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text + "\n")
    os.replace(tmp, path)
    return path


def notebook_json(data_dir: Path, run: RunTarget) -> dict[str, Any]:
    """An nbformat 4.5 notebook for the run."""
    cells = [
        _markdown("intro", _INTRO.format(project=run.project, name=run.name, uid=run.uid, id=run.id)),
        _code("load", _LOAD.format(data_dir=repr(str(data_dir)), uid=repr(run.uid))),
        _code("summary", _SUMMARY),
        _code("plot", _PLOT.format(max_keys=MAX_PLOTTED_KEYS)),
        _markdown("next", _NEXT.format(project=repr(run.project))),
    ]
    return {
        "cells": cells,
        "metadata": {
            "kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"},
            "language_info": {"name": "python"},
            "runyard": run.to_dict(),
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def _lines(text: str) -> list[str]:
    return text.strip("\n").splitlines(keepends=True)


def _markdown(cell_id: str, text: str) -> dict[str, Any]:
    return {"cell_type": "markdown", "id": cell_id, "metadata": {}, "source": _lines(text)}


def _code(cell_id: str, text: str) -> dict[str, Any]:
    return {"cell_type": "code", "id": cell_id, "metadata": {}, "execution_count": None,
            "outputs": [], "source": _lines(text)}


_INTRO = """
# Run `{project}/{name}`

uid `{uid}`, id {id}. Written by runyard: the cells below read the run's metrics straight
from the runyard data dir, so running them again picks up points logged since.
"""

_LOAD = """
import polars as pl
import runyard

api = runyard.Api({data_dir})
run = api.run({uid})
history = run.history()  # every point: `step` plus one column per metric key
print(run)
history
"""

_SUMMARY = """
print("status:", run.status, "| duration: %.1f s" % run.duration)
print("config:", run.config)
summary = pl.DataFrame(
    [{"key": s.key, "points": s.count, "min": s.min, "max": s.max,
      "last_step": s.last_step, "last": s.last_value} for s in run.summaries.values()],
    schema={"key": pl.String, "points": pl.Int64, "min": pl.Float64, "max": pl.Float64,
            "last_step": pl.Int64, "last": pl.Float64},
)
summary
"""

_PLOT = """
keys = [column for column in history.columns if column != "step"][:{max_keys}]
try:
    import matplotlib.pyplot as plt
except ImportError:  # the plain fallback below needs nothing but polars
    plt = None

if not keys:
    print("no metrics logged yet: run this cell again later")
elif plt is not None:
    fig, axes = plt.subplots(len(keys), 1, figsize=(9, 2.4 * len(keys)), sharex=True, squeeze=False)
    for ax, key in zip(axes[:, 0], keys):
        points = history.select("step", key).drop_nulls().filter(pl.col(key).is_finite())
        ax.plot(points["step"].to_numpy(), points[key].to_numpy())
        ax.set_ylabel(key)
    axes[-1, 0].set_xlabel("step")
    plt.show()
else:
    print("matplotlib is not installed (pip install matplotlib for charts); sparklines:")
    bars = "\\u2581\\u2582\\u2583\\u2584\\u2585\\u2586\\u2587\\u2588"
    for key in keys:
        values = history[key].drop_nulls()
        values = values.filter(values.is_finite())
        if values.len() == 0:
            print(f"{{key:>24}}  (no finite points)")
            continue
        values = values.gather_every((values.len() + 59) // 60)  # at most 60 bars
        low, high = values.min(), values.max()
        span = (high - low) or 1.0
        line = "".join(bars[int((v - low) / span * (len(bars) - 1))] for v in values)
        print(f"{{key:>24}}  {{line}}  last={{history[key].drop_nulls()[-1]:.6g}}")
"""

_NEXT = """
Next: `run.history(["loss"], step_min=1000)` for a slice, `run.series("loss")` for numpy
arrays, `api.runs({project})` to compare runs. Delete this file and spawn again to get a
fresh copy of this notebook.
"""
