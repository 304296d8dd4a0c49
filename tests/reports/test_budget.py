from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import Engine

from billing.budgets import add_cost, set_budget_line
from billing.reports.budget import Recognition, budget_report
from pricing.accrual import split_by_financial_year
from pricing.calendars import FinancialYear, days_inclusive
from pricing.errors import InvalidInput
from tests.reports import builders as b
from tests.support import service_context

FY19, FY20 = FinancialYear(2019), FinancialYear(2020)
FEE_START, FEE_END = date(2019, 9, 1), date(2020, 8, 31)


def test_a_2019_20_annual_fee_is_income_in_two_financial_years_by_days_covered() -> None:
    assert days_inclusive(FEE_START, FY19.end) == 213
    assert days_inclusive(FY20.start, FEE_END) == 153
    rec = Recognition.over(Decimal("9000.00"), FEE_START, FEE_END, FY19)
    # 9000 x 213/366 = 5237.70; 9000 x 153/366 = 3762.30; together the fee, to the penny
    assert rec.parts == {FY19: Decimal("5237.70"), FY20: Decimal("3762.30")}
    assert rec.parts == split_by_financial_year(Decimal("9000.00"), FEE_START, FEE_END)
    assert sum(rec.months().values()) == Decimal("5237.70")
    assert rec.months(date(2019, 12, 31)) == {
        (2019, 9): Decimal("737.70"), (2019, 10): Decimal("762.30"),
        (2019, 11): Decimal("737.70"), (2019, 12): Decimal("762.30"),
    }
    assert rec.later_years == Decimal("3762.30")
    nxt = Recognition.over(Decimal("9000.00"), FEE_START, FEE_END, FY20)
    assert sum(nxt.months().values()) == Decimal("3762.30")
    # running totals: 9000 x 243/366 (Sep 2019 to Apr 2020) = 5975.41, less the 5237.70 of FY2019/20
    assert nxt.through(date(2020, 4, 30)) == Decimal("737.71")


def _year(engine: Engine) -> None:
    with service_context(engine, date(2019, 7, 1)) as ctx:
        b.pricebook(ctx)
        school = b.school(ctx)
        sam = b.staff(ctx, "Sam Patel", "Inclusion worker", "30.00")
        ann = b.staff(ctx, "Ann Lee", "Senior inclusion worker", "40.00")
        case = b.case(ctx, school, "C-1", covered=False)
        b.session(ctx, sam, "2019-10-10 09:00", "6", case_=case)
        b.session(ctx, ann, "2019-11-10 09:00", "2", case_=case)
        b.session(ctx, sam, "2019-03-10 09:00", "5", case_=case)  # FY2018/19: not this year's cost
        fee = b.charge(ctx, school, "subscription_fee", "9000.00", start=FEE_START, end=FEE_END)
        b.invoice(ctx, school, date(2019, 9, 1), [fee])
        work = b.charge(ctx, school, "casework", "540.00", case_=case, start=date(2019, 10, 1),
                        end=date(2019, 12, 31))
        b.invoice(ctx, school, date(2020, 1, 2), [work])
        for line, kind, source, amount, fte in [
            ("Traded income from schools", "income", "traded", "20000.00", None),
            ("Council core budget", "income", "council", "100000.00", None),
            ("Inclusion workers", "cost", "council", "60000.00", "2"),
            ("Service manager", "cost", "schools forum", "50000.00", "1"),
            ("Venue hire and materials", "cost", "council", "3000.00", None),
        ]:
            set_budget_line(ctx, "FY2019/20", line, kind, source, amount, fte)
    with service_context(engine, date(2019, 12, 31)) as ctx:
        add_cost(ctx, date(2019, 11, 5), "250.00", "council", "Venue hire for Team Teach")
        add_cost(ctx, date(2019, 12, 5), "35.50", "traded", "Travel to schools")


