"""Income recognised by the days of service, through the database (domain-rules §9, §3, §4).

Contracts, bill runs, cancellations and credit notes are made by the engine's own services;
the reports must recognise each subscription's fee evenly over the days of its contract year
up to its effective end, whatever the schedule and whenever the invoices fall.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

from sqlalchemy import Engine, select

from billing.cancellations import cancel_subscription
from billing.context import Context
from billing.invoicing import issue_credit_note
from billing.models import Invoice, School
from billing.reports.budget import Recognition, budget_report
from billing.reports.ledger import earned_income
from billing.reports.school_income import school_report
from pricing.calendars import AcademicYear, FinancialYear
from tests.reports import builders as b
from tests.support import cli_json, service_context

FY21, FY22, FY23, FY24 = (FinancialYear(y) for y in (2021, 2022, 2023, 2024))
ANNUAL, TERMLY, LEAVER = "100301", "100302", "100303"


def _traded(ctx: Context, fy: FinancialYear) -> Decimal:
    report = budget_report(ctx, fy)
    return report.totals("income", "traded income")["actual"]


def _by_school(ctx: Context, fy: FinancialYear) -> dict[str, Decimal]:
    """Each school's income recognised in ``fy`` up to the as-of date, as the budget report counts it."""
    urns = {s.id: s.urn for s in ctx.session.scalars(select(School))}
    out: dict[str, Decimal] = defaultdict(lambda: Decimal("0.00"))
    for item in earned_income(ctx, ctx.today):
        out[urns[item.school_id]] += Recognition.of(item, fy).through(ctx.today)
    return dict(out)


def _invoices(ctx: Context, urn: str) -> list[Invoice]:
    school = ctx.session.scalar(select(School).where(School.urn == urn))
    assert school is not None
    return list(ctx.session.scalars(select(Invoice).where(Invoice.school_id == school.id, Invoice.kind == "invoice")
                                    .order_by(Invoice.issued_on, Invoice.id)))


# --- the same year billed annually and termly -------------------------------------------------


def _annual_and_termly(engine: Engine) -> None:
    """Two maintained schools (roll 500: £10,000.00 premium in 2023/24, £10,250.00 in 2024/25)."""
    with service_context(engine, date(2023, 7, 1)) as ctx:
        b.pricebook(ctx)
        b.maintained_school(ctx, ANNUAL, "Annual Primary")
        b.maintained_school(ctx, TERMLY, "Termly Primary")
        b.subscribe(ctx, ANNUAL, date(2023, 9, 1), "annual")
        b.subscribe(ctx, TERMLY, date(2023, 9, 1), "termly")
    for run_on in (date(2023, 9, 1), date(2024, 1, 1)):
        with service_context(engine, run_on) as ctx:
            b.bill(ctx)


def test_a_year_billed_annually_or_termly_is_the_same_income_by_days_of_service(engine: Engine) -> None:
    _annual_and_termly(engine)
    with service_context(engine, date(2024, 3, 31)) as ctx:
        # Invoiced: 10000.00 to one, 3333.33 + 3333.33 to the other (by invoice: 12486.33 in all).
        assert [i.net for i in _invoices(ctx, ANNUAL)] == [Decimal("10000.00")]
        assert [i.net for i in _invoices(ctx, TERMLY)] == [Decimal("3333.33"), Decimal("3333.33")]
        # By days: 10000 x 213/366 = 5819.67 each, 11639.34 together.
        assert _by_school(ctx, FY23) == {ANNUAL: Decimal("5819.67"), TERMLY: Decimal("5819.67")}
        report = budget_report(ctx, FY23)
        assert report.totals("income", "traded income")["actual"] == Decimal("11639.34")
        # Deferred: invoiced ahead of the days served: 10000.00 - 5819.67 and 6666.66 - 5819.67.
        assert (report.invoiced_in_year, report.deferred, report.brought_forward) == (
            Decimal("16666.66"), Decimal("4180.33") + Decimal("846.99"), Decimal("0.00"))
        [row] = [r for r in school_report(ctx, AcademicYear(2023)).rows if r.urn == ANNUAL]
        assert row.subscription == Decimal("5819.67")
    # The rest of 2023/24 (153/366 = 4180.33 each) falls in FY2024/25, with 2024/25's first 212 days:
    # 10250 x 212/365 = 5953.42; the summer instalment is never invoiced here, and it makes no difference.
    with service_context(engine, date(2025, 3, 31)) as ctx:
        assert _by_school(ctx, FY24) == {ANNUAL: Decimal("4180.33") + Decimal("5953.42"),
                                         TERMLY: Decimal("4180.33") + Decimal("5953.42")}
        assert _by_school(ctx, FY23) == {ANNUAL: Decimal("5819.67"), TERMLY: Decimal("5819.67")}
        assert budget_report(ctx, FY24).brought_forward == Decimal("4180.33") + Decimal("846.99")


