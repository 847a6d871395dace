"""Signing the dashboard in when tokens are required: /login, the cookie, CSRF, /logout.

In process (httpx over ASGI). The Chromium test is in test_login_browser.py: pytest groups
the `[chromium]` items across modules, so one here would run first and leave Playwright's
event loop in place for these anyio tests.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from http.cookies import SimpleCookie

import httpx
import pytest

from runyard.server.deps import SESSION_COOKIE
from runyard.settings import Settings
from runyard.store import Store
from tests.server.conftest import auth_app
from tests.server.web.conftest import PROJECT, seed_project

BASE = "http://runyard.test"
SAME_ORIGIN = {"Origin": BASE}


@pytest.fixture
def ids(store: Store) -> dict[str, int]:
    return seed_project(store)  # `vision`, tenant default


@pytest.fixture
def secrets(store: Store) -> dict[str, str]:
    """A token secret per tenant."""
    return {tenant: store.create_token(tenant)[1] for tenant in ("default", "acme")}


@pytest.fixture
async def http(settings: Settings, store: Store) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the app with tokens required (follows no redirects)."""
    app = auth_app(settings, store)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as client:
        yield client


def cookie(secret: str) -> dict[str, str]:
    """Just the sign-in cookie, as a browser would send it."""
    return {"Cookie": f"{SESSION_COOKIE}={secret}"}


def set_cookie(response: httpx.Response) -> SimpleCookie:
    """The response's Set-Cookie headers, parsed."""
    jar: SimpleCookie = SimpleCookie()
    for header in response.headers.get_list("set-cookie"):
        jar.load(header)
    return jar


@pytest.mark.anyio
async def test_pages_without_credentials_redirect_to_login(http: httpx.AsyncClient, ids: dict[str, int]) -> None:
    for path in ("/", f"/projects/{PROJECT}?runs={ids['mlp']}", f"/projects/{PROJECT}/runs",
                 f"/projects/{PROJECT}/runs/resnet-a", "/projects/team%2Fvision"):
        page = await http.get(path, headers={"Accept": "text/html"})
        assert page.status_code == 303, path
        target = httpx.URL(page.headers["location"])
        assert target.path == "/login"
        assert target.params.get("next", "/") == path  # back to the same page, encoding kept
        assert page.headers["cache-control"] == "no-store"
    # API clients still get a JSON 401 with its challenge, never a redirect.
    as_json = await http.get(f"/projects/{PROJECT}/runs/resnet-a", headers={"Accept": "application/json"})
    assert as_json.status_code == 401 and as_json.headers["www-authenticate"] == "Bearer"
    assert "detail" in as_json.json()
    reads = await http.get(f"/web/api/runs/{ids['mlp']}/logs")
    assert reads.status_code == 401 and "/login" in reads.json()["detail"]
    login = await http.get("/login?next=/projects/vision")
    assert login.status_code == 200 and login.headers["content-type"].startswith("text/html")
    assert "runyard token create --tenant NAME" in login.text
    assert 'name="token"' in login.text and 'value="/projects/vision"' in login.text
    assert (await http.get("/login/session")).json() == {"signed_in": False, "tenant": None}
    # A bad Authorization header is not something signing in can fix: the 401 says so.
    basic = {"Authorization": "Basic dXNlcjpwdw==", "Accept": "text/html"}
    refused = await http.get("/", headers=basic)
    assert refused.status_code == 401 and "Bearer" in refused.json()["detail"]
    assert (await http.get("/login/session", headers=basic)).json() == {"signed_in": False, "tenant": None}


@pytest.mark.anyio
async def test_bad_tokens_get_the_page_again_with_401(http: httpx.AsyncClient, secrets: dict[str, str]) -> None:
    for token, message in (("ry_not-a-token", "not valid"), ("", "Paste a token"), ("x" * 10_000, "not valid"),
                           (secrets["acme"] + "x", "not valid")):
        answer = await http.post("/login", data={"token": token, "next": "/projects/x"}, headers=SAME_ORIGIN)
        assert answer.status_code == 401, token[:20]
        assert message in answer.text and 'value="/projects/x"' in answer.text
        assert "set-cookie" not in answer.headers
    # Another site cannot sign this browser in as its own tenant (login CSRF).
    forged = await http.post("/login", data={"token": secrets["acme"]}, headers={"Origin": "https://evil.example"})
    assert forged.status_code == 403 and "set-cookie" not in forged.headers
    assert forged.json() == {"detail": "cross-site sign-in refused"}


