"""Invoice and credit-note PDFs show every particular of a UK VAT invoice (§7), read back with pypdf."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime
from decimal import Decimal

import pypdf

from invoices.documents import Party
from invoices.pdf import latin1, long_date, percent, quantity, render_document, unit_price
from invoices.totals import price_line
from tests.invoices import INTEREST_CLAUSE, invoice, pdf_pages, pdf_text, subscription_line

D = Decimal


def flat(text: str) -> str:
    """Text with runs of whitespace collapsed, so wrapped phrases can be searched for."""
    return re.sub(r"\s+", " ", text)


class TestInvoice:
    def setup_method(self):
        self.doc = invoice(po_number="PO-9981")
        self.pdf = render_document(self.doc)
        self.text = pdf_text(self.pdf)

    def test_it_is_a_one_page_pdf(self):
        assert self.pdf.startswith(b"%PDF-")
        assert len(pdf_pages(self.pdf)) == 1
        assert "Page 1 of 1" in self.text

    def test_it_is_headed_invoice_with_number_dates_and_order_number(self):
        assert "INVOICE" in self.text
        assert "Invoice number INV-000123" in self.text
        assert "Date of issue 1 September 2019" in self.text
        assert "Tax point 1 September 2019" in self.text
        assert "Due date 1 October 2019" in self.text
        assert "Your order number PO-9981" in self.text

    def test_it_names_the_supplier_with_address_and_vat_number(self):
        assert "Northshire County Council Inclusion Support Service" in flat(self.text)
        assert "County Hall" in self.text and "NT1 1AA" in self.text
        assert "VAT registration number: GB 123 4567 89" in self.text

    def test_it_names_the_school_with_address_and_urn(self):
        assert "INVOICE TO" in self.text
        assert "Oakfield Academy" in self.text
        assert "1 Church Lane" in self.text and "NT2 2BB" in self.text
        assert "URN: 145678" in self.text

    def test_each_line_shows_its_period_quantity_price_rate_net_vat_and_total(self):
        assert "Premium subscription 2019/20" in self.text
        assert "Period: 1 Sep 2019 to 31 Aug 2020" in self.text
        assert "1 4,500.00 20% S 4,500.00 900.00 5,400.00" in self.text

    def test_it_has_a_vat_summary_and_totals(self):
        assert "S - Standard rate 20% 4,500.00 900.00" in self.text
        assert "Total net £4,500.00" in self.text
        assert "Total VAT £900.00" in self.text
        assert "Total due £5,400.00" in self.text

    def test_it_says_how_to_pay_with_terms_and_the_interest_clause(self):
        text = flat(self.text)
        assert "Please pay £5,400.00 by 1 October 2019, quoting INV-000123" in text
        assert "Sort code 30-00-00" in text and "Account number 12345678" in text
        assert "Payment reference INV-000123" in text
        assert "Cheques should be made payable to Northshire County Council" in text
        assert "payment is due within 30 days of the date of issue" in text
        assert INTEREST_CLAUSE in text
        assert "overdue balances at 2% per month, calculated daily" in text  # §8
        assert "https://pay.example/INV-000123" in text

    def test_the_same_document_renders_to_the_same_bytes_dated_by_the_document(self):
        assert render_document(self.doc) == self.pdf
        meta = pypdf.PdfReader(io.BytesIO(self.pdf)).metadata
        assert meta is not None and meta.creation_date == datetime(2019, 9, 1, tzinfo=UTC)
        assert meta.title == "Invoice INV-000123"


def test_an_invoice_without_an_order_number_or_pay_link_omits_them():
    doc = invoice(payment=None)
    text = pdf_text(render_document(doc))
    assert "order number" not in text
    assert "How to pay" not in text
    assert "Total due £5,400.00" in text


def test_a_mixed_rate_invoice_lists_each_vat_code_in_the_summary():
    lines = (subscription_line("4500.00"), subscription_line("180.00", "E", "0", "Team Teach training"),
             subscription_line("1250.00", "O", "0", "Casework (maintained school recharge)"))
    text = pdf_text(render_document(invoice(lines, supplier=invoice().supplier)))
    assert "S - Standard rate 20% 4,500.00 900.00" in text
    assert "E - Exempt 0% 180.00 0.00" in text
    assert "O - Outside the scope of VAT 0% 1,250.00 0.00" in text
    assert "Total net £5,930.00" in text and "Total due £6,830.00" in text


class TestCreditNote:
    def setup_method(self):
        line = price_line("Credit: Premium subscription 2019/20", date(2020, 4, 1), date(2020, 8, 31), D(1),
                          D("1000.00"), D("1000.00"), "S", D(20))
        self.doc = invoice((line,), number="CRN-000007", kind="credit_note", issued_on=date(2020, 1, 6),
                           tax_point=date(2020, 1, 6), due_on=None, corrects_number="INV-000123",
                           corrects_issued_on=date(2019, 9, 1), reason="Cancelled with twelve weeks' notice")
        self.text = pdf_text(render_document(self.doc))

    def test_it_is_headed_credit_note_and_quotes_the_invoice_it_corrects(self):
        assert "CREDIT NOTE" in self.text
        assert "Credit note number CRN-000007" in self.text
        assert "Credit note for invoice INV-000123 dated 1 September 2019." in self.text
        assert "Corrects invoice INV-000123" in self.text
        assert "Invoice dated 1 September 2019" in self.text
        assert "Reason: Cancelled with twelve weeks' notice" in self.text

    def test_it_shows_the_vat_credited_and_asks_for_no_payment(self):
        assert "Total VAT £200.00" in self.text
        assert "Total credited £1,200.00" in self.text
        assert "Total due" not in self.text and "Due date" not in self.text
        assert "How to pay" not in self.text
        assert "No payment is due" in self.text
        assert "Credit note CRN-000007" in self.text  # footer


def test_a_60_line_invoice_breaks_over_pages_repeating_the_table_header():
    lines = tuple(
        price_line(f"Casework session {i:02d} for case reference CR-{1000 + i}", date(2019, 10, 1 + i % 28),
                   date(2019, 10, 1 + i % 28), D("0.5"), D("450"), D("225.00"), "S", D(20))
        for i in range(60)
    )
    doc = invoice(lines)
    pages = pdf_pages(render_document(doc))
    assert len(pages) >= 3
    for number, page in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in page
        if number > 1:
            assert "Invoice INV-000123 (continued)" in page
        if "Casework session" in page:
            assert "Description Qty Unit price £ VAT rate Net £ VAT £ Total £" in page
    everything = flat("\n".join(pages))
    for i in range(60):
        assert everything.count(f"Casework session {i:02d} for case reference CR-{1000 + i}") == 1
    assert "0.5 450.00 20% S 225.00 45.00 270.00" in everything
    assert "Total due" not in "\n".join(pages[:-1])
    assert "Total due £16,200.00" in pages[-1]


def test_a_long_description_wraps_within_the_page():
    words = " ".join(f"word{i}" for i in range(80))
    doc = invoice((subscription_line("100.00", description=words),))
    pages = pdf_pages(render_document(doc))
    assert len(pages) == 1
    assert flat(pages[0]).count(" ".join(f"word{i}" for i in range(3))) == 1
    assert all(f"word{i}" in pages[0] for i in range(80))


def test_characters_outside_latin1_are_made_printable():
    school = Party("St Mary’s — Łódź “Bilingual” School", "1 Church Lane\nNorthtown", urn="100001")
    doc = invoice(customer=school)
    text = pdf_text(render_document(doc))
    assert "St Mary's - ?ódz \"Bilingual\" School" in text


class TestHelpers:
    def test_latin1_swaps_dashes_quotes_and_strips_foreign_accents(self):
        assert latin1("2019–20 — ‘ok’ “yes” …") == "2019-20 - 'ok' \"yes\" ..."
        assert latin1("£4,500 Zoë café") == "£4,500 Zoë café"
        assert latin1("Győr €5 😀") == "Gyor EUR5 ?"

    def test_quantities_prices_and_rates_are_printed_plainly(self):
        assert quantity(D("2.50")) == "2.5"
        assert quantity(D("100")) == "100"
        assert unit_price(D("4500")) == "4,500.00"
        assert unit_price(D("12.3456")) == "12.3456"
        assert percent(D("17.50")) == "17.5%"
        assert percent(D("20")) == "20%"
        assert long_date(date(2020, 2, 29)) == "29 February 2020"
