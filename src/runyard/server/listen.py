"""The server's listening socket, bound before anything else starts (demo data, live runs).

Binding it ourselves and handing it to uvicorn means "the port is free" is checked once and
stays true: no window between a probe and uvicorn's own bind.
"""

from __future__ import annotations

import errno
import socket


class PortUnavailableError(Exception):
    """The address cannot be bound; the message says what to do."""


def bind(host: str, port: int, option: str = "--port N or set RUNYARD_PORT") -> socket.socket:
    """A bound TCP socket on (host, port), as uvicorn would make it; PortUnavailableError otherwise.

    `option` is what the message tells the user to change (a site's port has its own).
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host.strip("[]"), port))
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise PortUnavailableError(f"port {port} is in use: pass {option}") from None
        if exc.errno == errno.EACCES:
            raise PortUnavailableError(f"port {port} needs privileges: pass {option} (1024 or above)") from None
        raise PortUnavailableError(f"cannot listen on {host}:{port} ({exc.strerror}): "
                                   "pass --host ADDRESS or set RUNYARD_HOST") from None
    sock.set_inheritable(True)
    return sock
