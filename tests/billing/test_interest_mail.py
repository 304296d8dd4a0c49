"""Credit notes that waive or reduce invoiced interest queue their email like `credit-note add` (issue 17)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import Engine, select

from billing.bill_run import bill_run
from billing.contacts import NewContact, add_contact
from billing.context import Context
from billing.interest_run import run_interest, waive_interest
from billing.mail_compose import MailSetup
from billing.models import Invoice
from billing.models.mail import MailMessage
from billing.numbering import next_number
from billing.payments import record_payment
from tests.billing.test_payments import make_invoice, setup_ledger
from tests.support import cli_json, service_context

BILLED_ON = date(2019, 11, 30)


@pytest.fixture
def billed(engine: Engine) -> Engine:
    """£4,500.00 due 2019-10-31, 30 days' interest (£88.77) raised and invoiced on 2019-11-30; a finance contact."""
    with service_context(engine, date(2019, 10, 1)) as ctx:
        setup_ledger(ctx, ("100001", "academy"))
        make_invoice(ctx, "100001", "4500.00", date(2019, 10, 1), date(2019, 10, 31))
        add_contact(ctx, NewContact(urn="100001", name="Ann Smith", role="finance", email="ann@school.example"))
    with service_context(engine, BILLED_ON) as ctx:
        (charge,) = run_interest(ctx).charges
        assert charge.amount == Decimal("88.77")
        next_number(ctx, "INV", "INV")  # the hand-made INV-000001 took the first number
        assert bill_run(ctx).count == 1
    return engine


def _charge_id(ctx: Context) -> str:
    """The invoiced interest charge: the one line of the interest-only invoice."""
    found = ctx.session.scalars(select(Invoice).where(Invoice.kind == "invoice", Invoice.interest_only.is_(True))).one()
    return str(found.lines[0].charge_id)


def _billed_charge_id(engine: Engine) -> str:
    with service_context(engine, BILLED_ON) as ctx:
        return _charge_id(ctx)


def _messages(engine: Engine) -> list[tuple[str, str, list[str]]]:
    with engine.connect() as conn:
        return [(key, status, list(recipients)) for key, status, recipients in conn.execute(
            select(MailMessage.key, MailMessage.status, MailMessage.recipients).order_by(MailMessage.id))]


def _credit_notes(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.scalars(select(Invoice.number).where(Invoice.kind == "credit_note").order_by(Invoice.seq)))


def test_interest_waive_queues_the_credit_notes_email(db_url: str, billed: Engine) -> None:
    waived = cli_json(db_url, "interest", "waive", _billed_charge_id(billed), "--reason", "Goodwill", as_of="2019-12-02")
    assert (waived["outcome"], waived["amount"]) == ("credit_note", "88.77")
    assert _messages(billed) == [(f"credit_note/{waived['credit_note']}", "queued", ["ann@school.example"])]


def test_interest_waive_with_no_email_queues_nothing(db_url: str, billed: Engine) -> None:
    waived = cli_json(db_url, "interest", "waive", _billed_charge_id(billed), "--reason", "Goodwill", "--no-email",
                      as_of="2019-12-02")
    assert waived["outcome"] == "credit_note" and _credit_notes(billed) == [waived["credit_note"]]
    assert _messages(billed) == []


def _pay_back_dated(engine: Engine) -> None:
    # Paid in full on 5 November, recorded in December: 5 days' interest were due, not 30.
    with service_context(engine, date(2019, 12, 2)) as ctx:
        record_payment(ctx, "100001", Decimal("4500.00"), date(2019, 11, 5), "bacs")


@pytest.mark.parametrize("command", ["run", "recompute"])
def test_interest_reduced_by_credit_note_queues_its_email(db_url: str, billed: Engine, command: str) -> None:
    _pay_back_dated(billed)
    assert cli_json(db_url, "interest", command, "--dry-run", as_of="2019-12-02")["reduced"] == "73.98"
    assert _messages(billed) == []
    done = cli_json(db_url, "interest", command, as_of="2019-12-02")
    (note,) = [n for c in done["charges"] for n in c["credit_notes"]]
    assert _credit_notes(billed) == [note]
    assert _messages(billed) == [(f"credit_note/{note}", "queued", ["ann@school.example"])]


@pytest.mark.parametrize("command", ["run", "recompute"])
def test_interest_reduced_with_no_email_queues_nothing(db_url: str, billed: Engine, command: str) -> None:
    _pay_back_dated(billed)
    done = cli_json(db_url, "interest", command, "--no-email", as_of="2019-12-02")
    assert [n for c in done["charges"] for n in c["credit_notes"]] == _credit_notes(billed) != []
    assert _messages(billed) == []


def test_the_services_queue_only_when_given_a_mail_setup(billed: Engine) -> None:
    _pay_back_dated(billed)
    with service_context(billed, date(2019, 12, 2)) as ctx:
        run_interest(ctx)
    assert len(_credit_notes(billed)) == 1 and _messages(billed) == []
    with service_context(billed, date(2019, 12, 3)) as ctx:
        charge_id = int(_charge_id(ctx))
        waiver = waive_interest(ctx, charge_id, "Goodwill", MailSetup())
    assert _messages(billed) == [(f"credit_note/{waiver.credit_note}", "queued", ["ann@school.example"])]
