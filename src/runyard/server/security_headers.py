"""Security headers on every response: no sniffing, no framing, a CSP, downloads kept inert.

Headers a route set itself are kept. Files served for download (a `Content-Disposition`)
get a sandboxing CSP, and types a browser would run or render as a page (HTML, SVG, XML,
JavaScript) are forced to `attachment`, so an uploaded artifact never acts as this origin.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# The dashboard loads only its own scripts; it sets inline styles (chart swatches, table
# spacers) from scripts, hence 'unsafe-inline' for styles only.
PAGE_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
               "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; "
               "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
# Swagger UI (FastAPI's page) starts from an inline script; those pages show no user data.
DOCS_POLICY = PAGE_POLICY.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'")
DOWNLOAD_POLICY = "default-src 'none'; style-src 'unsafe-inline'; sandbox; frame-ancestors 'none'"
COMMON = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}
ACTIVE_TYPES = ("text/html", "application/xhtml", "image/svg", "text/xml", "application/xml", "javascript",
                "text/xsl", "application/x-shockwave-flash", "application/pdf")


def _active(content_type: str) -> bool:
    kind = content_type.split(";", 1)[0].strip().lower()
    return any(marker in kind for marker in ACTIVE_TYPES) or kind.endswith("+xml")


def secure(headers: MutableHeaders, path: str) -> None:
    """Add the security headers a response lacks (in place)."""
    for name, value in COMMON.items():
        if name not in headers:
            headers[name] = value
    disposition = headers.get("content-disposition")
    if disposition is not None:
        if _active(headers.get("content-type", "")) and not disposition.lower().startswith("attachment"):
            _kind, _sep, rest = disposition.partition(";")
            headers["content-disposition"] = "attachment" + (";" + rest if rest else "")
        headers["content-security-policy"] = DOWNLOAD_POLICY
    elif "content-security-policy" not in headers:
        headers["content-security-policy"] = DOCS_POLICY if path.startswith("/docs/") else PAGE_POLICY


class SecurityHeadersMiddleware:
    """Wraps `send` so every HTTP response start gets the headers."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")

        async def send_secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                secure(MutableHeaders(scope=message), path)
            await send(message)

        await self.app(scope, receive, send_secured)
