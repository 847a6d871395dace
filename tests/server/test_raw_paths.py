"""`RawPathMiddleware` and `decode`: a percent-encoded name stays one path segment, decoded once."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.requests import Request
from starlette.types import Receive, Scope, Send

from runyard.server.raw_paths import RAW_FLAG, RawPathMiddleware, decode

pytestmark = pytest.mark.anyio


async def _routed(prefix: str, path: str, raw: bytes) -> dict[str, Any]:
    """The scope the wrapped app sees for a request uvicorn decoded to `path`."""
    seen: dict[str, Any] = {}

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.update(scope)

    async def receive() -> dict[str, Any]:
        return {"type": "http.request"}

    async def send(message: Any) -> None:
        return None

    scope = {"type": "http", "path": path, "raw_path": raw, "query_string": b"", "headers": []}
    await RawPathMiddleware(app, prefix)(scope, receive, send)
    return seen


async def test_an_encoded_slash_stays_in_its_segment() -> None:
    seen = await _routed("/api/projects/", "/api/projects/a/b/runs", b"/api/projects/a%2Fb/runs?x=1")
    assert seen["path"] == "/api/projects/a%2Fb/runs" and seen[RAW_FLAG] is True
    assert decode(Request(seen), "a%2Fb") == "a/b"


@pytest.mark.parametrize(("path", "raw"), [
    ("/elsewhere/a/b", b"/elsewhere/a%2Fb"),  # not under the prefix
    ("/api/projects/plain", b"/api/projects/plain"),  # nothing encoded
    ("/api/projects/x", b"/api/projects/a%2Fb"),  # a proxy rewrote the path: keep the decoded one
])
async def test_other_paths_pass_untouched(path: str, raw: bytes) -> None:
    seen = await _routed("/api/projects/", path, raw)
    assert seen["path"] == path and RAW_FLAG not in seen
    assert decode(Request(seen), "a%2Fb") == "a%2Fb"  # already decoded by the server: not twice

