"""Documents a school would not query, read back from their PDFs with pypdf (issue 15).

A term of real service calls (subscriptions, cases and sessions, a part payment,
monthly interest runs, bill runs) produces an own maintained school's invoice, an
academy's casework invoice, its interest invoice and its statement. Each is read
back as a school business manager would read it:

- every line's printed arithmetic is true (quantity × unit price = net), and an
  interest line's days, balance and rate give its amount;
- casework lines name the sessions (date, hours, deemed delivered) behind the days;
- the own maintained school's terms carry no interest clause;
- every invoice ends with a tear-off remittance slip;
- the statement lists every document by its own number, with service names;
- no page holds only a footer paragraph: each has a line or a total.
"""

from __future__ import annotations

import io
import re
from datetime import date
from decimal import Decimal

import pytest
from pypdf import PdfReader
from sqlalchemy import Engine

from billing.bill_run import bill_run
from billing.cases import open_case
from billing.documents import pdf_bytes
from billing.interest_run import run_interest
from billing.invoicing import get_invoice
from billing.models import Invoice
from billing.payments import record_payment
from billing.pricebooks import load_pricebook
from billing.schools import NewSchool, add_school, add_staff
from billing.sessions import add_session, change_session, deliver_session
from billing.statements import school_statement, statement_document
from billing.subscriptions import add_subscription
from invoices.documents import SERVICE_NAMES
from invoices.statement_pdf import render_statement
from pricing.clock import parse_london
from pricing.money import to_pence
from pricing.pricebook import sample_pricebook_text
from tests.support import service_context

D = Decimal
MAINTAINED = "100279"  # the council's own maintained school (LA 204): no VAT, no interest
ACADEMY = "141234"  # external: VAT at 20%, interest at 24% a year
STAFF = "Priya Shah"
MONEY = r"\d{1,3}(?:,\d{3})*\.\d{2}"


def pages_of(data: bytes) -> list[str]:
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(data)).pages]


def _case(engine: Engine, ref: str, referred: date, sessions: list[tuple[str, str, bool]]) -> None:
    """A case of the academy with sessions (start, hours, deemed delivered)."""
    with service_context(engine, referred) as ctx:
        case_id = open_case(ctx, ACADEMY, ref, referred, referred).case.id
    for start, hours, deemed in sessions:
        with service_context(engine, parse_london(start).date()) as ctx:
            session = add_session(ctx, case_id=case_id, starts_at=parse_london(start), hours=hours,
                                  staff=STAFF).session
            if deemed:  # the school never said the pupil was away: deemed delivered (§5)
                change_session(ctx, session.id, None)
            else:
                deliver_session(ctx, session.id)


SHORT_CASE = [("2025-09-29 09:00", "2", False), ("2025-10-06 09:00", "1.5", False),
              ("2025-10-13 09:00", "2", True), ("2025-10-20 09:00", "2", False), ("2025-11-03 09:00", "1.5", False)]
LONG_CASE = [(f"2025-{month:02d}-{day:02d} 13:30", "1.5", n == 3)
             for n, (month, day) in enumerate([(9, 30), (10, 7), (10, 14), (10, 21), (11, 4), (11, 11), (11, 18),
                                               (11, 25), (12, 2), (12, 9), (12, 16), (12, 17), (12, 18), (12, 19)])]


