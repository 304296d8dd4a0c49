"""Issuing invoices and credit notes, and refusing to alter them afterwards (domain-rules §7).

An issued document is a frozen snapshot: the customer's and the council's
particulars, each line's description, period, VAT code and rate, and every
amount are copied onto it at issue. Nothing here ever updates an issued row;
corrections are credit notes naming the invoice they correct.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import NoReturn, Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from billing.balances import invoice_outstanding
from billing.bulk import among, chunks, insert_rows
from billing.charges import audit_many
from billing.context import Context
from billing.db import transaction
from billing.journals import RECHARGE, Recharge, reverse_journal, settle_recharges, settles_by_journal
from billing.models import (
    Allocation,
    AllocationRelease,
    AuditEntry,
    Charge,
    Invoice,
    InvoiceLine,
    Order,
    School,
    Subscription,
)
from billing.numbering import CREDIT_NOTE_SERIES, INVOICE_SERIES, RECHARGE_SERIES, lock_series, next_number
from billing.pricebooks import council, vat_rates
from billing.views.invoices import find_invoice
from contracts.states import ChargeStatus
from invoices.credit import credit_shares
from invoices.documents import Line
from invoices.numbering import format_number
from invoices.snapshot import CustomerSnapshot, SupplierSnapshot
from invoices.totals import document_totals, price_line
from pricing.errors import InvalidInput, NotFound, RuleViolation
from pricing.money import ZERO, parse_money
from pricing.pricebook import Council
from pricing.text import clean_reason
from pricing.vat import customer_vat_class, vat_rate_on

CREDIT_PREFIX = "Credit: "


@dataclass(frozen=True)
class CreditSeries:
    """What a credit document is: a credit note by default, or (issue 20) a bad debt written off,
    numbered in its own series, its lines worded and its issue audited as such, its approver kept."""

    series: str
    prefix: str
    purpose: str = "standard"
    line_prefix: str = CREDIT_PREFIX
    action: str = "credit_note.issue"
    approved_by: str | None = None


class Customer(Protocol):
    """What issuing reads of a school: a School, or the same columns read without the ORM (the bill run)."""

    @property
    def id(self) -> int: ...
    @property
    def urn(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def address(self) -> str | None: ...
    @property
    def postcode(self) -> str | None: ...
    @property
    def type(self) -> str: ...
    @property
    def email(self) -> str | None: ...
    @property
    def la_code(self) -> str | None: ...
    @property
    def journal_opt_out(self) -> bool: ...


class Billable(Protocol):
    """What issuing reads of a charge: a Charge, or the same columns read without the ORM (the bill run)."""

    @property
    def id(self) -> int: ...
    @property
    def school_id(self) -> int: ...
    @property
    def source_key(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def subscription_id(self) -> int | None: ...
    @property
    def order_id(self) -> int | None: ...
    @property
    def service_code(self) -> str: ...
    @property
    def description(self) -> str: ...
    @property
    def period_start(self) -> date | None: ...
    @property
    def period_end(self) -> date | None: ...
    @property
    def quantity(self) -> Decimal: ...
    @property
    def unit_price(self) -> Decimal: ...
    @property
    def amount(self) -> Decimal: ...
    @property
    def vat_code(self) -> str: ...


BILLABLE_COLUMNS = (Charge.id, Charge.school_id, Charge.kind, Charge.source_key, Charge.status, Charge.subscription_id,
                    Charge.order_id, Charge.service_code, Charge.description, Charge.period_start, Charge.period_end,
                    Charge.quantity, Charge.unit_price, Charge.amount, Charge.vat_code)
"""The columns of a charge that issuing reads (:class:`Billable`), and its kind."""

CUSTOMER_COLUMNS = (School.id, School.urn, School.name, School.address, School.postcode, School.type, School.email,
                    School.la_code, School.journal_opt_out)
"""The columns of a school that issuing reads (:class:`Customer`)."""


# --- snapshots ------------------------------------------------------------------------------


def customer_snapshot(school: Customer) -> CustomerSnapshot:
    """The customer as printed on the document, frozen at issue."""
    address = school.address or ""
    if school.postcode and school.postcode not in address:
        address = f"{address}\n{school.postcode}" if address else school.postcode
    return CustomerSnapshot(name=school.name, address=address.strip() or "Address not recorded", urn=school.urn,
                            type=school.type, email=school.email)


def charges_interest_to(c: Council, school_type: str, la_code: str | None) -> bool:
    """Whether the council's policy charges this customer late-payment interest (§8).

    Everyone is charged except the council's own maintained schools (internal
    recharges), unless the price book's ``council.interest.charge_own_maintained``
    says they are too. The invoice records the answer at issue, so that its
    printed terms carry an interest clause only where interest can be charged.
    """
    return c.interest.charge_own_maintained or customer_vat_class(school_type, la_code, c.la_code) != "own_maintained"


def supplier_snapshot(c: Council) -> SupplierSnapshot:
    """The council's particulars and payment details as printed at issue (§7 VAT invoice, §8 terms)."""
    return SupplierSnapshot(
        name=c.name, address=c.address.strip(), vat_number=c.vat_number, email=c.email, phone=c.phone,
        bank=c.bacs.bank, account_name=c.bacs.account_name, sort_code=c.bacs.sort_code,
        account_number=c.bacs.account_number, cheque_payee=c.cheque_payee, terms_days=c.payment_terms_days,
        interest_annual_rate=c.interest.annual_rate, interest_basis_days=c.interest.basis_days,
    )


