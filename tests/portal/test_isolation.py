"""Isolation (issue 18): a school sees only its own; every portal route is enumerated, not listed by hand.

Signed in as a person linked to school A alone, every route is asked for with
each of school B's objects in each of its path parameters (invoices, credit
notes, documents, statements, cases, sessions, orders, subscriptions: by id,
number and reference), under B's URN and under A's: every answer is 404 and
says nothing of B. A's own pages, given B's identifiers in the query string,
show nothing of B either. Signed out, every route but the sign-in, invitation
and reset pages sends the browser to sign in.
"""

from __future__ import annotations

import itertools
import re
import secrets
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import Engine
from starlette.routing import Route
from starlette.testclient import TestClient

from portal.app import page_routes
from tests.browser.seed import AS_OF, NAMES, PASSWORD, SCHOOL_A, SCHOOL_B, SchoolObjects, Seeded, seed_portal
from tests.portal.conftest import PORTAL_URL, Portal, csrf_in, open_portal

PUBLIC = {"/sign-in", "/invitation/{token}", "/reset", "/reset/{token}"}
"""The only pages a signed-out browser is shown rather than sent to sign in."""
PLANNED = {
    "/", "/sign-in", "/sign-out", "/invitation/{token}", "/reset", "/reset/{token}", "/schools/{urn}/",
    "/schools/{urn}/invoices", "/schools/{urn}/documents/{number}.pdf", "/schools/{urn}/statement",
    "/schools/{urn}/statement.pdf", "/schools/{urn}/statement.csv", "/schools/{urn}/entitlements",
    "/schools/{urn}/cases", "/schools/{urn}/cases/{ref}", "/schools/{urn}/subscription",
    "/schools/{urn}/subscription/notice", "/schools/{urn}/subscription/renew", "/schools/{urn}/book",
}
"""The URLs of the shared plan: each must be among the routes enumerated, so none escapes by not being served."""
A_ONLY = "head@hillside.example"
_PARAM = re.compile(r"{(\w+)(?::\w+)?}")


@pytest.fixture
def seeded(engine: Engine, db_url: str) -> Seeded:
    return seed_portal(engine, db_url, PORTAL_URL)


@pytest.fixture
def served(engine: Engine, seeded: Seeded) -> Iterator[Portal]:
    portal = open_portal(engine, AS_OF, instant=None)
    yield portal
    for browser in portal.browsers:
        browser.close()


def routes() -> list[tuple[str, str]]:
    """(method, path template) of every route the portal serves, HEAD aside."""
    found = [(method, route.path) for route in page_routes() if isinstance(route, Route)
             for method in sorted(route.methods or {"GET"}) if method != "HEAD"]
    assert PLANNED <= {path for _, path in found}, f"routes missing: {PLANNED - {path for _, path in found}}"
    return found


def identifiers(objects: SchoolObjects) -> list[str]:
    """Everything a URL could name one of this school's objects by."""
    return [*objects.invoices, *objects.credit_notes, *objects.case_refs,
            *map(str, [*objects.case_ids, *objects.session_ids, *objects.order_ids, *objects.subscription_ids])]


def markers(objects: SchoolObjects) -> list[str]:
    """What must never appear on a page shown to another school."""
    return [objects.urn, NAMES[objects.urn], *objects.invoices, *objects.credit_notes, *objects.case_refs]


def fill(path: str, values: dict[str, str]) -> str:
    return _PARAM.sub(lambda m: values[m.group(1)], path)


def sign_in_a_only(served: Portal) -> TestClient:
    """A person linked to school A alone (an approver, so no answer is a viewer's 403), signed in."""
    served.person(A_ONLY, SCHOOL_A, role="approver", password=PASSWORD)
    browser = served.browser()
    answer = served.sign_in(browser, A_ONLY, PASSWORD)
    assert answer.status_code == 303, answer.text
    return browser


def ask(browser: TestClient, method: str, url: str, token: str) -> httpx.Response:
    answer: httpx.Response = (browser.get(url) if method == "GET"
                              else browser.request(method, url, data={"csrf_token": token}))
    return answer