@pytest.mark.parametrize(("next_path", "expected"), [
    ("/projects/vision?runs=1,2", "/projects/vision?runs=1,2"),
    ("/projects/team%2Fvision", "/projects/team%2Fvision"),
    ("https://evil.example", "/"),
    ("//evil.example", "/"),
    ("//evil.example/projects", "/"),
    ("/\\evil.example", "/"),
    ("/\\/evil.example", "/"),
    ("javascript:alert(1)", "/"),
    ("/projects/x\r\nSet-Cookie: a=b", "/"),
    ("/login", "/"),
    ("", "/"),
])
@pytest.mark.anyio
async def test_good_token_sets_a_strict_httponly_cookie_and_redirects_locally(
        http: httpx.AsyncClient, secrets: dict[str, str], next_path: str, expected: str) -> None:
    answer = await http.post("/login", data={"token": f"  {secrets['acme']}\n", "next": next_path},
                             headers=SAME_ORIGIN)
    assert answer.status_code == 303
    assert answer.headers["location"] == expected
    jar = set_cookie(answer)
    morsel = jar[SESSION_COOKIE]
    assert morsel.value == secrets["acme"]  # the pasted whitespace is not part of it
    assert morsel["httponly"] is True and morsel["samesite"].lower() == "strict" and morsel["path"] == "/"
    assert not morsel["secure"]  # plain http: a Secure cookie would never come back
    assert not morsel["max-age"] and not morsel["expires"]  # gone when the browser closes


@pytest.mark.anyio
async def test_the_cookie_is_secure_over_https(settings: Settings, store: Store, secrets: dict[str, str]) -> None:
    app = auth_app(settings, store)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="https://runyard.test") as client:
        answer = await client.post("/login", data={"token": secrets["acme"]},
                                   headers={"Sec-Fetch-Site": "same-origin"})
    assert answer.status_code == 303 and set_cookie(answer)[SESSION_COOKIE]["secure"] is True


@pytest.mark.anyio
async def test_the_cookie_signs_in_every_read_scoped_to_its_tenant(
        http: httpx.AsyncClient, store: Store, ids: dict[str, int], secrets: dict[str, str]) -> None:
    theirs = store.get_project_by_name(PROJECT)  # tenant default
    mine = store.create_project("mine", tenant="acme")
    run = store.create_run(mine.id, name="r")
    acme = cookie(secrets["acme"])
    home = await http.get("/", headers=acme)
    assert home.status_code == 200 and 'href="/projects/mine"' in home.text and PROJECT not in home.text
    assert 'action="/logout"' in home.text  # signed in by cookie: a sign-out button
    assert (await http.get("/projects/mine", headers=acme)).status_code == 200
    assert (await http.get(f"/web/api/projects/{mine.id}/runs", headers=acme)).json()["runs"][0]["id"] == run.id
    assert (await http.get(f"/web/api/runs/{run.id}/logs", headers=acme)).status_code == 200
    # Another tenant's project or run: 404 by id as by name, as if nobody held it (issue 12).
    for url, detail in ((f"/web/api/projects/{theirs.id}/runs", f"project {theirs.id} not found"),
                        (f"/web/api/runs/{ids['mlp']}/logs", f"run {ids['mlp']} not found"),
                        (f"/web/api/stream?runs={ids['mlp']}", f"run {ids['mlp']} not found"),
                        (f"/web/api/series?runs={ids['mlp']}&keys=loss", f"run {ids['mlp']} not found"),
                        (f"/api/v1/experiments/{theirs.id}", f"project {theirs.id} not found")):
        answer = await http.get(url, headers=acme)
        assert answer.status_code == 404 and answer.json()["detail"] == detail, url
    assert (await http.get(f"/projects/{PROJECT}", headers=acme)).status_code == 404
    assert (await http.get(f"/api/projects/{PROJECT}/runs", headers=acme)).status_code == 404
    listed = (await http.get("/api/v1/experiments", headers=acme)).json()["experiments"]
    assert [e["name"] for e in listed] == ["mine"]
    assert (await http.get("/login/session", headers=acme)).json() == {"signed_in": True, "tenant": "acme"}
    # The header wins over the cookie, and a bad header is not rescued by a good cookie.
    both = {**acme, "Authorization": f"Bearer {secrets['default']}"}
    assert (await http.get(f"/web/api/projects/{theirs.id}/runs", headers=both)).status_code == 200
    bad = {**acme, "Authorization": "Bearer ry_wrong"}
    assert (await http.get(f"/web/api/projects/{mine.id}/runs", headers=bad)).status_code == 401
    # A revoked token's cookie signs nothing in; pages send the browser to sign in and drop it.
    token = next(t for t in store.list_tokens(tenant="acme"))
    store.revoke_token(token.id)
    assert (await http.get(f"/web/api/projects/{mine.id}/runs", headers=acme)).status_code == 401
    page = await http.get("/projects/mine", headers=acme)
    assert page.status_code == 303 and page.headers["location"] == "/login?next=%2Fprojects%2Fmine"
    assert set_cookie(page)[SESSION_COOKIE].value == ""


METADATA = f"/api/projects/{PROJECT}/runs/mlp/metadata"


