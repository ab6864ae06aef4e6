"""The console over HTTP: pages without data, fragments authenticated and scoped as the API, errors as the API's,
escaping, static files shipped in the package, production mode without the sandbox page."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from importlib.resources import files
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from openqualify.server.app import create_app
from openqualify.server.config import Mode, Settings
from openqualify.server.kit.tenancy import admin_session
from openqualify.server.org.admin import create_org
from tests.fixtures.api import Api

PAGES = ["/console", "/console/offerings/x1", "/console/learners/a@example.com", "/console/sandbox",
         "/console/search?q=ana", "/console/event-hub"]


def _auth(api: Api) -> dict[str, str]:
    return {"Authorization": f"Bearer {api.token}"}


@pytest.mark.parametrize("path", PAGES)
def test_pages_are_a_shell_without_data_or_token(http: TestClient, path: str) -> None:
    response = http.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "default-src 'none'" in csp and "'unsafe-inline'" not in csp
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["referrer-policy"] == "no-referrer"
    body = response.text
    assert 'id="sign-in-form"' in body and '<script src="/console/static/console.js' in body
    assert 'href="/console/sandbox"' in body  # sandbox mode
    assert 'action="/console/search"' in body  # the learner search, from every page
    # The token field has no name: a form submission can never carry it into a URL.
    token_input = re.search(r'<input id="token"[^>]*>', body)
    assert token_input is not None and "name=" not in token_input.group(0)
    assert "<script>" not in body and "style=" not in body  # nothing inline: the CSP allows none


def test_fragments_need_a_token_and_refuse_a_wrong_one(http: TestClient) -> None:
    missing = http.get("/console/f/overview")
    assert missing.status_code == 401
    assert missing.json() == {"name": "NotAuthorizedError", "details": "No authorization token was found."}
    wrong = http.get("/console/f/overview", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    assert wrong.json() == {"name": "NotAuthorizedError", "details": "Invalid authorization token."}


def test_fragments_answer_as_the_api_for_another_organisation(http: TestClient, demo: Api, other_api: Api) -> None:
    offering_id = demo.get("/offerings/current").json()[0]["id"]
    email = demo.get(f"/offerings/{offering_id}/analytics/learners-progress").json()[0]["email"]
    api_answer = other_api.get(f"/offerings/{offering_id}")
    assert api_answer.status_code == 404
    for suffix in ("", "/learners", "/assessments", "/pulses", "/channels", "/reactions", "/badges"):
        response = http.get(f"/console/f/offerings/{offering_id}{suffix}", headers=_auth(other_api))
        assert response.status_code == 404, suffix
        assert response.json() == api_answer.json()
        assert http.get(f"/console/f/offerings/{offering_id}{suffix}", headers=_auth(demo)).status_code == 200
    user_answer = other_api.get(f"/users/{email}")
    response = http.get(f"/console/f/learners/{email}", headers=_auth(other_api))
    assert (response.status_code, response.json()) == (404, user_answer.json())
    bad = http.get("/console/f/learners/not-an-email", headers=_auth(demo))
    assert (bad.status_code, bad.json()) == (400, demo.get("/users/not-an-email").json())
    overview = http.get("/console/f/overview", headers=_auth(other_api)).text
    assert offering_id not in overview and "No current offerings." in overview


def test_fragments_draw_charts_and_link_pages(http: TestClient, demo: Api) -> None:
    overview = http.get("/console/f/overview", headers=_auth(demo))
    assert overview.status_code == 200 and overview.headers["cache-control"] == "no-store"
    assert overview.text.count('class="mark s0"') > 3  # the completion histogram's bars
    current = demo.get("/offerings/current").json()
    for offering in current:
        assert f'href="/console/offerings/{offering["id"]}"' in overview.text
    page = http.get(f"/console/f/offerings/{current[0]['id']}", headers=_auth(demo),
                    params={"sort": "completion", "dir": "desc"}).text
    assert 'aria-sort="descending"' in page and "/console/learners/" in page
    for section in ("assessments", "pulses", "channels", "reactions", "badges"):
        assert f'data-src="/console/f/offerings/{current[0]["id"]}/{section}"' in page


def test_charts_are_laid_out_for_the_width_the_page_reports(http: TestClient, demo: Api) -> None:
    def widths(viewport: str | None) -> list[int]:
        headers = {**_auth(demo), **({"Console-Viewport-Width": viewport} if viewport else {})}
        page = http.get("/console/f/overview", headers=headers).text
        return [int(w) for w in re.findall(r'<svg class="chart-svg" width="(\d+)"', page)]

    laptop, phone, default = widths("1440"), widths("390"), widths(None)
    assert laptop == default and len(phone) == len(laptop) >= 3
    assert max(phone) <= 390 - 2 * 10 - 2 * 14 and min(laptop) > max(phone)
    assert widths("junk") == default


def test_names_are_escaped(http: TestClient, api: Api) -> None:
    course = api.sandbox.post("/courses", json={"name": "<b>Course</b>"}).json()
    name = '<script>alert("x")</script> & <img src=x onerror=alert(1)>'
    offering = api.post("/offerings", json={"rootContentId": course["rootContentId"], "name": name,
                                            "start": "2020-01-01T00:00:00Z"}).json()
    for path in ("/console/f/overview", f"/console/f/offerings/{offering['id']}"):
        body = http.get(path, headers=_auth(api)).text
        assert "<script>" not in body and "<img" not in body and "<b>Course" not in body
        assert "&lt;script&gt;" in body


def test_the_journal_lists_filters_and_opens_the_organisations_requests(
    http: TestClient, api: Api, other_api: Api
) -> None:
    assert api.post("/users", json={"email": "journal@example.com", "firstName": "Jo", "lastName": "Ur"}
                    ).status_code == 201
    assert http.get("/v1/users/nobody@example.com", headers=_auth(api)).status_code == 404
    listed = http.get("/console/f/sandbox/journal", headers=_auth(api))
    assert listed.status_code == 200 and listed.headers["content-security-policy"].startswith("default-src 'none'")
    page = listed.text
    for heading in ("Request", "Time (UTC)", "Status", "Duration"):  # readable column names
        assert f">{heading}</th>" in page
    assert "/v1/users/nobody@example.com" in page and ">404<" in page
    times = re.findall(r'<time[^>]* datetime="([^"]+)">([^<]+)</time>', page)
    assert times and all(re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z", iso) and
                         shown == iso.replace("T", " ") for iso, shown in times)  # ISO 8601, UTC
    errors = http.get("/console/f/sandbox/journal", params={"status": "4xx"}, headers=_auth(api)).text
    assert "/v1/users/nobody@example.com" in errors and 'data-entry' in errors and ">201<" not in errors
    posts = http.get("/console/f/sandbox/journal", params={"method": "POST", "path": "USERS"},
                     headers=_auth(api)).text
    assert posts.count("<tr data-entry=") == 1 and ">201<" in posts
    none = http.get("/console/f/sandbox/journal", params={"path": "/nothing-like-this"}, headers=_auth(api)).text
    assert "No request matches." in none
    # One request with its answer: headers (never the token) and bodies.
    entry_id = re.search(r'<tr data-entry="(\d+)"', posts)
    assert entry_id is not None
    entry = http.get(f"/console/f/sandbox/journal/{entry_id.group(1)}", headers=_auth(api))
    assert entry.status_code == 200
    assert "journal@example.com" in entry.text and "&#34;firstName&#34;: &#34;Jo&#34;" in entry.text
    assert "content-type" in entry.text and api.token not in entry.text and "authorization" not in entry.text
    assert "Request" in entry.text and "Answer" in entry.text and ">201<" in entry.text
    # Another organisation's journal is its own: the same id is not found there.
    other = http.get(f"/console/f/sandbox/journal/{entry_id.group(1)}", headers=_auth(other_api))
    assert other.status_code == 404 and other.json()["name"] == "ObjectNotFoundError"
    assert "journal@example.com" not in http.get("/console/f/sandbox/journal", headers=_auth(other_api)).text
    for bad in ("abc", "99999999"):
        assert http.get(f"/console/f/sandbox/journal/{bad}", headers=_auth(api)).status_code == 404
    assert http.get("/console/f/sandbox/journal").status_code == 401
    # Reading the journal from the console does not fill it.
    again = http.get("/console/f/sandbox/journal", headers=_auth(api)).text
    assert again.count("<tr data-entry=") == page.count("<tr data-entry=")
    assert '<span class="path">/console' not in again


def test_static_files_ship_in_the_package_and_load_nothing_from_elsewhere(http: TestClient) -> None:
    for path, kind in (("console.css", "text/css"), ("console.js", "javascript"), ("favicon.svg", "image/svg"),
                       ("fonts/inter-latin-wght-normal.woff2", "font/woff2")):
        response = http.get(f"/console/static/{path}")
        assert response.status_code == 200 and kind in response.headers["content-type"], path
    package = Path(str(files("openqualify.server.console")))
    shipped = [p for p in package.rglob("*") if p.suffix in {".html", ".css", ".js", ".svg"}]
    assert len(shipped) > 10
    for path in shipped:
        text = path.read_text()
        # No other origin: only the SVG namespace URI may look like a URL.
        urls = [u for u in re.findall(r"(?:https?:)?//[\w.-]+\.[a-z]{2,}", text) if "www.w3.org" not in u]
        assert urls == [], (path.name, urls)


def test_the_api_map_lists_no_console_route(demo: Api) -> None:
    assert not [key for key in demo.get("/").json() if "console" in key]


@pytest.fixture(scope="module")
def production(database_url: str, sync_engine: Engine) -> Iterator[tuple[TestClient, str]]:
    with admin_session(sync_engine) as session:
        _, token = create_org(session, f"Console production {uuid.uuid4().hex[:10]}")
        session.commit()
    app = create_app(Settings(database_url=database_url, mode=Mode.PRODUCTION))
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client, token


def test_production_mode_has_the_console_without_its_sandbox_page(production: tuple[TestClient, str]) -> None:
    client, token = production
    shell = client.get("/console")
    assert shell.status_code == 200 and 'href="/console/sandbox"' not in shell.text and "production mode" in shell.text
    sandbox_pages = ("/console/sandbox", "/console/f/sandbox", "/console/f/sandbox/journal")
    for path in (*sandbox_pages, "/console/f/sandbox/journal/1"):
        response = client.get(path, headers={"Authorization": f"Bearer {token}"})
        assert (response.status_code, response.json()["name"]) == (404, "RouteNotFoundError")
    overview = client.get("/console/f/overview", headers={"Authorization": f"Bearer {token}"})
    assert overview.status_code == 200 and "No current offerings." in overview.text
    assert "x-ratelimit-limit" in overview.headers  # fragments count against the token's rate limit