def test_budget_against_actual_to_date_with_forecast_and_deferred_income(engine: Engine) -> None:
    _year(engine)
    with service_context(engine, date(2019, 12, 31)) as ctx:
        report = budget_report(ctx, FY19)
    assert report.days_elapsed == 275
    rows = {r.line: r for r in report.rows}
    traded = rows["Traded income from schools"]
    # Sep-Dec of the fee (122/366 of 9000.00 = 3000.00) and the casework delivered in October and
    # November (540.00): income by days of service, though its invoice is not issued until January.
    # budget to date 20000 x 275/366 = 15027.32; forecast: recognised 3540.00 + the fee's January to March
    # already on the ledger (9000.00 x 91/366 = 2237.70) = 5777.70, as the forecast report makes it.
    assert (traded.actual, traded.budget_to_date, traded.variance, traded.forecast) == (
        Decimal("3540.00"), Decimal("15027.32"), Decimal("-11487.32"), Decimal("5777.70"))
    # The term's 540.00 on the sessions' days, by hours: 6 h on 10 Oct, 2 h on 10 Nov.
    assert (traded.monthly[(2019, 10)], traded.monthly[(2019, 11)]) == (
        Decimal("762.30") + Decimal("405.00"), Decimal("737.70") + Decimal("135.00"))
    council = rows["Council core budget"]
    assert (council.basis, council.actual, council.forecast) == ("allocation", Decimal("75136.61"),
                                                                 Decimal("100000.00"))
    assert council.variance == Decimal("0.00")  # a contribution is on budget by construction
    assert (rows["Inclusion workers"].actual, rows["Inclusion workers"].forecast) == (
        Decimal("180.00"), Decimal("239.56"))
    assert rows["Service manager"].actual == Decimal("0.00")
    assert (rows["Unallocated staff costs"].actual, rows["Unallocated staff costs"].budget) == (
        Decimal("80.00"), None)
    assert rows["Venue hire and materials"].actual == Decimal("250.00")
    assert rows["Unallocated non-staff costs"].actual == Decimal("35.50")
    assert (report.invoiced_in_year, report.deferred) == (Decimal("9000.00"), Decimal("3762.30"))
    by_month = report.actual_by_month["income"]
    assert by_month[(2019, 9)] == Decimal("737.70") + Decimal("8196.72")  # fee + 100000 x 30/366
    assert sum(by_month.values()) == Decimal("78676.61")
    assert sum(report.budget_by_month["cost"].values()) == Decimal("113000.00")
    data = report.as_json()
    assert data["totals"]["income"]["actual"] == Decimal("78676.61")  # type: ignore[index]
    assert [s["source"] for s in report.by_source()] == [
        "council budget", "council budget", "schools forum / high-needs block", "traded income", "traded income"]


def test_whole_year_actuals_and_income_brought_forward(engine: Engine) -> None:
    _year(engine)
    with service_context(engine, date(2020, 6, 30)) as ctx:
        year19 = budget_report(ctx, FY19)
        year20 = budget_report(ctx, FY20)
    traded = next(r for r in year19.rows if r.line == "Traded income from schools")
    assert traded.actual == traded.forecast == Decimal("5777.70")  # 5237.70 of the fee + 540.00 casework
    assert year20.brought_forward == Decimal("3762.30")
    assert year20.days_elapsed == 91
    unbudgeted = next(r for r in year20.rows if r.line == "Unbudgeted traded income")
    assert unbudgeted.actual == Decimal("2237.71")  # 9000 x 304/366 = 7475.41, less 5237.70


@pytest.mark.parametrize("args", [
    ("FY2019", "X", "income", "traded", "1.00", None),
    ("FY2019/20", "X", "profit", "traded", "1.00", None),
    ("FY2019/20", "X", "income", "lottery", "1.00", None),
    ("FY2019/20", "X", "income", "traded", "-1.00", None),
    ("FY2019/20", "X", "income", "traded", "1.001", None),
    ("FY2019/20", "X", "income", "traded", "1.00", "1"),
    ("FY2019/20", " ", "cost", "traded", "1.00", None),
])
def test_bad_budget_lines_are_refused(engine: Engine, args: tuple) -> None:
    with pytest.raises(InvalidInput), service_context(engine, date(2019, 7, 1)) as ctx:
        set_budget_line(ctx, *args)


