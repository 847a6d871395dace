"""Tenant access: the one rule deciding who may touch an object, for every kind of object.

Every object a caller can name belongs to exactly one tenant: projects (and through them runs,
metrics, logs, artifacts and logged models), ExperimentHub experiments (with their queues, folders and saved
models), spawned Jupyter servers. Each route, page, the hub, Jupyter and the SDK's ingest ask
here and nowhere else.

What another tenant sees when it names an object it does not own: exactly what it would see
for an object nobody holds (404, same message), for every kind and in every dialect and page.
Existence does not leak (issue 12): names of projects and hub experiments are chosen by the
tenants themselves, and ids are sequential, so a 403 would confirm that a name is taken or an
id is live. Experiments API v1's spec answers 403 there; runyard answers 404 (docs/api-v1.md).
A 403 remains for refusals that are not about tenants (CSRF, cross-site writes, a hub model
runyard did not make, Jupyter spawning off).

Objects are found by `runyard.lookup`, which asks here.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum
from typing import Protocol, TypeVar

from runyard.errors import ForbiddenError, NotFoundError


class Owned(Protocol):
    """Anything that records the tenant it belongs to."""

    @property
    def tenant(self) -> str: ...


OwnedT = TypeVar("OwnedT", bound=Owned)


class Kind(Enum):
    """Kinds of tenant-owned objects, each with its answer to a foreign tenant."""

    PROJECT = ("project", True)
    RUN = ("run", True)
    HUB_EXPERIMENT = ("experiment", True)
    HUB_MODEL = ("hub model", True)
    JUPYTER_SERVER = ("Jupyter server", True)
    LOGGED_MODEL = ("logged model", True)

    def __init__(self, label: str, hidden: bool) -> None:
        self.label = label
        # True: a foreign object is reported as missing (404). Every kind is, today; the flag
        # keeps the choice per kind explicit should a kind ever need a 403 again.
        self.hidden = hidden


DENIED = "Tenant access denied"


def owns(tenant: str, obj: Owned) -> bool:
    """True when `obj` belongs to `tenant`."""
    return obj.tenant == tenant


def require(obj: OwnedT, tenant: str, kind: Kind, ref: object = None) -> OwnedT:
    """`obj` when `tenant` owns it; otherwise the kind's refusal (403, or 404 as if missing)."""
    if obj.tenant == tenant:
        return obj
    if kind.hidden:
        raise missing(kind, ref)
    raise ForbiddenError(DENIED)


def missing(kind: Kind, ref: object = None) -> NotFoundError:
    """The error for an object nobody holds; a hidden foreign object gets the very same one."""
    return NotFoundError(f"{kind.label} {ref!r} not found" if ref is not None else f"{kind.label} not found")


def require_tenant(owner: str, tenant: str, kind: Kind, ref: object = None) -> None:
    """The same rule for an object known only by its owner's tenant name."""
    require(_Tenant(owner), tenant, kind, ref)


def visible(objects: Iterable[OwnedT], tenant: str) -> list[OwnedT]:
    """The objects `tenant` owns, in the given order (listings never show others')."""
    return [obj for obj in objects if obj.tenant == tenant]


class _Tenant:
    __slots__ = ("tenant",)

    def __init__(self, tenant: str) -> None:
        self.tenant = tenant
