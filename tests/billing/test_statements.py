"""Statements of account and the aged-debt report (domain-rules §9)."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine

from billing.aged_debt import aged_debt
from billing.interest_run import run_interest
from billing.payments import record_payment, refund_credit
from billing.statements import age_bucket, school_statement, write_statement_pdf
from pricing.errors import InvalidInput
from tests.billing.test_payments import make_credit_note, make_invoice, setup_ledger
from tests.support import service_context

D = Decimal


@pytest.fixture
def accounts(engine: Engine) -> Engine:
    with service_context(engine, date(2019, 8, 1)) as ctx:
        setup_ledger(ctx, ("100001", "academy"), ("100002", "academy"))
        make_invoice(ctx, "100001", "300.00", date(2019, 8, 1), date(2019, 8, 31))     # INV-000001, before
        a = make_invoice(ctx, "100001", "4500.00", date(2019, 10, 1), date(2019, 10, 31))  # INV-000002
        make_invoice(ctx, "100002", "999.99", date(2019, 10, 1), date(2019, 10, 31))   # INV-000003, other school
        make_credit_note(ctx, a, "500.00", date(2019, 11, 5), reason="Session not delivered")  # CN-000001
    with service_context(engine, date(2019, 12, 31)) as ctx:
        record_payment(ctx, "100001", D("300.00"), date(2019, 8, 20), "bacs")
        record_payment(ctx, "100001", D("4100.00"), date(2019, 12, 15), "bacs", reference="INV-000002")
        record_payment(ctx, "100002", D("50.00"), date(2019, 12, 15), "cheque")
        refund_credit(ctx, "100001", D("100.00"), date(2019, 12, 20), "Overpaid")
        run_interest(ctx)
    return engine


def test_a_statement_has_opening_lines_running_and_closing_balance(accounts: Engine) -> None:
    with service_context(accounts, date(2019, 12, 31)) as ctx:
        st = school_statement(ctx, "100001", date(2019, 9, 1), date(2019, 12, 31))
    assert st.opening_balance == D("0.00")  # INV-000001 300.00 paid 20 Aug
    assert [(ln.on, ln.kind, ln.reference, ln.debit, ln.credit, ln.balance) for ln in st.lines] == [
        (date(2019, 10, 1), "invoice", "INV-000002", D("4500.00"), D("0"), D("4500.00")),
        (date(2019, 11, 5), "credit_note", "CN-000001", D("0"), D("500.00"), D("4000.00")),
        (date(2019, 12, 15), "payment", "PAY-2", D("0"), D("4100.00"), D("-100.00")),
        (date(2019, 12, 20), "refund", "REF-1", D("100.00"), D("0"), D("0.00")),
    ]
    assert st.closing_balance == D("0.00")
    # Interest raised but not yet invoiced is no document of the school's: it is stated beside the balance.
    # 4500 × 5 days (1..5 Nov) + 4000 × 40 days (6 Nov..15 Dec) = 182500 × .24 / 365 = 120.00
    assert st.interest_not_invoiced == D("120.00")
    assert st.as_json()["interest_not_invoiced"] == D("120.00")
    assert st.overdue == {"0-30": D("0.00"), "31-60": D("0.00"), "61-90": D("0.00"), "90+": D("0.00")}


def test_an_interest_invoice_is_listed_by_its_own_number_and_a_past_statement_does_not_change(
        accounts: Engine) -> None:
    from billing.bill_run import bill_run
    from billing.numbering import next_number

    with service_context(accounts, date(2020, 1, 2)) as ctx:
        for _ in range(3):  # the hand-made invoices took INV-000001..3 from the series
            next_number(ctx, "INV", "INV")
        issued = bill_run(ctx).invoices
        interest = next(inv.number for inv in issued if inv.urn == "100001")
        st = school_statement(ctx, "100001", date(2019, 9, 1), date(2020, 1, 31))
        before = school_statement(ctx, "100001", date(2019, 9, 1), date(2019, 12, 31))
    assert interest == "INV-000004"
    assert [(ln.on, ln.kind, ln.reference, ln.description, ln.debit, ln.balance) for ln in st.lines[-1:]] == [
        (date(2020, 1, 2), "interest", "INV-000004", "Late-payment interest on INV-000002; due 2020-02-01",
         D("120.00"), D("120.00"))]
    assert "INV-000002" not in [ln.reference for ln in st.lines if ln.kind == "interest"]
    assert st.interest_not_invoiced == D("0.00")
    assert (before.closing_balance, before.interest_not_invoiced) == (D("0.00"), D("120.00"))
    invoice = next(ln for ln in st.lines if ln.reference == "INV-000002")
    assert invoice.description == "Work; due 2019-10-31"


def test_the_opening_balance_carries_earlier_transactions(accounts: Engine) -> None:
    with service_context(accounts, date(2019, 12, 31)) as ctx:
        st = school_statement(ctx, "100001", date(2019, 11, 1), date(2019, 11, 30))
    assert st.opening_balance == D("4500.00")
    assert [ln.reference for ln in st.lines] == ["CN-000001"]
    assert st.closing_balance == D("4000.00")
    # at 30 Nov INV-000002 is 30 days past due with 4000.00 left
    assert st.overdue["0-30"] == D("4000.00")


def test_a_statement_shows_nothing_of_another_school(accounts: Engine) -> None:
    with service_context(accounts, date(2019, 12, 31)) as ctx:
        st = school_statement(ctx, "100002", date(2019, 1, 1), date(2019, 12, 31))
    text = repr(st.as_json())
    assert [ln.reference for ln in st.lines] == ["INV-000003", "PAY-3"]
    assert st.interest_not_invoiced > 0
    for foreign in ("INV-000001", "INV-000002", "CN-000001", "4500.00", "4100.00", "Overpaid", "100001"):
        assert foreign not in text
    assert st.overdue["61-90"] == D("949.99")  # 61 days past due at 31 Dec


def test_the_statement_pdf_reads_back(accounts: Engine, tmp_path: Path) -> None:
    from pypdf import PdfReader

    with service_context(accounts, date(2019, 12, 31)) as ctx:
        st = school_statement(ctx, "100001", date(2019, 9, 1), date(2019, 12, 31))
        path = write_statement_pdf(ctx, st, tmp_path / "st" / "100001.pdf")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(path.read_bytes())).pages)
    for expected in ("School 100001", "INV-000002", "CN-000001", "4,500.00", "4,100.00", "120.00"):
        assert expected in text, expected
    assert "INV-000003" not in text


def test_a_period_ending_before_it_starts_is_refused(accounts: Engine) -> None:
    with service_context(accounts, date(2019, 12, 31)) as ctx:
        with pytest.raises(InvalidInput):
            school_statement(ctx, "100001", date(2019, 12, 1), date(2019, 11, 1))


@pytest.mark.parametrize("days, bucket", [(1, "0-30"), (30, "0-30"), (31, "31-60"), (60, "31-60"),
                                          (61, "61-90"), (90, "61-90"), (91, "90+")])
def test_age_buckets(days: int, bucket: str) -> None:
    assert age_bucket(days) == bucket


def test_aged_debt_across_schools(accounts: Engine) -> None:
    with service_context(accounts, date(2020, 2, 1)) as ctx:
        make_invoice(ctx, "100001", "75.00", date(2020, 1, 20), date(2020, 2, 19))
        report = aged_debt(ctx)
    got = {s.urn: s.buckets for s in report.schools}
    assert got == {
        "100001": {"current": D("75.00"), "0-30": D("0"), "31-60": D("0"), "61-90": D("0"), "90+": D("0")},
        "100002": {"current": D("0"), "0-30": D("0"), "31-60": D("0"), "61-90": D("0"), "90+": D("949.99")},
    }
    assert report.as_json()["totals"]["total"] == D("1024.99")  # type: ignore[index]