def _establishment(engine: Engine) -> None:
    """The _year ledger's sessions, with posts: staff cost is now pay, the sessions only a figure apart."""
    from tests.reports import post_builders as pb

    with service_context(engine, date(2019, 7, 1)) as ctx:
        b.pricebook(ctx)
        school = b.school(ctx)
        sam = b.staff(ctx, "Sam Patel", "Inclusion worker", "30.00")
        ann = b.staff(ctx, "Ann Lee", "Admin", "40.00")
        case = b.case(ctx, school, "C-1", covered=False)
        b.session(ctx, sam, "2019-10-10 09:00", "6", case_=case)
        b.session(ctx, ann, "2019-11-10 09:00", "2", case_=case)
        for line, source, amount, fte in [
            ("Inclusion workers", "council", "60000.00", "2"),
            ("Service manager", "schools forum", "50000.00", "1"),
            ("Admin support (LA)", "council", "12300.00", "0.5"),
            ("Admin support (forum)", "schools forum", "12300.00", "0.5"),
            ("Venue hire and materials", "council", "3000.00", None),
        ]:
            set_budget_line(ctx, "FY2019/20", line, "cost", source, amount, fte)
        workers = pb.post(ctx, "Inclusion worker", "2", "73000.00", date(2019, 4, 1))
        pb.assign(ctx, workers, "Sam Patel", "1", date(2019, 4, 1), staff=sam)
        pb.assign(ctx, workers, "Kim Oduya", "1", date(2020, 1, 1))  # starts after the as-of date: committed
        pb.post(ctx, "Service manager", "1", "50000.00", date(2019, 4, 1),
                funding={"schools forum / high-needs block": "100"})  # vacant
        admin = pb.post(ctx, "Admin support", "1", "24600.00", date(2019, 4, 1),
                        funding={"council budget": "50", "schools forum / high-needs block": "50"}, delivery=False)
        pb.assign(ctx, admin, "Ann Lee", "1", date(2019, 4, 1), staff=ann)
        parenting = pb.post(ctx, "Parenting worker", "1", "36600.00", date(2019, 4, 1))
        pb.assign(ctx, parenting, "Lee Ward", "1", date(2019, 4, 1))
    with service_context(engine, date(2019, 12, 31)) as ctx:
        add_cost(ctx, date(2019, 11, 5), "250.00", "council", "Venue hire for Team Teach")