# --- looking documents up -------------------------------------------------------------------


def get_invoice(ctx: Context, number: str) -> Invoice:
    """An invoice or credit note by its number (case and surrounding spaces ignored): billing.views.invoices."""
    return find_invoice(ctx, number)


def credited_so_far(ctx: Context, invoice: Invoice) -> Decimal:
    """The gross of every credit note already issued against ``invoice``."""
    total = ctx.session.scalar(
        select(func.sum(Invoice.total)).where(Invoice.kind == "credit_note", Invoice.corrects_id == invoice.id)
    )
    return total or ZERO


def document_lines(invoice: Invoice) -> list[Line]:
    """The stored lines of a document as :class:`invoices.documents.Line` values."""
    return [
        Line(description=ln.description, period_start=ln.period_start, period_end=ln.period_end,
             quantity=ln.quantity, unit_price=ln.unit_price, net=ln.net, vat_code=ln.vat_code,
             vat_rate=ln.vat_rate, vat=ln.vat, total=ln.total)
        for ln in invoice.lines
    ]


# --- invoices -------------------------------------------------------------------------------


def price_charges(ctx: Context, charges: Sequence[Billable], issued_on: date) -> list[Line]:
    """One priced line per charge: VAT code from the charge, rate in force at the tax point (§7)."""
    price = charge_pricer(ctx, issued_on)
    return [price(charge) for charge in charges]


def charge_pricer(ctx: Context, issued_on: date) -> Callable[[Billable], Line]:
    """Prices charges as :func:`price_charges` does, looking each VAT code's rate up once."""
    rates = vat_rates(ctx)
    known: dict[str, Decimal] = {}

    def price(charge: Billable) -> Line:
        rate = known.get(charge.vat_code)
        if rate is None:
            rate = known[charge.vat_code] = vat_rate_on(rates, charge.vat_code, issued_on)
        return price_line(charge.description, charge.period_start, charge.period_end, charge.quantity,
                          charge.unit_price, charge.amount, charge.vat_code, rate)

    return price


def issue_invoice(
    ctx: Context,
    school: Customer,
    charges: Sequence[Billable],
    *,
    interest_only: bool = False,
    bill_run_id: int | None = None,
) -> Invoice:
    """Issue one invoice for ``charges`` (all the school's), dated today, due after the council's terms.

    The tax point is the issue date. Each charge becomes one line; the unique
    ``invoice_lines.charge_id`` makes the database refuse a second invoicing.
    To a maintained school settled by journal it is a recharge instead (billing.journals).
    """
    issued = issue_invoices(ctx, [(school, charges, interest_only)], bill_run_id=bill_run_id)[0]
    invoice = ctx.session.get(Invoice, issued.id)
    assert invoice is not None
    return invoice


@dataclass(frozen=True)
class IssuedInvoice:
    """What :func:`issue_invoices` reports of each invoice it issued (load the row by ``id`` for more)."""

    id: int
    number: str
    net: Decimal
    vat: Decimal
    total: Decimal
    purpose: str = "standard"


