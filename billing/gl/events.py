"""Every money event as balanced double-entry lines (issue 20).

One kind of event per kind of money movement, each read by its own source:

- an issued **invoice**: Dr debtors control (gross); Cr income per line (net, by the line's
  item or tier code and cost centre; interest lines to interest income); Cr VAT output;
- a **credit note**: the reverse, to the codes of the lines it credits;
- a **payment** received: Dr bank, Cr debtors control; a recharge to a maintained school
  settled by journal (billing.journals) is Dr journal clearing instead of bank, at the
  school's own cost centre (its budget: price book ``school_cost_centre``);
- a **refund** of account credit: Dr debtors control, Cr bank; a reversing journal (a
  credit note against a recharge) Cr journal clearing at the school's cost centre instead.

Each is dated by its own date (issue date, received date, refund date), and each balances
on its own, so any set of events does. Allocations of money to invoices are not events:
they move money within the debtors control account, not into or out of it.

- a **write-off** of a bad debt (billing.write_offs): Dr write-off expense (at the service's
  default cost centre), Cr debtors control, both gross. Output VAT is not reduced: a write-off
  is not a VAT credit note, and bad-debt relief, if claimed, is claimed on the VAT return.
  A write-off is a credit document, so credit notes leave it out.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import ColumnElement, exists, select
from sqlalchemy.orm import InstrumentedAttribute, aliased

from billing.balances import WRITE_OFF_PURPOSE
from billing.bulk import among, chunks
from billing.context import Context
from billing.gl.codes import INTEREST_KIND, line_codes
from billing.journals import JOURNAL_METHOD, RECHARGE, REVERSAL_KEY, is_reversing_journal
from billing.models import GlBatchEvent, Invoice, InvoiceLine, Payment, Refund, School
from pricing.money import ZERO
from pricing.pricebook import LedgerCodes

DESCRIPTION_LIMIT = 240
"""The longest line description the export writes (docs/ledger-export.md): ERP journal imports cap a line's
narrative (Oracle General Ledger's journal line description holds 240 characters), and a longer one is refused
or cut where finance cannot see it."""

CREDIT_PREFIX = "Credit: "
"""How a credit note's line starts (invoices.credit): an interest reduction says so in its place."""


def narrative(text: str) -> str:
    """A line's description as the export writes it: at most DESCRIPTION_LIMIT characters, a cut one ending "…"."""
    return text if len(text) <= DESCRIPTION_LIMIT else text[:DESCRIPTION_LIMIT - 1].rstrip() + "…"


class EventKind(StrEnum):
    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"
    PAYMENT = "payment"
    REFUND = "refund"
    WRITE_OFF = "write_off"


@dataclass(frozen=True)
class Posting:
    """One side of an event: ``amount`` positive is a debit, negative a credit; ``description`` is capped (narrative)."""

    role: str
    account: str
    cost_centre: str | None
    amount: Decimal
    description: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "description", narrative(self.description))

    @property
    def debit(self) -> Decimal:
        return self.amount if self.amount > 0 else ZERO

    @property
    def credit(self) -> Decimal:
        return -self.amount if self.amount < 0 else ZERO


@dataclass(frozen=True)
class MoneyEvent:
    kind: EventKind
    source_id: int
    on: date
    document: str
    urn: str
    amount: Decimal
    """What the event moved in or out of the debtors control account (gross), as people speak of it."""
    postings: tuple[Posting, ...]

    @property
    def debits(self) -> Decimal:
        return sum((p.debit for p in self.postings), ZERO)

    @property
    def credits(self) -> Decimal:
        return sum((p.credit for p in self.postings), ZERO)

    def as_json(self) -> dict[str, object]:
        return {"kind": self.kind, "date": self.on, "document": self.document, "urn": self.urn,
                "amount": self.amount}


def _postings(*candidates: Posting) -> tuple[Posting, ...]:
    """Lines that move money: a zero line (a covered order at 0.00) says nothing to the ledger."""
    return tuple(p for p in candidates if p.amount != 0)


