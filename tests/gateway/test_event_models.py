"""Stripe events read through pydantic models: good ones typed, malformed ones refused with the old reasons."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from billing.gateway import payloads
from billing.gateway.errors import UnreadableEvent
from billing.gateway.inbox import parse_event
from billing.gateway.webhooks import notice_from_event


def body(**changes: Any) -> dict[str, Any]:
    event: dict[str, Any] = {"id": "evt_1", "object": "event", "type": "charge.refunded", "created": 1_757_000_000,
                             "api_version": "2024-06-20",
                             "data": {"object": {"id": "ch_1", "object": "charge", "payment_intent": "pi_1",
                                                 "amount_refunded": 1500, "currency": "GBP", "customer": "cus_1",
                                                 "metadata": {"school_urn": " 100279 ", "invoice_number": ""}}}}
    event.update(changes)
    return {key: value for key, value in event.items() if value is not ...}


def test_a_good_event_reads_typed_and_keeps_its_body() -> None:
    event = parse_event(json.dumps(body()))
    assert (event.id, event.type, event.occurred_at) == ("evt_1", "charge.refunded",
                                                          datetime.fromtimestamp(1_757_000_000, UTC))
    assert event.body == body() and event["api_version"] == "2024-06-20"
    notice = notice_from_event(event)
    assert (notice.kind, notice.external_key, notice.amount_pence) == ("refund", "pi_1", 1500)
    assert (notice.currency, notice.customer_id, notice.urn, notice.invoice_number) == ("gbp", "cus_1", "100279", None)
    assert notice.payload == body()  # stored as it came


@pytest.mark.parametrize(("changes", "reason", "ids"), [
    ({"object": "charge"}, "the body is not a Stripe event", (None, None)),
    ({"id": ...}, "the event's id is missing or not a Stripe id", (None, "charge.refunded")),
    ({"id": "evt 1", "type": 7}, "the event's id is missing or not a Stripe id", (None, None)),
    ({"type": "charge refunded"}, "the event's type is missing or not a Stripe event type", ("evt_1", None)),
    ({"created": True}, "the event's created time is missing or out of range", ("evt_1", "charge.refunded")),
    ({"created": 1.5}, "the event's created time is missing or out of range", ("evt_1", "charge.refunded")),
    ({"created": payloads.LATEST_CREATED + 1}, "the event's created time is missing or out of range",
     ("evt_1", "charge.refunded")),
    ({"data": {"object": []}}, "the event carries no data object", ("evt_1", "charge.refunded")),
    ({"data": ...}, "the event carries no data object", ("evt_1", "charge.refunded")),
])
def test_a_malformed_envelope_is_refused_naming_the_first_fault(changes: dict[str, Any], reason: str,
                                                                 ids: tuple[str | None, str | None]) -> None:
    with pytest.raises(UnreadableEvent) as refused:
        parse_event(json.dumps(body(**changes)))
    assert (refused.value.message, refused.value.event_id, refused.value.event_type) == (reason, *ids)


def test_a_body_that_is_not_an_object_is_not_an_event() -> None:
    with pytest.raises(UnreadableEvent, match="not a Stripe event"):
        parse_event("[1, 2]")


def test_shared_fields_in_another_form_read_as_absent() -> None:
    shared = payloads.Shared.model_validate({"currency": None, "customer": {"id": ""}, "metadata": ["x"]})
    assert (shared.currency, shared.customer, shared.metadata) == ("gbp", None, {})
    assert payloads.Shared.model_validate({"customer": {"id": "cus_9"}}).customer == "cus_9"
    charge = payloads.RefundedCharge.model_validate({"id": "ch_2", "payment_intent": 5, "amount_refunded": True})
    assert (charge.payment_key, charge.amount_refunded) == ("ch_2", None)


def test_a_money_object_in_the_wrong_form_is_parked_with_its_field() -> None:
    event = body(type="payment_intent.succeeded",
                 data={"object": {"id": "pi_1", "object": "payment_intent", "amount_received": "1500"}})
    notice = notice_from_event(event)
    assert notice.problem is not None and notice.problem.startswith("the event's amount_received could not be read")
