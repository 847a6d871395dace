"""System monitoring: while a run is active, sample machine load into `system/...` metrics.

A daemon thread samples every `interval` seconds (the first sample one interval after
start, so short scripts get none) and queues the values as metric columns on the same
path `run.log` feeds, so they are written, sent and spooled like any metric. The step of
a sample is the number of whole seconds since the run started (kept strictly increasing):
charts of different runs line up in time, and a resumed run continues after its earlier
samples instead of overwriting them.

Sources are sampled independently; one that fails is reported once (RunyardWarning) and
left out from then on, so the monitor never stops or slows the training loop.
"""

from __future__ import annotations

import contextlib
import importlib
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import psutil

from runyard.sdk.background import BackgroundLoop
from runyard.sdk.warn import WarnOnce
from runyard.store.models import SYSTEM_METRIC_PREFIX, MetricColumns

PREFIX = SYSTEM_METRIC_PREFIX
MB = float(1 << 20)
DEFAULT_INTERVAL_S = 10.0
Emit = Callable[[dict[str, MetricColumns]], None]


class Source(Protocol):
    """One group of readings; `read` may raise, which retires the source."""

    name: str

    def read(self) -> dict[str, float]:
        """Current values by metric name (without the `system/` prefix)."""

    def close(self) -> None:
        """Release what the source holds."""


class HostSource:
    """Whole-machine CPU and memory."""

    name = "cpu and memory"

    def __init__(self) -> None:
        psutil.cpu_percent(interval=None)  # the first call only starts the measurement window

    def read(self) -> dict[str, float]:
        memory = psutil.virtual_memory()
        return {"cpu_percent": float(psutil.cpu_percent(interval=None)),
                "memory_percent": float(memory.percent),
                "memory_used_mb": (memory.total - memory.available) / MB}

    def close(self) -> None:
        """Nothing to release."""


class ProcessSource:
    """The training process itself: resident memory and CPU (100 = one core busy)."""

    name = "process"

    def __init__(self) -> None:
        self._process = psutil.Process()
        self._process.cpu_percent(interval=None)

    def read(self) -> dict[str, float]:
        return {"process_rss_mb": self._process.memory_info().rss / MB,
                "process_cpu_percent": float(self._process.cpu_percent(interval=None))}

    def close(self) -> None:
        """Nothing to release."""


class DiskSource:
    """Disk traffic since the run started (all disks) and how full the data dir's disk is."""

    name = "disk"

    def __init__(self, path: Path) -> None:
        self._path = path
        start = psutil.disk_io_counters()
        self._start = (start.read_bytes, start.write_bytes) if start is not None else None

    def read(self) -> dict[str, float]:
        out = {"disk_used_percent": float(psutil.disk_usage(str(_existing(self._path))).percent)}
        now = psutil.disk_io_counters() if self._start is not None else None
        if now is not None and self._start is not None:
            out["disk_read_mb"] = max(0, now.read_bytes - self._start[0]) / MB
            out["disk_write_mb"] = max(0, now.write_bytes - self._start[1]) / MB
        return out

    def close(self) -> None:
        """Nothing to release."""


def _existing(path: Path) -> Path:
    # The data dir may not exist yet (remote mode creates its spool only when needed).
    for candidate in (path, *path.parents):
        if candidate.exists():
            return candidate
    return Path.cwd()


class NetSource:
    """Network traffic since the run started (all interfaces)."""

    name = "network"

    def __init__(self) -> None:
        start = psutil.net_io_counters()
        if start is None:
            raise OSError("no network counters on this machine")
        self._start = (start.bytes_sent, start.bytes_recv)

    def read(self) -> dict[str, float]:
        now = psutil.net_io_counters()
        return {"net_sent_mb": max(0, now.bytes_sent - self._start[0]) / MB,
                "net_recv_mb": max(0, now.bytes_recv - self._start[1]) / MB}

    def close(self) -> None:
        """Nothing to release."""


