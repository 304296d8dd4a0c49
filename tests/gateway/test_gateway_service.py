"""Asking for money: one customer per school, pay links for exactly what is owed, and the CLI."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import Engine, select

import cli.stripe_cmd
from billing.gateway.fake import FakeGateway
from billing.gateway.service import bank_details, customer_id_for, pay_link
from billing.models import AuditEntry, GatewayCustomer, School
from billing.payments import record_payment
from pricing.errors import NotFound, RuleViolation
from tests.gateway.support import URN, add_schools, issue
from tests.gateway.transport import FakeTransport, Reply, gateway_over
from tests.support import cli_json, cli_refused, service_context, table_dump

AS_OF = date(2025, 12, 1)


@pytest.fixture
def seeded(engine: Engine) -> Engine:
    with service_context(engine, AS_OF) as ctx:
        add_schools(ctx)
        issue(ctx, URN, 1, "1250.00", date(2025, 9, 1))
    return engine


def test_a_school_gets_one_gateway_customer_however_often_it_pays(seeded: Engine) -> None:
    fake = FakeGateway()
    for _ in range(2):
        with service_context(seeded, AS_OF) as ctx:
            pay_link(ctx, fake, "INV-000001")
    with service_context(seeded, AS_OF) as ctx:
        assert [c.customer_id for c in ctx.session.scalars(select(GatewayCustomer))] == ["cus_fake0001"]
        assert ctx.session.scalar(select(AuditEntry.detail).where(AuditEntry.action == "gateway.customer")) == {
            "customer_id": "cus_fake0001"}
    assert [c for c in fake.calls if c[0] == "create_customer"] == [("create_customer", URN)]


def test_a_pay_link_asks_for_exactly_the_outstanding_pence(seeded: Engine) -> None:
    with service_context(seeded, AS_OF) as ctx:
        record_payment(ctx, URN, Decimal("250.01"), date(2025, 10, 1), "bacs", ["INV-000001"])
    with service_context(seeded, AS_OF) as ctx:
        link = pay_link(ctx, FakeGateway(), "inv-000001")
    assert (link.invoice_number, link.amount_pence) == ("INV-000001", 99999)


def test_a_paid_or_unknown_invoice_gets_no_pay_link(seeded: Engine) -> None:
    with service_context(seeded, AS_OF) as ctx:
        record_payment(ctx, URN, Decimal("1250.00"), date(2025, 10, 1), "bacs", ["INV-000001"])
    with pytest.raises(RuleViolation, match='Invoice "INV-000001" has nothing outstanding.'), \
            service_context(seeded, AS_OF) as ctx:
        pay_link(ctx, FakeGateway(), "INV-000001")
    with pytest.raises(NotFound, match='No invoice numbered "INV-000404".'), service_context(seeded, AS_OF) as ctx:
        pay_link(ctx, FakeGateway(), "INV-000404")


def test_bank_details_come_from_the_schools_own_customer(seeded: Engine) -> None:
    fake = FakeGateway()
    with service_context(seeded, AS_OF) as ctx:
        details = bank_details(ctx, fake, URN)
        school = ctx.session.scalar(select(School).where(School.urn == URN))
        assert school is not None
        assert customer_id_for(ctx, fake, school) == "cus_fake0001"
    assert (details.sort_code, details.account_number) == ("23-14-70", "00000001")


# -- CLI -------------------------------------------------------------------------

def test_cli_pay_link_prints_the_stripe_checkout_url(db_url: str, seeded: Engine,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    t = FakeTransport(Reply(200, {"id": "cus_t1", "object": "customer"}),
                      Reply(200, {"id": "cs_t1", "object": "checkout.session",
                                  "url": "https://checkout.stripe.com/c/pay/cs_t1"}))
    monkeypatch.setattr(cli.stripe_cmd, "gateway_factory", lambda: gateway_over(t))
    data = cli_json(db_url, "stripe", "pay-link", "INV-000001", as_of="2025-12-01")
    assert data == {"invoice": "INV-000001", "amount": "1250.00", "url": "https://checkout.stripe.com/c/pay/cs_t1"}
    assert [s.path for s in t.sent] == ["/v1/customers", "/v1/checkout/sessions"]


def test_cli_bank_details(db_url: str, seeded: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli.stripe_cmd, "gateway_factory", FakeGateway)
    data = cli_json(db_url, "stripe", "bank-details", URN, as_of="2025-12-01")
    assert data == {"urn": URN, "account_holder_name": "Traded Services (Stripe)", "sort_code": "23-14-70",
                    "account_number": "00000001"}


def test_cli_refuses_without_a_key_and_writes_nothing(db_url: str, seeded: Engine,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("STRIPE_API_KEY", raising=False)
    before = table_dump(seeded)
    err = cli_refused(db_url, "stripe", "pay-link", "INV-000001", as_of="2025-12-01")
    assert err == {"code": "gateway_not_configured",
                   "message": "Stripe is not configured: set STRIPE_API_KEY (a sk_test_ key for testing)."}
    assert table_dump(seeded) == before


def test_cli_refuses_a_live_key(db_url: str, seeded: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STRIPE_API_KEY", "sk_live_real_money")
    monkeypatch.delenv("TRADED_ALLOW_LIVE_STRIPE", raising=False)
    assert cli_refused(db_url, "stripe", "bank-details", URN, as_of="2025-12-01")["code"] == "gateway_not_configured"


def test_cli_gateway_refusal_writes_nothing(db_url: str, seeded: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    t = FakeTransport(Reply(200, {"id": "cus_t1", "object": "customer"}),
                      Reply(400, {"error": {"type": "invalid_request_error", "message": "No such customer",
                                            "param": "customer"}}))
    monkeypatch.setattr(cli.stripe_cmd, "gateway_factory", lambda: gateway_over(t, retries=0))
    before = table_dump(seeded)
    assert cli_refused(db_url, "stripe", "pay-link", "INV-000001", as_of="2025-12-01")["code"] == \
        "gateway_request_refused"
    assert table_dump(seeded) == before


def test_cli_unknown_invoice_is_refused(db_url: str, seeded: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli.stripe_cmd, "gateway_factory", FakeGateway)
    assert cli_refused(db_url, "stripe", "pay-link", "INV-000404", as_of="2025-12-01") == {
        "code": "unknown_invoice", "message": 'No invoice numbered "INV-000404".'}


def test_serve_refuses_to_start_without_a_webhook_secret(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("STRIPE_WEBHOOK_SECRET", raising=False)
    assert cli_refused(db_url, "serve", "--port", "8765")["code"] == "gateway_not_configured"


def test_every_command_has_help_with_an_example() -> None:
    from click.testing import CliRunner

    from cli.main import cli

    for args in (["stripe", "pay-link"], ["stripe", "bank-details"], ["serve"]):
        result = CliRunner().invoke(cli, [*args, "--help"])
        assert result.exit_code == 0 and "Example:" in result.output



def test_the_invoice_pdf_shows_a_pay_link_only_when_stripe_is_configured(
        engine: Engine, tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    from billing.documents import print_invoice
    from billing.gateway.pay_page import pay_page
    from billing.settings import load_settings
    from tests.billing.test_bill_run import SEP1, run, setup_council
    from tests.invoices import pdf_text

    setup_council(engine)
    number = run(engine, SEP1).invoices[0].number
    monkeypatch.delenv("STRIPE_API_KEY", raising=False)
    with service_context(engine, SEP1) as ctx:
        print_invoice(ctx, number, tmp_path / "plain.pdf")
    assert "Pay online" not in pdf_text((tmp_path / "plain.pdf").read_bytes())

    page = pay_page(load_settings({"STRIPE_API_KEY": "sk_test_configured"}))
    assert page is not None
    fake = FakeGateway()
    with service_context(engine, SEP1) as ctx:
        ctx.gateway, ctx.pay_page = fake, page
        print_invoice(ctx, number, tmp_path / "linked.pdf")
    text = " ".join(pdf_text((tmp_path / "linked.pdf").read_bytes()).split())
    assert f"Pay online by card: {page.url(number)}" in text
    assert fake.calls == []  # the Checkout session is made when the link is followed (tests/gateway/test_pay_page.py)


def test_the_statement_pdf_links_to_the_oldest_invoice_still_owing(
        engine: Engine, tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    from billing.gateway.pay_page import pay_page
    from billing.settings import load_settings
    from billing.statements import school_statement, write_statement_pdf
    from tests.billing.test_bill_run import ACADEMY, SEP1, run, setup_council
    from tests.invoices import pdf_text

    setup_council(engine)
    number = next(i.number for i in run(engine, SEP1).invoices if i.urn == ACADEMY)
    fake = FakeGateway()
    page = pay_page(load_settings({"STRIPE_API_KEY": "sk_test_configured"}))
    assert page is not None
    with service_context(engine, SEP1) as ctx:
        ctx.gateway, ctx.pay_page = fake, page
        write_statement_pdf(ctx, school_statement(ctx, ACADEMY), tmp_path / "statement.pdf")
    text = " ".join(pdf_text((tmp_path / "statement.pdf").read_bytes()).split())
    assert f"Pay online by card: {page.url(number)}" in text
    assert fake.calls == []  # the pay page makes the Checkout session when the school clicks
