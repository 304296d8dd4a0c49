"""The webhook endpoint: signed raw bytes through Starlette's TestClient, on both backends."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.exc import OperationalError
from starlette.testclient import TestClient

from billing.gateway.app import WEBHOOK_PATH, create_app
from billing.gateway.inbox import retry_event
from billing.models import GatewayEvent
from pricing.clock import FixedClock, utc_to_london
from tests.gateway.support import (
    SECRET,
    URN,
    add_schools,
    event,
    funded,
    issue,
    ledger,
    link_customer,
    outstanding,
    payment_intent,
    sign,
)
from tests.support import service_context, table_dump

# The signature check uses real time, so these events are stamped now; their business date is
# today in London (the engine never reads the clock itself — only this test does).
AS_OF = utc_to_london(datetime.now(UTC)).date()


@pytest.fixture
def client(engine: Engine) -> Iterator[TestClient]:
    with service_context(engine, AS_OF) as ctx:
        add_schools(ctx)
        issue(ctx, URN, 1, "1250.00", date(2025, 9, 1))
        issue(ctx, URN, 2, "300.00", date(2025, 10, 1))
        link_customer(ctx, URN, "cus_snsc")
    with TestClient(create_app(engine, SECRET, FixedClock(AS_OF))) as c:
        yield c


def post(client: TestClient, body: bytes, signature: str | None) -> tuple[int, dict[str, object]]:
    headers = {"content-type": "application/json"}
    if signature is not None:
        headers["stripe-signature"] = signature
    response = client.post(WEBHOOK_PATH, content=body, headers=headers)
    return response.status_code, response.json()


def test_a_signed_payment_is_accepted_and_pays_the_invoice(client: TestClient, engine: Engine) -> None:
    body = event("evt_ok", "payment_intent.succeeded", payment_intent("pi_ok", 125000, "INV-000001"))
    assert post(client, body, sign(body)) == (200, {"event": "evt_ok", "status": "processed", "note": None})
    with service_context(engine, AS_OF) as ctx:
        assert outstanding(ctx, "INV-000001") == "0.00"
        assert ledger(ctx)["payments"] == [("pi_ok", "1250.00", AS_OF, "card", "stripe")]


def test_two_v1_signatures_during_secret_rotation_are_accepted(client: TestClient) -> None:
    body = event("evt_rot", "payment_intent.succeeded", payment_intent("pi_rot", 100, "INV-000002"))
    t = int(time.time())
    old = sign(body, "whsec_old_secret", t).split(",")[1]
    assert post(client, body, f"t={t},{old},{sign(body, SECRET, t).split(',')[1]}")[0] == 200


@pytest.mark.parametrize("case", ["tampered", "wrong secret", "stale", "no header", "garbage header",
                                  "re-serialised"])
def test_untrustworthy_deliveries_are_refused_with_400_and_write_nothing(
        client: TestClient, engine: Engine, case: str) -> None:
    body = event("evt_bad", "payment_intent.succeeded", payment_intent("pi_bad", 125000, "INV-000001"))
    signature: str | None = sign(body)
    if case == "tampered":
        body = body.replace(b"125000", b"125001")
    elif case == "wrong secret":
        signature = sign(body, "whsec_someone_else")
    elif case == "stale":
        signature = sign(body, t=int(time.time()) - 301)
    elif case == "no header":
        signature = None
    elif case == "garbage header":
        signature = "not-a-signature"
    elif case == "re-serialised":
        body = body.replace(b'": ', b'":')
    before = table_dump(engine)
    status, answer = post(client, body, signature)
    assert status == 400
    error = answer["error"]
    assert isinstance(error, dict) and error["code"] == "invalid_webhook"
    assert table_dump(engine) == before


def test_a_signed_body_that_is_not_an_event_is_parked_with_its_text(client: TestClient, engine: Engine) -> None:
    # Signed with the endpoint's secret, so it came from Stripe: kept for a person, and Stripe stops retrying.
    for body in (b'{"hello": "world"}', b"not json"):
        status, answer = post(client, body, sign(body))
        assert status == 200 and answer["status"] == "parked", answer
        assert str(answer["event"]).startswith("unreadable:")
    with service_context(engine, AS_OF) as ctx:
        kept = [(e.type, e.status, e.payload, e.note) for e in ctx.session.scalars(select(GatewayEvent)
                                                                                   .order_by(GatewayEvent.id))]
    assert kept == [("unreadable", "parked", {"raw_body": '{"hello": "world"}'}, "the body is not a Stripe event"),
                    ("unreadable", "parked", {"raw_body": "not json"},
                     "the body is not JSON (Expecting value: line 1 column 1 (char 0))")]


def test_a_replayed_event_records_nothing_twice(client: TestClient, engine: Engine) -> None:
    body = event("evt_twice", "payment_intent.succeeded", payment_intent("pi_twice", 50000, "INV-000001"))
    assert post(client, body, sign(body))[1]["status"] == "processed"
    before = table_dump(engine)
    assert post(client, body, sign(body)) == (200, {"event": "evt_twice", "status": "duplicate",
                                                    "note": "event already recorded"})
    assert table_dump(engine) == before
    with service_context(engine, AS_OF) as ctx:
        assert outstanding(ctx, "INV-000001") == "750.00"


def test_an_event_for_an_unknown_invoice_is_kept_unallocated(client: TestClient, engine: Engine) -> None:
    body = event("evt_lost", "payment_intent.succeeded", payment_intent("pi_lost", 2000, "INV-424242"))
    assert post(client, body, sign(body)) == (200, {"event": "evt_lost", "status": "unallocated",
                                                    "note": 'no invoice numbered "INV-424242"'})
    with service_context(engine, AS_OF) as ctx:
        assert ledger(ctx)["events"] == [("evt_lost", "payment_intent.succeeded", "unallocated")]
        assert ledger(ctx)["payments"] == []


def test_checkout_completion_pays_the_invoice_named_by_client_reference(client: TestClient, engine: Engine) -> None:
    session = {"id": "cs_1", "object": "checkout.session", "payment_status": "paid", "amount_total": 30000,
               "currency": "gbp", "customer": "cus_snsc", "client_reference_id": "INV-000002",
               "payment_intent": "pi_cs_1", "metadata": {}}
    body = event("evt_cs", "checkout.session.completed", session)
    assert post(client, body, sign(body))[1]["status"] == "processed"
    body = event("evt_cs_pi", "payment_intent.succeeded",
                 payment_intent("pi_cs_1", 30000, "INV-000002", customer="cus_snsc"))
    assert post(client, body, sign(body))[1]["status"] == "processed"
    with service_context(engine, AS_OF) as ctx:
        assert (outstanding(ctx, "INV-000001"), outstanding(ctx, "INV-000002")) == ("1250.00", "0.00")
        assert [p[:2] for p in ledger(ctx)["payments"]] == [("pi_cs_1", "300.00")]


def test_an_unpaid_checkout_completion_is_ignored(client: TestClient, engine: Engine) -> None:
    session = {"id": "cs_2", "object": "checkout.session", "payment_status": "unpaid", "amount_total": 30000,
               "currency": "gbp", "customer": "cus_snsc", "payment_intent": "pi_cs_2", "metadata": {}}
    body = event("evt_cs2", "checkout.session.completed", session)
    assert post(client, body, sign(body))[1]["status"] == "ignored"
    with service_context(engine, AS_OF) as ctx:
        assert ledger(ctx)["payments"] == []


def test_a_bank_transfer_into_the_schools_account_pays_oldest_first(client: TestClient, engine: Engine) -> None:
    txn = {"id": "ccsbtxn_1", "object": "customer_cash_balance_transaction", "type": "funded",
           "currency": "gbp", "customer": "cus_snsc", "net_amount": 130000, "ending_balance": 130000,
           "funded": {"bank_transfer": {"type": "gb_bank_transfer", "reference": "REF 77",
                                        "gb_bank_transfer": {"sender_name": "SNSC", "sort_code": "108800",
                                                             "account_number_last4": "1234"}}}}
    body = event("evt_bacs", "customer_cash_balance_transaction.created", txn)
    assert post(client, body, sign(body))[1]["status"] == "processed"
    with service_context(engine, AS_OF) as ctx:
        assert (outstanding(ctx, "INV-000001"), outstanding(ctx, "INV-000002")) == ("0.00", "250.00")
        assert ledger(ctx)["payments"] == [("ccsbtxn_1", "1300.00", AS_OF, "bacs", "stripe")]


def test_a_payment_from_the_cash_balance_and_the_transfer_that_funded_it_are_one_payment(
        client: TestClient, engine: Engine) -> None:
    # The PaymentIntent arrives first: the money is recorded now, once; its bank transfer then adds nothing.
    pi = payment_intent("pi_cb", 30000, "INV-000002", customer="cus_snsc", methods=("customer_balance",))
    body = event("evt_cb", "payment_intent.succeeded", pi)
    assert post(client, body, sign(body)) == (200, {"event": "evt_cb", "status": "processed", "note": None})
    body = event("evt_cb_fund", "customer_cash_balance_transaction.created", funded("ccsbtxn_cb", 30000, "cus_snsc"))
    assert post(client, body, sign(body)) == (200, {
        "event": "evt_cb_fund", "status": "processed",
        "note": "the money was already recorded from the school's Stripe balance"})
    with service_context(engine, AS_OF) as ctx:
        assert ledger(ctx)["payments"] == [("pi_cb", "300.00", AS_OF, "bacs", "stripe")]
        # Allocated like the bank transfer it is: its reference quotes no invoice, so oldest first (§8).
        assert (outstanding(ctx, "INV-000001"), outstanding(ctx, "INV-000002")) == ("950.00", "300.00")


def test_charge_refunded_becomes_a_refund_of_credit(client: TestClient, engine: Engine) -> None:
    # £1,550 pays INV-000001 (£1,250) and then the oldest other, INV-000002 (£300): no credit left.
    body = event("evt_p", "payment_intent.succeeded", payment_intent("pi_r", 155000, "INV-000001"))
    assert post(client, body, sign(body))[1]["status"] == "processed"
    charge = {"id": "ch_r", "object": "charge", "amount": 155000, "amount_refunded": 5000, "currency": "gbp",
              "customer": "cus_snsc", "payment_intent": "pi_r", "refunded": False, "metadata": {}}
    body = event("evt_ref", "charge.refunded", charge)
    # nothing is held as credit, so the refund cannot come out of it: a person must decide
    assert post(client, body, sign(body))[1]["status"] == "unallocated"
    body = event("evt_p2", "payment_intent.succeeded", payment_intent("pi_extra", 5000))
    assert post(client, body, sign(body))[1]["status"] == "processed"  # £50 more, now held as credit
    body = event("evt_ref2", "charge.refunded", charge)
    assert post(client, body, sign(body))[1]["status"] == "processed"
    with service_context(engine, AS_OF) as ctx:
        assert ledger(ctx)["refunds"] == [("pi_r:refunded:5000", "50.00", AS_OF)]


def test_an_unknown_event_type_is_answered_200_and_recorded_ignored(client: TestClient, engine: Engine) -> None:
    body = event("evt_other", "customer.subscription.updated", {"id": "sub_1", "object": "subscription"})
    assert post(client, body, sign(body)) == (200, {"event": "evt_other", "status": "ignored", "note": None})
    with service_context(engine, AS_OF) as ctx:
        assert ledger(ctx)["events"] == [("evt_other", "customer.subscription.updated", "ignored")]


def test_a_database_failure_answers_503_writes_nothing_and_the_retry_succeeds(
        client: TestClient, engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    import billing.payments

    real = billing.payments.record_payment

    def broken(*args: object, **kwargs: object) -> object:
        real(*args, **kwargs)  # type: ignore[arg-type]
        raise OperationalError("INSERT", {}, Exception("database is locked"))

    body = event("evt_fail", "payment_intent.succeeded", payment_intent("pi_fail", 125000, "INV-000001"))
    before = table_dump(engine)
    monkeypatch.setattr(billing.payments, "record_payment", broken)
    status, answer = post(client, body, sign(body))
    assert status == 503 and answer == {"error": {"code": "database_unavailable", "message": "not recorded; retry"}}
    assert table_dump(engine) == before
    monkeypatch.setattr(billing.payments, "record_payment", real)
    assert post(client, body, sign(body))[1]["status"] == "processed"
    with service_context(engine, AS_OF) as ctx:
        assert outstanding(ctx, "INV-000001") == "0.00"


def test_a_fault_in_the_engine_parks_the_event_and_the_retry_records_it_once(
        client: TestClient, engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    import billing.payments

    real = billing.payments.record_payment

    def broken(*args: object, **kwargs: object) -> object:
        real(*args, **kwargs)  # type: ignore[arg-type]
        raise RuntimeError("a bug half-way")

    body = event("evt_bug", "payment_intent.succeeded", payment_intent("pi_bug", 125000, "INV-000001"))
    monkeypatch.setattr(billing.payments, "record_payment", broken)
    status, answer = post(client, body, sign(body))
    assert status == 200 and answer == {"event": "evt_bug", "status": "parked",
                                        "note": "the engine could not apply it (RuntimeError: a bug half-way)"}
    with service_context(engine, AS_OF) as ctx:
        assert ledger(ctx)["payments"] == []  # the half-written payment went with its savepoint
        assert ledger(ctx)["events"] == [("evt_bug", "payment_intent.succeeded", "parked")]
    monkeypatch.setattr(billing.payments, "record_payment", real)  # the fix is deployed
    assert post(client, body, sign(body))[1]["status"] == "duplicate"  # Stripe's retry changes nothing
    with service_context(engine, AS_OF) as ctx:
        assert retry_event(ctx, "evt_bug").status == "processed"
    with service_context(engine, AS_OF) as ctx:
        assert ledger(ctx)["payments"] == [("pi_bug", "1250.00", AS_OF, "card", "stripe")]
        assert outstanding(ctx, "INV-000001") == "0.00"


def test_the_app_refuses_a_zero_tolerance(engine: Engine) -> None:
    with pytest.raises(ValueError, match="positive"):
        create_app(engine, SECRET, FixedClock(AS_OF), tolerance=0)