@pytest.fixture
def term(engine: Engine) -> Engine:
    """Autumn 2025: subscriptions billed 1 Sep, the academy's invoice paid in part late, interest at each
    month end, casework on two uncovered cases, and the 1 January bill run."""
    with service_context(engine, date(2025, 8, 1)) as ctx:
        # The council invoices its own maintained schools (issue 20's settlement by journal off): these are
        # the documents of an own maintained school's invoice (tests/billing/test_journal_recharges.py: recharges).
        load_pricebook(ctx, sample_pricebook_text().replace("settle_maintained_by_journal = true",
                                                            "settle_maintained_by_journal = false"))
        add_school(ctx, NewSchool(urn=MAINTAINED, name="Stoke Newington School", type="maintained",
                                  number_on_roll=1666, address="Clissold Road\nLondon", postcode="N16 9EX",
                                  la_code="204"))
        add_school(ctx, NewSchool(urn=ACADEMY, name="Mossbourne Community Academy", type="academy",
                                  number_on_roll=500, address="1 Downs Park Road\nLondon", postcode="E5 8JY",
                                  la_code="204"))
        add_staff(ctx, STAFF, "Senior inclusion worker", "41.75")
        add_subscription(ctx, MAINTAINED, "initial", date(2025, 9, 1), "termly")
        add_subscription(ctx, ACADEMY, "initial", date(2025, 9, 1), "termly")
    with service_context(engine, date(2025, 9, 1)) as ctx:
        bill_run(ctx)  # INV-000001 (maintained), INV-000002 (academy), due 2025-10-01
    _case(engine, "C25-0001", date(2025, 9, 20), [("2025-09-24 09:00", "2", False)])  # covered by the tier
    _case(engine, "C25-0002", date(2025, 9, 22), SHORT_CASE)
    _case(engine, "C25-0003", date(2025, 9, 23), LONG_CASE)
    for on in (date(2025, 10, 31), date(2025, 11, 30), date(2025, 12, 31)):
        with service_context(engine, on) as ctx:
            if on.month == 11:
                owed = get_invoice(ctx, "INV-000002").total
                record_payment(ctx, ACADEMY, to_pence(owed / 2), date(2025, 11, 15), "bacs", ["INV-000002"])
            run_interest(ctx)
    with service_context(engine, date(2026, 1, 1)) as ctx:
        issued = bill_run(ctx).invoices
    assert [(inv.number, inv.urn, inv.interest_only) for inv in issued] == [
        ("INV-000003", MAINTAINED, False), ("INV-000004", ACADEMY, False), ("INV-000005", ACADEMY, True)]
    return engine


def document(engine: Engine, number: str) -> tuple[Invoice, list[str]]:
    with service_context(engine, date(2026, 1, 2)) as ctx:
        invoice = get_invoice(ctx, number)
        lines = list(invoice.lines)
        return invoice, pages_of(pdf_bytes(invoice)) + [ln.description for ln in lines]


def assert_every_page_has_a_line_or_a_total(pages: list[str], markers: list[str]) -> None:
    for number, page in enumerate(pages, start=1):
        body = page.rsplit("Page ", 1)[0]
        assert any(marker in body for marker in markers), f"page {number} holds no line or total: {page[:200]}"


def assert_lines_add_up(engine: Engine, number: str) -> None:
    """Quantity × unit price = net on every line, as printed and as stored."""
    with service_context(engine, date(2026, 1, 2)) as ctx:
        invoice = get_invoice(ctx, number)
        text = " ".join(pages_of(pdf_bytes(invoice)))
        for line in invoice.lines:
            assert to_pence(line.quantity * line.unit_price) == line.net, line.description
            qty = format(line.quantity.normalize(), "f")
            assert f"{qty} {line.unit_price:,.2f} " in text, (qty, line.unit_price)


def test_an_interest_invoice_states_days_balance_and_rate_and_its_arithmetic_is_true(term: Engine) -> None:
    with service_context(term, date(2026, 1, 2)) as ctx:
        invoice = get_invoice(ctx, "INV-000005")
        lines = [(ln.description, ln.quantity, ln.unit_price, ln.net, ln.period_start, ln.period_end)
                 for ln in invoice.lines]
        pages = pages_of(pdf_bytes(invoice))
    # Monthly runs between bills fold into one charge: one line for the one late invoice.
    assert invoice.interest_only and len(lines) == 1
    for description, qty, unit, net, start, end in lines:
        assert qty == 1 and unit == net  # 1 × amount: the printed arithmetic is true to the penny
        assert description.startswith("Late-payment interest on INV-000002 (due 2025-10-01): ")
        stretches = re.findall(r"(\d+) days? on £(" + MONEY + ")", description)
        assert stretches and " at 24% a year" in description, description
        assert sum(int(days) for days, _ in stretches) == (end - start).days + 1
        balance_days = sum(D(balance.replace(",", "")) * int(days) for days, balance in stretches)
        if description.endswith(" at 24% a year"):  # the school can check it: balance × days × 24% ÷ 365
            assert to_pence(balance_days * D("0.24") / 365) == net, description
        else:  # fixed once over the whole history: the line says so, and the difference is the amount
            due, before = re.search(r"; interest to 2025-12-31 £(" + MONEY + r") less £(" + MONEY
                                    + r") charged before$", description).groups()  # type: ignore[union-attr]
            assert D(due.replace(",", "")) - D(before.replace(",", "")) == net, description
    # The part payment of 15 November splits the stretch: 45 days on the whole, then 46 on what was left.
    assert re.search(r": 45 days on £1,639\.99 then 46 days on £819\.99 at 24% a year$", lines[0][0]), lines[0][0]
    text = " ".join(pages)
    assert "1 " + f"{lines[0][2]:,.2f}" + " 0% O" in text
    assert "Period: 2025-10-02 to 2025-12-31" in text
    assert "Interest is charged" not in text  # interest never earns interest: no clause on an interest invoice
    assert "REMITTANCE ADVICE" in pages[-1] and "Payment reference INV-000005" in pages[-1]
    assert_every_page_has_a_line_or_a_total(pages, ["Late-payment interest", "Total due"])


