"""`traded mail bounced` (issue 17): a sent message the school's server sent back, recorded by the team."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine, select

from billing.bill_run import run_bill_run
from billing.contacts import NewContact, add_contact
from billing.models import AuditEntry, Invoice
from billing.outbox import queue_document
from pricing.clock import FixedClock
from tests.reliability.workload import build_council, urn_of
from tests.support import cli_json, cli_refused, run_cli, service_context, table_dump
from tests.support_smtp import smtp_server

RUN_ON = date(2026, 1, 1)
BOUNCE = "550 5.1.1 ann@school0.example: mailbox unavailable"


@pytest.fixture
def sent(engine: Engine, db_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """School 0's invoice sent to a local server (message 1); school 1's recorded failed, nowhere to send (2)."""
    build_council(engine, 2)
    with service_context(engine, date(2025, 12, 1)) as ctx:
        add_contact(ctx, NewContact(urn=urn_of(0), name="Ann Smith", role="finance", email="ann@school0.example"))
    run_bill_run(engine, FixedClock(RUN_ON), "test")
    with service_context(engine, RUN_ON) as ctx:
        for invoice in ctx.session.scalars(select(Invoice).order_by(Invoice.id)):
            queue_document(ctx, invoice)
    with smtp_server() as (_, port):
        monkeypatch.setenv("TRADED_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("TRADED_SMTP_PORT", str(port))
        monkeypatch.setenv("TRADED_SMTP_STARTTLS", "0")
        assert cli_json(db_url, "mail", "send")["sent"] == [1]
    return db_url


def test_a_sent_message_is_recorded_bounced_and_listed(sent: str, engine: Engine) -> None:
    marked = cli_json(sent, "mail", "bounced", "1", "--reason", BOUNCE)
    assert (marked["id"], marked["status"], marked["reply"]) == (1, "bounced", BOUNCE)
    assert marked["recipients"] == ["ann@school0.example"]
    assert [(r["id"], r["status"]) for r in cli_json(sent, "mail", "list", "--status", "bounced")] == [(1, "bounced")]
    screen = run_cli(sent, "mail", "list", "--status", "bounced", as_json=False)
    assert screen.exit_code == 0 and "bounced" in screen.stdout and "mailbox" in screen.stdout
    with service_context(engine, RUN_ON) as ctx:
        audit = ctx.session.scalars(select(AuditEntry).where(AuditEntry.action == "mail.bounced")).one()
        assert (audit.entity_id, audit.reason) == ("1", BOUNCE)
        assert audit.detail is not None
        before: object = audit.detail["before"]
        assert isinstance(before, dict) and before["sent_at"] is not None
        assert (before["status"], before["reply"]) == ("sent", "250 2.0.0 Ok: queued")  # the server's reply, kept
        assert audit.detail["after"] == {"status": "bounced", "reply": BOUNCE}
    resent = cli_json(sent, "mail", "resend", "1", "--reason", "Finance contact corrected")
    assert resent["status"] == "queued"


def test_only_a_sent_message_can_bounce_and_a_refusal_writes_nothing(sent: str, engine: Engine) -> None:
    before = table_dump(engine)
    not_sent = cli_refused(sent, "mail", "bounced", "2", "--reason", BOUNCE)
    assert not_sent["code"] == "illegal_transition"
    assert not_sent["message"] == "mail message 2 is failed and cannot become bounced"
    assert cli_refused(sent, "mail", "bounced", "99", "--reason", BOUNCE)["code"] == "unknown_mail_message"
    assert cli_refused(sent, "mail", "bounced", "1", "--reason", " ")["code"] == "invalid_input"
    assert table_dump(engine) == before
    cli_json(sent, "mail", "bounced", "1", "--reason", BOUNCE)
    assert cli_refused(sent, "mail", "bounced", "1", "--reason", BOUNCE)["message"] == (
        "mail message 1 is bounced and cannot become bounced")
    text = run_cli(sent, "mail", "bounced", "2", "--reason", BOUNCE, as_json=False)
    assert text.exit_code == 1
