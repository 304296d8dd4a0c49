"""Invoice and credit-note PDFs show every particular of a UK VAT invoice (§7), read back with pypdf."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime
from decimal import Decimal

import pypdf
import pytest

from invoices.documents import Party
from invoices.formats import doc_date, doc_period
from invoices.pdf import latin1, percent, quantity, render_document, unit_price
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
        assert "Date of issue 2019-09-01" in self.text
        assert "Tax point 2019-09-01" in self.text
        assert "Due date 2019-10-01" in self.text
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
        assert "Period: 2019-09-01 to 2020-08-31" in self.text
        assert "1 4,500.00 20% S 4,500.00 900.00 5,400.00" in self.text

    def test_it_has_a_vat_summary_and_totals(self):
        assert "S - Standard rate 20% 4,500.00 900.00" in self.text
        assert "Total net £4,500.00" in self.text
        assert "Total VAT £900.00" in self.text
        assert "Total due £5,400.00" in self.text

    def test_it_says_how_to_pay_with_terms_and_the_interest_clause(self):
        text = flat(self.text)
        assert "Terms: payment is due within 30 days of the date of issue, by 2019-10-01." in text
        assert INTEREST_CLAUSE in text
        assert "overdue balances at 2% per month, calculated daily" in text  # §8
        assert "https://pay.example/INV-000123" in text

    def test_it_ends_with_a_tear_off_remittance_slip(self):
        text = flat(self.text)
        slip = text[text.index("Cut here"):]
        assert "REMITTANCE ADVICE" in slip
        for expected in ("From Oakfield Academy", "URN 145678", "Invoice number INV-000123", "Due date 2019-10-01",
                         "Amount due £5,400.00", "Pay by BACS to Northshire County Council", "Bank Lloyds Bank plc",
                         "Sort code 30-00-00", "Account number 12345678", "Payment reference INV-000123",
                         "Cheques should be made payable to Northshire County Council, with INV-000123 written on "
                         "the back", "Amount paid", "Date paid"):
            assert expected in slip, expected
        assert text.index("REMITTANCE ADVICE") > text.index("Total due £5,400.00")

    def test_the_same_document_renders_to_the_same_bytes_dated_by_the_document(self):
        assert render_document(self.doc) == self.pdf
        meta = pypdf.PdfReader(io.BytesIO(self.pdf)).metadata
        assert meta is not None and meta.creation_date == datetime(2019, 9, 1, tzinfo=UTC)
        assert meta.title == "Invoice INV-000123"


def test_an_invoice_without_an_order_number_or_pay_link_omits_them():
    doc = invoice(payment=None)
    text = pdf_text(render_document(doc))
    assert "order number" not in text
    assert "How to pay" not in text and "REMITTANCE ADVICE" not in text
    assert "Total due £5,400.00" in text


def test_terms_without_an_interest_clause_say_only_when_payment_is_due():
    from dataclasses import replace

    from tests.invoices import bank

    text = flat(pdf_text(render_document(invoice(payment=replace(bank(), interest_clause="")))))
    assert "Terms: payment is due within 30 days of the date of issue, by 2019-10-01." in text
    assert "Interest" not in text and "per month" not in text


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
        assert "Credit note for invoice INV-000123 dated 2019-09-01." in self.text
        assert "Corrects invoice INV-000123" in self.text
        assert "Invoice dated 2019-09-01" in self.text
        assert "Reason: Cancelled with twelve weeks' notice" in self.text

    def test_it_shows_the_vat_credited_and_asks_for_no_payment(self):
        assert "Total VAT £200.00" in self.text
        assert "Total credited £1,200.00" in self.text
        assert "Total due" not in self.text and "Due date" not in self.text
        assert "How to pay" not in self.text and "REMITTANCE ADVICE" not in self.text
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
    words = " ".join(f"word{i}" for i in range(44))  # the longest a line holds: 300 characters
    assert len(words) <= 300
    doc = invoice((subscription_line("100.00", description=words),))
    pages = pdf_pages(render_document(doc))
    assert len(pages) == 1
    assert flat(pages[0]).count(" ".join(f"word{i}" for i in range(3))) == 1
    assert all(f"word{i}" in pages[0] for i in range(44))


def test_a_line_too_tall_to_move_keeps_its_page_and_the_totals_and_slip_go_on_together():
    words = " ".join(f"word{i}" for i in range(130))
    pages = pdf_pages(render_document(invoice((subscription_line("100.00", description=words),))))
    assert len(pages) == 2
    assert "word129" in pages[0] and "Total due" not in pages[0]
    assert "Total due £120.00" in pages[1] and "REMITTANCE ADVICE" in pages[1] and "Terms:" in pages[1]


@pytest.mark.parametrize("count", range(1, 41))
def test_no_page_holds_only_terms_or_a_slip(count: int) -> None:
    """Whatever the number of lines, every page has a line or the totals: the terms and the
    remittance slip never sit on a page of their own (they keep the last line with them)."""
    lines = tuple(
        price_line(f"Line {i:02d}: casework session for case reference CR-{1000 + i}", date(2019, 10, 1),
                   date(2019, 10, 1), D("0.5"), D("450"), D("225.00"), "S", D(20))
        for i in range(count))
    pages = pdf_pages(render_document(invoice(lines)))
    for number, page in enumerate(pages, start=1):
        assert re.search(r"Line \d\d:", page) or "Total due" in page, f"{count} lines: page {number} has neither"
    assert "Total due" in pages[-1] and "REMITTANCE ADVICE" in pages[-1] and "Terms:" in pages[-1]
    assert sum(page.count("REMITTANCE ADVICE") for page in pages) == 1


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
        assert doc_date(date(2020, 2, 29)) == "2020-02-29"
        assert doc_period(date(2019, 9, 1), date(2019, 12, 31)) == "2019-09-01 to 2019-12-31"
        assert doc_period(date(2019, 9, 1), date(2019, 9, 1)) == "2019-09-01"
        assert doc_period(None, None) == ""


def test_lines_sharing_a_head_are_grouped_under_it_with_their_total():
    """An interest invoice: each late invoice's lines under one bold row with that invoice's interest."""
    def interest(late: str, days: int, net: str, month: int) -> object:
        return price_line(f"Late-payment interest on {late} (due 2019-10-01): {days} days on £4,920.00 at 24% a year",
                          date(2019, month, 1), date(2019, month, days), D(1), D(net), D(net), "O", D(0))

    lines = (interest("INV-000012", 31, "100.28", 10), interest("INV-000012", 30, "97.05", 11),
             interest("INV-000040", 30, "97.05", 11),
             price_line("Premium subscription 2019/20", date(2019, 9, 1), date(2020, 8, 31), D(1), D("10.00"),
                        D("10.00"), "O", D(0)))
    text = flat(pdf_text(render_document(invoice(lines, supplier=invoice().supplier))))
    assert "Late-payment interest on INV-000012 (due 2019-10-01) 197.33 0.00 197.33 31 days on £4,920.00 at 24% a " \
           "year Period: 2019-10-01 to 2019-10-31 1 100.28 0% O 100.28 0.00 100.28 30 days on £4,920.00" in text
    # a lone line keeps its whole description
    assert "Late-payment interest on INV-000040 (due 2019-10-01): 30 days on £4,920.00 at 24% a year" in text
    assert "Total due £304.38" in text


def test_a_group_running_onto_the_next_page_repeats_its_head():
    lines = tuple(price_line(f"Late-payment interest on INV-000012 (due 2019-10-01): {n} days on £4,920.00 at 24% "
                             "a year", date(2019, 10, 1), date(2019, 10, 1), D(1), D("1.00"), D("1.00"), "O", D(0))
                  for n in range(1, 41))
    pages = [flat(page) for page in pdf_pages(render_document(invoice(lines, supplier=invoice().supplier)))]
    assert len(pages) >= 2
    assert "Late-payment interest on INV-000012 (due 2019-10-01) 40.00 0.00 40.00" in pages[0]
    assert "Late-payment interest on INV-000012 (due 2019-10-01) (continued)" in pages[1]