def test_the_budget_command_shows_the_days_of_service(db_url: str, engine: Engine) -> None:
    _annual_and_termly(engine)
    report = cli_json(db_url, "report", "budget", "--fy", "FY2023/24", as_of="2024-03-31")
    [traded] = [ln for ln in report["lines"] if ln["source"] == "traded income"]
    assert (traded["line"], traded["actual"]) == ("Unbudgeted traded income", "11639.34")
    months = {m["month"]: m["actual_income"] for m in report["months"]}
    # Evenly by day, each school: September 10000 x 30/366 = 819.67; 2 x 819.67 = 1639.34.
    assert months["2023-09"] == "1639.34"
    # October: the running total 10000 x 61/366 = 1666.67, less 819.67 = 847.00 each, termly or not.
    assert months["2023-10"] == "1694.00"
    assert months["2023-04"] == "0.00"
    assert sum(Decimal(v) for v in months.values()) == Decimal("11639.34")


def test_a_credit_note_on_a_term_changes_the_days_of_that_term(engine: Engine) -> None:
    _annual_and_termly(engine)
    with service_context(engine, date(2024, 2, 1)) as ctx:
        spring = _invoices(ctx, TERMLY)[1]
        issue_credit_note(ctx, spring.number, Decimal("300.00"), "Two visits in the spring term not made")
    with service_context(engine, date(2024, 3, 31)) as ctx:
        assert _by_school(ctx, FY23) == {ANNUAL: Decimal("5819.67"), TERMLY: Decimal("5519.67")}
        report = budget_report(ctx, FY23)
        [row] = [r for r in report.rows if r.source == "traded income"]
        # The 300.00 falls on 1 Jan - 31 Mar 2024 (91 days) by running total: 102.20, 95.60, 102.20;
        # each school's January is 10000 x 153/366 = 4180.33 less 10000 x 122/366 = 3333.33.
        assert row.monthly[(2024, 1)] == 2 * Decimal("847.00") - Decimal("102.20")
        assert row.monthly[(2024, 2)] == 2 * Decimal("792.35") - Decimal("95.60")


# --- a contract cut short -------------------------------------------------------------------------


def _cancelled(engine: Engine, credit_before: bool = False) -> None:
    """£9,500.00 premium from 2021-09-01, billed annually; notice 2021-11-01 → effective end 2022-01-24."""
    with service_context(engine, date(2021, 7, 1)) as ctx:
        b.pricebook(ctx)
        b.maintained_school(ctx, LEAVER, "Leaving Primary")
        sub_id = b.subscribe(ctx, LEAVER, date(2021, 9, 1), "annual")
    with service_context(engine, date(2021, 9, 1)) as ctx:
        b.bill(ctx)
    if credit_before:
        with service_context(engine, date(2021, 10, 1)) as ctx:
            issue_credit_note(ctx, _invoices(ctx, LEAVER)[0].number, Decimal("100.00"), "Goodwill")
    with service_context(engine, date(2021, 11, 1)) as ctx:
        done = cancel_subscription(ctx, sub_id, date(2021, 11, 1), date(2021, 11, 30), "school")
        assert (done.effective_end, done.accrued) == (date(2022, 1, 24), Decimal("3800.00"))
        assert done.settlement.kind == "credit_note"


