"""A real Jupyter: spawned through the app, protected by its token, its notebook runs, it stops.

Skipped when the `jupyter` extra is not installed, except under CI=true.
"""

from __future__ import annotations

import signal
import time
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest

from runyard.server.jupyter import JupyterManager
from runyard.store import Run, open_store
from tests.live_server import LiveServer
from tests.server.jupyter.conftest import gone, make_run

pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("real_jupyter")]


def wait_gone(pid: int, timeout_s: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while not gone(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    return gone(pid)


def execute_notebook(path: Path) -> list[dict[str, Any]]:
    """Run the notebook in a fresh kernel; returns every output of every code cell."""
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(path, as_version=4)
    NotebookClient(notebook, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    return [output for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs]


async def test_spawn_a_real_jupyter_use_it_and_stop_it(
        client: httpx.AsyncClient, jupyter: JupyterManager, run: Run) -> None:
    response = await client.post("/api/jupyter/spawn", json={"run": "mnist/baseline"})
    assert response.status_code == 201, response.text
    body = response.json()
    base, token = f"http://127.0.0.1:{body['port']}", body["url"].split("?token=")[1]

    with httpx.Client(timeout=10, trust_env=False) as http:
        assert http.get(body["url"]).status_code == 200
    with httpx.Client(timeout=10, trust_env=False) as http:  # a fresh client: no login cookie
        assert http.get(f"{base}/api/status").status_code == 403
        assert http.get(f"{base}/api/contents/analysis.ipynb").status_code == 403
        page = http.get(body["url"].split("?")[0])
        assert page.status_code == 302 and "/login" in page.headers["location"]
        assert http.get(f"{base}/api/status", params={"token": "wrong"}).status_code == 403

    server = psutil.Process(body["pid"])
    listening = [c.laddr for c in server.net_connections("inet") if c.status == psutil.CONN_LISTEN]
    assert listening and all(addr.ip == "127.0.0.1" for addr in listening)
    assert token not in " ".join(server.cmdline())  # passed in its environment, not on `ps`

    outputs = execute_notebook(Path(body["notebook"]))
    assert not [o for o in outputs if o["output_type"] == "error"], outputs
    text = "".join(str(o.get("text", "")) + str(o.get("data", {}).get("text/plain", "")) for o in outputs)
    assert "mnist/baseline" in text and run.uid in text
    assert "shape: (100, 3)" in text and "0.036883" in text  # the history and its last loss
    assert "image/png" in str(outputs) or "loss" in text.split("sparklines:")[-1]

    # A kernel started in that Jupyter goes when the server is stopped.
    with httpx.Client(timeout=30, trust_env=False, headers={"Authorization": f"token {token}"}) as http:
        assert http.post(f"{base}/api/kernels", json={"name": "python3"}).status_code == 201
    kernels = server.children(recursive=True)
    assert kernels
    stopped = await client.delete(f"/api/jupyter/{body['id']}")
    assert stopped.status_code == 200
    assert gone(body["pid"]) and all(wait_gone(kernel.pid) for kernel in kernels)


def test_a_killed_runyard_leaves_no_jupyter_behind(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    with open_store(data_dir) as store:
        uid = make_run(store).uid
    server = LiveServer(data_dir, extra=["--jupyter"]).start()
    pid = 0
    try:
        response = httpx.post(f"{server.url}/api/jupyter/spawn", json={"run": uid}, timeout=90,
                              trust_env=False)
        assert response.status_code == 201, response.text
        pid = response.json()["pid"]
        runtime_dir = Path(psutil.Process(pid).environ()["JUPYTER_RUNTIME_DIR"])
        assert runtime_dir.is_dir()
        server.signal(signal.SIGKILL)  # no shutdown hook runs: Jupyter notices its parent is gone
        assert wait_gone(pid), "Jupyter outlived a killed runyard"
        deadline = time.monotonic() + 5
        while runtime_dir.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not runtime_dir.exists()  # its token, config and connection files went with it
    finally:
        server.stop()
        if pid and not gone(pid):
            psutil.Process(pid).kill()
