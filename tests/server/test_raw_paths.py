"""`RawPathMiddleware` and `decode`: a percent-encoded name stays one path segment, decoded once."""

from __future__ import annotations

from typing import Annotated, Any

import httpx
import pytest
from fastapi import Depends, FastAPI
from starlette.requests import Request
from starlette.types import Receive, Scope, Send

from runyard.server.raw_paths import RAW_FLAG, DecodedPathParam, RawPathMiddleware, decode

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



TeamName = Annotated[str, Depends(DecodedPathParam("team", "Team name."))]


def _named_app() -> FastAPI:
    """A route taking `{team}` through a `DecodedPathParam`, under the raw-path prefix."""
    app = FastAPI()
    app.add_middleware(RawPathMiddleware, prefix="/teams/")

    @app.get("/teams/{team}/members")
    async def members(name: TeamName) -> dict[str, str]:
        return {"team": name}

    return app


async def test_a_decoded_path_param_is_the_name_the_client_meant() -> None:
    app = _named_app()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        slash = await client.get("/teams/a%2Fb/members")
        percent = await client.get("/teams/100%2525/members")
        plain = await client.get("/teams/plain/members")
    assert slash.json() == {"team": "a/b"}
    assert percent.json() == {"team": "100%25"}  # decoded once, not twice
    assert plain.json() == {"team": "plain"}


def test_a_decoded_path_param_is_documented_under_its_own_name() -> None:
    parameters = _named_app().openapi()["paths"]["/teams/{team}/members"]["get"]["parameters"]
    assert [(p["name"], p["in"], p["description"]) for p in parameters] == [("team", "path", "Team name.")]