def test_a_cancelled_subscription_earns_its_accrual_and_nothing_after_the_effective_end(engine: Engine) -> None:
    _cancelled(engine)
    with service_context(engine, date(2022, 3, 31)) as ctx:
        # By invoice, 9500.00 less the 5700.00 settlement credit, over the whole year: 2207.13 in
        # FY2021/22 and 1592.87 in FY2022/23. By days: 146/365 of 9500.00, all before the end.
        assert _traded(ctx, FY21) == Decimal("3800.00")
        report = budget_report(ctx, FY21)
        assert (report.invoiced_in_year, report.deferred) == (Decimal("3800.00"), Decimal("0.00"))
        [row] = school_report(ctx, AcademicYear(2021)).rows
        assert row.subscription == Decimal("3800.00")
    with service_context(engine, date(2023, 3, 31)) as ctx:
        assert _traded(ctx, FY22) == Decimal("0.00")
        assert _traded(ctx, FY21) == Decimal("3800.00")
        assert budget_report(ctx, FY22).brought_forward == Decimal("0.00")
        assert school_report(ctx, AcademicYear(2022)).rows == []


def test_a_credit_before_the_cancellation_is_inside_the_settlement(engine: Engine) -> None:
    # The settlement credits 9400.00 - 3800.00 = 5600.00: the earlier 100.00 is already netted,
    # so the income is still the 3800.00 accrued, not 3700.00.
    _cancelled(engine, credit_before=True)
    with service_context(engine, date(2022, 3, 31)) as ctx:
        assert _traded(ctx, FY21) == Decimal("3800.00")


def test_a_credit_after_the_cancellation_reduces_the_days_served_never_a_later_year(engine: Engine) -> None:
    _cancelled(engine)
    with service_context(engine, date(2022, 6, 1)) as ctx:
        issue_credit_note(ctx, _invoices(ctx, LEAVER)[0].number, Decimal("100.00"), "Goodwill after leaving")
    with service_context(engine, date(2023, 3, 31)) as ctx:
        assert _traded(ctx, FY21) == Decimal("3700.00")  # issued in FY2022/23, for days in FY2021/22
        assert _traded(ctx, FY22) == Decimal("0.00")


# --- extras on their delivery dates ---------------------------------------------------------------


def test_casework_and_orders_are_income_on_their_delivery_dates_and_credits_follow_them(engine: Engine) -> None:
    with service_context(engine, date(2019, 7, 1)) as ctx:
        b.pricebook(ctx)
        school = b.school(ctx)
        sam = b.staff(ctx, "Sam Patel", "Inclusion worker", "30.00")
        case = b.case(ctx, school, "C-1", covered=False)
        b.session(ctx, sam, "2019-10-10 09:00", "6", case_=case)
        b.session(ctx, sam, "2019-11-10 09:00", "2", case_=case, status="deemed_delivered")
        b.session(ctx, sam, "2019-12-02 09:00", "3", case_=case, status="scheduled")  # not delivered
        work = b.charge(ctx, school, "casework", "540.00", case_=case, start=date(2019, 9, 20),
                        end=date(2019, 12, 31), due=date(2020, 1, 1))
        invoice = b.invoice(ctx, school, date(2020, 1, 2), [work])
        b.credit_note(ctx, invoice, date(2020, 2, 1), "100.00")
        training = b.charge(ctx, school, "order", "300.00", start=date(2020, 3, 5), end=date(2020, 3, 5),
                            due=date(2020, 3, 5))  # charged, not yet invoiced
        assert training.id
    with service_context(engine, date(2020, 3, 31)) as ctx:
        report = budget_report(ctx, FinancialYear(2019))
        [row] = [r for r in report.rows if r.source == "traded income"]
        # 540.00 by hours delivered: 6 h on 10 Oct, 2 h (deemed) on 10 Nov; the February credit of
        # 100.00 takes back the same days in the same shares (75.00, 25.00); the order on 5 March.
        assert row.monthly == {(2019, 10): Decimal("330.00"), (2019, 11): Decimal("110.00"),
                               (2020, 3): Decimal("300.00")}
        [school_row] = school_report(ctx, AcademicYear(2019)).rows
        assert school_row.extras == Decimal("740.00")
