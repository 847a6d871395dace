"""The real runyard app on loopback behind a thin ASGI layer that fails one route as told.

For remote-mode tests of a server that answers 500 (or 400) on the artifact route only,
whatever the store would have said: everything else reaches the real app and its store.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from types import TracebackType
from typing import Any

import uvicorn
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import Receive, Scope, Send

from runyard.server import create_app
from runyard.settings import Settings
from runyard.store import Store
from tests.live_server import free_port


class FaultServer:
    """`with FaultServer(dir, artifact_status=500) as server:` serves on `server.url` until the block ends."""

    def __init__(self, data_dir: Path, *, artifact_status: int | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.artifact_status = artifact_status
        self.artifact_calls = 0
        self.settings = Settings(data_dir=data_dir, port=self.port)
        self.app = create_app(self.settings)
        config = uvicorn.Config(self._asgi, host="127.0.0.1", port=self.port, log_level="warning",
                                lifespan="on", interface="asgi3")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="fault-server", daemon=True)

    @property
    def store(self) -> Store:
        """The app's own store, to read back what arrived."""
        store: Store = self.app.state.store
        return store

    async def _asgi(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = str(scope.get("path", ""))
        if (scope["type"] == "http" and self.artifact_status is not None and scope["method"] == "POST"
                and path.endswith("/artifacts")):
            self.artifact_calls += 1
            request = Request(scope, receive)
            await request.body()  # read it all: the client sees an answer, not a reset
            reply = JSONResponse({"detail": f"injected {self.artifact_status}"}, status_code=self.artifact_status)
            await reply(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def __enter__(self) -> FaultServer:
        self._thread.start()
        deadline = time.monotonic() + 20
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                self.store.close()
                raise RuntimeError("the fault server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> Any:
        self._server.should_exit = True
        self._thread.join(20)
