"""Printing an invoice is rendering data: with Stripe configured it reaches no network and writes nothing."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from billing.documents import print_invoice
from billing.gateway.fake import FakeGateway
from billing.gateway.pay_page import pay_page
from billing.gateway.stripe_adapter import StripeGateway
from billing.settings import Settings, load_settings
from tests.billing.test_bill_run import SEP1, run, setup_council
from tests.invoices import pdf_text
from tests.support import run_cli, service_context, table_dump

STRIPE = {"STRIPE_API_KEY": "sk_test_configured", "TRADED_PORTAL_URL": "https://pay.northshire.example"}


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Every attempt to open a network connection from Python, refused and recorded (the databases' own
    drivers, libpq and sqlite3, connect below Python's socket module and are unaffected)."""
    attempts: list[object] = []

    def refuse(*args: Any, **_kwargs: Any) -> None:
        attempts.append(args[1] if len(args) > 1 else args[0])
        raise OSError("the network is off in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    return attempts


@pytest.fixture
def no_stripe_client(monkeypatch: pytest.MonkeyPatch) -> list[Settings]:
    """Records any attempt to build the Stripe gateway (printing must not need one)."""
    built: list[Settings] = []

    def spy(cls: type[StripeGateway], settings: Settings) -> StripeGateway:
        built.append(settings)
        raise AssertionError("printing built a Stripe gateway")

    monkeypatch.setattr(StripeGateway, "from_settings", classmethod(spy))
    return built


def test_the_pdf_command_with_stripe_configured_makes_no_network_call_and_no_write(
        db_url: str, engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        offline: list[object], no_stripe_client: list[Settings]) -> None:
    setup_council(engine)
    number = run(engine, SEP1).invoices[0].number
    for name, value in STRIPE.items():
        monkeypatch.setenv(name, value)
    before = table_dump(engine)

    result = run_cli(db_url, "invoice", "pdf", number, "--out", str(tmp_path / "linked.pdf"), as_of="2025-09-01")

    assert result.exit_code == 0, result.output
    assert (offline, no_stripe_client) == ([], [])
    assert table_dump(engine) == before
    page = pay_page(load_settings(STRIPE))
    assert page is not None
    text = " ".join(pdf_text((tmp_path / "linked.pdf").read_bytes()).split())
    assert f"Pay online by card: {page.url(number)}" in text
    assert page.url(number).startswith(f"https://pay.northshire.example/pay/{number}/")


def test_the_service_asks_the_gateway_nothing_and_prints_the_same_bytes_each_time(
        engine: Engine, tmp_path: Path, offline: list[object]) -> None:
    setup_council(engine)
    number = run(engine, SEP1).invoices[0].number
    spy = FakeGateway()
    page = pay_page(load_settings(STRIPE))
    before = table_dump(engine)
    for name in ("first.pdf", "second.pdf"):
        with service_context(engine, SEP1) as ctx:
            ctx.gateway, ctx.pay_page = spy, page
            print_invoice(ctx, number, tmp_path / name)
    assert (spy.calls, offline) == ([], [])
    assert table_dump(engine) == before
    assert (tmp_path / "first.pdf").read_bytes() == (tmp_path / "second.pdf").read_bytes()


def test_the_renderer_is_the_one_handed_in(engine: Engine, tmp_path: Path) -> None:
    setup_council(engine)
    number = run(engine, SEP1).invoices[0].number
    seen: list[object] = []

    def render(document: Any) -> bytes:
        seen.append(document)
        return b"%PDF-stub"

    page = pay_page(load_settings(STRIPE))
    assert page is not None
    with service_context(engine, SEP1) as ctx:
        ctx.render, ctx.pay_page = render, page
        print_invoice(ctx, number, tmp_path / "stub.pdf")
    assert (tmp_path / "stub.pdf").read_bytes() == b"%PDF-stub"
    [document] = seen
    assert (document.number, document.payment.pay_link) == (number, page.url(number))


def test_a_paid_invoice_is_printed_without_a_pay_link(engine: Engine, tmp_path: Path) -> None:
    from billing.payments import record_payment

    setup_council(engine)
    invoice = run(engine, SEP1).invoices[0]
    with service_context(engine, SEP1) as ctx:
        record_payment(ctx, invoice.urn, invoice.total, SEP1, "bacs", [invoice.number])
    with service_context(engine, SEP1) as ctx:
        ctx.pay_page = pay_page(load_settings(STRIPE))
        print_invoice(ctx, invoice.number, tmp_path / "paid.pdf")
    assert "Pay online" not in pdf_text((tmp_path / "paid.pdf").read_bytes())
