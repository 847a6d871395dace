"""Hub experiment names: they are URL path segments and queue names, so they are checked hard.

Every name lives inside its tenant: queues and folders carry the tenant too (`tenant_tag`)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

from runyard.errors import InvalidInputError
from runyard.store import DEFAULT_TENANT

MAX_NAME = 100
_NAME = re.compile(r"[A-Za-z0-9_.-]{1,100}")
# First path segments of runyard's own routes, and the hub's fixed routes: an experiment of
# one of these names would be shadowed by (or shadow) them. The app adds what it serves.
RESERVED: frozenset[str] = frozenset({
    "api", "docs", "static", "projects", "runs", "health", "experiments", "available_experiments",
    "create_experiment", "flush", "openapi.json", "openapi", "favicon.ico", "redoc", "login",
})


def first_segments(paths: Iterable[str]) -> set[str]:
    """The fixed first segment of each route path (`/api/v1/x` -> `api`); parameters are skipped."""
    found = set()
    for path in paths:
        head = path.strip("/").split("/", 1)[0]
        if head and "{" not in head:
            found.add(head)
    return found


def check_name(name: str, reserved: Iterable[str] = RESERVED) -> str:
    """The name, or InvalidInputError saying what is wrong with it."""
    if not _NAME.fullmatch(name):
        raise InvalidInputError(
            f"invalid experiment name {name[:120]!r}: use 1 to {MAX_NAME} characters of "
            "letters, digits, '_', '.' and '-'")
    if name.startswith("."):
        raise InvalidInputError(f"invalid experiment name {name!r}: it must not start with '.'")
    if name.lower().startswith("amq."):
        raise InvalidInputError(f"invalid experiment name {name!r}: 'amq.' queue names are reserved by RabbitMQ")
    if name in RESERVED or name in set(reserved):
        raise InvalidInputError(f"experiment name {name!r} is reserved: it is a path of runyard's own routes")
    return name


_PLAIN_TENANT = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9_.-]{0,63}")


def tenant_tag(tenant: str) -> str:
    """The tenant as a file name and queue-name prefix: itself when plain, else `~` + a hash.

    Plain tags never contain `~` and hashed ones always start with it, so two tenants never
    share a tag; neither can be `.`/`..` or a RabbitMQ-reserved `amq.` name.
    """
    if _PLAIN_TENANT.fullmatch(tenant) and not tenant.lower().startswith("amq."):
        return tenant
    return "~" + hashlib.sha256(tenant.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def broker_queue(tenant: str, name: str) -> str:
    """The RabbitMQ queue of a tenant's experiment: the bare name for the default tenant (what
    clients without tokens publish to), `<tenant tag>:<name>` for others. Names never contain
    `:`, so no tenant's queue can be another's."""
    return name if tenant == DEFAULT_TENANT else f"{tenant_tag(tenant)}:{name}"
