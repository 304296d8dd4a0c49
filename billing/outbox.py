"""The outbox: a document's email recorded in the document's own transaction (issue 17).

Issuing an invoice or credit note, sending a reminder letter or a statement
calls one ``queue_*`` function here with the caller's Context, so the message
exists exactly when the document does: a bill run killed part-way leaves the
messages of the invoices it committed and no others. Each message has a key
naming its document and purpose (``invoice/INV-000123``), unique in the table,
so queueing a document again returns the message already recorded.

Messages go to the school's contacts in the roles the price book names for the
kind of document, finance by default (billing.contacts: document_recipients).
A school with nowhere to send is recorded ``failed`` with
that reason, so the team sees it in `traded mail list` and can `traded mail
resend` it once a contact is added: a message is never silently dropped.
Delivery is billing.mail_delivery's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Text, cast, or_, select
from sqlalchemy.orm import joinedload

from billing.contacts import document_recipients, recipient_roles
from billing.context import Context
from billing.lookup import get_or_refuse
from billing.mail_compose import NO_PAYMENT, REMINDER_STAGES, Composed, MailSetup, compose, shown_day
from billing.models import Invoice, School
from billing.models.mail import MAIL_KINDS, MailMessage
from billing.pricebooks import council
from billing.schools import get_school
from contracts.states import MailStatus, move, values
from invoices.formats import doc_pounds
from invoices.snapshot import SupplierSnapshot
from pricing.errors import InvalidInput, RuleViolation
from pricing.pricebook import MAIL_DOCUMENTS
from pricing.text import clean_line, clean_reason


def no_address(roles: tuple[str, ...]) -> str:
    """Why a message has nowhere to go, naming the roles it was for."""
    return f"no {' or '.join(role.replace('_', ' ') for role in roles)} contact or school email"


NO_ADDRESS = no_address(("finance",))


@dataclass(frozen=True)
class ReminderItem:
    """An overdue invoice a reminder letter names."""

    number: str
    due_on: date
    outstanding: Decimal


def _pay(supplier: SupplierSnapshot, reference: str | None, link: str | None) -> dict[str, Any]:
    return {"bank": supplier.bank or "", "account_name": supplier.account_name or "",
            "sort_code": supplier.sort_code or "", "account_number": supplier.account_number or "",
            "cheque_payee": supplier.cheque_payee or "", "reference": reference or "", "link": link}


def _existing(ctx: Context, key: str) -> MailMessage | None:
    return ctx.session.scalar(select(MailMessage).where(MailMessage.key == key))


def _record(ctx: Context, key: str, school: School, kind: str, composed: Composed, *,
            attachments: list[str], pdf: tuple[str, bytes] | None = None) -> MailMessage:
    recipients = document_recipients(ctx, school, kind)
    message = MailMessage(
        key=key, school_id=school.id, kind=kind, recipients=recipients, sender=composed.sender,
        reply_to=composed.reply_to, subject=composed.subject, text_body=composed.text, html_body=composed.html,
        attachments=attachments, pdf_name=pdf[0] if pdf else None, pdf=pdf[1] if pdf else None,
        message_id=composed.message_id,
        status=MailStatus.QUEUED if recipients else MailStatus.FAILED,
        attempts=0, reply=None if recipients else no_address(recipient_roles(ctx, kind)),
        created_at=ctx.now, actor=ctx.actor)
    ctx.session.add(message)
    ctx.session.flush()
    return message


def queue_document(ctx: Context, document: Invoice, setup: MailSetup | None = None) -> MailMessage:
    """Record the email of an issued invoice or credit note, its PDF attached (once per document)."""
    kind = "credit_note" if document.kind == "credit_note" else "invoice"
    key = f"{kind}/{document.number}"
    known = _existing(ctx, key)
    if known is not None:
        return known
    corrects = document.corrects
    # A journal recharge (or a credit note against one) is settled by journal: no way to pay is offered (issue 20).
    recharge = document.purpose == "recharge" or (corrects is not None and corrects.purpose == "recharge")
    link = (ctx.pay_page.url(document.number) if ctx.pay_page is not None and kind == "invoice" and not recharge
            else None)
    values = {
        "school": {"name": document.customer.name, "urn": document.customer.urn},
        "document": {"number": document.number, "kind": kind, "amount": doc_pounds(document.total),
                     "issued": shown_day(document.issued_on), "due": shown_day(document.due_on),
                     "corrects": corrects.number if corrects is not None else None, "reason": document.reason,
                     "po_number": document.po_number, "recharge": recharge},
        "pay": NO_PAYMENT if recharge else _pay(document.supplier, document.number, link),
    }
    composed = compose(kind, values, council(ctx), setup or MailSetup())
    return _record(ctx, key, document.school, kind, composed, attachments=[document.number])


def queue_reminder(ctx: Context, school: School, stage: int, items: list[ReminderItem], letter_pdf: bytes,
                   setup: MailSetup | None = None) -> MailMessage:
    """Record the email of a reminder letter sent today (one per school per day), the letter attached."""
    key = f"reminder/{school.urn}/{ctx.today.isoformat()}"
    known = _existing(ctx, key)
    if known is not None:
        return known
    policy = council(ctx)
    oldest = min(items, key=lambda item: (item.due_on, item.number), default=None)
    link = ctx.pay_page.url(oldest.number) if ctx.pay_page is not None and oldest is not None else None
    values = {
        "school": {"name": school.name, "urn": school.urn},
        "letter": {"stage": REMINDER_STAGES.get(stage, "Reminder"),
                   "total": doc_pounds(sum((item.outstanding for item in items), Decimal("0.00"))),
                   "invoices": [{"number": item.number, "due": shown_day(item.due_on),
                                 "outstanding": doc_pounds(item.outstanding)} for item in items]},
        "pay": {"bank": policy.bacs.bank, "account_name": policy.bacs.account_name,
                "sort_code": policy.bacs.sort_code, "account_number": policy.bacs.account_number,
                "cheque_payee": policy.cheque_payee, "reference": "", "link": link},
    }
    composed = compose("reminder", values, policy, setup or MailSetup())
    name = f"reminder-{school.urn}-{stage}d-{ctx.today.isoformat()}.pdf"
    return _record(ctx, key, school, "reminder", composed, attachments=[], pdf=(name, letter_pdf))


def queue_statement(ctx: Context, urn: str, start: date, end: date, balance: Decimal, statement_pdf: bytes,
                    pay_link: str | None = None, setup: MailSetup | None = None) -> MailMessage:
    """Record the email of a statement asked for today (the same period once a day), the statement attached."""
    school = get_school(ctx, urn)
    key = f"statement/{school.urn}/{start.isoformat()}/{end.isoformat()}/{ctx.today.isoformat()}"
    known = _existing(ctx, key)
    if known is not None:
        return known
    values = {
        "school": {"name": school.name, "urn": school.urn},
        "statement": {"start": shown_day(start), "end": shown_day(end), "balance": doc_pounds(balance)},
        "pay": {"link": pay_link},
    }
    composed = compose("statement", values, council(ctx), setup or MailSetup())
    name = f"statement-{school.urn}-{end.isoformat()}.pdf"
    return _record(ctx, key, school, "statement", composed, attachments=[], pdf=(name, statement_pdf))


# --- looking and resending ------------------------------------------------------------------

def _checked(value: str | None, allowed: tuple[str, ...], what: str) -> str | None:
    if value is None:
        return None
    if value not in allowed:
        raise InvalidInput(f"{what} {clean_line(value, what, 40)!r} must be one of {', '.join(allowed)}",
                           code=f"bad_{what.replace(' ', '_')}")
    return value


def list_messages(ctx: Context, *, status: str | None = None, urn: str | None = None,
                  document: str | None = None, kind: str | None = None) -> list[MailMessage]:
    """The outbox, oldest first, filtered by status, school, document number (attached or named) and kind."""
    query = select(MailMessage).options(joinedload(MailMessage.school))
    if _checked(status, values(MailStatus), "status") is not None:
        query = query.where(MailMessage.status == status)
    if _checked(kind, MAIL_KINDS, "kind") is not None:
        query = query.where(MailMessage.kind == kind)
    if urn is not None:
        query = query.where(MailMessage.school_id == get_school(ctx, urn).id)
    if document is not None:
        number = clean_line(document, "document", 18).upper()
        query = query.where(or_(MailMessage.key.in_([f"{k}/{number}" for k in ("invoice", "credit_note")]),
                                cast(MailMessage.attachments, Text).like(f'%"{number}"%')))
    return list(ctx.session.scalars(query.order_by(MailMessage.id)))


def message_json(message: MailMessage) -> dict[str, object]:
    """One message as `traded mail list --json` shows it (the bodies and the PDF stay in the database)."""
    return {"id": message.id, "kind": message.kind, "key": message.key, "urn": message.school.urn,
            "school": message.school.name, "recipients": list(message.recipients), "subject": message.subject,
            "attachments": [*message.attachments, *([message.pdf_name] if message.pdf_name else [])],
            "status": message.status, "attempts": message.attempts, "next_attempt_at": message.next_attempt_at,
            "reply": message.reply, "refused": message.refused, "message_id": message.message_id,
            "created_at": message.created_at, "claimed_at": message.claimed_at, "sent_at": message.sent_at,
            "actor": message.actor}


def resend(ctx: Context, message_id: int, reason: str) -> MailMessage:
    """Queue a message again on purpose (after a failure, a bounce or an uncertain send), audited with why.

    A document's recipients are read again from the school's contacts
    (billing.contacts: document_recipients), so a contact added since the
    failure receives it; a portal message goes to the person it was for. A message already queued, or
    being sent now, is refused: it is on its way.
    """
    why = clean_reason(reason)
    message = get_or_refuse(ctx.session, MailMessage, f"there is no mail message {message_id}",
                            "unknown_mail_message", key=message_id)
    if message.status in (MailStatus.QUEUED, MailStatus.SENDING):
        raise RuleViolation(f"mail message {message.id} is {message.status} already: it is on its way",
                            code="mail_already_queued")
    if message.kind in MAIL_DOCUMENTS:
        recipients = document_recipients(ctx, message.school, message.kind)
    else:  # a portal message carries one person's own link: it never goes to the school's contacts
        recipients = list(message.recipients)
    if not recipients:
        raise RuleViolation(f"mail message {message.id} cannot be sent: URN {message.school.urn} has "
                            f"{no_address(recipient_roles(ctx, message.kind))} "
                            "(add one with `traded school contact add`)", code="no_mail_recipient")
    before = {"status": message.status, "recipients": list(message.recipients), "reply": message.reply,
              "attempts": message.attempts, "sent_at": message.sent_at}
    message.status = move(message.status, MailStatus.QUEUED, f"mail message {message.id}")
    message.recipients = recipients
    message.attempts, message.next_attempt_at, message.reply, message.refused = 0, None, None, None
    message.claimed_at = message.sent_at = None
    ctx.session.flush()
    ctx.audit("mail.resend", "mail_message", message.id,
              {"key": message.key, "before": before, "after": {"status": message.status, "recipients": recipients}},
              reason=why)
    return message


def mark_bounced(ctx: Context, message_id: int, reason: str) -> MailMessage:
    """Record that a sent message came back (a bounce arrives later, in the council's mailbox), audited.

    Only a sent message can bounce: one not sent yet, or already bounced, is
    refused. The reason (one line, such as the bounce's own words) replaces the
    server's reply in the outbox; the reply it had is kept in the audit trail.
    The message waits for a person: `traded mail resend` once the address is
    put right.
    """
    why = clean_reason(reason)
    message = get_or_refuse(ctx.session, MailMessage, f"there is no mail message {message_id}",
                            "unknown_mail_message", key=message_id)
    before = {"status": message.status, "reply": message.reply, "sent_at": message.sent_at}
    message.status = move(message.status, MailStatus.BOUNCED, f"mail message {message.id}")
    message.reply = why
    ctx.session.flush()
    ctx.audit("mail.bounced", "mail_message", message.id,
              {"key": message.key, "recipients": list(message.recipients), "before": before,
               "after": {"status": message.status, "reply": message.reply}}, reason=why)
    return message