def test_a_casework_invoice_names_the_sessions_behind_the_days(term: Engine) -> None:
    invoice, found = document(term, "INV-000004")
    text = " ".join(found)
    short = next(ln for ln in invoice.lines if "C25-0002" in ln.description)
    # 2 + 1.5 + 2 (deemed) + 2 + 1.5 = 9 hours = 1.5 days at 6 hours a day.
    assert short.description == (
        "Extra casework, case C25-0002: 1.5 days at the day rate for 9 hours (6 hours a day, rounded up to the "
        "half day); sessions: 2025-09-29 2h, 2025-10-06 1.5h, 2025-10-13 2h (deemed delivered), 2025-10-20 2h, "
        "2025-11-03 1.5h")
    assert (short.quantity, short.unit_price, short.net) == (D("1.5"), D("625.00"), D("937.50"))
    long = next(ln for ln in invoice.lines if "C25-0003" in ln.description)
    # 14 sessions of 1.5 hours = 21 hours = 3.5 days: too many to list in 300 characters, so summarised.
    assert long.description == (
        "Extra casework, case C25-0003: 3.5 days at the day rate for 21 hours (6 hours a day, rounded up to the "
        "half day); sessions: 14 sessions, 2025-09-30 to 2025-12-19, 21 hours (1 deemed delivered)")
    assert len(long.description) <= 300
    for expected in ("C25-0002: 1.5 days at the day rate for 9 hours", "2025-10-13 2h (deemed delivered)",
                     "2025-11-03 1.5h", "1.5 625.00 20% S 937.50 187.50 1,125.00", "14 sessions, 2025-09-30 to",
                     "Period: 2025-09-01 to 2025-12-31"):
        assert expected in text, expected
    assert "day(s)" not in text
    assert "Interest is charged on late payment at 2% per month" in text  # an academy is charged interest
    assert_lines_add_up(term, "INV-000004")


def test_the_own_maintained_schools_invoice_threatens_no_interest_and_has_a_remittance_slip(term: Engine) -> None:
    with service_context(term, date(2026, 1, 2)) as ctx:
        invoice = get_invoice(ctx, "INV-000001")
        pages = pages_of(pdf_bytes(invoice))
    assert invoice.customer["earns_interest"] is False
    text = " ".join(pages)
    assert "Terms: payment is due within 30 days of the date of issue, by 2025-10-01." in text
    assert "Interest" not in text and "per month" not in text and "24%" not in text
    assert "O - Outside the scope of VAT" in text
    slip = text[text.index("REMITTANCE ADVICE"):]
    for expected in ("From Stoke Newington School", "URN 100279", "Invoice number INV-000001", "Due date 2025-10-01",
                     f"Amount due £{invoice.total:,.2f}", "Sort code 00-00-00", "Account number 12345678",
                     "Payment reference INV-000001"):
        assert expected in slip, expected
    assert "Date of issue 2025-09-01" in text and "Tax point 2025-09-01" in text
    assert "1 Sep 2025" not in text and "September" not in text  # one date format
    assert_lines_add_up(term, "INV-000001")
    assert_every_page_has_a_line_or_a_total(pages, ["Initial subscription", "Total due"])


