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
    # budget to date 20000 x 275/366 = 15027.32; forecast 3540 / 275 x 366 = 4711.42
    assert (traded.actual, traded.budget_to_date, traded.variance, traded.forecast) == (
        Decimal("3540.00"), Decimal("15027.32"), Decimal("-11487.32"), Decimal("4711.42"))
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
