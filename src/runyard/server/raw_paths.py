"""Names as URL path segments: `%2F` inside a name must not split it.

ASGI servers hand routers a percent-decoded `path`, so `/api/experiments/a%2Fb/runs` would
route as experiment `a` followed by `b/runs`. Under the prefixes a dialect names (expman,
Aspara, the web pages) `RawPathMiddleware` routes on the raw (still encoded) path instead,
and `decode` turns each path parameter back into the name the client meant, exactly once.
"""

from __future__ import annotations

import inspect
from typing import Annotated
from urllib.parse import unquote

from fastapi import Depends, Path, Request
from starlette.types import ASGIApp, Receive, Scope, Send

RAW_FLAG = "runyard.raw_path"


class RawPathMiddleware:
    """Under `prefix`, route on the encoded path so each segment stays one segment."""

    def __init__(self, app: ASGIApp, prefix: str) -> None:
        self.app = app
        self.prefix = prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and str(scope.get("path", "")).startswith(self.prefix):
            raw = scope.get("raw_path")
            if isinstance(raw, bytes) and b"%" in raw and raw.isascii():
                encoded = raw.decode("ascii").split("?", 1)[0]
                # Only when the raw path is what the server decoded (no rewriting proxy in between).
                if unquote(encoded) == scope["path"]:
                    scope = {**scope, "path": encoded, RAW_FLAG: True}
        await self.app(scope, receive, send)


def decode(request: Request, value: str) -> str:
    """A path parameter as the client meant it (percent-decoded exactly once)."""
    return unquote(value, errors="replace") if request.scope.get(RAW_FLAG) else value


class DecodedPathParam:
    """A dependency answering path parameter `{name}` as the client meant it (decoded once).

    FastAPI binds a dependency's parameters by name and documents them from its signature,
    so each instance presents the signature `(request, <name>: str)` with its description;
    one class then serves every dialect's `{project}`, `{experiment}` and `{run}`.
    """

    def __init__(self, name: str, description: str) -> None:
        self.name = name
        self.__signature__ = inspect.Signature([
            inspect.Parameter("request", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Request),
            inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY,
                              annotation=Annotated[str, Path(description=description)]),
        ], return_annotation=str)

    async def __call__(self, request: Request, **path: str) -> str:
        """The decoded value of the parameter."""
        return decode(request, path[self.name])


RunName = Annotated[str, Depends(DecodedPathParam("run", "Run name; percent-encode `/`, spaces and `%`."))]
