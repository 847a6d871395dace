"""Demo data: a `demo` project with finished, diverged and failed runs, plus one live run.

`runyard demo` calls `generate()`; the live run is this module run as a detached child
(`python -m runyard.demo --live ...`) that logs through the SDK for a bounded time.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from runyard.errors import NotFoundError
from runyard.store import MetricColumns, Run, RunQuery, Store

DEMO_PROJECT = "demo"
LIVE_STEP_INTERVAL_S = 0.25
VAL_EVERY = 100


@dataclass(frozen=True, slots=True)
class DemoRun:
    """How one demo run looks."""

    name: str
    optimizer: str
    lr: float
    steps: int
    status: str = "finished"
    nan_at: int | None = None  # a train/loss NaN (and a grad_norm Inf) at this step


DEMO_RUNS: tuple[DemoRun, ...] = (
    DemoRun("sgd-lr0.1", "sgd", 0.1, 3000),
    DemoRun("adam-lr1e-3", "adam", 1e-3, 4000),
    DemoRun("adam-lr1e-2-spike", "adam", 1e-2, 3000, nan_at=1717),
    DemoRun("adamw-lr3e-4", "adamw", 3e-4, 5000),
    DemoRun("rmsprop-lr3e-2-oom", "rmsprop", 3e-2, 1200, status="failed"),
)


def config_for(spec: DemoRun) -> dict[str, Any]:
    """A plausible nested training config."""
    return {
        "model": {"arch": "resnet18", "width": 64, "dropout": 0.1},
        "data": {"dataset": "cifar10", "batch_size": 128, "augment": True},
        "optim": {"name": spec.optimizer, "lr": spec.lr, "weight_decay": 5e-4},
        "steps": spec.steps,
    }


def params_for(spec: DemoRun) -> dict[str, Any]:
    """Flat hyperparameters, the ones a run table compares."""
    return {"lr": spec.lr, "optimizer": spec.optimizer, "batch_size": 128, "seed": 0}


def system_info() -> dict[str, Any]:
    """A small system description like the SDK records."""
    return {
        "hostname": socket.gethostname(),
        "os": platform.platform(),
        "python": platform.python_version(),
        "cpu_count": os.cpu_count() or 1,
        "executable": sys.executable,
    }


def curves(spec: DemoRun, rng: np.random.Generator, t0: float) -> dict[str, MetricColumns]:
    """Noisy loss/accuracy curves for a run: train keys each step, val keys every 100."""
    steps = np.arange(spec.steps, dtype=np.int64)
    speed = 400.0 + 2500.0 * abs(math.log10(spec.lr) + 2.5)  # best near lr ~3e-3
    decay = np.exp(-steps / speed)
    noise = rng.normal(0.0, 1.0, spec.steps)
    loss = 0.15 + 2.2 * decay + noise * (0.02 + 0.15 * decay)
    acc = np.clip(0.93 - 0.83 * decay + noise * 0.01, 0.0, 1.0)
    lr = spec.lr * 0.5 * (1.0 + np.cos(np.pi * steps / spec.steps))
    grad = np.abs(1.5 * decay + 0.2 + rng.normal(0.0, 0.1, spec.steps))
    if spec.nan_at is not None:
        loss[spec.nan_at] = np.nan
        grad[spec.nan_at] = np.inf
    times = t0 + steps * 0.05 + rng.uniform(0.0, 0.01, spec.steps)
    val = steps[::VAL_EVERY]
    val_noise = rng.normal(0.0, 0.02, len(val))
    series = {
        "train/loss": (steps, loss),
        "train/accuracy": (steps, acc),
        "train/lr": (steps, lr),
        "train/grad_norm": (steps, grad),
        "val/loss": (val, 0.25 + 2.2 * decay[val] + val_noise),
        "val/accuracy": (val, np.clip(0.9 - 0.82 * decay[val] + val_noise, 0.0, 1.0)),
    }
    return {
        key: MetricColumns(s, v.astype(np.float64), times[s]) for key, (s, v) in series.items()
    }


def log_lines(spec: DemoRun, metrics: dict[str, MetricColumns], t0: float) -> list[tuple[float, str, str]]:
    """Console output: a line every 500 steps, and the error of a failed run."""
    loss = metrics["train/loss"]
    lines = [(t0, "stdout", f"training {spec.name}: {spec.optimizer} lr={spec.lr}")]
    for i in range(0, spec.steps, 500):
        lines.append((float(loss.times[i]), "stdout", f"step {i}: loss={loss.values[i]:.4f}"))
    if spec.nan_at is not None:
        when = float(loss.times[spec.nan_at])
        lines.append((when, "stderr", f"warning: loss is nan at step {spec.nan_at}, skipping batch"))
    end = float(loss.times[-1])
    if spec.status == "failed":
        lines.append((end, "stderr", "Traceback (most recent call last):"))
        lines.append((end, "stderr", "RuntimeError: CUDA out of memory. Tried to allocate 2.00 GiB"))
    else:
        lines.append((end, "stdout", f"done: final loss={loss.values[-1]:.4f}"))
    return sorted(lines, key=lambda line: line[0])


def reset_project(store: Store) -> int:
    """Stop a previous live demo child, drop the old `demo` project and create it afresh."""
    try:
        old = store.get_project_by_name(DEMO_PROJECT)
    except NotFoundError:
        pass
    else:
        running = store.search_runs(RunQuery(project_ids=(old.id,)))
        stop_live_children([r for r in running if r.status == "running"])
        store.delete_project(old.id)
    return store.create_project(
        DEMO_PROJECT, description="Demo runs made by `runyard demo`", tags=["demo"]
    ).id


def generate(
    store: Store, *, seed: int = 0, on_run: Callable[[DemoRun], None] | None = None
) -> list[Run]:
    """(Re)create the demo project with its finished and failed runs."""
    project_id = reset_project(store)
    rng = np.random.default_rng(seed)
    made = []
    for spec in DEMO_RUNS:
        run = store.create_run(
            project_id, name=spec.name, config=config_for(spec), params=params_for(spec),
            system=system_info(), tags=["demo", spec.optimizer], host=socket.gethostname(),
        )
        t0 = time.time() - spec.steps * 0.05
        metrics = curves(spec, rng, t0)
        store.append_metrics(run.id, metrics)
        store.append_logs(run.id, log_lines(spec, metrics, t0))
        if spec.status == "finished":
            store.add_artifact_bytes(run.id, "model/summary.txt", f"{spec.name}\n".encode())
        made.append(store.set_run_status(run.id, spec.status))
        if on_run is not None:
            on_run(spec)
    return made


def ensure_demo(store: Store) -> bool:
    """Create the demo project unless it exists (its runs and the user's edits are kept); True if created."""
    try:
        store.get_project_by_name(DEMO_PROJECT)
    except NotFoundError:
        generate(store)
        return True
    return False


def stop_live_children(runs: Sequence[Run], timeout_s: float = 5.0) -> None:
    """Terminate the live demo processes of these runs (only ours: checked by command line)."""
    import psutil

    procs = []
    for run in runs:
        if run.host != socket.gethostname() or run.pid <= 0:
            continue
        try:
            proc = psutil.Process(run.pid)
            if "runyard.demo" in " ".join(proc.cmdline()):
                proc.terminate()
                procs.append(proc)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    _, alive = psutil.wait_procs(procs, timeout=timeout_s)
    for proc in alive:
        proc.kill()


def live_log_path(name: str) -> Path:
    """Where the live child's own output goes (outside the data dir, which the store owns)."""
    return Path(tempfile.gettempdir()) / f"runyard-demo-{name}.log"


def start_live(data_dir: Path, minutes: float, name: str, parent_pid: int | None = None) -> subprocess.Popen[bytes]:
    """Start the detached live run child; it logs for `minutes`, then finishes.

    With `parent_pid` (the server's), it also stops as soon as that process is gone, even
    when the server dies without a chance to stop it (SIGKILL).
    """
    command = [
        sys.executable, "-m", "runyard.demo", "--live", "--dir", str(data_dir),
        "--minutes", str(minutes), "--name", name,
    ]
    if parent_pid is not None:
        command += ["--parent-pid", str(parent_pid)]
    # The child's stdout/stderr go to a file so a failure in it can be diagnosed.
    with open(live_log_path(name), "wb") as log:
        return subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True, close_fds=True,
        )


