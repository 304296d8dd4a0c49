"""Invoice and credit-note PDFs read back with an independent parser (pypdf) (§7)."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from pathlib import Path

from pypdf import PdfReader
from sqlalchemy import Engine

from billing.documents import to_document, write_pdf
from billing.invoicing import get_invoice, issue_credit_note, issue_invoice
from billing.schools import get_school
from invoices.pdf import latin1
from tests.billing.test_bill_run import ACADEMY, SEP1, casework, run, setup_council
from tests.support import service_context


def _text(path: Path) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(path.read_bytes()))
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages)


def test_an_academy_invoice_is_a_valid_vat_invoice(engine: Engine, tmp_path: Path) -> None:
    setup_council(engine)
    run(engine, SEP1)
    with service_context(engine, SEP1) as ctx:
        path = write_pdf(get_invoice(ctx, "INV-000002"), tmp_path / "inv2.pdf")
    pages, text = _text(path)
    assert pages == 1
    for expected in ["INVOICE", "INV-000002", "Mossbourne Community Academy", "141234",
                     "Initial subscription 2025/26, autumn term", "2025-09-01 to 2025-12-31",
                     "Date of issue 2025-09-01", "Tax point 2025-09-01", "Due date 2025-10-01",
                     "Borough of Eastbury Council", "VAT registration number: GB 000 0000 00", "1 Downs Park Road",
                     "20% S", "Total net £1,066.67", "Total VAT £213.33", "Total due £1,280.00",
                     "Sort code 00-00-00", "Account number 12345678", "payable to Borough of Eastbury Council",
                     "within 30 days", "2% per month"]:
        assert expected in text, expected


def test_an_own_maintained_school_invoice_carries_no_vat(engine: Engine, tmp_path: Path) -> None:
    setup_council(engine)
    run(engine, SEP1)
    with service_context(engine, SEP1) as ctx:
        inv = get_invoice(ctx, "INV-000001")
        assert inv.vat == Decimal("0.00")
        path = write_pdf(inv, tmp_path / "inv1.pdf")
    _, text = _text(path)
    assert "Stoke Newington School" in text and "Premium subscription 2025/26" in text
    assert "O - Outside the scope of VAT" in text
    assert "Total VAT £0.00" in text and "Total due £12,000.00" in text
    assert "20%" not in text


def test_a_credit_note_is_headed_and_quotes_the_invoice(engine: Engine, tmp_path: Path) -> None:
    setup_council(engine)
    run(engine, SEP1)
    with service_context(engine, date(2025, 10, 1)) as ctx:
        note = issue_credit_note(ctx, "INV-000002", Decimal("120.00"), "Session on 3 Sep not delivered")
        path = write_pdf(note, tmp_path / "cn1.pdf")
    _, text = _text(path)
    for expected in ["CREDIT NOTE", "CN-000001", "Corrects invoice INV-000002", "Invoice dated 2025-09-01",
                     "Reason: Session on 3 Sep not delivered", "Total credited £120.00", "Total VAT £20.00"]:
        assert expected in text, expected


def test_a_long_invoice_runs_over_pages_with_page_numbers(engine: Engine, tmp_path: Path) -> None:
    setup_council(engine)
    with service_context(engine, SEP1) as ctx:
        charges = [casework(ctx, ACADEMY, f"case/R{n:03d}", Decimal("0.5"), SEP1, start=date(2025, 8, 1))
                   for n in range(60)]
        inv = issue_invoice(ctx, get_school(ctx, ACADEMY), charges)
        assert to_document(inv).total == Decimal("19440.00")  # 60 × 270.00 × 1.2
        path = write_pdf(inv, tmp_path / "long.pdf")
    pages, text = _text(path)
    assert pages >= 2
    assert f"Page 1 of {pages}" in text and f"Page {pages} of {pages}" in text
    for n in range(60):
        assert latin1(f"case/R{n:03d}") in text
    assert "Total due £19,440.00" in text
