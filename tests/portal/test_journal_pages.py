"""A maintained school's recharges in the portal (issue 20): listed as internal recharges, settled by journal."""

from __future__ import annotations

import html
from collections.abc import Iterator
from datetime import date

import pytest
from sqlalchemy import Engine
from starlette.testclient import TestClient

from billing.bill_run import bill_run
from billing.portal_accounts import accept_invitation, invite
from billing.portal_sign_in import sign_in
from portal.app import create_portal
from portal.web import SESSION_COOKIE, PortalConfig
from pricing.clock import FixedClock
from tests.billing.test_bill_run import MAINTAINED, SEP1, setup_council
from tests.portal.test_school_pages import _text
from tests.support import service_context

AS_OF = date(2025, 9, 15)
URL = "http://127.0.0.1:8000"
PASSWORD = "blue kettle on the stairs"


@pytest.fixture
def client(engine: Engine) -> Iterator[TestClient]:
    setup_council(engine, journal=True)
    with service_context(engine, SEP1) as ctx:
        bill_run(ctx)
    with service_context(engine, AS_OF) as ctx:
        link = invite(ctx, MAINTAINED, "finance@school.example", "viewer", portal_url=URL).link
    with service_context(engine, AS_OF) as ctx:
        accept_invitation(ctx, link.rsplit("/", 1)[1], PASSWORD)
    with service_context(engine, AS_OF) as ctx:
        token = sign_in(ctx, "finance@school.example", PASSWORD, "127.0.0.1").token
    assert token is not None
    config = PortalConfig(engine=engine, clock=FixedClock(AS_OF), portal_url=URL, secret_key=b"portal-test-secret")
    with TestClient(create_portal(config), base_url=URL, follow_redirects=False) as browser:
        browser.cookies.set(SESSION_COOKIE, token)
        yield browser


def test_a_recharge_is_listed_as_settled_by_journal_with_nothing_outstanding(client: TestClient) -> None:
    page = client.get(f"/schools/{MAINTAINED}/invoices")
    assert page.status_code == 200
    assert ("JNL-000001 (PDF) Internal recharge 1 September 2025 Settled by journal £12,000.00 £0.00"
            in _text(page.text))
    statement = html.unescape(_text(client.get(f"/schools/{MAINTAINED}/statement").text))
    assert "Internal recharge JNL-000001 Internal recharge: Premium subscription 2025/26" in statement
    assert "Journal transfer PAY-1 Settled by journal transfer from the school's budget (JNL-000001)" in statement
    pdf = client.get(f"/schools/{MAINTAINED}/documents/JNL-000001.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_the_account_page_offers_no_bank_transfer_to_a_school_settled_by_journal(client: TestClient) -> None:
    page = _text(client.get(f"/schools/{MAINTAINED}/").text)
    assert ("What the council charges the school is an internal recharge, settled by journal transfer from the "
            "school's budget: there is nothing to pay by bank transfer.") in html.unescape(page)
    assert "Pay by bank transfer" not in page and "Sort code" not in page
