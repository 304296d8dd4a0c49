"""Who each emailed document goes to (issue 17): the price book's roles per kind of document, finance by default."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import Engine

from billing.contacts import NewContact, add_contact, document_recipients, list_contacts, remove_contact
from billing.context import Context
from billing.models.mail import MailMessage
from billing.models.schools import CONTACT_ROLES
from billing.outbox import NO_ADDRESS, ReminderItem, queue_reminder, resend
from billing.pricebooks import load_pricebook
from billing.schools import get_school
from pricing.errors import RuleViolation
from pricing.pricebook import CONTACT_ROLES as BOOK_ROLES
from pricing.pricebook import PriceBookError, parse_pricebook, sample_pricebook_text
from tests.reliability.workload import build_council, urn_of
from tests.support import service_context

ADDED = date(2025, 12, 1)
RUN_ON = date(2026, 2, 20)


def _book(recipients: str) -> str:
    """The sample price book with its ``[council.mail_recipients]`` table replaced."""
    text = sample_pricebook_text()
    start = text.index("[council.mail_recipients]")
    end = text.index("[council.bacs]")
    return text[:start] + "[council.mail_recipients]\n" + recipients + "\n" + text[end:]


@pytest.fixture
def schools(engine: Engine) -> Engine:
    """School 0: two finance contacts and a head; school 1: a head only; school 2: no contact at all."""
    build_council(engine, 3)
    with service_context(engine, ADDED) as ctx:
        add_contact(ctx, NewContact(urn=urn_of(0), name="Ann Smith", role="finance", email="ann@school0.example"))
        add_contact(ctx, NewContact(urn=urn_of(0), name="Cat Head", role="head", email="head@school0.example"))
        add_contact(ctx, NewContact(urn=urn_of(0), name="Bob Jones", role="finance", email="bob@school0.example"))
        add_contact(ctx, NewContact(urn=urn_of(0), name="Ann Smith", role="senco", email="ANN@school0.example"))
        add_contact(ctx, NewContact(urn=urn_of(1), name="Dan Head", role="head", email="head@school1.example"))
    return engine


def _load(engine: Engine, recipients: str) -> None:
    with service_context(engine, ADDED) as ctx:
        load_pricebook(ctx, _book(recipients))


def _reminder(ctx: Context, urn: str) -> list[str]:
    school = get_school(ctx, urn)
    return list(queue_reminder(ctx, school, 7, [ReminderItem("INV-000001", date(2026, 1, 31), Decimal("100.00"))], b"%PDF").recipients)


def test_reminders_go_to_finance_and_head_under_a_book_that_says_so(schools: Engine) -> None:
    _load(schools, 'reminder = ["finance", "head"]')
    with service_context(schools, RUN_ON) as ctx:
        school = get_school(ctx, urn_of(0))
        assert document_recipients(ctx, school, "reminder") == [
            "ann@school0.example", "bob@school0.example", "head@school0.example"]
        assert document_recipients(ctx, school, "invoice") == ["ann@school0.example", "bob@school0.example"]
        assert _reminder(ctx, urn_of(0)) == ["ann@school0.example", "bob@school0.example", "head@school0.example"]
        assert _reminder(ctx, urn_of(1)) == ["head@school1.example"]  # no finance contact: the head alone


def test_by_default_every_document_goes_to_the_finance_contacts_as_before(schools: Engine) -> None:
    with service_context(schools, RUN_ON) as ctx:
        school = get_school(ctx, urn_of(0))
        for kind in ("invoice", "credit_note", "reminder", "statement"):
            assert document_recipients(ctx, school, kind) == ["ann@school0.example", "bob@school0.example"]
        assert document_recipients(ctx, get_school(ctx, urn_of(1)), "reminder") == []


def test_roles_are_in_the_books_order_and_each_address_once(schools: Engine) -> None:
    _load(schools, 'statement = ["head", "senco", "finance", "head"]')
    with service_context(schools, RUN_ON) as ctx:
        assert document_recipients(ctx, get_school(ctx, urn_of(0)), "statement") == [
            "head@school0.example", "ANN@school0.example", "bob@school0.example"]


def test_a_removed_contact_is_not_sent_to(schools: Engine) -> None:
    _load(schools, 'reminder = ["head"]')
    with service_context(schools, date(2026, 1, 5)) as ctx:
        (head,) = list_contacts(ctx, urn_of(1), "head")
        remove_contact(ctx, head.id, "Left the school")
    with service_context(schools, RUN_ON) as ctx:
        assert document_recipients(ctx, get_school(ctx, urn_of(1)), "reminder") == []
        assert document_recipients(ctx, get_school(ctx, urn_of(0)), "reminder") == ["head@school0.example"]


def test_nowhere_to_send_names_the_roles_and_resend_reads_them_again(schools: Engine) -> None:
    _load(schools, 'reminder = ["finance", "business_manager"]')
    with service_context(schools, RUN_ON) as ctx:
        school = get_school(ctx, urn_of(2))
        message = queue_reminder(ctx, school, 7, [ReminderItem("INV-000001", date(2026, 1, 31), Decimal("100.00"))], b"%PDF")
        assert (message.status, message.reply) == ("failed", "no finance or business manager contact or school email")
        with pytest.raises(RuleViolation, match="has no finance or business manager contact or school email"):
            resend(ctx, message.id, "Contact added")
        add_contact(ctx, NewContact(urn=urn_of(2), name="Fay Bell", role="business manager", email="fay@s2.example"))
        assert resend(ctx, message.id, "Business manager added").recipients == ["fay@s2.example"]
        assert document_recipients(ctx, school, "invoice") == []  # invoices still go to finance only
        assert NO_ADDRESS == "no finance contact or school email"  # as before, for the default


@pytest.mark.parametrize(("recipients", "refusal"), [
    ('memo = ["finance"]',
     "council.mail_recipients.memo: unknown document (use invoice, credit_note, reminder, statement)"),
    ('reminder = ["finance", "bursar"]',
     "council.mail_recipients.reminder[1]: unknown role 'bursar' (use finance, head, business_manager, senco)"),
    ("reminder = []",
     "council.mail_recipients.reminder: must name at least one role (use finance, head, business_manager, senco)"),
    ('reminder = "finance"',
     'council.mail_recipients.reminder: must be a list of roles like ["finance", "head"] '
     "(use finance, head, business_manager, senco)"),
])
def test_unknown_documents_and_roles_are_refused_in_one_line(recipients: str, refusal: str) -> None:
    with pytest.raises(PriceBookError) as refused:
        parse_pricebook(_book(recipients))
    assert refused.value.message == f"price book: {refusal}"


def test_a_book_without_the_table_sends_everything_to_finance() -> None:
    text = _book("")
    assert "[council.mail_recipients]\n\n" in text
    for book in (text.replace("[council.mail_recipients]\n", ""), text):
        recipients = parse_pricebook(book).council.mail_recipients
        assert [recipients.roles(kind) for kind in ("invoice", "credit_note", "reminder", "statement")] == \
            [("finance",)] * 4


def test_the_book_knows_the_same_roles_as_the_contacts() -> None:
    assert BOOK_ROLES == CONTACT_ROLES


def test_a_portal_message_is_resent_to_its_own_person_never_to_the_schools_contacts(schools: Engine) -> None:
    with service_context(schools, RUN_ON) as ctx:
        school = get_school(ctx, urn_of(0))
        message = MailMessage(key="portal_invitation/1", school_id=school.id, kind="portal_invitation",
                              recipients=["jo@school0.example"], sender="Council <c@council.example>", reply_to=None,
                              subject="Your invitation", text_body="Hello", html_body="<p>Hello</p>", attachments=[],
                              message_id="<p1@council.example>", status="failed", attempts=5, reply="550 no",
                              created_at=ctx.now, actor="test")
        ctx.session.add(message)
        ctx.session.flush()
        assert resend(ctx, message.id, "Mailbox fixed").recipients == ["jo@school0.example"]
