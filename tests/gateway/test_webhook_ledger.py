"""Gateway notices into the ledger (fake gateway, real database on both backends)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from sqlalchemy import Engine, select

from billing.gateway.fake import FakeGateway, _Payment
from billing.gateway.port import GatewayNotice
from billing.gateway.service import charge_saved_card, customer_id_for, pay_link
from billing.gateway.webhooks import apply_notice, received_on
from billing.models import AuditEntry, GatewayEvent, School
from tests.gateway.support import OTHER_URN, URN, add_schools, at, issue, ledger, link_customer, outstanding
from tests.support import service_context

AS_OF = date(2025, 12, 1)


def _setup(engine: Engine, *invoices: tuple[str, int, str, date]) -> None:
    with service_context(engine, AS_OF) as ctx:
        add_schools(ctx)
        for urn, seq, total, issued in invoices:
            issue(ctx, urn, seq, total, issued)


def _apply(engine: Engine, notice: GatewayNotice) -> str:
    with service_context(engine, AS_OF) as ctx:
        return apply_notice(ctx, notice).status


def test_a_card_payment_pays_the_invoice_named_on_the_day_of_the_event(engine: Engine) -> None:
    _setup(engine, (URN, 1, "1250.00", date(2025, 9, 1)))
    fake = FakeGateway()
    with service_context(engine, AS_OF) as ctx:
        paid = charge_saved_card(ctx, fake, "INV-000001", "pm_card_visa")
    assert paid.amount_pence == 125000
    assert _apply(engine, fake.succeeded(paid.payment_id, "evt_1", at("2025-10-15 10:00"))) == "processed"
    with service_context(engine, AS_OF) as ctx:
        assert outstanding(ctx, "INV-000001") == "0.00"
        assert ledger(ctx) == {
            "payments": [(paid.payment_id, "1250.00", date(2025, 10, 15), "card", "stripe")],
            "refunds": [], "events": [("evt_1", "payment_intent.succeeded", "processed")],
        }


def test_the_payment_date_is_the_event_time_in_london_not_utc() -> None:
    late_summer_evening = GatewayNotice("evt", "payment_intent.succeeded", "payment", at("2025-10-15 23:30"))
    assert received_on(late_summer_evening) == date(2025, 10, 16)  # 00:30 BST
    winter = replace(late_summer_evening, occurred_at=at("2025-11-15 23:30"))
    assert received_on(winter) == date(2025, 11, 15)  # GMT = UTC


def test_a_replayed_event_records_nothing_twice(engine: Engine) -> None:
    _setup(engine, (URN, 1, "1250.00", date(2025, 9, 1)))
    fake = FakeGateway()
    with service_context(engine, AS_OF) as ctx:
        paid = charge_saved_card(ctx, fake, "INV-000001", "pm_card_visa")
    notice = fake.succeeded(paid.payment_id, "evt_1", at("2025-10-15 10:00"))
    assert _apply(engine, notice) == "processed"
    with service_context(engine, AS_OF) as ctx:
        before = ledger(ctx)
        audits = len(list(ctx.session.scalars(select(AuditEntry))))
    assert _apply(engine, notice) == "duplicate"
    with service_context(engine, AS_OF) as ctx:
        assert ledger(ctx) == before
        assert len(list(ctx.session.scalars(select(AuditEntry)))) == audits


def test_two_events_for_one_payment_make_one_payment(engine: Engine) -> None:
    # Checkout sends checkout.session.completed and payment_intent.succeeded for the same money.
    _setup(engine, (URN, 1, "1250.00", date(2025, 9, 1)))
    fake = FakeGateway()
    with service_context(engine, AS_OF) as ctx:
        link = pay_link(ctx, fake, "INV-000001")
    pi = f"pi_fake_{link.gateway_ref}"
    first = fake.succeeded(pi, "evt_checkout", at("2025-10-15 10:00"))
    assert _apply(engine, replace(first, type="checkout.session.completed")) == "processed"
    assert _apply(engine, fake.succeeded(pi, "evt_pi", at("2025-10-15 10:00"))) == "processed"
    with service_context(engine, AS_OF) as ctx:
        assert [p[:2] for p in ledger(ctx)["payments"]] == [(pi, "1250.00")]
        note = ctx.session.scalar(select(GatewayEvent.note).where(GatewayEvent.event_id == "evt_pi"))
        assert note == "payment already recorded by an earlier event"


def test_a_payment_naming_no_invoice_pays_the_oldest_first(engine: Engine) -> None:
    _setup(engine, (URN, 1, "100.00", date(2025, 9, 1)), (URN, 2, "200.00", date(2025, 10, 1)))
    notice = GatewayNotice("evt_1", "payment_intent.succeeded", "payment", at("2025-11-03 09:00"),
                           amount_pence=15000, external_key="pi_1", urn=URN)
    assert _apply(engine, notice) == "processed"
    with service_context(engine, AS_OF) as ctx:
        assert (outstanding(ctx, "INV-000001"), outstanding(ctx, "INV-000002")) == ("0.00", "150.00")


def test_an_unknown_invoice_is_kept_for_a_person_and_no_money_is_placed(engine: Engine) -> None:
    _setup(engine, (URN, 1, "100.00", date(2025, 9, 1)))
    notice = GatewayNotice("evt_lost", "payment_intent.succeeded", "payment", at("2025-11-03 09:00"),
                           amount_pence=10000, external_key="pi_lost", urn=URN, invoice_number="INV-999999",
                           payload={"id": "evt_lost"})
    assert _apply(engine, notice) == "unallocated"
    with service_context(engine, AS_OF) as ctx:
        assert ledger(ctx) == {"payments": [], "refunds": [],
                               "events": [("evt_lost", "payment_intent.succeeded", "unallocated")]}
        kept = ctx.session.scalar(select(GatewayEvent))
        assert kept is not None
        assert kept.note == 'no invoice numbered "INV-999999"'
        assert kept.payload == {"id": "evt_lost"}
        audit = ctx.session.scalar(select(AuditEntry).where(AuditEntry.action == "gateway.unallocated"))
        assert audit is not None and audit.detail == {"type": "payment_intent.succeeded", "amount": "100.00",
                                                       "key": "pi_lost"}
        assert outstanding(ctx, "INV-000001") == "100.00"


def test_another_schools_invoice_is_kept_unallocated(engine: Engine) -> None:
    _setup(engine, (OTHER_URN, 1, "100.00", date(2025, 9, 1)))
    notice = GatewayNotice("evt_x", "payment_intent.succeeded", "payment", at("2025-11-03 09:00"),
                           amount_pence=10000, external_key="pi_x", urn=URN, invoice_number="INV-000001")
    assert _apply(engine, notice) == "unallocated"
    with service_context(engine, AS_OF) as ctx:
        assert ledger(ctx)["payments"] == []
        assert outstanding(ctx, "INV-000001") == "100.00"


def test_money_from_an_unknown_customer_is_kept_unallocated(engine: Engine) -> None:
    _setup(engine)
    notice = GatewayNotice("evt_y", "customer_cash_balance_transaction.created", "payment",
                           at("2025-11-03 09:00"), amount_pence=5000, method="bacs",
                           external_key="ccsbtxn_1", customer_id="cus_nobody")
    assert _apply(engine, notice) == "unallocated"
    with service_context(engine, AS_OF) as ctx:
        event = ctx.session.scalar(select(GatewayEvent))
        assert event is not None and event.note == "the event names no school the engine knows"


def test_a_foreign_currency_payment_is_kept_unallocated(engine: Engine) -> None:
    _setup(engine, (URN, 1, "100.00", date(2025, 9, 1)))
    notice = GatewayNotice("evt_eur", "payment_intent.succeeded", "payment", at("2025-11-03 09:00"),
                           amount_pence=10000, currency="eur", external_key="pi_eur", urn=URN)
    assert _apply(engine, notice) == "unallocated"
    with service_context(engine, AS_OF) as ctx:
        assert ledger(ctx)["payments"] == []


def test_a_bank_transfer_quoting_an_invoice_pays_that_invoice(engine: Engine) -> None:
    _setup(engine, (URN, 1, "100.00", date(2025, 9, 1)), (URN, 2, "200.00", date(2025, 10, 1)))
    fake = FakeGateway()
    with service_context(engine, AS_OF) as ctx:
        school = ctx.session.scalar(select(School).where(School.urn == URN))
        assert school is not None
        cid = customer_id_for(ctx, fake, school)
    notice = fake.bank_transfer(cid, "ccsbtxn_1", 20000, "inv-000002", "evt_bacs", at("2025-11-03 09:00"))
    assert _apply(engine, notice) == "processed"
    with service_context(engine, AS_OF) as ctx:
        assert (outstanding(ctx, "INV-000001"), outstanding(ctx, "INV-000002")) == ("100.00", "0.00")
        assert ledger(ctx)["payments"] == [("ccsbtxn_1", "200.00", date(2025, 11, 3), "bacs", "stripe")]


def test_a_bank_transfer_with_a_stray_reference_pays_oldest_first(engine: Engine) -> None:
    _setup(engine, (URN, 1, "100.00", date(2025, 9, 1)), (URN, 2, "200.00", date(2025, 10, 1)))
    with service_context(engine, AS_OF) as ctx:
        link_customer(ctx, URN, "cus_a")
    notice = FakeGateway().bank_transfer("cus_a", "ccsbtxn_2", 12000, "SNSC AUTUMN", "evt_b",
                                         at("2025-11-03 09:00"))
    assert _apply(engine, notice) == "processed"
    with service_context(engine, AS_OF) as ctx:
        assert (outstanding(ctx, "INV-000001"), outstanding(ctx, "INV-000002")) == ("0.00", "180.00")


def test_a_refund_is_recorded_once_from_cumulative_reports(engine: Engine) -> None:
    _setup(engine, (URN, 1, "200.00", date(2025, 9, 1)))
    fake = FakeGateway()
    with service_context(engine, AS_OF) as ctx:
        school = ctx.session.scalar(select(School).where(School.urn == URN))
        assert school is not None
        cid = customer_id_for(ctx, fake, school)
    # £300 paid against a £200 invoice leaves £100 credit, which is refunded in two parts.
    fake.payments["pi_over"] = _Payment("pi_over", cid, URN, "INV-000001", 30000)
    assert _apply(engine, fake.succeeded("pi_over", "evt_pay", at("2025-10-01 09:00"))) == "processed"
    fake.refund("pi_over", 4000, "CN-1")
    assert _apply(engine, fake.refunded("pi_over", "evt_r1", at("2025-10-20 09:00"))) == "processed"
    assert _apply(engine, fake.refunded("pi_over", "evt_r1b", at("2025-10-20 09:00"))) == "processed"
    assert _notes(engine)[-1] == "refund already recorded"
    fake.refund("pi_over", 6000, "CN-2")
    assert _apply(engine, fake.refunded("pi_over", "evt_r2", at("2025-10-21 09:00"))) == "processed", _notes(engine)
    with service_context(engine, AS_OF) as ctx:
        assert ledger(ctx)["refunds"] == [("pi_over:refunded:4000", "40.00", date(2025, 10, 20)),
                                          ("pi_over:refunded:10000", "60.00", date(2025, 10, 21))]


def test_a_refund_with_no_credit_to_pay_it_is_kept_for_a_person(engine: Engine) -> None:
    _setup(engine, (URN, 1, "200.00", date(2025, 9, 1)))
    fake = FakeGateway()
    with service_context(engine, AS_OF) as ctx:
        paid = charge_saved_card(ctx, fake, "INV-000001", "pm_card_visa")
    assert _apply(engine, fake.succeeded(paid.payment_id, "evt_pay", at("2025-10-01 09:00"))) == "processed"
    fake.refund(paid.payment_id, 5000, "CN-1")
    assert _apply(engine, fake.refunded(paid.payment_id, "evt_r", at("2025-10-20 09:00"))) == "unallocated"
    with service_context(engine, AS_OF) as ctx:
        assert ledger(ctx)["refunds"] == []
        event = ctx.session.scalar(select(GatewayEvent).where(GatewayEvent.event_id == "evt_r"))
        assert event is not None and "cannot be refunded" in (event.note or "")
        assert outstanding(ctx, "INV-000001") == "0.00"


def test_a_refund_of_a_payment_not_in_the_ledger_is_kept(engine: Engine) -> None:
    _setup(engine)
    notice = GatewayNotice("evt_r", "charge.refunded", "refund", at("2025-10-20 09:00"), amount_pence=500,
                           external_key="pi_unknown")
    assert _apply(engine, notice) == "unallocated"


def test_an_unknown_event_type_is_recorded_as_ignored(engine: Engine) -> None:
    _setup(engine)
    assert _apply(engine, GatewayNotice("evt_i", "customer.updated", "ignored", at("2025-10-20 09:00"))) == "ignored"
    with service_context(engine, AS_OF) as ctx:
        assert ledger(ctx)["events"] == [("evt_i", "customer.updated", "ignored")]


def _notes(engine: Engine) -> list[str | None]:
    with service_context(engine, AS_OF) as ctx:
        return list(ctx.session.scalars(select(GatewayEvent.note).order_by(GatewayEvent.id)))
