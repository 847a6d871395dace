"""MLflow's web UI paths: `/ajax-api/...` is the same API as `/api/...`, served by the same routes.

The request path is rewritten before routing, so each handler is declared once (and checked
once by the route-walking tests). A known path asked with another method answers 404
ENDPOINT_NOT_FOUND, as MLflow does for any endpoint it does not serve, not Starlette's 405.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

AJAX = "/ajax-api/"
API = "/api/"


class AjaxMirror:
    """ASGI middleware: `/ajax-api/<prefix>...` -> `/api/<prefix>...` for MLflow's prefixes; 405 -> 404 there."""

    def __init__(self, app: ASGIApp, prefixes: tuple[str, ...]) -> None:
        self.app = app
        self.prefixes = prefixes  # the `/api/...` forms

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        if path.startswith(AJAX):
            mirrored = API + path[len(AJAX):]
            if mirrored.startswith(self.prefixes):
                raw = scope.get("raw_path") or path.encode()
                scope = {**scope, "path": mirrored, "raw_path": API.encode() + raw[len(AJAX):]}
                path = mirrored
        if not path.startswith(self.prefixes):
            await self.app(scope, receive, send)
            return

        async def answer(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 405:
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"allow"]
                message = {**message, "status": 404, "headers": headers}
            await send(message)

        await self.app(scope, receive, answer)