def test_staff_cost_is_the_establishments_pay_and_its_forecast_the_committed_pay(engine: Engine) -> None:
    _establishment(engine)
    with service_context(engine, date(2019, 12, 31)) as ctx:
        report = budget_report(ctx, FY19)
    rows = {r.line: r for r in report.rows}
    assert (report.staff_basis, report.days_elapsed) == ("establishment", 275)
    # Sam: 36,500.00 a year (half of the 2-FTE post's 73,000.00) for 275 of 366 days = 27,424.86 (27,424.863);
    # Kim from 1 January: the year's running total 36,500.00 less the 27,424.86 to 31 December = 9,075.14.
    workers = rows["Inclusion workers"]
    assert (workers.actual, workers.budget_to_date, workers.variance, workers.forecast) == (
        Decimal("27424.86"), Decimal("45081.97"), Decimal("-17657.11"), Decimal("45575.14"))
    assert (workers.monthly[(2019, 4)], workers.monthly[(2019, 5)]) == (Decimal("2991.80"), Decimal("3091.53"))
    assert (rows["Service manager"].actual, rows["Service manager"].forecast) == (Decimal("0.00"), Decimal("0.00"))
    # Admin support 24,600.00, 50/50, to the line of each source: 24,600.00 x 275/366 = 18,483.61 (18,483.607)
    # to date, halved with the odd penny to the council; the whole year 12,300.00 each.
    la, forum = rows["Admin support (LA)"], rows["Admin support (forum)"]
    assert (la.actual, la.forecast, la.source) == (Decimal("9241.81"), Decimal("12300.00"), "council budget")
    assert (forum.actual, forum.forecast) == (Decimal("9241.80"), Decimal("12300.00"))
    # No line names the parenting worker: a line of its own, 36,600.00 x 275/366 = 27,500.00.
    parenting = rows["Parenting worker"]
    assert (parenting.basis, parenting.budget, parenting.source, parenting.actual, parenting.forecast) == (
        "unbudgeted", None, "council budget", Decimal("27500.00"), Decimal("36600.00"))
    # Non-staff: straight line, 250.00 / 275 x 366 = 332.73.
    assert (rows["Venue hire and materials"].actual, rows["Venue hire and materials"].forecast) == (
        Decimal("250.00"), Decimal("332.73"))
    assert "Unallocated staff costs" not in rows
    data = report.as_json()
    assert data["direct_delivery_cost"] == Decimal("260.00")  # 6 h x 30.00 + 2 h x 40.00: a figure, not spend
    assert data["totals"]["cost"]["actual"] == Decimal("73658.47")  # type: ignore[index]
    assert data["totals"]["cost"]["forecast"] == Decimal("107107.87")  # type: ignore[index]
    assert "establishment" in str(data["method"])


def test_with_no_post_in_force_staff_cost_is_the_delivery_hours_cost(engine: Engine) -> None:
    from tests.reports import post_builders as pb

    _year(engine)
    with service_context(engine, date(2019, 12, 31)) as ctx:
        ended = pb.post(ctx, "Service manager", "1", "50000.00", date(2018, 4, 1), ends=date(2019, 3, 31))
        pb.assign(ctx, ended, "Jo Bell", "1", date(2018, 4, 1))
        report = budget_report(ctx, FY19)
    rows = {r.line: r for r in report.rows}
    assert report.staff_basis == "sessions"
    assert (rows["Inclusion workers"].actual, rows["Service manager"].actual) == (Decimal("180.00"), Decimal("0.00"))
    assert report.direct_delivery_cost == Decimal("260.00")  # the same hours: 180.00 + 80.00 unallocated


def test_a_line_for_part_of_the_year_is_spread_over_its_own_days(engine: Engine) -> None:
    # A post filled from 1 September: £21,200.00 for its 212 days to 31 March = £100.00 a day.
    with service_context(engine, date(2025, 12, 31)) as ctx:
        set_budget_line(ctx, "FY2025/26", "Inclusion workers", "cost", "traded", "21200.00", "1",
                        date(2025, 9, 1), None)
        set_budget_line(ctx, "FY2025/26", "Council core budget", "income", "council", "36500.00")
    with service_context(engine, date(2025, 12, 31)) as ctx:
        report = budget_report(ctx, FinancialYear(2025))
    rows = {r.line: r for r in report.rows}
    assert rows["Inclusion workers"].budget_to_date == Decimal("12200.00")  # 1 Sep to 31 Dec: 122 days
    assert report.budget_by_month["cost"][(2025, 8)] == Decimal("0.00")
    assert report.budget_by_month["cost"][(2025, 9)] == Decimal("3000.00")
    assert rows["Council core budget"].budget_to_date == Decimal("27500.00")  # 275 of 365 days


def test_a_line_must_lie_within_its_year(engine: Engine) -> None:
    with pytest.raises(InvalidInput, match="must lie within FY2025/26"), \
            service_context(engine, date(2025, 12, 31)) as ctx:
        set_budget_line(ctx, "FY2025/26", "Inclusion workers", "cost", "traded", "21200.00", "1",
                        date(2025, 9, 1), date(2026, 4, 30))
