"""Request-scoped helpers: the store, the settings, the caller's tenant, thread offloading."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, TypeVar

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from runyard.errors import AuthError, ForbiddenError
from runyard.events import ChangeFeed
from runyard.settings import Settings
from runyard.store import DEFAULT_TENANT, Project, Store

T = TypeVar("T")


def get_store(request: Request) -> Store:
    """The app's store."""
    store: Store = request.app.state.store
    return store


def get_settings(request: Request) -> Settings:
    """The app's settings."""
    settings: Settings = request.app.state.settings
    return settings


async def call(fn: Callable[..., T], *args: object, **kwargs: object) -> T:
    """Run a blocking store call on a worker thread (never block the event loop)."""
    return await run_in_threadpool(fn, *args, **kwargs)


def bearer_token(request: Request) -> str | None:
    """The token of `Authorization: Bearer ...`, if any."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if header and (scheme.lower() != "bearer" or not value.strip()):
        raise AuthError("Authorization header must be 'Bearer <token>'")
    return value.strip() or None


async def get_tenant(request: Request) -> str:
    """The caller's tenant: from its token; `default` without one when auth is off."""
    token = bearer_token(request)
    settings = get_settings(request)
    if token is None:
        if settings.auth_required:
            raise AuthError("authentication required: send 'Authorization: Bearer <token>'")
        return DEFAULT_TENANT
    tenant = await call(get_store(request).tenant_for_token, token)
    if tenant is None:
        raise AuthError("invalid or revoked token")
    return tenant


async def get_feed(request: Request) -> ChangeFeed:
    """The app's change feed, started on first use."""
    feed: ChangeFeed = request.app.state.feed
    await feed.start()
    return feed


StoreDep = Annotated[Store, Depends(get_store)]
FeedDep = Annotated[ChangeFeed, Depends(get_feed)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
TenantDep = Annotated[str, Depends(get_tenant)]


def check_tenant(project: Project, tenant: str) -> Project:
    """403 when the project belongs to another tenant."""
    if project.tenant != tenant:
        raise ForbiddenError("Tenant access denied")
    return project