def issue_invoices(
    ctx: Context,
    batch: Sequence[tuple[Customer, Sequence[Billable], bool]],
    *,
    bill_run_id: int | None = None,
) -> list[IssuedInvoice]:
    """:func:`issue_invoice` for many invoices in one go (the bill run's batches, §7).

    Same documents, numbers (consecutive, in the order given), lines and audit
    as issuing them one by one, but the series is locked once, purchase-order
    numbers are read once, and invoices, lines and audit rows are inserted in
    bulk (billing.bulk) without loading them back into the session.

    To the council's own maintained schools settled by journal (billing.journals) each
    document is a recharge: numbered in the recharge series, no due date, no interest, and
    settled in full by a journal transfer dated its issue date, in this transaction.
    """
    if not batch:
        return []
    for school, charges, _ in batch:
        if not charges:
            raise InvalidInput(f"nothing to invoice for school {school.urn}")
        for charge in charges:
            if charge.school_id != school.id:
                raise InvalidInput(f"charge {charge.source_key} belongs to another school")
            if charge.status != ChargeStatus.DUE:
                raise RuleViolation(f"charge {charge.source_key} is {charge.status} and cannot be invoiced")
    c = council(ctx)
    issued_on = ctx.today
    now = ctx.now
    supplier = supplier_snapshot(c)
    all_charges = [charge for _, charges, _ in batch for charge in charges]
    sub_po = _po_map(ctx, Subscription, {ch.subscription_id for ch in all_charges if ch.subscription_id is not None})
    order_po = _po_map(ctx, Order, {ch.order_id for ch in all_charges if ch.order_id is not None})
    by_journal = [settles_by_journal(c, school) for school, _, _ in batch]
    # The invoice series first, always: racing runs take turns on it before anything else.
    row = lock_series(ctx, INVOICE_SERIES)
    next_seq = {INVOICE_SERIES: row.next_value}
    row.next_value += by_journal.count(False)
    if any(by_journal):
        recharge_row = lock_series(ctx, RECHARGE_SERIES)
        next_seq[RECHARGE_SERIES] = recharge_row.next_value
        recharge_row.next_value += by_journal.count(True)
    priced = []
    invoice_rows: list[dict[str, object]] = []
    due_on = issued_on + timedelta(days=c.payment_terms_days)
    price = charge_pricer(ctx, issued_on)
    for (school, charges, interest_only), recharge in zip(batch, by_journal, strict=True):
        lines = [price(charge) for charge in charges]
        net, vat, total = document_totals(lines)
        series = RECHARGE_SERIES if recharge else INVOICE_SERIES
        seq = next_seq[series]
        next_seq[series] = seq + 1
        pos = sorted({p for ch in charges for p in (_po_of(sub_po, ch.subscription_id), _po_of(order_po, ch.order_id))
                      if p})
        invoice_rows.append({
            "kind": "invoice", "number": format_number(c.journal.recharge_prefix if recharge else c.invoice_prefix, seq),
            "series": series, "seq": seq, "school_id": school.id, "bill_run_id": bill_run_id, "corrects_id": None,
            "issued_on": issued_on, "tax_point": issued_on, "due_on": None if recharge else due_on,
            "interest_only": interest_only, "reason": None, "po_number": ", ".join(pos) if pos else None,
            "purpose": RECHARGE if recharge else "standard",
            # Whether this invoice earns late-payment interest, printed in its terms (an interest invoice never
            # does, nor a recharge: it is settled on issue).
            "customer": customer_snapshot(school).model_copy(update={
                "earns_interest": not interest_only and not recharge
                and charges_interest_to(c, school.type, school.la_code)}),
            "supplier": supplier, "net": net, "vat": vat, "total": total,
            "created_at": now, "actor": ctx.actor,
        })
        priced.append(lines)
    # The counter row's new value is written before the invoices (flush), as one by one.
    ctx.session.flush()
    ids = insert_rows(ctx.session, Invoice, invoice_rows, return_ids=True)
    invoices = [IssuedInvoice(new_id, str(r["number"]), r["net"], r["vat"], r["total"],  # type: ignore[arg-type]
                              str(r["purpose"]))
                for new_id, r in zip(ids, invoice_rows, strict=True)]
    line_rows = [
        {"invoice_id": invoice.id, "position": position, "charge_id": charge.id, "corrects_line_id": None,
         "service_code": charge.service_code, "description": line.description, "period_start": line.period_start,
         "period_end": line.period_end, "quantity": line.quantity, "unit_price": line.unit_price, "net": line.net,
         "vat_code": line.vat_code, "vat_rate": line.vat_rate, "vat": line.vat, "total": line.total}
        for invoice, (_, charges, _), lines in zip(invoices, batch, priced, strict=True)
        for position, (charge, line) in enumerate(zip(charges, lines, strict=True), start=1)
    ]
    insert_rows(ctx.session, InvoiceLine, line_rows)
    audit_many(ctx, [
        ("recharge.issue" if recharge else "invoice.issue", "invoice", r["number"], {
            "school": school.urn, "net": str(r["net"]), "vat": str(r["vat"]), "total": str(r["total"]),
            "due_on": None if recharge else due_on.isoformat(), "charges": [ch.source_key for ch in charges],
            "interest_only": interest_only, "bill_run": bill_run_id,
        })
        for r, (school, charges, interest_only), recharge in zip(invoice_rows, batch, by_journal, strict=True)
    ], plain=True)
    settle_recharges(ctx, [
        Recharge(invoice.id, invoice.number, school.id, school.urn, invoice.total, issued_on)
        for invoice, (school, _, _), recharge in zip(invoices, batch, by_journal, strict=True) if recharge])
    return invoices


