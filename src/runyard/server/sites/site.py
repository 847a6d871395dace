"""`FrontendSite` and `site_app`: a frontend's own files, its API calls answered by runyard's app.

API paths go to the main app as they are, so the store, the tenant rule, token and cookie
auth, the Host check and the CSRF check are the main app's own (a site's page calling its own
port is same-origin for `server/deps.py`). The site's files get the same Host check and
security headers, with a CSP of the site's choosing.
"""

from __future__ import annotations

import base64
import hashlib
import posixpath
import re
import urllib.parse
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import anyio
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from runyard.server.hosts import HostMiddleware, HostRule
from runyard.server.security_headers import SecurityHeadersMiddleware

# Built SPAs (Vite) load their own module scripts and styles; they set inline styles from
# scripts and draw charts on canvases, load fonts and images from their assets, and some
# compile WebAssembly ('wasm-unsafe-eval' allows compiling WASM only, never eval of text).
SITE_POLICY = ("default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; "
               "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; "
               "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")

# An inline script: a `<script>` without `src` (a module loader, an editor's start-up).
_INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.DOTALL | re.IGNORECASE)


def inline_script_policy(html: str, policy: str = SITE_POLICY) -> str:
    """`policy` allowing exactly the page's own inline scripts, by their SHA-256 hash (never 'unsafe-inline')."""
    hashes = " ".join(f"'sha256-{base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()}'"
                      for body in _INLINE_SCRIPT.findall(html))
    return policy.replace("script-src 'self'", f"script-src 'self' {hashes}") if hashes else policy


# A server-side page of a site (Aspara renders its HTML): the response, or None when the
# path is not one of its pages (then the site's files are tried). `request.app` is runyard's
# main app, so `request.app.state.store` and `.settings` are at hand.
PageRenderer = Callable[[Request], Awaitable[Response | None]]


@dataclass(frozen=True, slots=True)
class FrontendSite:
    """One third-party frontend: where its files are and which paths are runyard's API."""

    name: str  # for messages: "swanboard"
    files: Path  # the built app's folder (index.html, assets/...)
    api_prefixes: tuple[str, ...]  # "/api/": these paths are answered by runyard's app
    index: str = "index.html"
    spa_fallback: bool = True  # unknown paths without a file extension get index.html (client-side routing)
    csp: str = SITE_POLICY
    render: PageRenderer | None = None
    files_at: str = "/"  # the URL path the files are served under ("/static/": Aspara's); other paths 404
    # API paths the frontend calls that runyard answers elsewhere, as (called, answered at) prefixes:
    # expman's app calls `/api/projects`, which is Aspara's prefix on the main port.
    api_moves: tuple[tuple[str, str], ...] = ()

    def file_path(self, path: str) -> str | None:
        """The path of a URL path inside `files` (None: not under `files_at`)."""
        return "/" + path[len(self.files_at):] if path.startswith(self.files_at) else None

    def is_api(self, path: str) -> bool:
        """True when the path belongs to runyard's API rather than the site's files."""
        return any(path == prefix.rstrip("/") or path.startswith(prefix) for prefix in self.api_prefixes)

    def moved(self, scope: Scope) -> Scope:
        """The request as runyard's app answers it: its path moved by `api_moves` (the first that matches)."""
        path: str = scope.get("path", "")
        for called, answered in self.api_moves:
            if path == called or path.startswith(called + "/"):
                raw: bytes = scope.get("raw_path") or path.encode()
                rest = raw[len(called):] if raw.startswith(called.encode()) else \
                    urllib.parse.quote(path[len(called):]).encode()
                return {**scope, "path": answered + path[len(called):], "raw_path": answered.encode() + rest}
        return scope


def locate(root: Path, url_path: str, index: str, spa_fallback: bool) -> Path | None:
    """The file under `root` a URL path names (index for `/` and, with the fallback, for routes); None: 404.

    Blocking (stat calls): run it on a worker thread. `..`, encoded slashes and symlinks
    out of `root` never reach a file outside it.
    """
    base = root.resolve()
    clean = posixpath.normpath("/" + urllib.parse.unquote(url_path)).lstrip("/")
    if "\\" in clean or "\x00" in clean:
        return None
    wanted = base / clean if clean and clean != "." else base / index
    try:
        found = wanted.resolve()
    except (OSError, RuntimeError):
        return None
    if found.is_relative_to(base) and found.is_file():
        return found
    if found.is_relative_to(base) and found.is_dir() and (found / index).is_file():
        return found / index
    last = clean.rsplit("/", 1)[-1]
    if spa_fallback and "." not in last and (base / index).is_file():
        return base / index
    return None


class _Files:
    """The site's files (and server-side pages), behind the Host check and security headers."""

    def __init__(self, site: FrontendSite) -> None:
        self.site = site

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        request = Request(scope, receive)
        response = await self._respond(request)
        response.headers.setdefault("content-security-policy", self.site.csp)
        await response(scope, receive, send)

    async def _respond(self, request: Request) -> Response:
        if request.method not in ("GET", "HEAD"):
            return PlainTextResponse("method not allowed", status_code=405, headers={"Allow": "GET, HEAD"})
        if self.site.render is not None:
            page = await self.site.render(request)
            if page is not None:
                return page
        site = self.site
        inside = site.file_path(request.url.path)
        found = None if inside is None else await anyio.to_thread.run_sync(
            locate, site.files, inside, site.index, site.spa_fallback)
        if found is None:
            return PlainTextResponse("not found", status_code=404)
        # The index changes with every build of the app; hashed assets never do.
        cache = "no-cache" if found.name == site.index else "public, max-age=3600"
        return FileResponse(found, headers={"Cache-Control": cache})


def site_app(site: FrontendSite, main_app: ASGIApp) -> ASGIApp:
    """The ASGI app of one site: API paths to `main_app` in-process, other paths the site's files."""
    settings = main_app.state.settings  # type: ignore[attr-defined]
    files: ASGIApp = SecurityHeadersMiddleware(HostMiddleware(_Files(site), rule=HostRule.from_settings(settings)))

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            return  # the main server runs the app's lifespan; a site server runs with lifespan off
        if site.is_api(scope.get("path", "")):
            await main_app(site.moved(scope), receive, send)
            return
        # Error bodies and page renderers read `request.app` (the dialects, the store).
        scope["app"] = main_app
        await files(scope, receive, send)

    return app
