"""Delivering the outbox to a real SMTP server on 127.0.0.1 (issue 17): what arrives, and each outcome recorded."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from billing import mail_delivery
from billing.bill_run import run_bill_run
from billing.contacts import NewContact, add_contact
from billing.documents import pdf_bytes
from billing.gateway.pay_page import PayPage
from billing.mail_delivery import (
    BACKOFF,
    MAX_ATTEMPTS,
    SenderRunning,
    SmtpSettings,
    send_queued,
    sender_lease,
)
from billing.models import Invoice
from billing.models.mail import MailMessage
from billing.outbox import queue_document
from billing.payments import record_payment
from pricing.clock import FixedClock
from tests.reliability.workload import build_council, urn_of
from tests.support import run_cli, service_context
from tests.support_smtp import Recorder, free_port, smtp_server

RUN_ON = date(2026, 1, 1)
START = datetime(2026, 1, 2, 9, 0, tzinfo=UTC)


@dataclass
class Clock:
    """Real instants, moved on by the test."""

    instant: datetime = START

    def now(self) -> datetime:
        return self.instant

    def today(self) -> date:
        return self.instant.date()


@pytest.fixture
def queued(engine: Engine) -> Engine:
    """Two schools invoiced and their invoices queued: school 0 to two finance contacts, school 1 to one."""
    build_council(engine, 2)
    with service_context(engine, date(2025, 12, 1)) as ctx:
        add_contact(ctx, NewContact(urn=urn_of(0), name="Ann Smith", role="finance", email="ann@school0.example"))
        add_contact(ctx, NewContact(urn=urn_of(0), name="Bob Jones", role="finance", email="bob@school0.example"))
        add_contact(ctx, NewContact(urn=urn_of(1), name="Dan Lee", role="finance", email="dan@school1.example"))
    run_bill_run(engine, FixedClock(RUN_ON), "test")
    with service_context(engine, RUN_ON) as ctx:
        for invoice in ctx.session.scalars(select(Invoice).order_by(Invoice.id)):
            queue_document(ctx, invoice)
    return engine


def _messages(engine: Engine) -> list[MailMessage]:
    with service_context(engine, RUN_ON) as ctx:
        return list(ctx.session.scalars(select(MailMessage).order_by(MailMessage.id)))


def _smtp(port: int, **kw: object) -> SmtpSettings:
    return SmtpSettings("127.0.0.1", port, starttls=False, timeout=5, **kw)  # type: ignore[arg-type]


def test_queued_invoices_arrive_with_their_headers_and_the_pdf_invoice_pdf_prints(
        queued: Engine, db_url: str, tmp_path: Path) -> None:
    with smtp_server() as (recorder, port):
        report = send_queued(queued, _smtp(port), Clock(), "sender")
    messages = _messages(queued)
    assert report.sent == [m.id for m in messages] and not report.failed and report.server_error is None
    assert len(recorder.arrivals) == 2
    for message, arrival in zip(messages, recorder.arrivals, strict=True):
        assert (message.status, message.attempts, message.sent_at) == ("sent", 1, START)
        assert message.reply == "250 2.0.0 Ok: queued"
        assert arrival.mail_from == "traded.services@eastbury.example"
        assert arrival.recipients == message.recipients
        email = arrival.message
        assert email["Subject"] == message.subject
        assert email["From"] == "Borough of Eastbury Council <traded.services@eastbury.example>"
        assert email["Reply-To"] == "traded.services@eastbury.example"
        assert email["To"] == ", ".join(message.recipients)
        assert email["Message-ID"] == message.message_id and message.message_id.endswith("@eastbury.example>")
        assert email["Date"] == "Fri, 02 Jan 2026 09:00:00 +0000"
        body = email.get_body(("plain",))
        assert body is not None and message.attachments[0] in body.get_content()
        html = email.get_body(("html",))
        assert html is not None and html.get_content().replace("\r\n", "\n") == message.html_body
        number = message.attachments[0]
        printed = tmp_path / f"{number}.pdf"
        assert run_cli(db_url, "invoice", "pdf", number, "--out", str(printed), as_of="2026-01-02").exit_code == 0
        assert arrival.pdfs() == {f"{number}.pdf": printed.read_bytes()}
    assert messages[0].recipients == ["ann@school0.example", "bob@school0.example"]
    with smtp_server() as (again, port):
        assert send_queued(queued, _smtp(port), Clock(), "sender").sent == []
    assert again.arrivals == []


def test_a_permanent_refusal_fails_the_message_with_the_servers_reply(queued: Engine) -> None:
    with smtp_server(Recorder(data_answer="550 5.7.1 Message rejected as spam")) as (recorder, port):
        report = send_queued(queued, _smtp(port), Clock(), "sender", limit=1)
    first, second = _messages(queued)
    assert report.failed == [(first.id, "550 5.7.1 Message rejected as spam")]
    assert (first.status, first.reply, first.attempts) == ("failed", "550 5.7.1 Message rejected as spam", 1)
    assert second.status == "queued" and second.attempts == 0  # --limit 1
    assert recorder.arrivals == []


def test_a_temporary_refusal_is_tried_again_after_a_wait_then_given_up(queued: Engine) -> None:
    clock = Clock()
    busy = Recorder(data_answer="451 4.3.0 Try again later")
    with smtp_server(busy) as (_, port):
        report = send_queued(queued, _smtp(port), clock, "sender", limit=1)
        message = _messages(queued)[0]
        assert report.retrying == [(message.id, "451 4.3.0 Try again later", START + BACKOFF[0])]
        assert (message.status, message.attempts, message.next_attempt_at) == ("queued", 1, START + BACKOFF[0])
        clock.instant = START + BACKOFF[0] - timedelta(seconds=1)
        assert send_queued(queued, _smtp(port), clock, "sender", limit=1).retrying[0][0] != message.id  # not due
        for attempt in range(2, MAX_ATTEMPTS + 1):
            clock.instant += timedelta(days=1)
            report = send_queued(queued, _smtp(port), clock, "sender")
            message = _messages(queued)[0]
            assert message.attempts == attempt
        assert message.status == "failed"
        assert message.reply == f"451 4.3.0 Try again later (gave up after {MAX_ATTEMPTS} attempts)"
        assert (message.id, message.reply) in report.failed
    busy.data_answer = "250 OK"


def test_an_address_the_server_refuses_is_recorded_and_the_others_receive_it(queued: Engine) -> None:
    recorder = Recorder(rcpt_answers={"bob@school0.example": "550 5.1.1 No such user"})
    with smtp_server(recorder) as (_, port):
        report = send_queued(queued, _smtp(port), Clock(), "sender", limit=1)
    message = _messages(queued)[0]
    assert message.status == "sent" and report.sent == [message.id]
    assert message.refused == {"bob@school0.example": "550 5.1.1 No such user"}
    assert report.refused == {message.id: {"bob@school0.example": "550 5.1.1 No such user"}}
    assert [a.recipients for a in recorder.arrivals] == [["ann@school0.example"]]


def test_every_address_refused_for_good_fails_the_message(queued: Engine) -> None:
    recorder = Recorder(rcpt_answers={"dan@school1.example": "550 5.1.1 No such user"})
    with smtp_server(recorder) as (_, port):
        send_queued(queued, _smtp(port), Clock(), "sender")
    second = _messages(queued)[1]
    assert (second.status, second.reply) == ("failed", "dan@school1.example: 550 5.1.1 No such user")


def test_a_server_that_is_down_leaves_every_message_queued(queued: Engine) -> None:
    report = send_queued(queued, _smtp(free_port()), Clock(), "sender")
    assert report.server_error is not None and report.server_error.startswith(
        "cannot reach the mail server 127.0.0.1:")
    assert [(m.status, m.attempts, m.claimed_at) for m in _messages(queued)] == [("queued", 0, None)] * 2


def test_a_message_left_sending_by_a_dead_sender_becomes_uncertain_and_is_not_sent(queued: Engine) -> None:
    with service_context(queued, RUN_ON) as ctx:
        stuck = ctx.session.scalars(select(MailMessage).order_by(MailMessage.id)).first()
        assert stuck is not None
        stuck.status, stuck.attempts, stuck.claimed_at = "sending", 1, START
    with smtp_server() as (recorder, port):
        report = send_queued(queued, _smtp(port), Clock(START + timedelta(minutes=5)), "sender")
    first, second = _messages(queued)
    assert report.uncertain == [first.id] and report.sent == [second.id]
    assert first.status == "uncertain" and first.reply is not None and "may or may not have arrived" in first.reply
    assert recorder.message_ids() == [second.message_id]


def test_one_sender_at_a_time(queued: Engine) -> None:
    with sender_lease(queued), pytest.raises(SenderRunning, match="another `traded mail send` is running"):
        send_queued(queued, _smtp(free_port()), Clock(), "sender")
    assert [m.status for m in _messages(queued)] == ["queued", "queued"]


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")  # a test server on 127.0.0.1
def test_the_sender_logs_in_when_given_credentials(queued: Engine) -> None:
    with smtp_server(login=("traded", "s3cret")) as (recorder, port):
        report = send_queued(queued, _smtp(port, username="traded", password="s3cret"), Clock(), "sender")
    assert len(report.sent) == 2 and len(recorder.arrivals) == 2


def _invoices(engine: Engine) -> list[Invoice]:
    with service_context(engine, RUN_ON) as ctx:
        invoices = list(ctx.session.scalars(select(Invoice).order_by(Invoice.id)))
        for invoice in invoices:
            assert invoice.lines and (invoice.corrects is None or invoice.corrects.number)  # loaded for printing
        return invoices


def test_workers_composing_ahead_send_the_same_pdfs_each_message_once(
        queued: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mail_delivery, "POOL_FROM", 1)  # two messages are enough to start the workers here
    with smtp_server() as (recorder, port):
        report = send_queued(queued, _smtp(port), Clock(), "sender")
    messages = _messages(queued)
    assert report.sent == [m.id for m in messages] and [m.status for m in messages] == ["sent", "sent"]
    assert recorder.message_ids() == [m.message_id for m in messages]
    for arrival, invoice in zip(recorder.arrivals, _invoices(queued), strict=True):
        assert arrival.pdfs() == {f"{invoice.number}.pdf": pdf_bytes(invoice)}
        assert arrival.message["Date"] == "Fri, 02 Jan 2026 09:00:00 +0000"


def test_a_payment_made_after_the_sender_read_a_message_takes_the_pay_link_off_its_pdf(
        queued: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """The PDF is the one `invoice pdf` prints when the message is claimed, not when it was read ahead."""
    page = PayPage("https://pay.example", b"secret")
    paid, owing = _invoices(queued)
    read = mail_delivery._read

    def read_then_pay(engine: Engine, ids: list[int], pay_page: PayPage | None) -> object:
        found = read(engine, ids, pay_page)
        with service_context(engine, RUN_ON) as ctx:
            record_payment(ctx, paid.customer.urn or "", paid.total, RUN_ON, "bacs", [paid.number])
        return found

    monkeypatch.setattr(mail_delivery, "_read", read_then_pay)
    with smtp_server() as (recorder, port):
        send_queued(queued, _smtp(port), Clock(), "sender", pay_page=page)
    assert [a.pdfs() for a in recorder.arrivals] == [
        {f"{paid.number}.pdf": pdf_bytes(paid)},
        {f"{owing.number}.pdf": pdf_bytes(owing, page.url(owing.number))},
    ]
    assert pdf_bytes(paid) != pdf_bytes(paid, page.url(paid.number))
