"""The Host header check that defeats DNS rebinding, on every route (pages, APIs, static, websockets).

A page on `attacker.example` whose name is re-pointed at 127.0.0.1 talks to this server as
its own origin: the browser sends `Host: attacker.example` and trusts the answers. Refusing
host names the server does not go by closes that door. IP literals cannot be rebound (no
name is resolved), so they only need to be addresses this server can be reached at.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
from dataclasses import dataclass

from fastapi import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from runyard.server.errors import error_response
from runyard.settings import Settings, is_loopback

LOCAL_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"})
STATE_KEY = "runyard_host"  # scope["state"][STATE_KEY]: the checked (name, port) of the request


def split_host(value: str) -> tuple[str, int | None]:
    """`Name:port`, `[::1]:80` or `::1` -> (lower-case name without brackets or final dot, port)."""
    value = value.strip().lower()
    port: int | None = None
    if value.startswith("["):
        name, _, rest = value[1:].partition("]")
        if rest.startswith(":") and rest[1:].isdigit():
            port = int(rest[1:])
    elif value.count(":") == 1:
        name, _, digits = value.partition(":")
        port = int(digits) if digits.isdigit() else None
    else:
        name = value
    return name.rstrip("."), port


def _ip(name: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(name)
    except ValueError:
        return None


def _machine_names() -> frozenset[str]:
    names = {socket.gethostname().lower()}
    with contextlib.suppress(OSError):  # no resolver: the short name is enough
        names.add(socket.getfqdn().lower())
    return frozenset(name.rstrip(".") for name in names if name)


@dataclass(frozen=True, slots=True)
class HostRule:
    """Which Host header values this server answers to."""

    names: frozenset[str]  # exact names
    suffixes: tuple[str, ...]  # ".corp.example": the name and its subdomains
    any_host: bool  # "*": no check at all (unsafe)
    any_ip: bool  # bound to every interface: any IP literal is one of ours
    loopback_bind: bool

    @classmethod
    def from_settings(cls, settings: Settings) -> HostRule:
        given = [name.strip().lower().rstrip(".") for name in settings.allowed_hosts if name.strip()]
        bind, _port = split_host(settings.host)
        wildcard = bind in ("0.0.0.0", "::", "")
        names = set(LOCAL_NAMES) | {bind} | {name for name in given if not name.startswith(".")}
        if wildcard:
            # Reachable from the network: the machine's own name is how people address it.
            names |= _machine_names()
        return cls(
            names=frozenset(names),
            suffixes=tuple(name for name in given if name.startswith(".") and len(name) > 1),
            any_host="*" in given,
            any_ip=wildcard,
            loopback_bind=is_loopback(bind),
        )

    def allows(self, name: str) -> bool:
        """True when `name` (no port, lower case) may appear in Host."""
        name = name.lower().rstrip(".")
        if self.any_host or name in self.names:
            return True
        address = _ip(name)
        if address is not None:
            # Every loopback address is this machine; other literals only when bound to all.
            return address.is_loopback or self.any_ip or str(address) in self.names
        return any(name == suffix[1:] or name.endswith(suffix) for suffix in self.suffixes)


def _host_header(scope: Scope) -> str | None:
    for key, value in scope["headers"]:
        if key == b"host":
            return bytes(value).decode("latin-1")
    return None


class HostMiddleware:
    """400 (in the dialect's error shape) for an HTTP request whose Host is not ours; websockets close 1008."""

    def __init__(self, app: ASGIApp, rule: HostRule) -> None:
        self.app = app
        self.rule = rule

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        header = _host_header(scope)
        # No Host at all (HTTP/1.0 scripts): no browser sends that, so it cannot be a rebinding.
        name, port = split_host(header) if header is not None else ("", None)
        if header is not None and not self.rule.allows(name):
            await self._refuse(scope, receive, send, name)
            return
        scope.setdefault("state", {})[STATE_KEY] = (name, port) if header is not None else None
        await self.app(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, name: str) -> None:
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008, "reason": "host not allowed"})
            return
        shown = name.encode("ascii", "backslashreplace").decode()[:255]
        message = (f"host {shown!r} is not allowed: this server answers to its bind address and localhost; "
                   "add other names with --allowed-hosts (RUNYARD_ALLOWED_HOSTS)")
        await error_response(Request(scope), 400, message)(scope, receive, send)


def checked_host(request: Request) -> tuple[str, int | None] | None:
    """The request's Host as checked by `HostMiddleware`: (name, port), or None without one."""
    found = request.scope.get("state", {}).get(STATE_KEY)
    return found if isinstance(found, tuple) else None
