"""Signing the dashboard in when tokens are required: `/login`, `/logout`, the sign-in cookie.

A browser cannot add `Authorization: Bearer` to page loads or EventSource, so `POST /login`
checks a pasted token and stores its secret in an HttpOnly, SameSite=Strict cookie, which
`runyard.server.deps.credentials` accepts like the header. Pages without valid credentials
redirect here (`LoginRequired`) instead of answering a JSON 401.
"""

from __future__ import annotations

import contextlib
import urllib.parse
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from runyard.errors import AuthError
from runyard.server.deps import (
    SESSION_COOKIE,
    StoreDep,
    call,
    credentials,
    get_settings,
    get_tenant,
    same_origin,
)
from runyard.server.errors import error_response
from runyard.server.responses import JSONResponse
from runyard.server.web.templating import render

router = APIRouter(include_in_schema=False)
MAX_TOKEN_CHARS = 256  # runyard's secrets are 46 characters; anything far longer is not one
NO_STORE = {"Cache-Control": "no-store"}


class LoginRequired(Exception):
    """A page was asked for without valid credentials: send the browser to `/login`."""

    def __init__(self, next_path: str, stale_cookie: bool) -> None:
        super().__init__(next_path)
        self.next_path = next_path
        self.stale_cookie = stale_cookie


def safe_next(value: str | None) -> str:
    """A local path to return to after signing in; `/` for anything else.

    Only `/path?query` is kept: `//host` and `/\\host` are absolute URLs to browsers, and a
    scheme, whitespace or control characters could smuggle one in.
    """
    if not value or not value.startswith("/") or value.startswith(("//", "/\\")):
        return "/"
    if "\\" in value or not all("!" <= char <= "~" for char in value):
        return "/"
    parts = urllib.parse.urlsplit(value)
    if parts.scheme or parts.netloc or parts.path.startswith(("/login", "/logout")):
        return "/"
    return value


def current_path(request: Request) -> str:
    """The request's path and query as sent (percent-encoding kept, so `team%2Fvision` survives)."""
    raw = request.scope.get("raw_path")
    if isinstance(raw, bytes) and raw.isascii():
        path = raw.decode("ascii").split("?", 1)[0]
    else:
        path = urllib.parse.quote(request.url.path)
    query = request.url.query
    return f"{path}?{query}" if query else path


def login_url(next_path: str) -> str:
    """`/login`, with where to go afterwards unless that is `/`."""
    target = safe_next(next_path)
    return "/login" if target == "/" else "/login?next=" + urllib.parse.quote(target, safe="")


def wants_json(request: Request) -> bool:
    """`Accept: application/json` (and not HTML first), as Aspara's run page honours."""
    accept = request.headers.get("accept", "").lower()
    return "application/json" in accept and "text/html" not in accept


async def page_tenant(request: Request) -> str:
    """The tenant for an HTML page: like `TenantDep`, but sends a browser to sign in instead of a 401."""
    try:
        return await get_tenant(request)
    except AuthError as exc:
        # An API client (the run page answers JSON), or a bad Authorization header that
        # signing in cannot fix: the JSON 401 says what is wrong.
        if wants_json(request) or request.method.upper() not in ("GET", "HEAD") or "authorization" in request.headers:
            raise
        raise LoginRequired(current_path(request), stale_cookie=bool(request.cookies.get(SESSION_COOKIE))) from exc


PageTenantDep = Annotated[str, Depends(page_tenant)]


def signed_in_by_cookie(request: Request) -> bool:
    """True when this request was signed in by the cookie (the header shows a sign-out button)."""
    found = credentials(request)
    return found is not None and found.from_cookie


async def login_required_handler(request: Request, exc: Exception) -> Response:
    """303 to `/login?next=...`; a cookie that no longer signs in is dropped on the way."""
    assert isinstance(exc, LoginRequired)
    response = RedirectResponse(login_url(exc.next_path), status_code=303, headers=NO_STORE)
    if exc.stale_cookie:
        _forget(request, response)
    return response


def _page(request: Request, status_code: int = 200, next_path: str | None = None, message: str = "") -> HTMLResponse:
    page = render("login.html", status_code=status_code, title="Sign in", crumbs=[],
                  auth_required=get_settings(request).auth_required, next_path=safe_next(next_path), message=message)
    page.headers.update(NO_STORE)
    return page


def _forget(request: Request, response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", secure=request.url.scheme == "https", httponly=True,
                           samesite="strict")


@router.get("/login", response_class=HTMLResponse)
async def login_page(request: Request, next: str | None = None) -> Response:
    """Paste a token to sign in (or, without auth, a note that none is needed)."""
    return await call(_page, request, next_path=next)


@router.get("/login/session")
async def login_session(request: Request) -> Response:
    """`{"signed_in", "tenant"}` for this browser (always 200, so the login page logs no error).

    A SameSite=Strict cookie is not sent on a navigation that began on another site (a link
    in a chat), so that navigation lands on `/login` signed out; the page's own fetch does
    carry the cookie and sends the browser on.
    """
    tenant = None
    if get_settings(request).auth_required:
        # Not signed in (or a bad header): the page shows the form.
        with contextlib.suppress(AuthError):
            tenant = await get_tenant(request)
    return JSONResponse({"signed_in": tenant is not None, "tenant": tenant}, headers=NO_STORE)


@router.post("/login", response_class=HTMLResponse)
async def login(request: Request, store: StoreDep) -> Response:
    """Check the token; valid: set the cookie and 303 to a local `next`; invalid: the page again, 401."""
    # Login CSRF: another site must not sign this browser in as *its* tenant.
    if not same_origin(request):
        return error_response(request, 403, "cross-site sign-in refused")
    form = await request.form()
    next_path = safe_next(str(form.get("next") or "/"))
    if not get_settings(request).auth_required:
        return RedirectResponse(next_path, status_code=303, headers=NO_STORE)
    token = str(form.get("token") or "").strip()
    tenant = None
    if token and len(token) <= MAX_TOKEN_CHARS:
        tenant = await call(store.tenant_for_token, token)
    if tenant is None:
        message = "That token is not valid (or was revoked)." if token else "Paste a token to sign in."
        return await call(_page, request, status_code=401, next_path=next_path, message=message)
    response = RedirectResponse(next_path, status_code=303, headers=NO_STORE)
    # A session cookie: forgotten when the browser closes; the token itself lives until revoked.
    response.set_cookie(SESSION_COOKIE, token, path="/", secure=request.url.scheme == "https", httponly=True,
                        samesite="strict")
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    """Forget the sign-in cookie in this browser (the token stays valid: `runyard token revoke` ends it)."""
    if not same_origin(request):
        return error_response(request, 403, "cross-site sign-out refused")
    response = RedirectResponse("/login", status_code=303, headers=NO_STORE)
    _forget(request, response)
    return response
