"""The portal over HTTP (Starlette's TestClient): a seeded council, people invited, browsers signed in.

``portal`` is the served app as `traded serve` builds it (billing.gateway.app
with the portal mounted, no webhook) over the ``engine`` fixture, so every test
runs on SQLite and again on PostgreSQL. Its clock is stopped on :data:`DAY`;
``portal_at(day, instant)`` gives one stopped elsewhere over the same council.

    def test_account(portal: Portal) -> None:
        browser = portal.signed_in("ann@ash.example", "100001", role="approver")
        page = browser.get("/schools/100001/")
        assert page.status_code == 200

``portal.signed_in`` invites the person (the service, as `traded portal
invite` does), sets their password and signs in through the sign-in form; each
call gives a new browser (its own cookies). ``form(browser, path, data)`` posts
a form with the CSRF token the page at ``path`` (or ``token_from``) gave.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import httpx
import pytest
from sqlalchemy import Engine
from starlette.testclient import TestClient

from billing.gateway.app import create_app
from billing.portal_accounts import accept_invitation, invite
from billing.pricebooks import load_pricebook
from billing.schools import NewSchool, add_school
from portal.app import create_portal, service_name
from portal.web import PortalConfig
from pricing.clock import FixedClock
from pricing.pricebook import sample_pricebook_text
from tests.support import service_context

DAY = date(2025, 11, 3)
NOW = datetime(2025, 11, 3, 10, 0, tzinfo=UTC)
PORTAL_URL = "http://127.0.0.1:8000"
SECRET = b"portal-tests-secret-key"
PASSWORD = "blue kettle on the stairs"
SCHOOLS = {"100001": "Ash Primary", "100002": "Beech Academy", "100003": "Cedar Infants"}
"""The council's schools: a trust's two (Ash, Beech) and one elsewhere (Cedar)."""

_CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]{64})"')


def csrf_in(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


@dataclass
class Portal:
    """The served app over a seeded council, with helpers to invite people and sign them in."""

    engine: Engine
    clock: FixedClock
    app: Callable[..., object]
    portal_url: str = PORTAL_URL
    browsers: list[TestClient] = field(default_factory=list)

    def browser(self) -> TestClient:
        """A fresh browser (its own cookie jar) that does not follow redirects, so tests see each 303."""
        client = TestClient(self.app, base_url=self.portal_url, follow_redirects=False)  # type: ignore[arg-type]
        self.browsers.append(client)
        return client

    def invite(self, email: str, urn: str, role: str = "viewer", name: str | None = None) -> str:
        """Invite a person as `traded portal invite` does; the link's path (/invitation/TOKEN, or /sign-in)."""
        with service_context(self.engine, self.clock.as_of, self.clock.instant, actor="clerk") as ctx:
            link = invite(ctx, urn, email, role, name, portal_url=self.portal_url).link
        return link.removeprefix(self.portal_url)

    def person(self, email: str, *schools: str, role: str = "viewer", password: str = PASSWORD) -> None:
        """A person with a password, linked to each of ``schools`` with ``role``."""
        first = self.invite(email, schools[0], role)
        with service_context(self.engine, self.clock.as_of, self.clock.instant, actor="portal") as ctx:
            accept_invitation(ctx, first.rsplit("/", 1)[1], password)
        for urn in schools[1:]:
            self.invite(email, urn, role)

    def sign_in(self, browser: TestClient, email: str, password: str = PASSWORD) -> httpx.Response:
        return form(browser, "/sign-in", {"email": email, "password": password})

    def signed_in(self, email: str, *schools: str, role: str = "viewer") -> TestClient:
        """A new browser signed in as a new person linked to ``schools`` (default: Ash Primary) with ``role``."""
        self.person(email, *(schools or ("100001",)), role=role)
        browser = self.browser()
        answer = self.sign_in(browser, email)
        assert answer.status_code == 303, answer.text
        return browser


def form(browser: TestClient, path: str, data: dict[str, str], token_from: str | None = None) -> httpx.Response:
    """POST ``data`` to ``path`` with the CSRF token of the page at ``token_from`` (default: ``path`` itself)."""
    page = browser.get(token_from or path)
    assert page.status_code == 200, f"GET {token_from or path}: {page.status_code}"
    answer: httpx.Response = browser.post(path, data={**data, "csrf_token": csrf_in(page.text)})
    return answer


def seed_council(engine: Engine) -> Engine:
    with service_context(engine, date(2025, 7, 1)) as ctx:
        load_pricebook(ctx, sample_pricebook_text())
        for urn, name in SCHOOLS.items():
            add_school(ctx, NewSchool(urn=urn, name=name, type="academy"))
    return engine


def open_portal(engine: Engine, day: date = DAY, instant: datetime | None = NOW,
                portal_url: str = PORTAL_URL) -> Portal:
    """The app `traded serve --as-of DAY` serves (portal only, no Stripe) with its clock stopped at ``instant``."""
    clock = FixedClock(day, instant)
    config = PortalConfig(engine=engine, clock=clock, portal_url=portal_url, secret_key=SECRET,
                          service_name=service_name(engine, clock))
    return Portal(engine=engine, clock=clock, app=create_app(engine, None, clock, portal=create_portal(config)),
                  portal_url=portal_url)


@pytest.fixture
def council(engine: Engine) -> Engine:
    """The sample price book and three schools (:data:`SCHOOLS`), nothing else."""
    return seed_council(engine)


@pytest.fixture
def portal_at(council: Engine) -> Iterator[Callable[..., Portal]]:
    """``portal_at(day, instant=None)``: the portal over the seeded council with its clock stopped there."""
    opened: list[Portal] = []

    def make(day: date = DAY, instant: datetime | None = NOW) -> Portal:
        opened.append(open_portal(council, day, instant))
        return opened[-1]

    yield make
    for one in opened:
        for browser in one.browsers:
            browser.close()


@pytest.fixture
def portal(portal_at: Callable[..., Portal]) -> Portal:
    return portal_at()
