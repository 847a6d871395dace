"""A local-mode run whose process is SIGKILLed shows as crashed on a running server within seconds."""

from __future__ import annotations

import signal
import time
from pathlib import Path

from runyard.store import open_store
from tests.live_server import LiveServer
from tests.sdk.helpers import start_script, wait_for_line, write_script

CRASH_BOUND_S = 3.0  # docs/sdk.md promises about 1 s on the server's host; leave room for a busy CI

LOGGER = """
import time
import runyard

run = runyard.init(project="crash", name="victim", dir={dir!r}, capture_console=False, system_info=False)
run.log({{"loss": 1.0}})
print(run.id, flush=True)
print("READY", flush=True)
while True:
    run.log({{"loss": 0.5}})
    time.sleep(0.05)
"""


def test_sigkilled_local_run_is_crashed_on_the_server_within_seconds(tmp_path: Path,
                                                                     servers: list[LiveServer]) -> None:
    data_dir = tmp_path / "data"
    server = LiveServer(data_dir)
    servers.append(server)
    server.start()
    proc = start_script(write_script(tmp_path, LOGGER.format(dir=str(data_dir))))
    try:
        assert proc.stdout is not None
        run_id = int(proc.stdout.readline())
        wait_for_line(proc, "READY")
        store = open_store(data_dir)
        try:
            time.sleep(1.5)  # the reaper has looked at the live run at least once
            assert store.get_run(run_id).status == "running"
            proc.send_signal(signal.SIGKILL)
            proc.wait(10)
            killed = time.monotonic()
            while store.get_run(run_id).status == "running" and time.monotonic() - killed < 10:
                time.sleep(0.05)
            took = time.monotonic() - killed
            assert store.get_run(run_id).status == "crashed"
            assert took < CRASH_BOUND_S, f"marked crashed after {took:.1f} s"
        finally:
            store.close()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