def _document_events(ctx: Context, codes: LedgerCodes, kind: EventKind, upto: date) -> list[MoneyEvent]:
    documents = list(ctx.session.execute(
        select(Invoice, School.urn).join(School, School.id == Invoice.school_id)
        .where(Invoice.kind == kind.value, Invoice.issued_on <= upto, _not_exported(kind, Invoice.id),
               Invoice.purpose != WRITE_OFF_PURPOSE)
        .order_by(Invoice.issued_on, Invoice.series, Invoice.seq)).all())
    if not documents:
        return []
    ids = [doc.id for doc, _ in documents]
    income = line_codes(ctx, codes, ids)
    lines: dict[int, list[InvoiceLine]] = {doc_id: [] for doc_id in ids}
    for part in chunks(ids):
        for line in ctx.session.scalars(select(InvoiceLine).where(among(ctx.session, InvoiceLine.invoice_id, part))
                                        .order_by(InvoiceLine.invoice_id, InvoiceLine.position)):
            lines[line.invoice_id].append(line)
    sign = Decimal(1) if kind == EventKind.INVOICE else Decimal(-1)
    control = codes.control_cost_centre
    events = []
    for doc, urn in documents:
        heading = f"{_document_word(kind, doc.purpose)} {doc.number} to {urn}"
        own = lines[doc.id]
        postings = [Posting("debtors", codes.debtors_control, control, sign * doc.total, heading)]
        for line in own:
            code = income[line.id]
            postings.append(Posting(code.role, code.account, code.cost_centre, -sign * line.net,
                                    f"{doc.number}: {_line_words(kind, code.role, line.description)}"))
        # A document's net not carried by lines of its own (none are written in some old or
        # hand-made records) still reaches income, at the chart's default: every event balances.
        rest = doc.total - doc.vat - sum((line.net for line in own), ZERO)
        default_account, default_centre = codes.default_income()
        postings.append(Posting("income", default_account, default_centre, -sign * rest, heading))
        postings.append(Posting("vat", codes.vat_output, control, -sign * doc.vat, f"{heading}: VAT"))
        events.append(MoneyEvent(kind, doc.id, doc.issued_on, doc.number, urn, doc.total, _postings(*postings)))
    return events


def _document_word(kind: EventKind, purpose: str) -> str:
    """What finance calls the document: a maintained school's recharge is no sale, so it is not called an invoice."""
    if kind == EventKind.CREDIT_NOTE:
        return "Credit note"
    return "Recharge" if purpose == RECHARGE else "Invoice"


def _line_words(kind: EventKind, role: str, description: str) -> str:
    """A line's own description; a credit note's interest line is a reduction of interest, not the interest itself."""
    if kind == EventKind.CREDIT_NOTE and role == INTEREST_KIND:
        return f"Interest reduced: {description.removeprefix(CREDIT_PREFIX)}"
    return description


def _invoices(ctx: Context, codes: LedgerCodes, upto: date) -> list[MoneyEvent]:
    return _document_events(ctx, codes, EventKind.INVOICE, upto)


def _credit_notes(ctx: Context, codes: LedgerCodes, upto: date) -> list[MoneyEvent]:
    return _document_events(ctx, codes, EventKind.CREDIT_NOTE, upto)


def _payments(ctx: Context, codes: LedgerCodes, upto: date) -> list[MoneyEvent]:
    rows = ctx.session.execute(
        select(Payment, School.urn, School.laestab).join(School, School.id == Payment.school_id)
        .where(Payment.received_on <= upto, _not_exported(EventKind.PAYMENT, Payment.id))
        .order_by(Payment.received_on, Payment.id)).all()
    control = codes.control_cost_centre
    events = []
    for payment, urn, laestab in rows:
        if payment.method == JOURNAL_METHOD:  # a recharge settled from the school's budget: no money at the bank
            said = f"Journal transfer from {urn}'s budget settling {payment.reference}"
            into = Posting("clearing", codes.journal_clearing, _school_centre(codes, urn, laestab), payment.amount,
                           said)
        else:
            said = f"Payment {payment.id} from {urn} ({payment.method})"
            into = Posting("bank", codes.bank, control, payment.amount, said)
        events.append(MoneyEvent(EventKind.PAYMENT, payment.id, payment.received_on, f"payment {payment.id}", urn,
                                 payment.amount, _postings(
                                     into, Posting("debtors", codes.debtors_control, control, -payment.amount, said))))
    return events