def _po_of(numbers: dict[int, str | None], row_id: int | None) -> str | None:
    return numbers.get(row_id) if row_id is not None else None


def _po_map(ctx: Context, model: type[Subscription] | type[Order], ids: set[int]) -> dict[int, str | None]:
    return {row_id: po for part in chunks(sorted(ids))
            for row_id, po in ctx.session.execute(select(model.id, model.po_number)
                                                  .where(among(ctx.session, model.id, part)))}


# --- credit notes ---------------------------------------------------------------------------


def issue_credit_note(ctx: Context, invoice_number: str, amount: Decimal, reason: str, *,
                      as_series: CreditSeries | None = None) -> Invoice:
    """Credit ``amount`` (gross, VAT inclusive) against an issued invoice (§7).

    Never more than is left on the invoice (its total less earlier credit notes),
    never against a credit note; VAT is credited at the invoice's own rates,
    shared over its lines (invoices.credit.credit_shares), each credit line naming the
    line it credits (``corrects_line_id``). The credit note is
    numbered from its own series and quotes the invoice's number and date.
    ``as_series`` issues it as another kind of credit document (billing.write_offs).
    """
    original = get_invoice(ctx, invoice_number)
    if original.kind != "invoice":
        raise RuleViolation(f'"{original.number}" is a credit note; credit the invoice it corrects instead',
                            code="not_an_invoice")
    gross = parse_money(amount, "credit note amount")
    if gross <= 0:
        raise InvalidInput(f'a credit against invoice "{original.number}" must be more than 0.00, not {gross}')
    if not (reason or "").strip():
        raise InvalidInput(f'a credit note against invoice "{original.number}" needs a reason')
    why = clean_reason(reason, "credit note reason")  # printed on the credit note and the school's statement
    c = council(ctx)
    kind = as_series or CreditSeries(CREDIT_NOTE_SERIES, c.credit_note_prefix)
    # Lock the series first: two credits against one invoice then take turns and
    # the second sees the first when it works out what is left.
    seq, number = next_number(ctx, kind.series, kind.prefix)
    left = original.total - credited_so_far(ctx, original)
    if gross > left:
        raise RuleViolation(
            f'a credit of {gross} is more than the {left} left on invoice "{original.number}" '
            f"(total {original.total} less earlier credit notes)", code="credit_exceeds_invoice")
    if original.issued_on > ctx.today:
        raise RuleViolation(f'invoice "{original.number}" is dated after {ctx.today.isoformat()}')
    credited = credit_shares(document_lines(original), gross, kind.line_prefix)
    lines = [share.line for share in credited]
    net, vat, total = document_totals(lines)
    note = Invoice(
        kind="credit_note", number=number, series=kind.series, seq=seq, school_id=original.school_id,
        purpose=kind.purpose, approved_by=kind.approved_by,
        corrects_id=original.id, issued_on=ctx.today, tax_point=ctx.today, due_on=None,
        interest_only=original.interest_only, reason=why, po_number=original.po_number,
        customer=original.customer, supplier=supplier_snapshot(c),
        net=net, vat=vat, total=total, created_at=ctx.now, actor=ctx.actor,
    )
    ctx.session.add(note)
    ctx.session.flush()
    originals = list(original.lines)  # in the order document_lines gave credit_shares
    for position, (at, line) in enumerate(credited, start=1):
        source = originals[at]
        ctx.session.add(InvoiceLine(
            invoice_id=note.id, position=position, charge_id=None, corrects_line_id=source.id,
            service_code=source.service_code,
            description=line.description, period_start=line.period_start, period_end=line.period_end,
            quantity=line.quantity, unit_price=line.unit_price, net=line.net, vat_code=line.vat_code,
            vat_rate=line.vat_rate, vat=line.vat, total=line.total,
        ))
    ctx.session.flush()
    ctx.session.refresh(note, ["lines"])
    approval = {"approved_by": kind.approved_by} if kind.approved_by else {}
    ctx.audit(kind.action, "invoice", number,
              {"invoice": original.number, "net": net, "vat": vat, "total": total, "left_before": left, **approval},
              reason=why)
    released = release_overpayment(ctx, original, note)
    if original.purpose == RECHARGE:
        # Settled by a reversing journal on its date: the freed journal money goes back to the school's budget.
        reverse_journal(ctx, original.school, original.number, number, note.issued_on, released)
    return note


