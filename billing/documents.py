"""Stored invoices and credit notes → frozen documents (invoices.documents) and PDFs (their views: billing.views.invoices).

Everything printed comes from the snapshot taken at issue (customer, supplier,
lines, amounts), never from today's school or council records, so a document
re-printed years later is the one that was sent (§7).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from billing.context import Context
from billing.models import Invoice
from billing.outputs import check_output, write_output
from billing.views.invoices import PrintedInvoice, document_view, find_invoice
from invoices.documents import Document, PaymentDetails
from invoices.snapshot import SupplierSnapshot


def interest_clause(supplier: SupplierSnapshot) -> str:
    """The late-payment clause printed under the terms (§8: 2% a month, calculated daily)."""
    annual = supplier.interest_annual_rate
    monthly = (annual / 12).normalize()
    basis = supplier.interest_basis_days
    return (f"Interest is charged on late payment at {format(monthly, 'f')}% per month "
            f"({format(annual.normalize(), 'f')}% a year simple, calculated daily on a {basis}-day basis) "
            "from the due date until payment is received.")


def earns_interest(invoice: Invoice) -> bool:
    """Whether the invoice's terms carry the late-payment clause: the council's policy for the customer (§8).

    Recorded on the invoice at issue (``earns_interest`` in the customer snapshot:
    the council's own maintained schools are not charged interest unless the
    policy says so, and an interest invoice never earns interest). An invoice
    issued before that was recorded is read from itself: an interest invoice
    does not, nor does a maintained school's invoice whose lines are all outside
    the scope of VAT (the council's own school); every other invoice does.
    """
    recorded = invoice.customer.earns_interest
    if recorded is not None:
        return recorded
    if invoice.interest_only:
        return False
    return not (invoice.customer.type == "maintained" and all(ln.vat_code == "O" for ln in invoice.lines))


def payment_details(supplier: SupplierSnapshot, charges_interest: bool = True) -> PaymentDetails | None:
    """How to pay, from the council's particulars; the interest clause only where interest is charged."""
    if not supplier.bank:
        return None
    return PaymentDetails(
        bank=supplier.bank,
        account_name=supplier.account_name or "",
        sort_code=supplier.sort_code or "",
        account_number=supplier.account_number or "",
        cheque_payee=supplier.cheque_payee or "",
        terms_days=supplier.terms_days,
        interest_clause=interest_clause(supplier) if charges_interest else "",
    )


def to_document(invoice: Invoice, pay_link: str | None = None) -> Document:
    """The issued invoice or credit note as a frozen :class:`Document` (checks its own arithmetic).

    ``pay_link`` (a card-payment page, when the gateway is configured) is printed
    with the payment instructions.
    """
    from billing.invoicing import document_lines  # noqa: PLC0415 - `invoice list` and `show` start without the invoicing service

    corrects = invoice.corrects
    # A recharge, or a credit note against one, is settled by journal (billing.journals): no payment details.
    recharge = invoice.purpose == "recharge" or (corrects is not None and corrects.purpose == "recharge")
    return Document(
        kind="credit_note" if invoice.kind == "credit_note" else "invoice",
        number=invoice.number,
        issued_on=invoice.issued_on,
        tax_point=invoice.tax_point,
        due_on=invoice.due_on,
        supplier=invoice.supplier.party(),
        customer=invoice.customer.party(),
        lines=tuple(document_lines(invoice)),
        net=invoice.net,
        vat=invoice.vat,
        total=invoice.total,
        po_number=invoice.po_number,
        corrects_number=corrects.number if corrects is not None else None,
        corrects_issued_on=corrects.issued_on if corrects is not None else None,
        reason=invoice.reason,
        payment=(with_pay_link(payment_details(invoice.supplier, earns_interest(invoice)), pay_link)
                 if invoice.kind == "invoice" and not recharge else None),
        recharge=recharge,
        write_off=invoice.purpose == "write_off",
    )


def with_pay_link(details: PaymentDetails | None, pay_link: str | None) -> PaymentDetails | None:
    """The payment details with a card-payment link added, when there is one."""
    return replace(details, pay_link=pay_link) if details is not None and pay_link else details


def pdf_bytes(invoice: Invoice, pay_link: str | None = None) -> bytes:
    from invoices.pdf import render_document  # noqa: PLC0415 - fpdf2 loads only when a PDF is made (start-up, bench/everyday.py)

    return render_document(to_document(invoice, pay_link))


def write_pdf(invoice: Invoice, path: Path, pay_link: str | None = None) -> Path:
    """Write the document's PDF (A4) to ``path``, creating its folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pdf_bytes(invoice, pay_link))
    return path


# --- services the CLI calls -----------------------------------------------------------------


def print_invoice(ctx: Context, number: str, out: Path, force: bool = False) -> PrintedInvoice:
    """Write the PDF of an invoice or credit note to ``out``; returns the `invoice show` view plus the path.

    An existing file is replaced only with ``force``; the database is never a valid ``out`` (billing.outputs).
    The PDF is rendered from the stored invoice alone: an invoice still owing carries the pay page's
    link (``ctx.pay_page``, when card payments are set up), so printing reaches no network and writes
    nothing to the database.
    """

    database = ctx.session.get_bind().engine.url
    check_output(out, force=force, database_url=database)
    document = find_invoice(ctx, number)
    view = document_view(ctx, document)
    pay_link = ctx.pay_page.url(document.number) if ctx.pay_page is not None and view.owing else None
    write_output(out, ctx.render(to_document(document, pay_link)), force=force, database_url=database)
    return PrintedInvoice(view, str(out))
