"""The read API shows what the SDK's `run.summary` and `run.define_metric` stored."""

from __future__ import annotations

from pathlib import Path

import pytest

import runyard
from tests.live_server import LiveServer


def test_summary_and_metric_definitions_read_back(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    run = runyard.init(project="p", dir=data_dir, capture_console=False, system_info=False)
    for epoch in range(3):
        run.log({"val/acc": 0.5 + epoch / 10, "train/loss": 1.0 / (epoch + 1), "epoch": epoch})
    run.summary["val/acc"] = 0.99  # set by the script: wins over the last logged value
    run.summary["note"] = "best"
    run.define_metric("epoch")
    run.define_metric("val/*", step_metric="epoch")
    run.finish()
    server = LiveServer(data_dir).start()
    try:
        for where in (data_dir, server.url):  # the data dir, and the same run read from a server
            with runyard.Api(where) as api:
                found = api.run(run.uid)
                assert found.summary["val/acc"] == 0.99 and found.summary["note"] == "best"
                assert found.summary["train/loss"] == pytest.approx(1 / 3)
                assert found.metric_definitions == {"epoch": {}, "val/*": {"step_metric": "epoch"}}
                assert found.step_metric("val/acc") == "epoch"
                assert found.step_metric("epoch") is None and found.step_metric("train/loss") is None
                assert found.to_dict()["metric_defs"] == found.metric_definitions
    finally:
        server.stop()
