"""`traded stripe events` and `traded stripe retry`: the team sees what waits and applies it once fixed."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine, select

from billing.context import Context
from billing.gateway.inbox import receive
from billing.models import AuditEntry, GatewayEvent
from billing.schools import NewSchool, add_school
from tests.gateway.support import (
    URN,
    add_schools,
    event,
    issue,
    ledger,
    nested,
    outstanding,
    payment_intent,
)
from tests.support import cli_json, cli_refused, run_cli, service_context

AS_OF = date(2025, 12, 1)
NEW_URN = "100999"  # a school the engine does not know yet
CREATED = 1_764_583_200  # 2025-12-01 10:00 UTC


def _deliver(engine: Engine, body: bytes) -> str:
    with service_context(engine, AS_OF) as ctx:
        return receive(ctx, body.decode()).status


def _unknown_school() -> bytes:
    return event("evt_new", "payment_intent.succeeded", payment_intent("pi_new", 30000, None, urn=NEW_URN),
                 created=CREATED)


def _paid() -> bytes:
    return event("evt_paid", "payment_intent.succeeded", payment_intent("pi_paid", 25000, "INV-000001"),
                 created=CREATED)


@pytest.fixture
def waiting(engine: Engine) -> Engine:
    """A processed payment, an unallocated one (unknown school) and a parked delivery (nested 100k deep)."""
    with service_context(engine, AS_OF) as ctx:
        add_schools(ctx)
        issue(ctx, URN, 1, "1250.00", date(2025, 9, 1))
    assert _deliver(engine, _paid()) == "processed"
    assert _deliver(engine, _unknown_school()) == "unallocated"
    assert _deliver(engine, nested(100_000)) == "parked"
    return engine


def _ids(data: dict[str, object]) -> list[tuple[str, str]]:
    events = data["events"]
    assert isinstance(events, list)
    return [(e["event"][:11], e["status"]) for e in events]


def test_events_lists_what_waits_for_a_person_by_default(db_url: str, waiting: Engine) -> None:
    data = cli_json(db_url, "stripe", "events")
    assert data["statuses"] == ["parked", "unallocated", "review"]
    assert _ids(data) == [("evt_new", "unallocated"), ("unreadable:", "parked")]
    new, deep = data["events"]
    assert new == {"event": "evt_new", "type": "payment_intent.succeeded", "status": "unallocated",
                   "note": f"no school with URN {NEW_URN}", "received_at": new["received_at"]}
    assert deep["type"] == "unreadable" and deep["note"] == "the body is JSON nested more than 64 levels deep"


def test_events_filters_by_status(db_url: str, waiting: Engine) -> None:
    assert _ids(cli_json(db_url, "stripe", "events", "--status", "parked")) == [("unreadable:", "parked")]
    assert _ids(cli_json(db_url, "stripe", "events", "--status", "processed")) == [("evt_paid", "processed")]
    every = cli_json(db_url, "stripe", "events", "--status", "all")
    assert every["count"] == 3
    assert _ids(cli_json(db_url, "stripe", "events", "--status", "all", "--limit", "1")) == [("evt_paid", "processed")]


def test_events_prints_a_table_without_json(db_url: str, waiting: Engine) -> None:
    result = run_cli(db_url, "stripe", "events", as_json=False)
    assert result.exit_code == 0, result.output
    assert "2 Stripe events parked/unallocated/review" in result.output
    assert "evt_new" in result.output and "no school with URN 100999" in result.output
    empty = run_cli(db_url, "stripe", "events", "--status", "review", as_json=False)
    assert empty.output.strip() == "No Stripe events review."


def test_a_retried_event_records_its_payment_exactly_once_when_its_cause_is_fixed(
        db_url: str, waiting: Engine) -> None:
    still = cli_json(db_url, "stripe", "retry", "evt_new")
    assert still == {"retried": [{"event": "evt_new", "type": "payment_intent.succeeded", "was": "unallocated",
                                  "status": "unallocated", "note": f"no school with URN {NEW_URN}",
                                  "payment_id": None, "refund_id": None}], "count": 1, "still_waiting": 1}
    with service_context(waiting, AS_OF) as ctx:  # the cause is fixed: the school is added
        add_school(ctx, NewSchool(urn=NEW_URN, name="Clapton Girls' Academy", type="academy"))
    done = cli_json(db_url, "stripe", "retry", "evt_new")["retried"][0]
    assert (done["was"], done["status"], done["note"]) == ("unallocated", "processed", None)
    assert isinstance(done["payment_id"], int)
    # Retrying again, or Stripe delivering it again, records nothing more.
    assert cli_refused(db_url, "stripe", "retry", "evt_new") == {
        "code": "rule_violation",
        "message": "Stripe event evt_new is processed, not parked or unallocated: nothing to retry"}
    assert _deliver(waiting, _unknown_school()) == "duplicate"
    with service_context(waiting, AS_OF) as ctx:
        assert [p for p in ledger(ctx)["payments"] if p[0] == "pi_new"] == [
            ("pi_new", "300.00", AS_OF, "card", "stripe")]
        trail = ctx.session.execute(select(AuditEntry.action, AuditEntry.detail).where(
            AuditEntry.entity == "gateway_event", AuditEntry.entity_id == "evt_new").order_by(AuditEntry.id)).all()
    assert [(a, (d or {}).get("from"), (d or {}).get("to")) for a, d in trail] == [
        ("gateway.unallocated", None, None),
        ("gateway.retry", "unallocated", "unallocated"),
        ("gateway.retry", "unallocated", "processed")]


def test_retry_all_parked_reapplies_events_parked_by_a_fault_once_it_is_fixed(
        db_url: str, waiting: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    import billing.payments

    real = billing.payments.record_payment

    def broken(*args: object, **kwargs: object) -> object:
        raise RuntimeError("a bug in the engine")

    monkeypatch.setattr(billing.payments, "record_payment", broken)
    body = event("evt_bug", "payment_intent.succeeded", payment_intent("pi_bug", 100000, "INV-000001"),
                 created=CREATED)
    assert _deliver(waiting, body) == "parked"
    monkeypatch.setattr(billing.payments, "record_payment", real)  # the fix is deployed

    result = cli_json(db_url, "stripe", "retry", "--all-parked")
    assert [(r["event"][:11], r["was"], r["status"]) for r in result["retried"]] == [
        ("unreadable:", "parked", "parked"),  # still unreadable: it stays, with its reason
        ("evt_bug", "parked", "processed")]
    assert result["still_waiting"] == 1
    assert _deliver(waiting, body) == "duplicate"
    with service_context(waiting, AS_OF) as ctx:
        assert [p[:2] for p in ledger(ctx)["payments"] if p[0] == "pi_bug"] == [("pi_bug", "1000.00")]
        assert outstanding(ctx, "INV-000001") == "0.00"  # £250 earlier, £1,000 now
    # The unallocated event was not touched by --all-parked.
    assert _ids(cli_json(db_url, "stripe", "events", "--status", "unallocated")) == [("evt_new", "unallocated")]


def test_retry_text_says_what_changed(db_url: str, waiting: Engine) -> None:
    with service_context(waiting, AS_OF) as ctx:
        add_school(ctx, NewSchool(urn=NEW_URN, name="Clapton Girls' Academy", type="academy"))
    result = run_cli(db_url, "stripe", "retry", "--all-unallocated", "--all-parked", as_json=False)
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert lines[0].startswith("evt_new: unallocated → processed (payment ")
    assert lines[1].startswith("unreadable:") and lines[1].endswith(
        ": still parked: the body is JSON nested more than 64 levels deep")


def test_an_event_kept_under_a_stand_in_id_takes_its_own_id_once_it_can_be_read(
        db_url: str, waiting: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    import billing.gateway.inbox

    body = event("evt_late", "payment_intent.succeeded", payment_intent("pi_late", 5000, "INV-000001"),
                 created=CREATED)
    monkeypatch.setattr(billing.gateway.inbox, "MAX_JSON_DEPTH", 2)  # a bound too tight for real events
    assert _deliver(waiting, body) == "parked"
    monkeypatch.setattr(billing.gateway.inbox, "MAX_JSON_DEPTH", 64)  # ... corrected
    stand_in = billing.gateway.inbox.unreadable_id(body.decode())
    done = cli_json(db_url, "stripe", "retry", stand_in)["retried"][0]
    assert (done["event"], done["was"], done["status"]) == ("evt_late", "parked", "processed")
    assert _deliver(waiting, body) == "duplicate"  # Stripe's own retry of it now finds it by its id
    with service_context(waiting, AS_OF) as ctx:
        assert [p[:2] for p in ledger(ctx)["payments"] if p[0] == "pi_late"] == [("pi_late", "50.00")]
        assert ctx.session.scalar(select(GatewayEvent.id).where(GatewayEvent.event_id == stand_in)) is None


def test_retry_refuses_unknown_events_and_needs_something_to_retry(db_url: str, waiting: Engine) -> None:
    assert cli_refused(db_url, "stripe", "retry", "evt_nope") == {
        "code": "not_found", "message": "no Stripe event evt_nope is recorded"}
    usage = run_cli(db_url, "stripe", "retry")
    assert usage.exit_code == 2 and "--all-parked" in usage.output
    assert cli_json(db_url, "stripe", "retry", "--all-unallocated", "--all-parked")["count"] == 2


def test_a_retry_that_fails_writes_nothing_else(db_url: str, waiting: Engine) -> None:
    # Nothing but the event row's note and the audit entry change when the cause is still there.
    def snapshot(ctx: Context) -> tuple[object, ...]:
        return tuple(ledger(ctx)["payments"]), ctx.session.scalar(
            select(GatewayEvent.status).where(GatewayEvent.event_id == "evt_new"))

    with service_context(waiting, AS_OF) as ctx:
        before = snapshot(ctx)
    cli_json(db_url, "stripe", "retry", "evt_new")
    with service_context(waiting, AS_OF) as ctx:
        assert snapshot(ctx) == before
