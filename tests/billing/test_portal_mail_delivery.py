"""A portal invitation goes out with its one-time link, and the outbox forgets the link once it is sent."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import Engine, select

from billing.mail_delivery import SmtpSettings, send_queued
from billing.models.mail import LINK_FORGOTTEN, MailMessage
from billing.portal_accounts import invite
from billing.pricebooks import load_pricebook
from billing.schools import NewSchool, add_school
from pricing.clock import FixedClock
from pricing.pricebook import sample_pricebook_text
from tests.support import service_context
from tests.support_smtp import smtp_server

DAY = date(2026, 1, 5)
AT = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def test_the_invitation_arrives_with_its_link_and_the_outbox_keeps_no_usable_link(engine: Engine) -> None:
    with service_context(engine, date(2025, 7, 1)) as ctx:
        load_pricebook(ctx, sample_pricebook_text())
        add_school(ctx, NewSchool(urn="100001", name="Ash Primary", type="academy"))
    with service_context(engine, DAY, AT, actor="clerk") as ctx:
        link = invite(ctx, "100001", "ann.head@ash.example", "approver", "Ann Head",
                      portal_url="https://portal.example").link
    with smtp_server() as (recorder, port):
        report = send_queued(engine, SmtpSettings("127.0.0.1", port, starttls=False, timeout=5),
                             FixedClock(DAY), "sender")
    assert len(report.sent) == 1
    [arrival] = recorder.arrivals
    assert arrival.recipients == ["ann.head@ash.example"]
    assert link in arrival.message.get_body(("plain",)).get_content()
    with service_context(engine, DAY) as ctx:
        message = ctx.session.scalars(select(MailMessage)).one()
        assert message.status == "sent"
        assert (message.text_body, message.html_body) == (LINK_FORGOTTEN, f"<p>{LINK_FORGOTTEN}</p>")
        assert link.rsplit("/", 1)[1] not in message.subject
