"""The outbox (issue 17): a document's email recorded once with it, to the finance contacts, from templates."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from billing.bill_run import run_bill_run
from billing.contacts import NewContact, add_contact
from billing.context import Context
from billing.gateway.pay_page import PayPage
from billing.invoicing import issue_credit_note
from billing.mail_compose import MailSetup
from billing.models import AuditEntry, Invoice
from billing.models.mail import MailMessage
from billing.outbox import NO_ADDRESS, ReminderItem, list_messages, queue_document, queue_reminder, resend
from billing.schools import get_school
from pricing.clock import FixedClock
from pricing.errors import InvalidInput, NotFound, RuleViolation
from tests.reliability.workload import build_council, urn_of
from tests.support import service_context

RUN_ON = date(2026, 1, 1)


@pytest.fixture
def ledger(engine: Engine) -> Engine:
    """Three schools invoiced on 2026-01-01; the first two with finance contacts, the third with nowhere to send."""
    build_council(engine, 3)
    with service_context(engine, date(2025, 12, 1)) as ctx:
        add_contact(ctx, NewContact(urn=urn_of(0), name="Ann Smith", role="finance", email="ann@school0.example"))
        add_contact(ctx, NewContact(urn=urn_of(0), name="Bob Jones", role="finance", email="bob@school0.example"))
        add_contact(ctx, NewContact(urn=urn_of(0), name="Cat Head", role="head", email="head@school0.example"))
        add_contact(ctx, NewContact(urn=urn_of(1), name="Dan Lee", role="finance", email="dan@school1.example"))
    run_bill_run(engine, FixedClock(RUN_ON), "test")
    return engine


def _invoice(ctx: Context, urn: str) -> Invoice:
    return ctx.session.scalars(select(Invoice).join(Invoice.school).where(Invoice.kind == "invoice")
                               .where(Invoice.school_id == get_school(ctx, urn).id)).one()


def test_an_invoice_is_queued_once_to_its_finance_contacts(ledger: Engine) -> None:
    with service_context(ledger, RUN_ON) as ctx:
        invoice = _invoice(ctx, urn_of(0))
        message = queue_document(ctx, invoice)
        again = queue_document(ctx, invoice)
        assert again.id == message.id
        assert ctx.session.scalar(select(func.count()).select_from(MailMessage)) == 1
        assert message.key == f"invoice/{invoice.number}"
        assert message.status == "queued" and message.attempts == 0
        assert message.recipients == ["ann@school0.example", "bob@school0.example"]  # not the head
        assert message.attachments == [invoice.number]
        assert message.sender == "Borough of Eastbury Council <traded.services@eastbury.example>"
        assert message.reply_to == "traded.services@eastbury.example"
        assert message.message_id.startswith("<") and message.message_id.endswith("@eastbury.example>")
        assert message.subject == (f"Invoice {invoice.number} from Borough of Eastbury Council: "
                                   f"£{invoice.total:,} due {invoice.due_on}")
        for body in (message.text_body, message.html_body):
            assert invoice.number in body and f"£{invoice.total:,}" in body and str(invoice.due_on) in body
            assert invoice.supplier.sort_code and invoice.supplier.sort_code in body
            assert invoice.supplier.account_number and invoice.supplier.account_number in body
        assert "By card" not in message.text_body  # no pay page: BACS and cheque only
        assert message.actor == "test"


def test_the_pay_link_is_in_the_message_when_card_payments_are_set_up(ledger: Engine) -> None:
    with service_context(ledger, RUN_ON) as ctx:
        ctx.pay_page = PayPage("https://pay.example", b"secret")
        invoice = _invoice(ctx, urn_of(1))
        message = queue_document(ctx, invoice)
        link = ctx.pay_page.url(invoice.number)
        assert f"By card: {link}" in message.text_body
        assert f'href="{link}"' in message.html_body


def test_a_school_with_nowhere_to_send_is_recorded_failed_and_resent_once_it_has_a_contact(ledger: Engine) -> None:
    with service_context(ledger, RUN_ON) as ctx:
        message = queue_document(ctx, _invoice(ctx, urn_of(2)))
        assert (message.status, message.recipients, message.reply) == ("failed", [], NO_ADDRESS)
        with pytest.raises(RuleViolation, match="has no finance contact or school email") as refused:
            resend(ctx, message.id, "Contact added")
        assert refused.value.code == "no_mail_recipient"
        add_contact(ctx, NewContact(urn=urn_of(2), name="Eve Ray", role="finance", email="eve@school2.example"))
        resent = resend(ctx, message.id, "Finance contact added")
        assert (resent.status, resent.recipients, resent.reply) == ("queued", ["eve@school2.example"], None)
        audit = ctx.session.scalars(select(AuditEntry).where(AuditEntry.action == "mail.resend")).one()
        assert audit.reason == "Finance contact added" and audit.entity_id == str(message.id)
        with pytest.raises(RuleViolation, match="is queued already") as again:
            resend(ctx, message.id, "Twice")
        assert again.value.code == "mail_already_queued"
        with pytest.raises(NotFound):
            resend(ctx, 9999, "No such")
        with pytest.raises(InvalidInput):
            resend(ctx, message.id, "  ")


def test_a_credit_note_names_the_invoice_it_corrects(ledger: Engine) -> None:
    with service_context(ledger, RUN_ON) as ctx:
        invoice = _invoice(ctx, urn_of(1))
        note = issue_credit_note(ctx, invoice.number, Decimal("10.00"), "Session not delivered")
        message = queue_document(ctx, note)
        assert message.kind == "credit_note" and message.key == f"credit_note/{note.number}"
        assert message.subject == f"Credit note {note.number} from Borough of Eastbury Council for invoice " \
                                  f"{invoice.number}"
        assert "Reason: Session not delivered" in message.text_body and "£10.00" in message.text_body


def test_html_is_escaped_and_templates_can_be_replaced(ledger: Engine, tmp_path: Path) -> None:
    (tmp_path / "invoice.subject.j2").write_text("Your invoice {{ document.number }} & {{ school.name }}")
    (tmp_path / "invoice.html.j2").write_text("<p>{{ school.name }}</p>")
    with service_context(ledger, RUN_ON) as ctx:
        school = get_school(ctx, urn_of(0))
        invoice = _invoice(ctx, urn_of(0))
        invoice.customer = invoice.customer.model_copy(update={"name": "St Mary <& Joseph>"})
        message = queue_document(ctx, invoice, MailSetup(templates=tmp_path))
        assert message.subject == f"Your invoice {invoice.number} & St Mary <& Joseph>"  # a header: not HTML
        assert message.html_body == "<p>St Mary &lt;&amp; Joseph&gt;</p>"
        assert "Dear St Mary <& Joseph>," in message.text_body  # the shipped text template
        assert school.urn == urn_of(0)
        ctx.session.rollback()


def test_a_broken_template_is_refused_in_one_line(ledger: Engine, tmp_path: Path) -> None:
    (tmp_path / "invoice.txt.j2").write_text("Dear {{ school.nmae }}")
    with service_context(ledger, RUN_ON) as ctx, pytest.raises(InvalidInput) as refused:
        queue_document(ctx, _invoice(ctx, urn_of(0)), MailSetup(templates=tmp_path))
    assert refused.value.code == "bad_mail_template"
    assert refused.value.message.startswith(f"the mail template invoice.txt.j2 (from {tmp_path}) cannot be used: ")
    assert "\n" not in refused.value.message


def test_the_sender_address_may_be_the_mail_servers(ledger: Engine) -> None:
    with service_context(ledger, RUN_ON) as ctx:
        message = queue_document(ctx, _invoice(ctx, urn_of(0)), MailSetup(mail_from="billing@mail.eastbury.example"))
        assert message.sender == "Borough of Eastbury Council <billing@mail.eastbury.example>"
        assert message.reply_to == "traded.services@eastbury.example"
        assert message.message_id.endswith("@mail.eastbury.example>")


def test_a_reminder_keeps_its_letter(ledger: Engine) -> None:
    with service_context(ledger, date(2026, 2, 20)) as ctx:
        invoice = _invoice(ctx, urn_of(0))
        assert invoice.due_on is not None
        item = ReminderItem(invoice.number, invoice.due_on, invoice.total)
        message = queue_reminder(ctx, invoice.school, 7, [item], b"%PDF-letter")
        assert queue_reminder(ctx, invoice.school, 7, [item], b"%PDF-other").id == message.id
        assert message.key == f"reminder/{urn_of(0)}/2026-02-20"
        assert (message.pdf_name, message.pdf) == (f"reminder-{urn_of(0)}-7d-2026-02-20.pdf", b"%PDF-letter")
        assert message.subject.startswith("First reminder from Borough of Eastbury Council: £")
        assert invoice.number in message.text_body


def test_the_outbox_is_listed_by_status_school_document_and_kind(ledger: Engine) -> None:
    with service_context(ledger, RUN_ON) as ctx:
        invoices = [_invoice(ctx, urn_of(i)) for i in range(3)]
        ids = [queue_document(ctx, inv).id for inv in invoices]
        assert [m.id for m in list_messages(ctx)] == ids
        assert [m.id for m in list_messages(ctx, status="failed")] == [ids[2]]
        assert [m.id for m in list_messages(ctx, urn=urn_of(1))] == [ids[1]]
        assert [m.id for m in list_messages(ctx, document=invoices[0].number.lower())] == [ids[0]]
        assert list_messages(ctx, kind="credit_note") == []
        with pytest.raises(InvalidInput, match="status 'lost' must be one of queued, sending"):
            list_messages(ctx, status="lost")
        with pytest.raises(InvalidInput, match="kind 'letter' must be one of invoice"):
            list_messages(ctx, kind="letter")