@pytest.mark.parametrize(("headers", "allowed"), [
    ({}, False),
    ({"Origin": "https://evil.example"}, False),
    ({"Origin": "http://evil.runyard.test"}, False),  # same site, another origin
    ({"Origin": "http://runyard.test:8080"}, False),  # another port
    ({"Origin": "https://runyard.test"}, False),  # another scheme
    ({"Origin": "null"}, False),
    ({"Sec-Fetch-Site": "same-site"}, False),
    ({"Sec-Fetch-Site": "cross-site", "Referer": BASE + "/"}, False),
    ({"Origin": BASE}, True),
    ({"Origin": "HTTP://RUNYARD.TEST:80"}, True),
    ({"Sec-Fetch-Site": "same-origin"}, True),
])
@pytest.mark.anyio
async def test_cookie_writes_must_come_from_this_origin(
        http: httpx.AsyncClient, store: Store, ids: dict[str, int], secrets: dict[str, str],
        headers: dict[str, str], allowed: bool) -> None:
    answer = await http.put(METADATA, json={"notes": "edited"}, headers={**cookie(secrets["default"]), **headers})
    if allowed:
        assert answer.status_code == 200, answer.text
        assert store.get_run(ids["mlp"]).notes == "edited"
    else:
        assert answer.status_code == 403
        assert "cross-site request refused" in answer.json()["detail"]  # Aspara's {"detail": ...}
        assert store.get_run(ids["mlp"]).notes == ""


@pytest.mark.anyio
async def test_csrf_refusals_take_each_dialects_shape(http: httpx.AsyncClient, ids: dict[str, int],
                                                      secrets: dict[str, str]) -> None:
    evil = {**cookie(secrets["default"]), "Origin": "https://evil.example"}
    v1 = await http.post(f"/api/v1/experiments/runs/{ids['live']}/log-metrics", json={"metrics": {"x": 1}}, headers=evil)
    assert v1.status_code == 403 and "cross-site" in v1.json()["detail"]
    expman = await http.delete("/api/jupyter/abc", headers=evil)
    assert expman.status_code == 403 and set(expman.json()) == {"error"} and "cross-site" in expman.json()["error"]
    deleted = await http.delete(f"/api/projects/{PROJECT}/runs/mlp", headers=evil)
    assert deleted.status_code == 403
    # A bearer header is not sent by a forged cross-site request, so it needs no Origin.
    bearer = {"Authorization": f"Bearer {secrets['default']}", "Origin": "https://elsewhere.example"}
    assert (await http.put(METADATA, json={"notes": "by header"}, headers=bearer)).status_code == 200
    assert (await http.get(f"/web/api/runs/{ids['mlp']}/logs", headers=evil)).status_code == 200  # reads: no check


@pytest.mark.anyio
async def test_logout_clears_the_cookie(http: httpx.AsyncClient, ids: dict[str, int], secrets: dict[str, str]) -> None:
    signed_in = await http.post("/login", data={"token": secrets["default"], "next": "/projects/vision"},
                                headers=SAME_ORIGIN)
    assert signed_in.status_code == 303 and http.cookies.get(SESSION_COOKIE) == secrets["default"]
    assert (await http.get(f"/projects/{PROJECT}")).status_code == 200  # the client's jar sends it
    assert (await http.post("/logout", headers={"Origin": "https://evil.example"})).status_code == 403
    assert http.cookies.get(SESSION_COOKIE) == secrets["default"]
    out = await http.post("/logout", headers=SAME_ORIGIN)
    assert out.status_code == 303 and out.headers["location"] == "/login"
    morsel = set_cookie(out)[SESSION_COOKIE]
    assert morsel.value == "" and morsel["max-age"] == "0" and morsel["httponly"] and morsel["samesite"] == "strict"
    assert SESSION_COOKIE not in http.cookies
    assert (await http.get(f"/projects/{PROJECT}")).status_code == 303


@pytest.mark.anyio
async def test_without_auth_login_is_not_needed_and_cookies_are_ignored(client: httpx.AsyncClient,
                                                                      ids: dict[str, int]) -> None:
    page = await client.get("/login?next=/projects/vision")
    assert page.status_code == 200 and "does not require tokens" in page.text and 'name="token"' not in page.text
    posted = await client.post("/login", data={"token": "anything", "next": "//evil.example"}, headers=SAME_ORIGIN)
    assert posted.status_code == 303 and posted.headers["location"] == "/" and "set-cookie" not in posted.headers
    # A cookie left by a token-protected runyard on another port of this host changes nothing.
    stale = cookie("ry_from-another-server")
    assert (await client.get("/", headers=stale)).status_code == 200
    assert (await client.put(METADATA, json={"notes": "n"}, headers=stale)).status_code == 200
    assert (await client.get("/login/session", headers=stale)).json() == {"signed_in": False, "tenant": None}
