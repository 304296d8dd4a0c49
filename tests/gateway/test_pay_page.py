"""The pay page behind printed pay links: the Checkout session is made when the school clicks."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import Engine
from starlette.testclient import TestClient

from billing.gateway.app import create_app
from billing.gateway.errors import GatewayUnavailable
from billing.gateway.fake import FakeGateway
from billing.gateway.pay_page import PayPage, pay_page
from billing.payments import record_payment
from billing.settings import load_settings
from pricing.clock import FixedClock
from tests.gateway.support import SECRET, URN, add_schools, issue
from tests.support import service_context

AS_OF = date(2025, 12, 1)
PAGE = PayPage("https://pay.northshire.example", b"portal-secret")


@pytest.fixture
def fake() -> FakeGateway:
    return FakeGateway()


@pytest.fixture
def client(engine: Engine, fake: FakeGateway) -> Iterator[TestClient]:
    with service_context(engine, AS_OF) as ctx:
        add_schools(ctx)
        issue(ctx, URN, 1, "1250.00", date(2025, 9, 1))
    app = create_app(engine, SECRET, FixedClock(AS_OF), gateway=fake, pay_page=PAGE)
    with TestClient(app, base_url="https://pay.northshire.example") as c:
        yield c


def follow(client: TestClient, url: str) -> tuple[int, str]:
    response = client.get(url.removeprefix(PAGE.base_url), follow_redirects=False)
    return response.status_code, response.headers.get("location") or response.text


def test_a_printed_link_sends_the_school_to_checkout_for_what_is_owed_then(
        client: TestClient, engine: Engine, fake: FakeGateway) -> None:
    with service_context(engine, AS_OF) as ctx:
        record_payment(ctx, URN, Decimal("250.00"), date(2025, 10, 1), "bacs", ["INV-000001"])
    assert follow(client, PAGE.url("INV-000001")) == (303, "https://pay.example.test/cs_fake0001")
    assert [link.amount_pence for link in fake.links.values()] == [100000]
    assert follow(client, PAGE.url("INV-000001")) == (303, "https://pay.example.test/cs_fake0001")
    assert [c for c in fake.calls if c[0] == "create_customer"] == [("create_customer", URN)]


def test_a_link_not_signed_by_us_is_not_found_and_asks_nothing(client: TestClient, fake: FakeGateway) -> None:
    forged = PayPage(PAGE.base_url, b"another-key").url("INV-000001")
    assert follow(client, forged) == (404, "This payment link is not valid.")
    other = PAGE.url("INV-000001").replace("INV-000001", "INV-000002", 1)
    assert follow(client, other)[0] == 404
    assert fake.calls == []


def test_a_paid_invoice_has_nothing_to_pay(client: TestClient, engine: Engine, fake: FakeGateway) -> None:
    with service_context(engine, AS_OF) as ctx:
        record_payment(ctx, URN, Decimal("1250.00"), date(2025, 10, 1), "bacs", ["INV-000001"])
    assert follow(client, PAGE.url("INV-000001")) == (
        200, 'Invoice "INV-000001" has nothing outstanding. There is nothing to pay.')
    assert fake.calls == []


def test_a_gateway_out_of_reach_points_to_the_bank_transfer(client: TestClient, fake: FakeGateway,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    def down(*_args: object) -> None:
        raise GatewayUnavailable("Stripe could not be reached.")

    monkeypatch.setattr(fake, "create_customer", down)
    status, text = follow(client, PAGE.url("INV-000001"))
    assert status == 502 and "bank transfer" in text


def test_links_are_stable_signed_and_keyed_by_the_portal_secret_when_set() -> None:
    stripe_only = pay_page(load_settings({"STRIPE_API_KEY": "sk_test_a"}))
    assert stripe_only is not None
    assert stripe_only.url("INV-000001") == stripe_only.url("INV-000001")
    assert stripe_only.url("INV-000001").startswith("http://127.0.0.1:8000/pay/INV-000001/")
    portal = {"TRADED_PORTAL_SECRET_KEY": "long-lived", "TRADED_PORTAL_URL": "https://pay.example/"}
    first = pay_page(load_settings({"STRIPE_API_KEY": "sk_test_a", **portal}))
    rotated = pay_page(load_settings({"STRIPE_API_KEY": "sk_test_b", **portal}))
    assert first is not None and rotated is not None
    assert first.url("INV-000001") == rotated.url("INV-000001")
    assert first.url("INV-000001").startswith("https://pay.example/pay/INV-000001/")


def test_no_pay_links_without_a_usable_stripe_key() -> None:
    assert pay_page(load_settings({})) is None
    assert pay_page(load_settings({"STRIPE_API_KEY": "pk_test_publishable"})) is None
    assert pay_page(load_settings({"STRIPE_API_KEY": "sk_live_real_money"})) is None
