"""System monitoring: real psutil samples, GPUs through a fake `pynvml`, failures, lifecycle, modes."""

from __future__ import annotations

import sys
import threading
import time
import types
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest

import runyard
from runyard.sdk.run import Run
from runyard.sdk.system_monitor import SystemMonitor
from runyard.sdk.warn import RunyardWarning, WarnOnce
from runyard.server import create_app
from runyard.settings import Settings
from runyard.store import MetricColumns, Store, open_store
from tests.live_server import LiveServer
from tests.server.conftest import TEST_HOSTS

HOST_KEYS = {"system/cpu_percent", "system/memory_percent", "system/memory_used_mb", "system/process_rss_mb",
             "system/process_cpu_percent", "system/disk_used_percent", "system/net_sent_mb", "system/net_recv_mb"}
GPU_FIELDS = ("utilization_percent", "memory_used_mb", "memory_percent", "temperature_c")
MIB = 1 << 20


def wait_for(predicate: Callable[[], bool], timeout: float = 20.0) -> None:
    """Wait for a condition (a generous bound, not a timing assertion)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.02)


def monitor_of(run: Run) -> SystemMonitor:
    monitor = run._monitor
    assert monitor is not None
    return monitor


def monitor_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("runyard-monitor")]


def system_keys(store: Store, run_id: int) -> set[str]:
    return {key for key in store.metric_summaries([run_id])[run_id] if key.startswith("system/")}


class FakeNvml(types.ModuleType):
    """What the monitor and system info call of nvidia-ml-py, for two GPUs; `fail_after` breaks sampling."""

    NVML_TEMPERATURE_GPU = 0

    def __init__(self, fail_after: int | None = None, init_error: bool = False) -> None:
        super().__init__("pynvml")
        self.fail_after = fail_after
        self.init_error = init_error
        self.reads = 0
        self.inits = 0
        self.shutdowns = 0

    def nvmlInit(self) -> None:
        if self.init_error:
            raise RuntimeError("NVML Shared Library Not Found")
        self.inits += 1

    def nvmlShutdown(self) -> None:
        self.shutdowns += 1

    def nvmlDeviceGetCount(self) -> int:
        return 2

    def nvmlDeviceGetHandleByIndex(self, index: int) -> int:
        return index

    def nvmlDeviceGetName(self, handle: int) -> bytes:
        return b"NVIDIA H200"

    def nvmlSystemGetDriverVersion(self) -> str:
        return "550.54.15"

    def nvmlSystemGetCudaDriverVersion(self) -> int:
        return 12040

    def nvmlDeviceGetUtilizationRates(self, handle: int) -> Any:
        self.reads += 1
        if self.fail_after is not None and self.reads > self.fail_after:
            raise RuntimeError("GPU is lost")
        return types.SimpleNamespace(gpu=40 + handle, memory=10)

    def nvmlDeviceGetMemoryInfo(self, handle: int) -> Any:
        return types.SimpleNamespace(used=(1000 + handle) * MIB, total=4000 * MIB, free=0)

    def nvmlDeviceGetTemperature(self, handle: int, sensor: int) -> int:
        return 60 + handle

    def nvmlDeviceGetPowerUsage(self, handle: int) -> int:
        if handle == 1:
            raise RuntimeError("Not Supported")  # common: then power is left out, quietly
        return 250_000  # milliwatts


@pytest.fixture
def no_gpu(monkeypatch: pytest.MonkeyPatch) -> None:
    """As on a machine without nvidia-ml-py (the import fails)."""
    monkeypatch.setitem(sys.modules, "pynvml", None)


def test_real_psutil_samples(data_dir: Path, reader: Store, no_gpu: None) -> None:
    run = runyard.init(project="mon", dir=data_dir, capture_console=False, monitor_interval=0.05)
    monitor = monitor_of(run)
    for i in range(5):
        run.log({"loss": 1.0 / (i + 1)})
    wait_for(lambda: monitor.samples >= 3)
    run.log({"loss": 0.1})
    runyard.finish()
    assert not monitor.alive and monitor_threads() == []
    assert system_keys(reader, run.id) == HOST_KEYS | {"system/disk_read_mb", "system/disk_write_mb"} or \
        system_keys(reader, run.id) == HOST_KEYS  # a container may have no disk counters
    cpu = reader.read_metric(run.id, "system/cpu_percent")
    assert len(cpu) >= 3 and bool((np.diff(cpu.steps) > 0).all())
    assert bool(((cpu.values >= 0) & (cpu.values <= 100)).all())
    rss = reader.read_metric(run.id, "system/process_rss_mb")
    assert bool((rss.values > 1).all())  # a Python process holds more than 1 MB
    assert np.array_equal(reader.read_metric(run.id, "loss").steps, np.arange(6))  # user steps untouched
    stored = reader.get_run(run.id)
    assert stored.system["monitor_interval_s"] == 0.05


def test_fake_gpus(data_dir: Path, reader: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    nvml = FakeNvml()
    monkeypatch.setitem(sys.modules, "pynvml", nvml)
    run = runyard.init(project="mon", dir=data_dir, capture_console=False, monitor_interval=0.05)
    wait_for(lambda: monitor_of(run).samples >= 2)
    runyard.finish()
    keys = system_keys(reader, run.id)
    for index in (0, 1):
        assert {f"system/gpu.{index}.{field}" for field in GPU_FIELDS} <= keys
    assert "system/gpu.0.power_w" in keys and "system/gpu.1.power_w" not in keys
    assert reader.read_metric(run.id, "system/gpu.1.utilization_percent").values[0] == 41.0
    assert reader.read_metric(run.id, "system/gpu.0.memory_used_mb").values[0] == 1000.0
    assert reader.read_metric(run.id, "system/gpu.0.memory_percent").values[0] == 25.0
    assert reader.read_metric(run.id, "system/gpu.1.temperature_c").values[0] == 61.0
    assert reader.read_metric(run.id, "system/gpu.0.power_w").values[0] == 250.0
    assert nvml.shutdowns >= nvml.inits >= 1  # NVML released (by the monitor and by system info)
    system = reader.get_run(run.id).system
    assert [g["name"] for g in system["gpus"]] == ["NVIDIA H200"] * 2 and system["cuda_version"] == "12.4"


def test_failing_source_warns_once_and_stops(data_dir: Path, reader: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pynvml", FakeNvml(fail_after=2))  # one sample of two GPUs, then lost
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        run = runyard.init(project="mon", dir=data_dir, capture_console=False, monitor_interval=0.05)
        wait_for(lambda: monitor_of(run).samples >= 5)
        runyard.finish()
    gpu_warnings = [w for w in caught if issubclass(w.category, RunyardWarning) and "gpu" in str(w.message)]
    assert len(gpu_warnings) == 1 and "GPU is lost" in str(gpu_warnings[0].message)
    assert len(reader.read_metric(run.id, "system/gpu.0.utilization_percent")) == 1
    assert len(reader.read_metric(run.id, "system/cpu_percent")) >= 5  # the other sources go on
    assert reader.get_run(run.id).status == "finished"


def test_no_driver_means_no_gpu_metrics(data_dir: Path, reader: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pynvml", FakeNvml(init_error=True))
    with warnings.catch_warnings():
        warnings.simplefilter("error", RunyardWarning)  # no driver is not worth a warning
        run = runyard.init(project="mon", dir=data_dir, capture_console=False, monitor_interval=0.05)
        wait_for(lambda: monitor_of(run).samples >= 1)
        runyard.finish()
    assert not any(".gpu." in key or "/gpu." in key for key in system_keys(reader, run.id))
    assert "system/cpu_percent" in system_keys(reader, run.id)


def test_off_switches(data_dir: Path, reader: Store, monkeypatch: pytest.MonkeyPatch, no_gpu: None) -> None:
    run = runyard.init(project="mon", dir=data_dir, capture_console=False, monitor=False)
    assert run._monitor is None and monitor_threads() == []
    runyard.finish()
    assert reader.get_run(run.id).system["monitor_interval_s"] == 0
    monkeypatch.setenv("RUNYARD_MONITOR", "0")
    run = runyard.init(project="mon", dir=data_dir, capture_console=False, monitor_interval=0.05)
    assert run._monitor is None
    runyard.finish()
    run = runyard.init(project="mon", dir=data_dir, capture_console=False, monitor=True, monitor_interval=0.05)
    assert run._monitor is not None  # the argument wins over the environment
    runyard.finish()
    assert monitor_threads() == []
    with pytest.raises(ValueError, match="monitor_interval"):
        runyard.init(project="mon", dir=data_dir, monitor_interval=0)


def test_default_is_on_every_10_s_and_short_runs_get_no_samples(data_dir: Path, reader: Store) -> None:
    run = runyard.init(project="mon", dir=data_dir, capture_console=False)
    monitor = monitor_of(run)
    assert monitor.interval == 10.0 and monitor._thread.daemon  # never keeps the process alive
    run.log({"loss": 1.0})
    runyard.finish()  # returns at once: stop() does not wait out the interval
    assert not monitor.alive and system_keys(reader, run.id) == set()


def test_steps_are_seconds_since_run_start_and_increase() -> None:
    got: list[dict[str, MetricColumns]] = []
    started = time.time() - 100.0
    monitor = SystemMonitor(got.append, WarnOnce(), interval=0.01, start_time=started)
    monitor._open_sources()
    for _ in range(3):
        monitor.sample()
    steps = [int(batch["system/cpu_percent"].steps[0]) for batch in got]
    assert steps[0] >= 100 and steps == sorted(set(steps))  # sub-second samples still get their own step
    assert all(key.startswith("system/") for batch in got for key in batch)


def test_resume_ignores_system_steps(data_dir: Path, reader: Store, no_gpu: None) -> None:
    run = runyard.init(project="mon", name="r", dir=data_dir, capture_console=False, monitor=False)
    for i in range(3):
        run.log({"loss": float(i)})
    runyard.finish()
    reader.append_metrics(run.id, {"system/cpu_percent": MetricColumns(
        np.array([5000], dtype=np.int64), np.array([1.0]), np.array([time.time()]))})
    again = runyard.init(project="mon", name="r", resume=True, dir=data_dir, capture_console=False, monitor=False)
    assert again.step == 3  # the monitor's seconds do not move the training step counter
    runyard.finish()


async def _swanlab_chart(client: httpx.AsyncClient, run_id: int) -> dict[str, list[str]]:
    response = await client.get(f"/api/v1/experiment/{run_id}/chart")
    assert response.status_code == 200, response.text
    found = response.json()["data"]
    names = {chart["id"]: chart["name"] for chart in found["charts"]}
    return {ns["name"]: [names[i] for i in ns["charts"]] for ns in found["namespaces"]}


@pytest.mark.anyio
async def test_local_run_charts_in_swanlab_system_namespace(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pynvml", FakeNvml())
    run = runyard.init(project="mon", dir=data_dir, capture_console=False, monitor_interval=0.05)
    run.log({"train/loss": 0.5})
    wait_for(lambda: monitor_of(run).samples >= 2)
    runyard.finish()
    store = open_store(data_dir)
    try:
        app = create_app(Settings(data_dir=data_dir, allowed_hosts=TEST_HOSTS), store=store)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
            namespaces = await _swanlab_chart(client, run.id)
            assert namespaces["train"] == ["train/loss"]
            assert "system/gpu.0.utilization_percent" in namespaces["system"]
            assert "system/cpu_percent" in namespaces["system"]
            detail = (await client.get(f"/api/v1/experiment/{run.id}")).json()["data"]
            assert detail["system"]["gpu"]["nvidia"] == {"type": ["NVIDIA H200"] * 2, "memory": [4, 4], "cuda": "12.4"}
            assert detail["system"]["swanlab"]["_monitor"] == 0.05
    finally:
        store.close()


@pytest.mark.anyio
async def test_remote_mode_sends_system_metrics(tmp_path: Path, servers: list[LiveServer], no_gpu: None) -> None:
    server = LiveServer(tmp_path / "server")
    servers.append(server)
    server.start()
    run = runyard.init(project="mon", server=server.url, dir=tmp_path / "client", capture_console=False,
                       monitor_interval=0.05)
    wait_for(lambda: monitor_of(run).samples >= 2)
    runyard.finish()
    async with httpx.AsyncClient(base_url=server.url) as client:
        namespaces = await _swanlab_chart(client, run.id)
        assert "system/cpu_percent" in namespaces["system"]
        tag = (await client.get(f"/api/v1/experiment/{run.id}/tag/system/cpu_percent")).json()["data"]
        assert tag["sum"] >= 2 and tag["list"][-1]["_last"] is True


def _real_gpu_count() -> int:
    try:
        import pynvml

        pynvml.nvmlInit()
    except Exception:
        return 0
    try:
        return int(pynvml.nvmlDeviceGetCount())
    finally:
        pynvml.nvmlShutdown()


@pytest.mark.anyio
async def test_real_gpu_when_present(data_dir: Path) -> None:
    """On a machine with an NVIDIA GPU and driver: real NVML readings, real GPU fields."""
    count = _real_gpu_count()
    if not count:
        pytest.skip("no NVIDIA GPU (or no nvidia-ml-py / driver) on this machine")
    run = runyard.init(project="gpu", dir=data_dir, capture_console=False, monitor_interval=0.2)
    wait_for(lambda: monitor_of(run).samples >= 2)
    runyard.finish()
    store = open_store(data_dir)
    try:
        for index in range(count):
            util = store.read_metric(run.id, f"system/gpu.{index}.utilization_percent").values
            assert bool(((util >= 0) & (util <= 100)).all())
            assert bool((store.read_metric(run.id, f"system/gpu.{index}.memory_used_mb").values > 0).all())
            temp = store.read_metric(run.id, f"system/gpu.{index}.temperature_c").values
            assert bool(((temp > 0) & (temp < 120)).all())
        app = create_app(Settings(data_dir=data_dir, allowed_hosts=TEST_HOSTS), store=store)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
            nvidia = (await client.get(f"/api/v1/experiment/{run.id}")).json()["data"]["system"]["gpu"]["nvidia"]
        assert len(nvidia["type"]) == count and all(name for name in nvidia["type"])
        assert all(gib > 0 for gib in nvidia["memory"]) and nvidia["cuda"].count(".") == 1
    finally:
        store.close()
