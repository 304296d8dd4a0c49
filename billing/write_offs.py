"""Writing off a bad debt (issue 20, docs/rules.md §7).

A debt the council decides it will not collect is written off with a reason and
someone's approval: a credit document (kind ``credit_note``, purpose ``write_off``)
against the invoice, numbered in its own gap-free series (the price book's
``council.write_off_prefix``, default ``WO-``). It is issued through the credit
note's own path (billing.invoicing.issue_credit_note), so it lowers the invoice's
balance, the school's balance and the balance interest runs on from its date, as
a credit note does, and the debt leaves aged debt and reminders.

Rules a write-off keeps:

- at most the invoice's balance outstanding (by default all of it); an invoice
  with nothing outstanding, a credit document, or an internal recharge (settled
  by journal, so never a debt) cannot be written off;
- approved by someone other than the person recording it (the context's actor);
- the reason and the approver are kept on the document and in the audit trail.

VAT: the document shares the amount over the invoice's lines at their VAT rates,
as a credit note does, so it records how much of the debt was VAT (what a later
bad-debt relief claim would need). A write-off is not a VAT credit note and does
not reduce output VAT: the ledger posts it whole to the write-off expense
account against the debtors control account.

Interest: a write-off stops the invoice earning interest from its date, but interest it
earned up to then is still owed and still billed: raised by a run and not yet invoiced
(the statement's "interest not yet invoiced", for this invoice), and accrued since the
last run (the next run raises it). :func:`write_off_debt` says how much, so finance can
waive it with a reason (`traded interest waive`) if the debt's interest is to go too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from billing.balances import WRITE_OFF_PURPOSE, invoice_outstanding
from billing.context import Context
from billing.interest_run import interest_not_raised
from billing.invoicing import CreditSeries, get_invoice, issue_credit_note
from billing.models import Invoice
from billing.numbering import CREDIT_NOTE_SERIES, lock_series
from billing.pricebooks import council
from billing.statements import interest_not_invoiced
from pricing.errors import InvalidInput, RuleViolation
from pricing.money import parse_money
from pricing.text import clean_line, clean_reason

WRITE_OFF_SERIES = "WO"
WRITE_OFF_LINE_PREFIX = "Written off: "
APPROVER_MAX = 120  # invoices.approved_by is String(120)


def write_off(ctx: Context, invoice_number: str, reason: str, approved_by: str,
              amount: Decimal | None = None) -> Invoice:
    """Write off ``amount`` (default: all that is outstanding) of an invoice, approved by ``approved_by``."""
    invoice = get_invoice(ctx, invoice_number)
    if invoice.kind != "invoice":
        raise RuleViolation(f'"{invoice.number}" is a credit document; write off the invoice it corrects',
                            code="not_an_invoice")
    if invoice.purpose == "recharge":
        raise RuleViolation(f'"{invoice.number}" is an internal recharge settled by journal: there is no debt '
                            "to write off", code="recharge_not_debt")
    why = clean_reason(reason, "write-off reason")
    approver = clean_line(approved_by, "approver", APPROVER_MAX)
    if approver.casefold() == ctx.actor.strip().casefold():
        raise RuleViolation(f'a write-off must be approved by someone other than the person recording it '
                            f'("{ctx.actor}")', code="self_approval")
    # Take the credit notes' lock before reading the balance: a credit note against the same
    # invoice then waits, and whichever comes second sees what the first left.
    lock_series(ctx, CREDIT_NOTE_SERIES)
    lock_series(ctx, WRITE_OFF_SERIES)
    outstanding = invoice_outstanding(ctx.session, [invoice.id])[invoice.id]
    if outstanding <= 0:
        raise RuleViolation(f'invoice "{invoice.number}" has nothing outstanding to write off',
                            code="nothing_outstanding")
    gross = outstanding if amount is None else parse_money(amount, "write-off amount")
    if gross <= 0:
        raise InvalidInput(f'a write-off of invoice "{invoice.number}" must be more than 0.00, not {gross}')
    if gross > outstanding:
        raise RuleViolation(f'a write-off of {gross} is more than the {outstanding} outstanding on invoice '
                            f'"{invoice.number}"', code="write_off_exceeds_balance")
    series = CreditSeries(WRITE_OFF_SERIES, council(ctx).write_off_prefix, purpose=WRITE_OFF_PURPOSE,
                          line_prefix=WRITE_OFF_LINE_PREFIX, action="invoice.write_off", approved_by=approver)
    return issue_credit_note(ctx, invoice.number, gross, why, as_series=series)


@dataclass(frozen=True)
class WrittenOff:
    """`invoice write-off`: the write-off, and the interest the invoice earned up to its date and is on no
    invoice (``interest_not_invoiced``), of which ``interest_not_raised`` no interest run has raised yet."""

    document: Invoice
    invoice: str
    interest_not_invoiced: Decimal
    interest_not_raised: Decimal

    def as_json(self) -> dict[str, object]:
        doc = self.document
        return {"number": doc.number, "invoice": self.invoice, "urn": doc.customer.urn, "date": doc.issued_on,
                "amount": doc.total, "vat": doc.vat, "reason": doc.reason, "approved_by": doc.approved_by,
                "interest_not_invoiced": self.interest_not_invoiced, "interest_not_raised": self.interest_not_raised}


def interest_left(ctx: Context, invoice: Invoice, on: date) -> tuple[Decimal, Decimal]:
    """Interest on ``invoice`` up to ``on`` that is on no invoice: (all of it, the part no run has raised)."""
    raised = interest_not_invoiced(ctx, invoice.school, on, late_invoice_id=invoice.id)
    not_raised = interest_not_raised(ctx, invoice, on)
    return raised + not_raised, not_raised


def write_off_debt(ctx: Context, invoice_number: str, reason: str, approved_by: str,
                   amount: Decimal | None = None) -> WrittenOff:
    """:func:`write_off`, and the interest the invoice earned up to the write-off that is still to be billed."""
    doc = write_off(ctx, invoice_number, reason, approved_by, amount)
    invoice = doc.corrects
    assert invoice is not None  # a write-off always names its invoice
    total, not_raised = interest_left(ctx, invoice, doc.issued_on)
    return WrittenOff(doc, invoice.number, total, not_raised)
