"""A small data dir with known runs and exact metric values, shared by API and CLI tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from runyard.store import MetricColumns, open_store

INF = float("inf")
NAN = float("nan")


@dataclass
class Sample:
    """What `make_sample` wrote: the data dir, run uids by name and the exact series."""

    dir: Path
    uids: dict[str, str] = field(default_factory=dict)
    ids: dict[str, int] = field(default_factory=dict)
    series: dict[str, dict[str, MetricColumns]] = field(default_factory=dict)


def columns(steps: list[int], values: list[float], t0: float = 1_700_000_000.0) -> MetricColumns:
    """A MetricColumns from plain lists."""
    s = np.asarray(steps, dtype=np.int64)
    return MetricColumns(s, np.asarray(values, dtype=np.float64), t0 + s.astype(np.float64))


def make_sample(data_dir: Path) -> Sample:
    """Projects `vision` (three runs) and `nlp` (one running run without a process)."""
    sample = Sample(data_dir)
    runs = {
        "baseline": dict(params={"lr": 0.1, "optimizer": "sgd"}, tags=["a", "b"], status="finished",
                         series={
                             # Out of order on purpose: the store sorts by step.
                             "loss": columns([0, 1, 2, 3, 4, 5, 7, 6, 8, 9],
                                             [2.0, 1.5, 1.25, NAN, INF, -INF, 0.6, 0.7, 0.5, 0.4]),
                             "acc": columns([0, 5, 10], [0.1, 0.5, 0.9]),
                             "lr": columns([0, 1, 2], [0.1, 1e-300, 5e-324]),
                         }),
        "fast": dict(params={"lr": 0.01, "optimizer": "adam"}, tags=["a"], status="finished",
                     series={"loss": columns([0, 1, 2], [1.0, 0.5, 0.2]),
                             "acc": columns([2], [0.95])}),
        "broken": dict(params={"lr": 0.3, "optimizer": "sgd"}, tags=["b"], status="failed",
                       series={"loss": columns([0, 1], [3.0, 5.0])}),
    }
    with open_store(data_dir) as store:
        vision = store.create_project("vision", description="image models", tags=["cv"])
        for name, spec in runs.items():
            run = store.create_run(
                vision.id, name=name, params=spec["params"], tags=spec["tags"],
                config={"model": {"depth": 18}, "name": name}, system={"python": "3.11"},
                notes=f"notes of {name}",
            )
            store.append_metrics(run.id, spec["series"])
            store.append_logs(run.id, [(1.0 + i, "stdout", f"{name} line {i}") for i in range(5)])
            store.set_run_status(run.id, spec["status"])
            sample.uids[name], sample.ids[name] = run.uid, run.id
            sample.series[name] = spec["series"]
        nlp = store.create_project("nlp")
        live = store.create_run(nlp.id, name="live")
        sample.uids["live"], sample.ids["live"] = live.uid, live.id
    return sample


def expected_column(cols: MetricColumns, steps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Values of a series placed on `steps` (last write per step) and the mask of present steps."""
    order = np.argsort(cols.steps, kind="stable")
    s, v = cols.steps[order], cols.values[order]
    present = np.isin(steps, s)
    out = np.full(len(steps), np.nan)
    out[present] = v[np.searchsorted(s, steps[present])]
    return out, present


def assert_one_line_error(result: Any, code: int = 1) -> str:
    """The command failed with `code` and one `runyard: error: ...` line on stderr, no traceback."""
    assert result.exit_code == code, (result.exit_code, result.output)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("runyard: error: "), lines[0]
    assert "Traceback" not in result.output
    return str(lines[0])