def _refunds(ctx: Context, codes: LedgerCodes, upto: date) -> list[MoneyEvent]:
    rows = ctx.session.execute(
        select(Refund, School.urn, School.laestab, Payment.reference).join(School, School.id == Refund.school_id)
        .outerjoin(Payment, Payment.id == Refund.payment_id)
        .where(Refund.refunded_on <= upto, _not_exported(EventKind.REFUND, Refund.id))
        .order_by(Refund.refunded_on, Refund.id)).all()
    control = codes.control_cost_centre
    events = []
    for refund, urn, laestab, recharge in rows:
        if is_reversing_journal(refund):  # a credit note against a recharge, handed back to the school's budget
            # Keyed by the credit note's number; its journal payment's reference is the recharge it settled.
            note = (refund.external_key or "").removeprefix(REVERSAL_KEY)
            said = f"Reversing journal: {note}{f' on {recharge}' if recharge else ''} to {urn}'s budget"
            out = Posting("clearing", codes.journal_clearing, _school_centre(codes, urn, laestab), -refund.amount,
                          said)
        else:
            said = f"Refund {refund.id} of account credit to {urn}"
            out = Posting("bank", codes.bank, control, -refund.amount, said)
        events.append(MoneyEvent(EventKind.REFUND, refund.id, refund.refunded_on, f"refund {refund.id}", urn,
                                 refund.amount, _postings(
                                     Posting("debtors", codes.debtors_control, control, refund.amount, said), out)))
    return events


def _school_centre(codes: LedgerCodes, urn: str, laestab: str | None) -> str | None:
    """A journal's clearing line is the school's budget: its own cost centre (price book ``school_cost_centre``),
    else the balance-sheet lines' (a pattern naming a LAESTAB the school has none of)."""
    return codes.school_centre(urn, laestab) or codes.control_cost_centre


def _write_offs(ctx: Context, codes: LedgerCodes, upto: date) -> list[MoneyEvent]:
    written = aliased(Invoice)
    rows = ctx.session.execute(
        select(Invoice, written.number, School.urn).join(School, School.id == Invoice.school_id)
        .join(written, written.id == Invoice.corrects_id)
        .where(Invoice.kind == "credit_note", Invoice.purpose == WRITE_OFF_PURPOSE, Invoice.issued_on <= upto,
               _not_exported(EventKind.WRITE_OFF, Invoice.id))
        .order_by(Invoice.issued_on, Invoice.seq))
    _, service_centre = codes.default_income()
    events = []
    for doc, invoice, urn in rows:
        said = f"Write-off {doc.number} of {invoice} from {urn}"
        events.append(MoneyEvent(EventKind.WRITE_OFF, doc.id, doc.issued_on, doc.number, urn, doc.total, _postings(
            Posting("write_off", codes.write_off_expense, service_centre, doc.total, said),
            Posting("debtors", codes.debtors_control, codes.control_cost_centre, -doc.total, said))))
    return events


def _not_exported(kind: EventKind, source_id: InstrumentedAttribute[int]) -> ColumnElement[bool]:
    return ~exists().where(GlBatchEvent.kind == kind.value, GlBatchEvent.source_id == source_id)


Source = Callable[[Context, LedgerCodes, date], list[MoneyEvent]]

SOURCES: dict[EventKind, Source] = {
    EventKind.INVOICE: _invoices,
    EventKind.CREDIT_NOTE: _credit_notes,
    EventKind.PAYMENT: _payments,
    EventKind.REFUND: _refunds,
    EventKind.WRITE_OFF: _write_offs,
}
"""Where each kind of event is read from; a new kind of money event adds its kind and its source here."""

_ORDER = {kind: n for n, kind in enumerate(EventKind)}


def unexported_events(ctx: Context, codes: LedgerCodes, upto: date,
                      kinds: Sequence[EventKind] = tuple(EventKind)) -> list[MoneyEvent]:
    """Every money event dated on or before ``upto`` that is in no batch yet: by date, then kind, then record."""
    events = [event for kind in kinds for event in SOURCES[kind](ctx, codes, upto)]
    events.sort(key=lambda e: (e.on, _ORDER[e.kind], e.source_id))
    return events
