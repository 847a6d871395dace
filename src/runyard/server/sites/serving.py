"""Several uvicorn servers (the main one and each site's) in one process and event loop, stopping together."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Sequence
from dataclasses import dataclass

import uvicorn


@dataclass(frozen=True, slots=True)
class SiteServer:
    """A configured uvicorn server and the socket it was bound to beforehand (server/listen.py)."""

    server: uvicorn.Server
    listener: socket.socket


async def _serve_all(servers: Sequence[SiteServer]) -> None:
    # Each server captures SIGINT/SIGTERM in turn and hands a caught signal on to the one
    # before it when it stops; `should_exit` also stops the rest when one ends on its own
    # (a failed start-up), so no port outlives the others.
    tasks = [asyncio.create_task(entry.server.serve(sockets=[entry.listener])) for entry in servers]
    await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    for entry in servers:
        entry.server.should_exit = True
    await asyncio.gather(*tasks)


def serve_together(servers: Sequence[SiteServer]) -> None:
    """Run every server until a signal (or any one of them) stops them all; the first is the main one."""
    # The loop uvicorn itself would pick (uvloop when installed), as `uvicorn.Server.run` does.
    with asyncio.Runner(loop_factory=servers[0].server.config.get_loop_factory()) as runner:
        runner.run(_serve_all(servers))
