"""A school's statement shows its balances, transactions, ageing and entitlements (§9)."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

from invoices.documents import EntitlementRow, StatementDoc, StatementLine
from invoices.statement_pdf import balance_text, render_statement
from tests.invoices import academy, bank, council, pdf_pages, pdf_text

D = Decimal


def running(opening: Decimal, entries: list[tuple[date, str, str, str, str, str]]) -> tuple[StatementLine, ...]:
    lines, balance = [], opening
    for on, kind, ref, description, debit, credit in entries:
        balance = balance + D(debit) - D(credit)
        lines.append(StatementLine(on, kind, ref, description, D(debit), D(credit), balance))
    return tuple(lines)


def autumn_statement(**changes: object) -> StatementDoc:
    opening = D("120.00")
    lines = running(opening, [
        (date(2019, 9, 1), "invoice", "INV-000123", "Premium subscription 2019/20", "5400.00", "0"),
        (date(2019, 9, 20), "payment", "BACS 4471", "Payment received - thank you", "0", "3000.00"),
        (date(2019, 10, 14), "credit_note", "CRN-000007", "Credit for INV-000123", "0", "600.00"),
        (date(2019, 11, 30), "interest", "INV-000141", "Late-payment interest on INV-000123", "19.73", "0"),
        (date(2019, 12, 2), "refund", "RFD-000001", "Refund of overpayment", "25.00", "0"),
    ])
    fields: dict[str, object] = dict(
        supplier=council(), customer=academy(), period_start=date(2019, 9, 1), period_end=date(2019, 12, 31),
        as_of=date(2019, 12, 31), opening_balance=opening, lines=lines, closing_balance=lines[-1].balance,
        overdue={"0-30": D("19.73"), "31-60": D("0.00"), "61-90": D("1800.00"), "90+": D("120.00")},
        entitlements=(
            EntitlementRow("Casework referrals", None, 3, 0),
            EntitlementRow("CPD / training session", 1, 2, 1),
            EntitlementRow("Whole-class support", 1, 0, 0),
            EntitlementRow("Team Teach training places", 0, 2, 2),
        ),
        year_name="2019/20", payment=bank(),
    )
    fields.update(changes)
    return StatementDoc(**fields)  # type: ignore[arg-type]


class TestStatement:
    def setup_method(self):
        self.st = autumn_statement()
        self.pdf = render_statement(self.st)
        self.text = pdf_text(self.pdf)

    def test_it_is_a_statement_for_the_school_and_period(self):
        assert self.pdf.startswith(b"%PDF-")
        assert "STATEMENT OF ACCOUNT" in self.text
        assert "Oakfield Academy" in self.text and "URN: 145678" in self.text
        assert "Statement date 2019-12-31" in self.text
        assert "Period 2019-09-01 to 2019-12-31" in self.text
        assert "Academic year 2019/20" in self.text

    def test_the_account_summary_adds_up(self):
        # 120.00 + 5400.00 + 19.73 + 25.00 - 3000.00 - 600.00 = 1964.73
        assert self.st.closing_balance == D("1964.73")
        assert "£120.00" in self.text
        assert "Invoices and charges" in self.text and "£5,444.73" in self.text
        assert "Payments and credits" in self.text and "£3,600.00" in self.text
        assert "Balance due at 2019-12-31" in self.text and "£1,964.73" in self.text

    def test_each_transaction_has_its_running_balance(self):
        assert "2019-09-01 Opening balance 120.00" in self.text
        assert "2019-09-01 Invoice INV-000123 Premium subscription 2019/20 5,400.00 5,520.00" in self.text
        assert "2019-09-20 Payment BACS 4471 Payment received - thank you 3,000.00 2,520.00" in self.text
        assert "2019-10-14 Credit note CRN-000007 Credit for INV-000123 600.00 1,920.00" in self.text
        assert "Interest INV-000141" in self.text and "19.73 1,939.73" in self.text
        assert "2019-12-02 Refund RFD-000001 Refund of overpayment 25.00 1,964.73" in self.text
        assert "2019-12-31 Closing balance 5,444.73 3,600.00 1,964.73" in self.text

    def test_overdue_amounts_are_shown_by_age(self):
        for label, value in [("Up to 30 days overdue", "£19.73"), ("31 to 60 days", "£0.00"),
                             ("61 to 90 days", "£1,800.00"), ("Over 90 days", "£120.00"),
                             ("Total overdue", "£1,939.73")]:
            assert label in self.text and value in self.text

    def test_entitlements_show_included_used_and_charged_beyond(self):
        assert "Your entitlements for 2019/20" in self.text
        assert "Service Included Used Charged beyond" in self.text
        assert "Casework referrals Unlimited 3 0" in self.text
        assert "CPD / training session 1 2 1" in self.text
        assert "Whole-class support 1 0 0" in self.text
        assert "Team Teach training places Not included 2 2" in self.text
        assert "no cap" not in self.text

    def test_it_says_how_to_pay(self):
        assert "Sort code 30-00-00" in self.text
        assert "Cheques should be made payable to Northshire County Council." in self.text
        assert "2% per month" in self.text

    def test_no_page_holds_only_how_to_pay(self):
        pages = pdf_pages(self.pdf)
        assert "How to pay" in pages[-1] and "Team Teach training places Not included 2 2" in pages[-1]

    def test_it_renders_the_same_bytes_every_time(self):
        assert render_statement(self.st) == self.pdf


def test_a_statement_in_credit_says_so():
    opening = D("0.00")
    lines = running(opening, [(date(2019, 9, 5), "payment", "BACS 1", "Payment received", "0", "250.00")])
    st = autumn_statement(opening_balance=opening, lines=lines, closing_balance=D("-250.00"),
                          overdue={"0-30": D(0), "31-60": D(0), "61-90": D(0), "90+": D(0)})
    text = pdf_text(render_statement(st))
    assert "Closing balance at 2019-12-31" in text
    assert "£250.00 in credit" in text
    assert balance_text(D("-250.00")) == "£250.00 in credit"
    assert balance_text(D("10.00")) == "£10.00"


def test_an_empty_period_still_shows_opening_and_closing_balances():
    st = autumn_statement(lines=(), closing_balance=D("120.00"), entitlements=())
    text = pdf_text(render_statement(st))
    assert "Opening balance 120.00" in text
    assert "No transactions in this period." in text
    assert "entitlements" not in text


def test_a_long_statement_runs_onto_more_pages_with_the_header_repeated():
    opening = D("0.00")
    entries = [(date(2019, 9, 1) + timedelta(days=i), "invoice", f"INV-{i + 1:06d}", "Casework session", "10.00",
                "0") for i in range(80)]
    lines = running(opening, entries)
    st = autumn_statement(opening_balance=opening, lines=lines, closing_balance=D("800.00"))
    pages = pdf_pages(render_statement(st))
    assert len(pages) >= 3
    for number, page in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in page
        if "Casework session" in page:
            assert "Date Type Reference Description Debit £ Credit £ Balance £" in page
    everything = "\n".join(pages)
    assert all(f"INV-{i + 1:06d}" in everything for i in range(80))
    assert "Closing balance 800.00 0.00 800.00" in everything


def test_a_period_over_two_academic_years_is_headed_with_both():
    text = pdf_text(render_statement(autumn_statement(period_start=date(2019, 9, 1), period_end=date(2020, 9, 30),
                                                      year_name="2020/21")))
    assert "Academic years 2019/20 to 2020/21" in text
    assert "Your entitlements for 2020/21" in text


def test_interest_not_yet_invoiced_is_stated_beside_the_balance():
    text = re.sub(r"\s+", " ", pdf_text(render_statement(autumn_statement(interest_not_invoiced=D("45.29")))))
    assert "Late-payment interest of £45.29 has been charged on overdue invoices and is not in this balance" in text
    assert "Late-payment interest of" not in pdf_text(render_statement(autumn_statement()))


def test_terms_without_interest_for_a_school_not_charged_interest():
    from dataclasses import replace

    text = pdf_text(render_statement(autumn_statement(payment=replace(bank(), interest_clause=""))))
    assert "Invoices are due within 30 days of issue." in text and "per month" not in text
