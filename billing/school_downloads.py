"""What a school downloads from the portal (issue 18): its documents and statements, each download audited.

The bytes are the team's: an invoice or credit note is rendered as `traded
invoice pdf` renders it (the pay page's link printed while money is owed), a
statement as `traded statement URN --pdf` does. A document is looked up by its
number *and* the school, so another school's number is not found, in the same
words as a number that does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from billing.context import Context
from billing.documents import to_document
from billing.gateway.service import pay_link_if_configured
from billing.lookup import get_or_refuse
from billing.models import Invoice, School
from billing.reports.csv_export import csv_text
from billing.statements import Statement, school_statement, statement_document
from billing.views.invoices import document_view

DOWNLOAD = "portal.download"


@dataclass(frozen=True)
class Download:
    filename: str
    content: bytes
    media_type: str


def school_document(ctx: Context, school: School, number: str) -> Invoice:
    """The school's own invoice or credit note numbered ``number`` (case and surrounding spaces ignored)."""
    clean = number.strip().upper()
    return get_or_refuse(ctx.session, Invoice, f'no invoice or credit note numbered "{clean}"', "unknown_invoice",
                         number=clean, school_id=school.id)


def document_pdf(ctx: Context, school: School, number: str) -> Download:
    """The PDF `traded invoice pdf` writes for the school's document ``number``; the download audited."""
    invoice = school_document(ctx, school, number)
    pay_link = pay_link_if_configured(ctx, invoice.number) if document_view(ctx, invoice).owing else None
    content = ctx.render(to_document(invoice, pay_link))
    ctx.audit(DOWNLOAD, invoice.kind, invoice.number, {"urn": school.urn, "format": "pdf"})
    return Download(f"{invoice.number}.pdf", content, "application/pdf")


def _statement_name(st: Statement, suffix: str) -> str:
    return f"statement-{st.urn}-{st.start.isoformat()}-{st.end.isoformat()}.{suffix}"


def _audit_statement(ctx: Context, st: Statement, form: str) -> None:
    ctx.audit(DOWNLOAD, "statement", st.urn, {"urn": st.urn, "from": st.start, "to": st.end, "format": form})


def statement_pdf(ctx: Context, school: School, start: date | None, end: date | None) -> Download:
    """The PDF `traded statement URN --from --to --pdf` writes (its entitlements included); audited."""
    from invoices.statement_pdf import render_statement  # noqa: PLC0415 - fpdf2 loads only where a statement is printed

    st = school_statement(ctx, school.urn, start, end, with_entitlements=True)
    content = render_statement(statement_document(ctx, st))
    _audit_statement(ctx, st, "pdf")
    return Download(_statement_name(st, "pdf"), content, "application/pdf")


STATEMENT_CSV_HEADERS = ["date", "kind", "reference", "description", "debit", "credit", "balance"]


def statement_rows(st: Statement) -> list[list[object]]:
    """The statement as typed rows: the opening balance, each line, the closing balance (money as Decimal)."""
    rows: list[list[object]] = [[st.start, "opening_balance", None, "Opening balance", None, None,
                                 st.opening_balance]]
    rows += [[ln.on, ln.kind, ln.reference, ln.description, ln.debit or None, ln.credit or None, ln.balance]
             for ln in st.lines]
    rows.append([st.end, "closing_balance", None, "Closing balance", None, None, st.closing_balance])
    return rows


def statement_csv(ctx: Context, school: School, start: date | None, end: date | None) -> Download:
    """The statement's lines as CSV through the one CSV writer (formula-safe cells); audited."""
    st = school_statement(ctx, school.urn, start, end, with_entitlements=False)
    content = csv_text(STATEMENT_CSV_HEADERS, statement_rows(st)).encode("utf-8")
    _audit_statement(ctx, st, "csv")
    return Download(_statement_name(st, "csv"), content, "text/csv; charset=utf-8")
