"""Security headers: CSP and no framing on pages, nosniff everywhere, active artifacts only as downloads."""

from __future__ import annotations

import httpx
import pytest

from runyard.store import Store

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize("path", ["/", "/docs", "/docs/v1", "/login", "/health", "/api/v1/experiments",
                                  "/static/vendor/uplot/uPlot.min.css", "/nope-not-a-page/x/y/z"])
async def test_every_response_is_not_sniffed_nor_framed(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)
    assert response.headers["x-content-type-options"] == "nosniff", path
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "same-origin"
    policy = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy


async def test_dashboard_pages_run_only_their_own_scripts(client: httpx.AsyncClient) -> None:
    policy = (await client.get("/")).headers["content-security-policy"]
    assert "script-src 'self';" in policy and "unsafe-eval" not in policy
    # Swagger UI boots from FastAPI's inline script: only its pages allow one.
    assert "script-src 'self' 'unsafe-inline'" in (await client.get("/docs/v1")).headers["content-security-policy"]


@pytest.mark.parametrize("name", ["page.html", "icon.svg", "feed.xml", "app.js", "page.xhtml"])
async def test_active_artifacts_download_as_attachments(client: httpx.AsyncClient, store: Store, name: str) -> None:
    project = store.create_project("p")
    run = store.create_run(project.id, name="r")
    store.add_artifact_bytes(run.id, name, b"<script>alert(document.domain)</script>")
    for url in (f"/web/api/runs/{run.id}/artifacts/{name}", f"/api/experiments/p/runs/r/artifacts/{name}"):
        response = await client.get(url)
        assert response.status_code == 200, (url, response.text)
        assert response.headers["content-disposition"].startswith("attachment"), url
        assert response.headers["x-content-type-options"] == "nosniff"
        assert "sandbox" in response.headers["content-security-policy"], url


async def test_inline_disposition_of_active_type_is_forced_to_attachment() -> None:
    from starlette.datastructures import MutableHeaders

    from runyard.server.security_headers import secure

    headers = MutableHeaders({"content-type": "image/svg+xml", "content-disposition": 'inline; filename="a.svg"'})
    secure(headers, "/x")
    assert headers["content-disposition"] == 'attachment; filename="a.svg"'
    kept = MutableHeaders({"content-type": "application/json", "content-disposition": 'inline; filename="m.json"'})
    secure(kept, "/x")
    assert kept["content-disposition"].startswith("inline")
