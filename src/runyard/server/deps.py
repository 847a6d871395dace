"""Request-scoped helpers: the store, the settings, the caller's tenant, thread offloading.

Credentials are resolved here and only here: the `Authorization: Bearer` header, or (when
tokens are required) the dashboard's sign-in cookie, which carries the same token secret.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, ParamSpec, TypeVar

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from runyard.errors import AuthError, ForbiddenError
from runyard.events import ChangeFeed
from runyard.server.hosts import checked_host
from runyard.settings import Settings
from runyard.store import DEFAULT_TENANT, Store

T = TypeVar("T")
P = ParamSpec("P")

# The dashboard's sign-in cookie (set by `POST /login`): the token secret itself.
SESSION_COOKIE = "runyard_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
DEFAULT_PORTS = {"http": 80, "https": 443}


def get_store(request: Request) -> Store:
    """The app's store."""
    store: Store = request.app.state.store
    return store


def get_settings(request: Request) -> Settings:
    """The app's settings."""
    settings: Settings = request.app.state.settings
    return settings


async def call(fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Run a blocking store call on a worker thread (never block the event loop).

    Typed with ParamSpec (as starlette's `run_in_threadpool`), so mypy checks the arguments
    of every offloaded call against the function's signature.
    """
    return await run_in_threadpool(fn, *args, **kwargs)


def bearer_token(request: Request) -> str | None:
    """The token of `Authorization: Bearer ...`, if any."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if header and (scheme.lower() != "bearer" or not value.strip()):
        raise AuthError("Authorization header must be 'Bearer <token>'")
    return value.strip() or None


@dataclass(frozen=True, slots=True)
class Credentials:
    """A token secret and where it came from (a cookie needs CSRF checks, a header does not)."""

    secret: str
    from_cookie: bool


def credentials(request: Request) -> Credentials | None:
    """The caller's token: the Authorization header wins; else the sign-in cookie when tokens are required."""
    token = bearer_token(request)
    if token is not None:
        return Credentials(token, from_cookie=False)
    # Without auth the cookie is ignored: cookies are shared by every port of a host, so one
    # left by a token-protected runyard on another port must not break this one.
    if not get_settings(request).auth_required:
        return None
    cookie = request.cookies.get(SESSION_COOKIE, "").strip()
    return Credentials(cookie, from_cookie=True) if cookie else None


def _origin(url: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of a URL or an `Origin` value; None for `null` or junk."""
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    return scheme, parts.hostname.lower(), port or DEFAULT_PORTS[scheme]


def own_origin(request: Request) -> tuple[str, str, int] | None:
    """This server's origin as the request reached it: the Host that `HostMiddleware` checked.

    Never rebuilt from an unchecked Host: a rebound name would otherwise count as "us".
    """
    checked = checked_host(request)
    if checked is None:
        return _origin(str(request.base_url))
    scheme = request.url.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        return None
    name, port = checked
    return scheme, name, port or DEFAULT_PORTS[scheme]


def same_origin(request: Request) -> bool:
    """True when the browser says the request comes from this server's own pages.

    Both headers are set by the browser and cannot be forged by a page. `Sec-Fetch-Site`
    also holds behind a TLS-terminating proxy that hides the scheme; `Origin` covers plain
    http to a non-local host, where browsers send no `Sec-Fetch-*`. A rebound host name is
    refused before this (`runyard.server.hosts`), so "same origin" means one of our names.
    """
    if request.headers.get("sec-fetch-site", "").lower() == "same-origin":
        return True
    origin = _origin(request.headers.get("origin", ""))
    return origin is not None and origin == own_origin(request)


def check_csrf(request: Request, found: Credentials) -> None:
    """403 for a cookie-authenticated write that did not come from this server's pages.

    SameSite=Strict alone is not enough: sibling subdomains are the same *site*, and old
    browsers ignore SameSite. A header-authenticated call cannot be forged cross-site.
    """
    if found.from_cookie and request.method.upper() not in SAFE_METHODS and not same_origin(request):
        raise ForbiddenError("cross-site request refused: a write signed in by cookie must come from this "
                             "server's pages (same-origin Origin) or send 'Authorization: Bearer <token>'")


def from_another_site(request: Request) -> bool:
    """A request a browser sends on behalf of another site's page (scripts send no such headers)."""
    fetch_site = request.headers.get("sec-fetch-site", "").lower()
    if fetch_site:
        return fetch_site not in ("same-origin", "none")
    return "origin" in request.headers and not same_origin(request)


def cross_site_browser_write(request: Request) -> bool:
    """A write a browser sends on behalf of another site's page."""
    return request.method.upper() not in SAFE_METHODS and from_another_site(request)


AUTH_REQUIRED = "authentication required: send 'Authorization: Bearer <token>' (browsers: sign in at /login)"
TOKEN_STATE_KEY = "runyard_token"  # scope["state"]: (secret, tenant or None), looked up once a request
# Routes that take a body without a token: signing in sends the token in the form.
PUBLIC_BODY_PATHS = frozenset({"/login", "/logout"})


async def token_tenant(request: Request, secret: str) -> str | None:
    """The tenant of a token secret (None: unknown or revoked), looked up at most once per request."""
    state = request.scope.setdefault("state", {})
    cached = state.get(TOKEN_STATE_KEY)
    if isinstance(cached, tuple) and cached[0] == secret:
        return cached[1]  # type: ignore[no-any-return]
    tenant = await call(get_store(request).tenant_for_token, secret)
    state[TOKEN_STATE_KEY] = (secret, tenant)
    return tenant


async def check_token_before_body(request: Request) -> None:
    """AuthError/ForbiddenError unless the request carries a valid token (`BodyMiddleware`, auth on).

    Runs before a byte of the body is read, so an anonymous caller cannot make the server
    buffer anything; the same credentials and look-up as `get_tenant`, which reuses it.
    """
    if request.url.path in PUBLIC_BODY_PATHS:
        return
    found = credentials(request)
    if found is None:
        raise AuthError(AUTH_REQUIRED)
    await _owner_of(request, found)


async def _owner_of(request: Request, found: Credentials) -> str:
    """The tenant of a token sent from an allowed origin; AuthError for an unknown or revoked one."""
    check_csrf(request, found)
    tenant = await token_tenant(request, found.secret)
    if tenant is None:
        raise AuthError("invalid or revoked token")
    return tenant


async def get_tenant(request: Request) -> str:
    """The caller's tenant: from its token; `default` without one when auth is off."""
    found = credentials(request)
    settings = get_settings(request)
    if found is None:
        if settings.auth_required:
            raise AuthError(AUTH_REQUIRED)
        # Without tokens, any web page the user visits could otherwise POST a form here (a
        # "simple" request needs no CORS preflight) and start trainings or Jupyter servers.
        if cross_site_browser_write(request):
            raise ForbiddenError("cross-site request refused: writes from another site's pages are not allowed")
        return DEFAULT_TENANT
    return await _owner_of(request, found)


async def get_feed(request: Request) -> ChangeFeed:
    """The app's change feed, started on first use."""
    feed: ChangeFeed = request.app.state.feed
    await feed.start()
    return feed


StoreDep = Annotated[Store, Depends(get_store)]
FeedDep = Annotated[ChangeFeed, Depends(get_feed)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
TenantDep = Annotated[str, Depends(get_tenant)]