def test_the_statement_lists_every_document_by_its_own_number_with_service_names(term: Engine) -> None:
    with service_context(term, date(2026, 1, 31)) as ctx:
        st = school_statement(ctx, ACADEMY, date(2025, 9, 1), date(2026, 1, 31))
        pages = pages_of(render_statement(statement_document(ctx, st)))
    assert [(ln.kind, ln.reference) for ln in st.lines] == [
        ("invoice", "INV-000002"), ("payment", "PAY-1"), ("invoice", "INV-000004"), ("interest", "INV-000005")]
    interest = st.lines[-1]
    assert interest.description == "Late-payment interest on INV-000002; due 2026-01-31"
    text = " ".join(pages)
    assert re.search(r"2026-01-01 Interest INV-000005 Late-payment interest on INV-000002; due 2026-01-31 "
                     + MONEY, text)
    assert "2025-09-01 Invoice INV-000002 Initial subscription 2025/26, autumn term; due 2025-10-01" in text
    assert "Invoice INV-000004 Extra casework, case C25-0002 and 2 other lines; due 2026-01-31" in text
    assert "Academic year 2025/26" in text and "2026/27" not in text
    assert "Casework referrals 1 3 2" in text  # one referral included, three made, two charged
    for code in ("casework ", "team_teach", "whole_class", "no cap", "ambassadors"):
        assert code not in text, code
    assert "Interest is charged on late payment at 2% per month" in text
    assert_every_page_has_a_line_or_a_total(pages, ["INV-0", "PAY-", "Closing balance", "Total overdue",
                                                    *SERVICE_NAMES.values()])


def test_interest_lines_of_two_late_invoices_are_grouped_and_no_page_is_terms_alone(term: Engine) -> None:
    """Eight more months unpaid: a long interest invoice over two late invoices, each one's lines together."""
    months = [date(2026, m, d) for m, d in ((1, 31), (2, 28), (3, 31), (4, 30), (5, 31), (6, 30), (7, 31), (8, 31))]
    for on in months:
        with service_context(term, on) as ctx:
            run_interest(ctx)
    with service_context(term, date(2026, 9, 1)) as ctx:
        interest = next(inv.number for inv in bill_run(ctx).invoices if inv.interest_only)
        invoice = get_invoice(ctx, interest)
        late = [re.match(r"Late-payment interest on (INV-\d+)", ln.description).group(1)  # type: ignore[union-attr]
                for ln in invoice.lines]
        pages = pages_of(pdf_bytes(invoice))
        for line in invoice.lines:
            assert line.quantity == 1 and line.unit_price == line.net
    # Eight monthly runs and nothing billed between: one line per late invoice, each its whole stretch.
    assert late == ["INV-000002", "INV-000004"]
    assert_every_page_has_a_line_or_a_total(pages, ["Late-payment interest", "Total due"])
    assert "REMITTANCE ADVICE" in pages[-1] and "Terms:" in pages[-1]


def test_a_recomputed_interest_line_still_reads_true(term: Engine) -> None:
    """A payment recorded late with an earlier date changes the history: the next run's line charges the new
    days and says that the amount is the interest now due less what was charged before (§8)."""
    from billing.models import Charge

    with service_context(term, date(2026, 1, 10)) as ctx:
        record_payment(ctx, ACADEMY, D("50.00"), date(2025, 10, 20), "cheque", ["INV-000002"])
        [raised] = [c for c in run_interest(ctx).charges if c.invoice == "INV-000002"]
        charge = ctx.session.get(Charge, raised.charge_id)
        assert charge is not None
    assert (charge.quantity, charge.unit_price) == (1, charge.amount)
    assert re.fullmatch(r"Late-payment interest on INV-000002 \(due 2025-10-01\): 10 days on £769\.99 at 24% a year; "
                        r"interest to 2026-01-10 £(" + MONEY + r") less £73\.33 charged before", charge.description)
    due = re.search(r"interest to 2026-01-10 £(" + MONEY + ")", charge.description).group(1)  # type: ignore[union-attr]
    assert D(due.replace(",", "")) - D("73.33") == charge.amount
    assert to_pence(D("769.99") * 10 * D("0.24") / 365) != charge.amount  # 5.06: the history changed too
