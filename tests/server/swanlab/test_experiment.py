"""`/api/v1/experiment/<id>`: detail with system info, charts, status, summary, recent log."""

from __future__ import annotations

import httpx
import pytest

from runyard.settings import Settings
from runyard.store import Store
from tests.server.swanlab.conftest import Seeded, data

pytestmark = pytest.mark.anyio
BASE = "/api/v1/experiment"


async def test_detail_config_and_system(client: httpx.AsyncClient, seeded: Seeded, settings: Settings) -> None:
    detail = data(await client.get(f"{BASE}/{seeded.finished.id}"))
    assert (detail["id"], detail["run_id"], detail["name"]) == (seeded.finished.id, seeded.finished.uid, "run2k")
    assert detail["config"]["lr"] == {"desc": "", "sort": 0, "value": 0.001}
    system = detail["system"]
    assert system["cpu"] == {"brand": "Intel(R) Xeon(R) Processor", "cores": 104}
    assert system["gpu"] == {"nvidia": {"type": ["NVIDIA A100-PCIE-40GB"] * 2, "memory": [40, 40], "cuda": "12.2"}}
    assert system["os"] == "Linux-6.1.0-x86_64-with-glibc2.36"
    assert system["python"] == "3.11.7"
    assert system["command"] == "train.py --lr 0.001 'a b'"
    assert system["swanlab"]["version"] == "0.1.0" and system["swanlab"]["logdir"] == str(settings.data_dir)
    assert system["swanlab"]["_monitor"] == 10.0
    assert system["runtime"]["os_pretty"] == "Debian GNU/Linux 12 (bookworm)"
    assert system["git"] == {"remote_url": "https://example.com/repo.git", "branch": "main", "commit": "abc123"}


async def test_detail_without_system_info(client: httpx.AsyncClient, seeded: Seeded) -> None:
    system = data(await client.get(f"{BASE}/{seeded.live.id}"))["system"]
    assert system["gpu"] is None and system["cpu"] == {"brand": None, "cores": None}
    assert system["command"] is None and system["swanlab"]["_monitor"] == 0


async def test_charts_and_namespaces(client: httpx.AsyncClient, seeded: Seeded) -> None:
    found = data(await client.get(f"{BASE}/{seeded.live.id}/chart"))
    charts = {chart["id"]: chart for chart in found["charts"]}
    for chart in charts.values():
        assert (chart["type"], chart["reference"], chart["multi"]) == ("line", "step", False)
        assert chart["source"] == [chart["name"]] and chart["source_map"] == {chart["name"]: seeded.live.id}
    by_namespace = {ns["name"]: [charts[i]["name"] for i in ns["charts"]] for ns in found["namespaces"]}
    assert by_namespace == {
        "default": ["loss", "noslash"],  # keys without '/'
        "train": ["train/nan_only"],
        "system": ["system/gpu.0.utilization_percent"],
    }
    assert [ns["name"] for ns in found["namespaces"]] == ["default", "train", "system"]
    assert [ns["opened"] for ns in found["namespaces"]] == [1, 1, 0]
    nested = found["namespaces"][0]["experiment_id"]
    assert nested["id"] == seeded.live.id and nested["project_id"]["name"] == "anchor-demo"
    assert nested["project_id"]["sum"] == 2


async def test_train_namespace_of_finished_run(client: httpx.AsyncClient, seeded: Seeded) -> None:
    found = data(await client.get(f"{BASE}/{seeded.finished.id}/chart"))
    names = {chart["id"]: chart["name"] for chart in found["charts"]}
    assert {ns["name"]: [names[i] for i in ns["charts"]] for ns in found["namespaces"]} == {
        "train": ["train/acc", "train/loss"], "val": ["val/loss"]}


async def test_run_without_metrics_has_no_charts(client: httpx.AsyncClient, store: Store, seeded: Seeded) -> None:
    empty = store.create_run(seeded.project.id, name="empty")
    assert data(await client.get(f"{BASE}/{empty.id}/chart")) == {"charts": [], "namespaces": []}
    assert data(await client.get(f"{BASE}/{empty.id}/summary")) == {"summaries": []}
    assert data(await client.get(f"{BASE}/{empty.id}/recent_log")) == {"recent": [], "logs": []}


async def test_status(client: httpx.AsyncClient, store: Store, seeded: Seeded) -> None:
    done = data(await client.get(f"{BASE}/{seeded.finished.id}/status"))
    assert done["status"] == 1 and done["finish_time"] == "2026-11-18T11:07:40.000000+00:00"
    assert done["charts"] == data(await client.get(f"{BASE}/{seeded.finished.id}/chart"))
    live = data(await client.get(f"{BASE}/{seeded.live.id}/status"))
    assert live["status"] == 0 and live["finish_time"] is None and live["update_time"]
    store.set_run_status(seeded.live.id, "crashed")
    assert data(await client.get(f"{BASE}/{seeded.live.id}/status"))["status"] == -1


async def test_summary_latest_values(client: httpx.AsyncClient, seeded: Seeded) -> None:
    done = data(await client.get(f"{BASE}/{seeded.finished.id}/summary"))["summaries"]
    assert done == [
        {"key": "train/acc", "value": 1 - seeded.loss[-1]},
        {"key": "train/loss", "value": seeded.loss[-1]},
        {"key": "val/loss", "value": seeded.loss[-1] + 0.1},
    ]
    live = {s["key"]: s["value"] for s in data(await client.get(f"{BASE}/{seeded.live.id}/summary"))["summaries"]}
    assert live == {"loss": "-INF", "noslash": 2.0, "train/nan_only": "NaN",
                    "system/gpu.0.utilization_percent": 75.0}


async def test_recent_log(client: httpx.AsyncClient, seeded: Seeded) -> None:
    found = data(await client.get(f"{BASE}/{seeded.finished.id}/recent_log"))
    assert found["logs"] == [f"line {i}" for i in range(20)]  # oldest first, newest last
    assert found["recent"] == [f"line {i}" for i in range(15, 20)]
    bounded = data(await client.get(f"{BASE}/{seeded.finished.id}/recent_log", params={"limit": 3}))
    assert bounded["logs"] == ["line 17", "line 18", "line 19"] and bounded["recent"] == bounded["logs"]