def _alive(pid: int | None) -> bool:
    """False once `pid` is gone: this child was re-parented, the server is over."""
    return pid is None or os.getppid() == pid


def live(data_dir: Path, minutes: float, name: str, parent_pid: int | None = None) -> None:
    """The live run: log a step every 0.25 s through the SDK, finish after `minutes` (or with its parent)."""
    import runyard

    spec = DemoRun(name, "adam", 3e-3, 1_000_000)
    run = runyard.init(
        project=DEMO_PROJECT, name=name, config=config_for(spec), tags=["demo", "live"],
        notes="live demo run", dir=str(data_dir),
    )
    run.log_params(params_for(spec))
    stopping: list[str] = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append("killed"))
    rng = np.random.default_rng()
    deadline = time.monotonic() + minutes * 60.0
    step = 0
    while time.monotonic() < deadline and not stopping:
        if not _alive(parent_pid):
            stopping.append("killed")
            break
        decay = math.exp(-step / 600.0)
        noise = float(rng.normal())
        values = {
            "train/loss": 0.15 + 2.2 * decay + noise * (0.02 + 0.15 * decay),
            "train/accuracy": min(1.0, max(0.0, 0.93 - 0.83 * decay + noise * 0.01)),
        }
        if step % 20 == 0:
            values["val/loss"] = 0.25 + 2.2 * decay + float(rng.normal(0.0, 0.02))
            print(f"step {step}: loss={values['train/loss']:.4f}", flush=True)
        run.log(values, step=step)
        step += 1
        time.sleep(LIVE_STEP_INTERVAL_S)
    run.finish(status=stopping[0] if stopping else None)


def main(argv: Sequence[str] | None = None) -> None:
    """`python -m runyard.demo --live --dir DIR --minutes M --name NAME`."""
    parser = argparse.ArgumentParser(prog="python -m runyard.demo")
    parser.add_argument("--live", action="store_true", help="run the live demo run")
    parser.add_argument("--dir", required=True, type=Path)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--name", default="live")
    parser.add_argument("--parent-pid", type=int, default=None, help="stop when this process is gone")
    args = parser.parse_args(argv)
    if not args.live:
        parser.error("only --live is supported; use `runyard demo` for the demo data")
    live(args.dir, args.minutes, args.name, args.parent_pid)


if __name__ == "__main__":
    main()
