"""Payments: allocation to named invoices then oldest first, account credit, refunds (§8).

Also holds the small ledger helpers the other money-in tests import: issued
invoices and credit notes are inserted directly, so these tests do not depend
on the bill run.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import Engine, select

from billing.balances import invoice_outstanding
from billing.context import Context
from billing.models import Allocation, Invoice, InvoiceLine, Payment, School
from billing.payments import account_credit, allocate_credit, record_payment, refund_credit
from billing.pricebooks import load_pricebook
from billing.schools import NewSchool, add_school
from pricing.errors import InvalidInput, NotFound, RuleViolation
from pricing.pricebook import sample_pricebook_text
from tests.support import service_context

D = Decimal
_SEQ: dict[str, int] = {}


def setup_ledger(ctx: Context, *schools: tuple[str, str]) -> None:
    """Load the sample price book and register schools given as (urn, type)."""
    load_pricebook(ctx, sample_pricebook_text())
    for urn, type_ in schools:
        add_school(ctx, NewSchool(urn=urn, name=f"School {urn}", type=type_, la_code="204",
                                  address="1 High Street\nEastbury", postcode="EB1 2BB"))


def school_of(ctx: Context, urn: str) -> School:
    found = ctx.session.scalar(select(School).where(School.urn == urn))
    assert found is not None
    return found


def _next_seq(ctx: Context, series: str) -> int:
    last = ctx.session.scalar(select(Invoice.seq).where(Invoice.series == series).order_by(Invoice.seq.desc()))
    return (last or 0) + 1


def make_invoice(ctx: Context, urn: str, total: str | Decimal, issued_on: date, due_on: date,
                 interest_only: bool = False, number: str | None = None) -> Invoice:
    """An issued invoice of one outside-the-scope line for ``total``."""
    seq = _next_seq(ctx, "INV")
    school = school_of(ctx, urn)
    amount = D(total)
    invoice = Invoice(
        kind="invoice", number=number or f"INV-{seq:06d}", series="INV", seq=seq, school_id=school.id,
        issued_on=issued_on, tax_point=issued_on, due_on=due_on, interest_only=interest_only,
        customer={"name": school.name, "address": "1 High Street", "urn": urn},
        supplier={"name": "Council", "address": "Town Hall"},
        net=amount, vat=D("0.00"), total=amount, created_at=datetime(2019, 1, 1, tzinfo=UTC), actor="test",
    )
    ctx.session.add(invoice)
    ctx.session.flush()
    ctx.session.add(InvoiceLine(invoice_id=invoice.id, position=1, service_code="casework", description="Work",
                                quantity=D("1"), unit_price=amount, net=amount, vat_code="O", vat_rate=D("0"),
                                vat=D("0.00"), total=amount))
    ctx.session.flush()
    return invoice


def make_credit_note(ctx: Context, invoice: Invoice, total: str | Decimal, issued_on: date,
                     reason: str = "Correction") -> Invoice:
    seq = _next_seq(ctx, "CN")
    amount = D(total)
    note = Invoice(
        kind="credit_note", number=f"CN-{seq:06d}", series="CN", seq=seq, school_id=invoice.school_id,
        corrects_id=invoice.id, issued_on=issued_on, tax_point=issued_on, due_on=None, reason=reason,
        customer=invoice.customer, supplier=invoice.supplier, net=amount, vat=D("0.00"), total=amount,
        created_at=datetime(2019, 1, 1, tzinfo=UTC), actor="test",
    )
    ctx.session.add(note)
    ctx.session.flush()
    return note


def outstanding_of(ctx: Context, number: str) -> Decimal:
    inv = ctx.session.scalar(select(Invoice).where(Invoice.number == number))
    assert inv is not None
    return invoice_outstanding(ctx.session, [inv.id])[inv.id]


@pytest.fixture
def ledger(engine: Engine) -> Engine:
    """Two academies: 100001 with invoices INV-000001..3 (due Oct, Nov, Dec 2019), 100002 with INV-000004."""
    with service_context(engine, date(2019, 9, 1)) as ctx:
        setup_ledger(ctx, ("100001", "academy"), ("100002", "academy"))
        make_invoice(ctx, "100001", "1000.00", date(2019, 9, 1), date(2019, 10, 1))
        make_invoice(ctx, "100001", "500.00", date(2019, 10, 1), date(2019, 11, 1))
        make_invoice(ctx, "100001", "250.00", date(2019, 9, 1), date(2019, 12, 1))
        make_invoice(ctx, "100002", "800.00", date(2019, 9, 1), date(2019, 10, 1))
    return engine


def test_a_payment_goes_to_the_oldest_invoice_first_and_partly(ledger: Engine) -> None:
    with service_context(ledger, date(2019, 12, 20)) as ctx:
        paid = record_payment(ctx, "100001", D("1200.00"), date(2019, 12, 15), "bacs")
        assert [(a.invoice, a.amount) for a in paid.allocations] == [
            ("INV-000001", D("1000.00")), ("INV-000002", D("200.00"))]
        assert paid.unallocated == D("0.00")
        assert outstanding_of(ctx, "INV-000002") == D("300.00")
        assert outstanding_of(ctx, "INV-000004") == D("800.00")  # another school's invoice untouched


def test_named_invoices_come_first_then_oldest(ledger: Engine) -> None:
    with service_context(ledger, date(2019, 12, 20)) as ctx:
        paid = record_payment(ctx, "100001", D("400.00"), date(2019, 12, 15), "cheque",
                              invoice_numbers=["inv-000003"], reference="CHQ 1")
        assert [(a.invoice, a.amount) for a in paid.allocations] == [
            ("INV-000003", D("250.00")), ("INV-000001", D("150.00"))]


def test_an_overpayment_stays_as_credit_and_settles_a_later_invoice(ledger: Engine) -> None:
    with service_context(ledger, date(2019, 12, 20)) as ctx:
        paid = record_payment(ctx, "100001", D("2000.00"), date(2019, 12, 15), "bacs")
        assert paid.unallocated == D("250.00")
        assert account_credit(ctx, "100001") == D("250.00")
        assert all(outstanding_of(ctx, n) == 0 for n in ("INV-000001", "INV-000002", "INV-000003"))
    with service_context(ledger, date(2020, 1, 5)) as ctx:
        make_invoice(ctx, "100001", "300.00", date(2020, 1, 5), date(2020, 2, 4))
        applied = allocate_credit(ctx, "100001")
        assert [(a.invoice, a.amount) for a in applied.allocations] == [("INV-000005", D("250.00"))]
        assert applied.remaining_credit == D("0.00")
        assert outstanding_of(ctx, "INV-000005") == D("50.00")
        allocation = ctx.session.scalars(select(Allocation).order_by(Allocation.id.desc())).first()
        assert allocation is not None and allocation.allocated_on == date(2020, 1, 5)


def test_credit_can_be_refunded_but_not_beyond_what_is_held(ledger: Engine) -> None:
    with service_context(ledger, date(2019, 12, 20)) as ctx:
        record_payment(ctx, "100001", D("1850.00"), date(2019, 12, 15), "bacs")
        with pytest.raises(RuleViolation, match="holds 100.00 of credit"):
            refund_credit(ctx, "100001", D("100.01"), date(2019, 12, 20), "Overpaid")
        refunded = refund_credit(ctx, "100001", D("60.00"), date(2019, 12, 20), "Overpaid")
        assert refunded.remaining_credit == D("40.00")
        assert account_credit(ctx, "100001") == D("40.00")
        with pytest.raises(InvalidInput):
            refund_credit(ctx, "100001", D("10.00"), date(2019, 12, 20), "  ")
    with service_context(ledger, date(2020, 1, 5)) as ctx:
        make_invoice(ctx, "100001", "300.00", date(2020, 1, 5), date(2020, 2, 4))
        # the refund was drawn from the payment, so only 40.00 is left to allocate
        assert allocate_credit(ctx, "100001").allocations[0].amount == D("40.00")


def test_an_external_key_records_a_payment_once(ledger: Engine) -> None:
    with service_context(ledger, date(2019, 12, 20)) as ctx:
        first = record_payment(ctx, "100001", D("100.00"), date(2019, 12, 15), "card", external_key="pi_1")
        again = record_payment(ctx, "100001", D("100.00"), date(2019, 12, 15), "card", external_key="pi_1")
        assert again.id == first.id and again.already_recorded
        assert again.allocations == first.allocations
        assert len(ctx.session.scalars(select(Payment)).all()) == 1


@pytest.mark.parametrize("kwargs, error", [
    ({"urn": "100009"}, NotFound),
    ({"amount": D("0.00")}, InvalidInput),
    ({"amount": D("-5.00")}, InvalidInput),
    ({"amount": D("1.001")}, InvalidInput),
    ({"method": "cash"}, InvalidInput),
    ({"received_on": date(2019, 12, 21)}, RuleViolation),
    ({"invoice_numbers": ["INV-000099"]}, NotFound),
    ({"invoice_numbers": ["INV-000004"]}, RuleViolation),  # another school's invoice
])
def test_bad_payments_are_refused(ledger: Engine, kwargs: dict, error: type) -> None:
    args = {"urn": "100001", "amount": D("10.00"), "received_on": date(2019, 12, 15), "method": "bacs", **kwargs}
    with service_context(ledger, date(2019, 12, 20)) as ctx:
        with pytest.raises(error):
            record_payment(ctx, args.pop("urn"), args.pop("amount"), args.pop("received_on"), args.pop("method"),
                           **args)