class GpuSource:
    """Per NVIDIA GPU: utilization, memory, temperature and power, through NVML (nvidia-ml-py)."""

    name = "gpu"

    def __init__(self, nvml: Any) -> None:
        self._nvml = nvml
        nvml.nvmlInit()
        try:
            self._handles = [nvml.nvmlDeviceGetHandleByIndex(i) for i in range(nvml.nvmlDeviceGetCount())]
        except BaseException:
            with contextlib.suppress(Exception):
                nvml.nvmlShutdown()
            raise
        self._power = True  # many GPUs cannot report power: then it is left out, quietly

    @property
    def count(self) -> int:
        """How many GPUs are sampled."""
        return len(self._handles)

    def read(self) -> dict[str, float]:
        nvml = self._nvml
        out: dict[str, float] = {}
        for index, handle in enumerate(self._handles):
            key = f"gpu.{index}."
            memory = nvml.nvmlDeviceGetMemoryInfo(handle)
            out[key + "utilization_percent"] = float(nvml.nvmlDeviceGetUtilizationRates(handle).gpu)
            out[key + "memory_used_mb"] = memory.used / MB
            out[key + "memory_percent"] = 100.0 * memory.used / memory.total if memory.total else 0.0
            out[key + "temperature_c"] = float(nvml.nvmlDeviceGetTemperature(handle, nvml.NVML_TEMPERATURE_GPU))
            if self._power:
                try:
                    out[key + "power_w"] = nvml.nvmlDeviceGetPowerUsage(handle) / 1000.0
                except Exception:
                    self._power = False
        return out

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._nvml.nvmlShutdown()


def gpu_source() -> GpuSource | None:
    """NVML's GPUs, or None without nvidia-ml-py, without a driver, or without GPUs."""
    try:
        nvml = importlib.import_module("pynvml")
    except ImportError:
        return None
    try:
        source = GpuSource(nvml)
    except Exception:  # no driver on this machine: simply no GPUs
        return None
    if source.count == 0:
        source.close()
        return None
    return source


class SystemMonitor(BackgroundLoop):
    """The sampler thread of one run; `stop()` ends it (the thread never keeps the process alive)."""

    def __init__(self, emit: Emit, warn: WarnOnce, *, interval: float = DEFAULT_INTERVAL_S,
                 start_time: float | None = None, disk_path: Path | None = None,
                 name: str = "runyard-monitor") -> None:
        if interval <= 0:
            raise ValueError("monitor interval must be positive")
        super().__init__(name)
        self.interval = interval
        self.samples = 0
        self._emit = emit
        self._warn = warn
        self._start_time = start_time or time.time()  # 0: unknown (a run created offline)
        self._disk_path = disk_path or Path.cwd()
        self._last_step = -1
        self._sources: list[Source] = []

    def _open_sources(self) -> None:
        # Opened in the thread: NVML's start-up takes a while and init() must stay fast.
        makers: list[tuple[str, Callable[[], Source | None]]] = [
            ("cpu and memory", HostSource), ("process", ProcessSource),
            ("disk", lambda: DiskSource(self._disk_path)), ("network", NetSource), ("gpu", gpu_source),
        ]
        for label, make in makers:
            try:
                source = make()
            except Exception as exc:
                self._warn(f"monitor-{label}", f"system monitor: cannot sample {label}: {exc!r}")
                continue
            if source is not None:
                self._sources.append(source)

    def _loop(self) -> None:
        try:
            self._open_sources()
            while self._sources and not self._stop.wait(self.interval):
                self.sample()
        except Exception as exc:  # a bug here must not take the run down
            self._warn("monitor", f"system monitor stopped: {exc!r}")
        finally:
            for source in self._sources:
                with contextlib.suppress(Exception):
                    source.close()

    def read(self) -> dict[str, float]:
        """One reading of every live source (retiring those that fail), keys without prefix."""
        values: dict[str, float] = {}
        for source in list(self._sources):
            try:
                values.update(source.read())
            except Exception as exc:
                self._sources.remove(source)
                with contextlib.suppress(Exception):
                    source.close()
                self._warn(f"monitor-{source.name}",
                           f"system monitor: stopped sampling {source.name} after an error: {exc!r}")
        return values

    def sample(self) -> None:
        """Take one sample now and queue it as `system/...` metrics."""
        values = self.read()
        if not values:
            return
        now = time.time()
        step = max(int(max(0.0, now - self._start_time)), self._last_step + 1)
        self._last_step = step
        steps = np.array([step], dtype=np.int64)
        times = np.array([now], dtype=np.float64)
        self._emit({PREFIX + key: MetricColumns(steps, np.array([value], dtype=np.float64), times)
                    for key, value in values.items()})
        self.samples += 1
