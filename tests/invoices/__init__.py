"""Builders shared by the invoices/ tests, and a PDF reader that returns each page's text."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pypdf

from invoices.documents import DEFAULT_INTEREST_CLAUSE, PAYMENT_TERMS_DAYS, Document, Line, Party, PaymentDetails
from invoices.totals import document_totals, price_line

INTEREST_CLAUSE = DEFAULT_INTEREST_CLAUSE


def council(vat_number: str | None = "GB 123 4567 89") -> Party:
    return Party(
        name="Northshire County Council Inclusion Support Service",
        address="County Hall\nMarket Street\nNorthtown\nNT1 1AA",
        vat_number=vat_number,
        email="traded@northshire.example",
        phone="01234 567890",
    )


def academy() -> Party:
    return Party(name="Oakfield Academy", address="1 Church Lane\nNorthtown\nNT2 2BB", urn="145678")


def bank() -> PaymentDetails:
    return PaymentDetails(
        bank="Lloyds Bank plc",
        account_name="Northshire County Council",
        sort_code="30-00-00",
        account_number="12345678",
        cheque_payee="Northshire County Council",
        terms_days=PAYMENT_TERMS_DAYS,
        interest_clause=INTEREST_CLAUSE,
        pay_link="https://pay.example/INV-000123",
    )


def subscription_line(net: str = "4500.00", code: str = "S", rate: str = "20",
                      description: str = "Premium subscription 2019/20") -> Line:
    return price_line(description, date(2019, 9, 1), date(2020, 8, 31), Decimal(1), Decimal(net),
                      Decimal(net), code, Decimal(rate))


def invoice(lines: tuple[Line, ...] | None = None, number: str = "INV-000123", **changes: object) -> Document:
    lines = lines if lines is not None else (subscription_line(),)
    net, vat, total = document_totals(lines)
    fields: dict[str, object] = dict(
        kind="invoice", number=number, issued_on=date(2019, 9, 1), tax_point=date(2019, 9, 1),
        due_on=date(2019, 10, 1), supplier=council(), customer=academy(), lines=lines,
        net=net, vat=vat, total=total, payment=bank(),
    )
    fields.update(changes)
    return Document(**fields)  # type: ignore[arg-type]


def pdf_pages(data: bytes) -> list[str]:
    """The extracted text of each page."""
    reader = pypdf.PdfReader(io.BytesIO(data))
    return [page.extract_text() for page in reader.pages]


def pdf_text(data: bytes) -> str:
    return "\n".join(pdf_pages(data))