def release_overpayment(ctx: Context, invoice: Invoice, credit_note: Invoice) -> Decimal:
    """Give back payment allocations a credit note made surplus, newest first (§8).

    A credit note on an invoice that was already (partly) paid would otherwise
    leave it owing less than nothing. The surplus goes back onto the payments it
    came from as account credit on the credit note's date: refundable, or
    allocated to the next invoice. Each release is kept (``AllocationRelease``)
    with the day the money was first applied, so the invoice's history still
    shows it paid from then (billing.invoice_history).
    """

    surplus = -invoice_outstanding(ctx.session, [invoice.id])[invoice.id]
    released = surplus if surplus > 0 else Decimal("0.00")
    if surplus <= 0:
        return released
    allocations = ctx.session.scalars(
        select(Allocation).where(Allocation.invoice_id == invoice.id).order_by(Allocation.id.desc())
    ).all()
    for allocation in allocations:
        if surplus <= 0:
            break
        take = min(allocation.amount, surplus)
        ctx.audit("payment.release", "payment", allocation.payment_id,
                  {"invoice": invoice.number, "released": take, "allocated_before": allocation.amount,
                   "credit_note": credit_note.number},
                  reason="credit note left the invoice overpaid; the surplus is account credit")
        ctx.session.add(AllocationRelease(
            payment_id=allocation.payment_id, invoice_id=invoice.id, credit_note_id=credit_note.id, amount=take,
            applied_on=allocation.allocated_on, released_on=credit_note.issued_on, created_at=ctx.now))
        if take == allocation.amount:
            ctx.session.delete(allocation)
        else:
            allocation.amount = allocation.amount - take
        surplus -= take
    ctx.session.flush()
    return released


# --- immutability ---------------------------------------------------------------------------


def refuse_alteration(ctx: Context, number: str, what: str) -> NoReturn:
    """Refuse any change to an issued document (§7), leaving an audit record of the attempt.

    The command that asked will be refused and its transaction rolled back, so
    the audit entry is written in a transaction of its own. Call this before
    the service has written anything (on SQLite a second writer would wait for
    the first).
    """
    clean = number.strip().upper()
    engine = ctx.session.get_bind().engine
    on_sqlite = engine.dialect.name == "sqlite"
    if on_sqlite and ctx.session.in_transaction():
        # SQLite allows one writer: this session already holds the write lock.
        kind = _audit_refusal(ctx.session, ctx, clean, what)
        ctx.session.commit()
    else:
        with transaction(engine) as session:
            kind = _audit_refusal(session, ctx, clean, what)
    label = "Credit note" if kind == "credit_note" else "Invoice"
    raise RuleViolation(
        f'{label} "{clean}" is issued and cannot be changed ({what} refused); correct it with a credit note',
        code="invoice_immutable",
    )


def _audit_refusal(session: Session, ctx: Context, number: str, what: str) -> str:
    found = session.scalar(select(Invoice.kind).where(Invoice.number == number))
    if found is None:
        raise NotFound(f'no invoice or credit note numbered "{number}"', code="unknown_invoice")
    session.add(AuditEntry(at=ctx.now, actor=ctx.actor, action="invoice.alteration_refused", entity="invoice",
                           entity_id=number, reason=f"issued documents are immutable: {what}",
                           detail={"attempt": what}))
    return found
