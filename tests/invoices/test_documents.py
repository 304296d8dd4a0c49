"""Document snapshots check their own arithmetic and the VAT-invoice particulars (§7)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from invoices.documents import (
    DEFAULT_INTEREST_CLAUSE,
    PAYMENT_TERMS_DAYS,
    EntitlementRow,
    Line,
    OverdueInvoice,
    Party,
    PaymentDetails,
    ReminderLetter,
    StatementDoc,
    StatementLine,
    VatSummaryRow,
    vat_summary,
)
from pricing.errors import InvalidInput
from tests.invoices import academy, bank, council, invoice, subscription_line

D = Decimal


def raw_line(net: str, vat: str, total: str, rate: str = "20", code: str = "S") -> Line:
    return Line("Team Teach training", None, None, D(1), D(net), D(net), code, D(rate), D(vat), D(total))


class TestLine:
    def test_a_line_whose_net_and_vat_do_not_make_its_total_is_refused(self):
        with pytest.raises(InvalidInput, match="does not add up"):
            raw_line("100.00", "20.00", "120.01")

    def test_a_line_that_adds_up_is_accepted_and_fixed_to_two_places(self):
        line = Line("CPD session", None, None, D(1), D(250), D(250), "E", D(0), D(0), D(250))
        assert (line.net, line.vat, line.total) == (D("250.00"), D("0.00"), D("250.00"))
        assert str(line.total) == "250.00"

    def test_amounts_with_part_pennies_or_floats_are_refused(self):
        with pytest.raises(InvalidInput):
            raw_line("100.001", "20.00", "120.001")
        with pytest.raises(InvalidInput):
            Line("x", None, None, D(1), D(1), 100.0, "S", D(20), D(20), D(120))  # type: ignore[arg-type]

    def test_vat_charged_at_a_zero_rate_is_refused(self):
        with pytest.raises(InvalidInput, match="0% rate"):
            raw_line("100.00", "20.00", "120.00", rate="0", code="O")

    def test_a_period_must_have_both_ends_in_order(self):
        with pytest.raises(InvalidInput, match="one end"):
            Line("x", date(2019, 9, 1), None, D(1), D(1), D(1), "O", D(0), D(0), D(1))
        with pytest.raises(InvalidInput, match="before it starts"):
            Line("x", date(2019, 9, 2), date(2019, 9, 1), D(1), D(1), D(1), "O", D(0), D(0), D(1))

    def test_a_blank_description_is_refused(self):
        with pytest.raises(InvalidInput):
            Line("  ", None, None, D(1), D(1), D(1), "O", D(0), D(0), D(1))


class TestDocument:
    def test_an_invoice_whose_totals_are_not_the_sum_of_its_lines_is_refused(self):
        line = subscription_line()
        with pytest.raises(InvalidInput, match="not the sum of its lines"):
            invoice((line,), net=line.net, vat=line.vat, total=line.total + D("0.01"))

    def test_an_invoice_adds_up_from_its_lines(self):
        doc = invoice((subscription_line("4500.00"), subscription_line("250.00", "E", "0")))
        assert (doc.net, doc.vat, doc.total) == (D("4750.00"), D("900.00"), D("5650.00"))
        assert doc.lines[1].vat_code == "E"

    def test_a_list_of_lines_is_frozen_into_a_tuple(self):
        doc = invoice([subscription_line()])  # type: ignore[arg-type]
        assert isinstance(doc.lines, tuple)

    def test_a_credit_note_must_name_the_invoice_it_corrects_and_its_date(self):
        with pytest.raises(InvalidInput, match="number and date of the invoice"):
            invoice(kind="credit_note", number="CRN-000001", due_on=None)
        with pytest.raises(InvalidInput, match="number and date of the invoice"):
            invoice(kind="credit_note", number="CRN-000001", due_on=None, corrects_number="INV-000123")
        note = invoice(kind="credit_note", number="CRN-000001", due_on=None, corrects_number="INV-000123",
                       corrects_issued_on=date(2019, 9, 1), reason="Service could not be delivered")
        assert note.is_credit_note and note.label == "Credit note"

    def test_a_credit_note_cannot_predate_its_invoice(self):
        with pytest.raises(InvalidInput, match="before the invoice"):
            invoice(kind="credit_note", number="CRN-000001", due_on=None, corrects_number="INV-000123",
                    corrects_issued_on=date(2019, 9, 2))

    def test_an_invoice_cannot_claim_to_correct_another(self):
        with pytest.raises(InvalidInput, match="cannot correct"):
            invoice(corrects_number="INV-000001", corrects_issued_on=date(2019, 9, 1))

    def test_an_invoice_needs_a_due_date_on_or_after_issue(self):
        with pytest.raises(InvalidInput, match="no due date"):
            invoice(due_on=None)
        with pytest.raises(InvalidInput, match="before it is issued"):
            invoice(due_on=date(2019, 8, 31))

    def test_a_document_carrying_vat_needs_the_suppliers_vat_number(self):
        with pytest.raises(InvalidInput, match="VAT registration number"):
            invoice(supplier=council(vat_number=None))
        outside_scope = (subscription_line("4500.00", "O", "0"),)
        assert invoice(outside_scope, supplier=council(vat_number=None)).vat == D("0.00")

    def test_a_number_that_is_not_a_bacs_reference_is_refused(self):
        with pytest.raises(InvalidInput):
            invoice(number="inv 123")
        with pytest.raises(InvalidInput):
            invoice(number="INV-0000000000000123")  # 19 characters

    def test_a_document_needs_lines(self):
        with pytest.raises(InvalidInput, match="no lines"):
            invoice(())

    def test_an_unknown_kind_is_refused(self):
        with pytest.raises(InvalidInput):
            invoice(kind="receipt")

    def test_documents_are_frozen(self):
        doc = invoice()
        with pytest.raises(AttributeError):
            doc.total = D("0.00")  # type: ignore[misc]


def test_vat_summary_groups_by_code_and_rate_in_order_of_appearance():
    lines = [
        subscription_line("100.00"),
        subscription_line("250.00", "E", "0"),
        subscription_line("0.03"),
        subscription_line("50.00", "O", "0"),
        subscription_line("0.03"),
    ]
    assert vat_summary(lines) == [
        VatSummaryRow("S", D(20), D("100.06"), D("20.02")),
        VatSummaryRow("E", D(0), D("250.00"), D("0.00")),
        VatSummaryRow("O", D(0), D("50.00"), D("0.00")),
    ]


def test_vat_summary_treats_equal_rates_written_differently_as_one():
    a = subscription_line("10.00", rate="20")
    b = subscription_line("10.00", rate="20.0")
    assert len(vat_summary([a, b])) == 1


class TestParties:
    def test_address_lines_drop_blank_lines(self):
        party = Party("Oakfield Academy", "1 Church Lane\n\n  Northtown \n")
        assert party.address_lines == ("1 Church Lane", "Northtown")

    def test_a_party_needs_a_name_and_address(self):
        with pytest.raises(InvalidInput):
            Party("", "Somewhere")
        with pytest.raises(InvalidInput):
            Party("Oakfield Academy", " ")

    def test_the_standard_terms_are_30_days_with_2_percent_a_month_interest(self):
        assert PAYMENT_TERMS_DAYS == 30
        assert "2% per month, calculated daily" in DEFAULT_INTEREST_CLAUSE

    def test_payment_terms_are_whole_days(self):
        with pytest.raises(InvalidInput):
            PaymentDetails("b", "a", "30-00-00", "1", "p", 0, "clause")
        assert bank().terms_days == 30


def statement(**changes: object) -> StatementDoc:
    lines = (
        StatementLine(date(2019, 9, 1), "invoice", "INV-000123", "Premium subscription", D("5400.00"), D(0),
                      D("5500.00")),
        StatementLine(date(2019, 10, 10), "payment", "BACS", "Payment received", D(0), D("5000.00"),
                      D("500.00")),
    )
    fields: dict[str, object] = dict(
        supplier=council(), customer=academy(), period_start=date(2019, 9, 1), period_end=date(2019, 12, 31),
        as_of=date(2019, 12, 31), opening_balance=D("100.00"), lines=lines, closing_balance=D("500.00"),
        overdue={"0-30": D(0), "31-60": D(0), "61-90": D("500.00"), "90+": D(0)},
        entitlements=(EntitlementRow("Casework referrals", None, 4, 0),), year_name="2019/20", payment=bank(),
    )
    fields.update(changes)
    return StatementDoc(**fields)  # type: ignore[arg-type]


class TestStatementDoc:
    def test_a_consistent_statement_is_accepted(self):
        st = statement()
        assert (st.total_debits, st.total_credits, st.total_overdue) == (D("5400.00"), D("5000.00"), D("500.00"))

    def test_a_wrong_running_balance_is_refused(self):
        bad = (StatementLine(date(2019, 9, 1), "invoice", "INV-000123", "x", D("5400.00"), D(0), D("5400.00")),)
        with pytest.raises(InvalidInput, match="running balance is 5500.00"):
            statement(lines=bad, closing_balance=D("5400.00"))

    def test_a_closing_balance_that_does_not_follow_from_the_lines_is_refused(self):
        with pytest.raises(InvalidInput, match="closes at"):
            statement(closing_balance=D("499.99"))

    def test_overdue_amounts_must_use_the_four_age_bands(self):
        with pytest.raises(InvalidInput, match="0-30, 31-60, 61-90, 90"):
            statement(overdue={"0-30": D(0), "31-60": D(0), "60+": D(0)})

    def test_an_unknown_transaction_kind_or_negative_debit_is_refused(self):
        with pytest.raises(InvalidInput):
            StatementLine(date(2019, 9, 1), "gift", "X", "x", D(0), D(0), D(0))
        with pytest.raises(InvalidInput):
            StatementLine(date(2019, 9, 1), "invoice", "X", "x", D(-1), D(0), D(0))

    def test_entitlement_counts_are_whole_and_none_means_no_cap(self):
        assert EntitlementRow("Casework", None, 7, 0).included is None
        with pytest.raises(InvalidInput):
            EntitlementRow("Casework", 1, -1, 0)
        with pytest.raises(InvalidInput):
            EntitlementRow("Casework", 1, 1.5, 0)  # type: ignore[arg-type]


def reminder(level: int = 7, **changes: object) -> ReminderLetter:
    fields: dict[str, object] = dict(
        supplier=council(), customer=academy(), sent_on=date(2019, 11, 8), level_days=level,
        invoices=(("INV-000123", date(2019, 9, 1), date(2019, 10, 1), D("5400.00"), D("400.00"), 38),),
        total_outstanding=D("400.00"), interest_note=None, payment=bank(),
    )
    fields.update(changes)
    return ReminderLetter(**fields)  # type: ignore[arg-type]


class TestReminderLetter:
    def test_plain_tuples_become_overdue_invoices(self):
        letter = reminder()
        assert letter.invoices[0] == OverdueInvoice("INV-000123", date(2019, 9, 1), date(2019, 10, 1),
                                                    D("5400.00"), D("400.00"), 38)

    def test_only_the_three_levels_exist(self):
        assert reminder(7).level_days == 7
        chased = (("INV-000123", date(2019, 9, 1), date(2019, 10, 1), D("5400.00"), D("400.00"), 38,
                   date(2019, 10, 8)),)
        for level in (30, 60):  # a later stage follows the letter sent before it
            assert reminder(level, invoices=chased, earlier=(date(2019, 10, 8),)).level_days == level
        with pytest.raises(InvalidInput, match="7, 30 or 60"):
            reminder(14)

    def test_the_total_outstanding_must_be_the_sum_of_the_invoices(self):
        with pytest.raises(InvalidInput, match="come to 400.00"):
            reminder(total_outstanding=D("400.01"))

    def test_an_invoice_not_overdue_or_not_outstanding_is_refused(self):
        with pytest.raises(InvalidInput, match="not overdue"):
            reminder(invoices=(("INV-000123", date(2019, 9, 1), date(2019, 10, 1), D("5400.00"), D("400.00"), 0),))
        with pytest.raises(InvalidInput, match="outstanding"):
            reminder(invoices=(("INV-000123", date(2019, 9, 1), date(2019, 10, 1), D("5400.00"), D("0.00"), 3),),
                     total_outstanding=D("0.00"))
        with pytest.raises(InvalidInput, match="no invoices"):
            reminder(invoices=(), total_outstanding=D("0.00"))