def test_signed_in_as_school_a_every_object_of_school_b_answers_404_and_nothing_of_b(
        served: Portal, seeded: Seeded) -> None:
    a, b = seeded.schools[SCHOOL_A], seeded.schools[SCHOOL_B]
    browser = sign_in_a_only(served)
    home = browser.get(f"/schools/{SCHOOL_A}/")
    assert home.status_code == 200
    token = csrf_in(home.text)
    asked = 0
    for method, path in routes():
        params = _PARAM.findall(path)
        if "urn" not in params:
            continue
        others = [p for p in params if p != "urn"]
        # B's own URL; and A's URL naming B's objects (only where the route names an object).
        for urn in (SCHOOL_B, SCHOOL_A) if others else (SCHOOL_B,):
            for chosen in itertools.product(identifiers(b), repeat=len(others)):
                url = fill(path, {"urn": urn, **dict(zip(others, chosen, strict=True))})
                answer = ask(browser, method, url, token)
                asked += 1
                assert answer.status_code == 404, f"{method} {url}: {answer.status_code}"
                leaked = [m for m in markers(b) if m in answer.text]
                assert not leaked, f"{method} {url} shows {leaked}"
    assert asked >= 40  # every school route, most of them once per object of B
    # The session is still A's, and A's own pages still answer.
    assert browser.get(f"/schools/{SCHOOL_A}/invoices").status_code == 200
    assert a.invoices[0] in browser.get(f"/schools/{SCHOOL_A}/invoices").text


def test_school_a_s_own_pages_given_b_s_identifiers_show_nothing_of_b(served: Portal, seeded: Seeded) -> None:
    b = seeded.schools[SCHOOL_B]
    browser = sign_in_a_only(served)
    named = {key: value for key, value in zip(
        ("number", "ref", "id", "invoice", "case", "session", "order", "subscription", "urn"),
        (b.invoices[0], b.case_refs[0], str(b.case_ids[0]), b.invoices[0], b.case_refs[0], str(b.session_ids[0]),
         str(b.order_ids[0]), str(b.subscription_ids[0]), SCHOOL_B), strict=True)}
    query = str(httpx.QueryParams({**named, "from": "2025-01-01", "to": "2026-12-31", "year": "2025/26"}))
    own = {"urn": SCHOOL_A, "number": seeded.schools[SCHOOL_A].invoices[0],
           "ref": seeded.schools[SCHOOL_A].case_refs[0], "token": secrets.token_urlsafe(32)}
    for method, path in routes():
        if method != "GET" or path in PUBLIC:
            continue
        url = f"{fill(path, own)}?{query}"
        answer = browser.get(url)
        assert answer.status_code in (200, 303, 400, 404, 422), f"GET {url}: {answer.status_code}"
        body = answer.text if answer.headers.get("content-type", "").startswith(("text/", "application/json")) \
            else answer.content.decode("latin-1")
        leaked = [m for m in markers(b) if m in body]
        assert not leaked, f"GET {url} shows {leaked}"


def test_signed_out_every_route_sends_the_browser_to_sign_in(served: Portal, seeded: Seeded) -> None:
    b = seeded.schools[SCHOOL_B]
    values = {"urn": SCHOOL_B, "number": b.invoices[0], "ref": b.case_refs[0], "token": secrets.token_urlsafe(32)}
    browser = served.browser()
    for method, path in routes():
        url = fill(path, values)
        answer = browser.request(method, url, data={"csrf_token": "x"} if method != "GET" else None)
        if path in PUBLIC:
            assert answer.status_code != 303 or not answer.headers["location"].startswith("/sign-in?next="), url
            continue
        assert answer.status_code == 303, f"{method} {url}: {answer.status_code}"
        assert answer.headers["location"].startswith("/sign-in"), f"{method} {url}: {answer.headers['location']}"
        assert not [m for m in markers(b) if m in answer.text], f"{method} {url}"
