"""Full cost per case (issue 19): the establishment's pay and non-staff costs shared by delivered hours,
the rest shown as capacity not sold; direct non-staff costs go to their own case."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import Engine

from billing.budgets import add_cost
from billing.context import Context
from billing.models import Post, PostAssignment, PostFunding, Staff
from billing.reports import case_costs as module
from billing.reports.case_costs import BASIS_DIRECT, BASIS_ESTABLISHMENT, benchmark_verdict, case_costs
from billing.reports.establishment_cost import PayLine
from billing.reports.utilisation import UtilisationReport, UtilisationRow
from billing.reports.utilisation import utilisation_report as real_utilisation
from pricing.calendars import AcademicYear
from pricing.establishment import Capacity
from tests.reports import builders as b
from tests.support import service_context

D = Decimal
Y2019 = AcademicYear(2019)


def _stub_establishment(monkeypatch: pytest.MonkeyPatch, pay: str, capacity: str,
                        delivered: str) -> list[tuple[date, date]]:
    """The establishment's pay, capacity and post-holders' hours for the span asked, as fixed figures
    (the spans asked are kept)."""
    asked: list[tuple[date, date]] = []

    def pay_lines(ctx: Context, first: date, last: date) -> list[PayLine]:
        asked.append((first, last))
        return [PayLine(1, "Inclusion worker", 1, "Ann", None, True, "council budget", (2019, 9), D(pay))]

    def utilisation_report(ctx: Context, first: date, last: date) -> UtilisationReport:
        row = UtilisationRow("Inclusion worker", "Ann", "Sam Patel", D("1.00"), first, last, D(capacity),
                             D(delivered), D("0.00"))
        return UtilisationReport(first, last, Capacity(), [row], [])

    monkeypatch.setattr(module, "pay_lines", pay_lines)
    monkeypatch.setattr(module, "utilisation_report", utilisation_report)
    return asked


def test_pool_shared_by_delivered_hours_with_capacity_not_sold(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    asked = _stub_establishment(monkeypatch, "9800.00", "400", "60")
    with service_context(engine, date(2019, 7, 1)) as ctx:
        b.pricebook(ctx)
        school = b.school(ctx)
        sam = b.staff(ctx, "Sam Patel", "Inclusion worker", "30.00")
        a = b.case(ctx, school, "C-A", covered=False)
        bb = b.case(ctx, school, "C-B", covered=False)
        block = b.order(ctx, school)
        b.session(ctx, sam, "2019-10-01 09:00", "24", case_=a)
        b.session(ctx, sam, "2019-11-01 09:00", "6", case_=a, status="deemed_delivered")  # counts as delivered
        b.session(ctx, sam, "2019-10-02 09:00", "20", case_=bb)
        b.session(ctx, sam, "2019-10-03 09:00", "10", order_=block)
        b.session(ctx, sam, "2020-09-03 09:00", "50", case_=bb)  # after the as-of date: not delivered yet
    with service_context(engine, date(2019, 10, 1)) as ctx:
        add_cost(ctx, date(2019, 10, 1), "200.00", "council", "Venue hire")       # pooled
        add_cost(ctx, date(2019, 8, 31), "999.00", "council", "Last year's venue")  # before the year: not pooled
        add_cost(ctx, date(2019, 10, 2), "120.00", "council", "Taxi for C-A", case_id=a.id)  # C-A's own
        add_cost(ctx, date(2020, 8, 31), "77.00", "council", "Later", case_id=bb.id)  # after the as-of date
    with service_context(engine, date(2020, 6, 30)) as ctx:
        report = case_costs(ctx, Y2019)
    assert asked == [(date(2019, 9, 1), date(2020, 6, 30))]  # the year's days up to the as-of date
    full = report.full
    assert full is not None and full.basis == BASIS_ESTABLISHMENT
    # pool 9,800.00 + 200.00 = 10,000.00 over 400 h: £25.00 an hour
    assert (full.pool, full.capacity_hours, full.delivered_hours) == (D("10000.00"), D("400"), D("60"))
    assert full.cost_per_capacity_hour == D("25.00")
    assert full.utilisation == D("15.0")
    # 30 h x 25 = 750.00 (+ its own 120.00); 20 h = 500.00; the order 10 h = 250.00; 340 h unsold = 8,500.00
    got = {c.ref: (c.non_staff, c.full_cost) for c in report.cases}
    assert got == {"C-A": (D("120.00"), D("870.00")), "C-B": (D("0.00"), D("500.00"))}
    assert (full.to_cases, full.to_orders, full.capacity_not_sold) == (D("1250.00"), D("250.00"), D("8500.00"))
    assert full.to_cases + full.to_orders + full.capacity_not_sold == full.pool
    assert full.direct_non_staff == D("120.00")
    # direct cost is unchanged: 30 h and 20 h at 30.00
    assert [c.cost for c in report.cases] == [D("900.00"), D("600.00")]
    data = report.as_json()
    assert data["averages"]["full_cost"] == D("685.00")  # type: ignore[index]
    [row_a, _] = data["cases"]  # type: ignore[misc]
    assert (row_a["full_cost"], row_a["net_full_cost"], row_a["net"]) == (D("870.00"), D("-870.00"), D("-900.00"))
    assert data["full_cost"]["capacity_not_sold"] == D("8500.00")  # type: ignore[index]


def test_an_odd_penny_goes_to_the_largest_remainder(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    _stub_establishment(monkeypatch, "10.00", "6", "3")
    with service_context(engine, date(2019, 7, 1)) as ctx:
        b.pricebook(ctx)
        school = b.school(ctx)
        sam = b.staff(ctx, "Sam Patel", "Inclusion worker", "30.00")
        a = b.case(ctx, school, "C-A", covered=False)
        bb = b.case(ctx, school, "C-B", covered=False)
        b.session(ctx, sam, "2019-10-01 09:00", "2", case_=a)
        b.session(ctx, sam, "2019-10-02 09:00", "1", case_=bb)
    with service_context(engine, date(2020, 8, 31)) as ctx:
        report = case_costs(ctx, Y2019)
    # 1000p x 2/6 = 333.33p, x 1/6 = 166.67p, x 3/6 = 500p: the spare penny to C-B (.67 beats .33)
    assert [(c.ref, c.full_cost) for c in report.cases] == [("C-A", D("3.33")), ("C-B", D("1.67"))]
    assert report.full is not None and report.full.capacity_not_sold == D("5.00")


def test_pool_from_a_real_post_filled_part_of_a_month(engine: Engine) -> None:
    with service_context(engine, date(2025, 7, 1)) as ctx:
        school = b.school(ctx)
        sam = b.staff(ctx, "Sam Patel", "Inclusion worker", "30.00")
        case = b.case(ctx, school, "C-25", covered=False, year=2025, referred=date(2025, 9, 10))
        post = Post(title="Inclusion worker", fte=D("1.00"), grade="G7", contract="permanent",
                    annual_cost=D("36500.00"), on_cost_percent=D("0"), starts_on=date(2025, 4, 1), ends_on=None,
                    delivery=True, created_at=datetime(2025, 7, 1, tzinfo=UTC))
        # By 12-month amount: SQLite stores a percent in hundredths, so 0010's "percent <= 100" check refuses 100%.
        post.funding.append(PostFunding(source="council budget", percent=None, amount=D("36500.00")))
        ctx.session.add(post)
        ctx.session.flush()
        ctx.session.add(PostAssignment(post_id=post.id, person="Sam Patel", staff_id=sam.id, fte=D("1.00"),
                                       starts_on=date(2025, 9, 16), ends_on=None,
                                       created_at=datetime(2025, 7, 1, tzinfo=UTC)))
        b.session(ctx, sam, "2025-09-22 09:00", "10", case_=case)
    with service_context(engine, date(2025, 9, 30)) as ctx:
        report = case_costs(ctx, AcademicYear(2025))
    full = report.full
    assert full is not None and full.basis == BASIS_ESTABLISHMENT
    # £36,500.00 a year is £100.00 a day in FY2025/26 (365 days): filled 16-30 September = 15 days
    assert full.pay == D("1500.00")
    # 11 working days less (27 + 5) x 15/365 days of allowances = 9.684932 days x 7.4 h = 71.67 h
    assert full.capacity_hours == D("71.67")
    # 150000p x 10/71.67 = 20929.26p; the 61.67 h not sold carry 129070.74p
    [row] = report.cases
    assert row.full_cost == D("209.29")
    assert full.capacity_not_sold == D("1290.71")
    assert full.utilisation == D("14.0")
    assert full.cost_per_capacity_hour == D("20.93")


def test_utilisation_is_the_post_holders_as_report_utilisation_has_it(engine: Engine) -> None:
    # The real post of the test above, and a manager with no delivery post who works 5 h on the case: his
    # hours take their share of the pool but are in no capacity, so they are not in the utilisation.
    with service_context(engine, date(2025, 7, 1)) as ctx:
        school = b.school(ctx)
        sam = b.staff(ctx, "Sam Patel", "Inclusion worker", "30.00")
        boss = b.staff(ctx, "Max Ward", "Manager", "45.00")
        case = b.case(ctx, school, "C-25", covered=False, year=2025, referred=date(2025, 9, 10))
        post = Post(title="Inclusion worker", fte=D("1.00"), grade="G7", contract="permanent",
                    annual_cost=D("36500.00"), on_cost_percent=D("0"), starts_on=date(2025, 4, 1), ends_on=None,
                    delivery=True, created_at=datetime(2025, 7, 1, tzinfo=UTC))
        post.funding.append(PostFunding(source="council budget", percent=None, amount=D("36500.00")))
        ctx.session.add(post)
        ctx.session.flush()
        ctx.session.add(PostAssignment(post_id=post.id, person="Sam Patel", staff_id=sam.id, fte=D("1.00"),
                                       starts_on=date(2025, 9, 16), ends_on=None,
                                       created_at=datetime(2025, 7, 1, tzinfo=UTC)))
        b.session(ctx, sam, "2025-09-22 09:00", "10", case_=case)
        b.session(ctx, boss, "2025-09-23 09:00", "5", case_=case)
    with service_context(engine, date(2025, 9, 30)) as ctx:
        report = case_costs(ctx, AcademicYear(2025))
        util = real_utilisation(ctx, date(2025, 9, 1), date(2025, 9, 30))
    full = report.full
    assert full is not None
    assert (full.delivered_hours, full.posted_hours, full.unposted_hours) == (D("15"), D("10"), D("5"))
    # 10 / 71.67 = 13.95% -> 14.0%, the same as `report utilisation` for 1-30 September
    assert full.utilisation == util.utilisation == D("14.0")
    assert full.capacity_hours == util.capacity == D("71.67")
    # the pool is shared over all 15 h: 150000p x 15/71.67 = 31393.89p -> 313.94 (the spare penny)
    assert report.cases[0].full_cost == D("313.94")
    assert full.capacity_not_sold == D("1186.06")
    data = report.as_json()["full_cost"]
    assert (data["post_holders_hours"], data["hours_without_a_delivery_post"]) == (D("10"), D("5"))  # type: ignore[index]


def test_averages_over_closed_cases_with_hours_beside_all_cases(engine: Engine) -> None:
    with service_context(engine, date(2019, 7, 1)) as ctx:
        b.pricebook(ctx)
        school = b.school(ctx)
        sam = b.staff(ctx, "Sam Patel", "Inclusion worker", "30.00")
        done = b.case(ctx, school, "C-DONE", covered=False)
        later = b.case(ctx, school, "C-LATER", covered=False)
        empty = b.case(ctx, school, "C-EMPTY", covered=False)
        still = b.case(ctx, school, "C-OPEN", covered=False)
        done.closed_on = date(2019, 12, 20)
        later.closed_on = date(2020, 7, 1)  # closed after the as-of date: open then
        empty.closed_on = date(2019, 11, 1)  # closed with no hours delivered: not a complete case
        b.session(ctx, sam, "2019-10-01 09:00", "10", case_=done)
        b.session(ctx, sam, "2019-10-02 09:00", "4", case_=later)
        b.session(ctx, sam, "2019-10-03 09:00", "2", case_=still)
    with service_context(engine, date(2020, 6, 30)) as ctx:
        report = case_costs(ctx, Y2019)
    assert [(c.ref, c.closed) for c in report.cases] == [
        ("C-DONE", True), ("C-LATER", False), ("C-EMPTY", True), ("C-OPEN", False)]
    assert [c.ref for c in report.complete] == ["C-DONE"]
    # no posts: full cost = direct cost; all four: (300 + 120 + 0 + 60) / 4 = 120.00; closed with hours: 300.00
    assert report.average("full_cost") == D("120.00")
    assert report.average_closed("full_cost") == D("300.00")
    data = report.as_json()
    averages = data["averages"]
    assert (averages["full_cost"], averages["full_cost_closed"], averages["closed_cases"]) == (  # type: ignore[index]
        D("120.00"), D("300.00"), 1)
    assert [c["closed"] for c in data["cases"]] == [True, False, True, False]  # type: ignore[attr-defined]
    bench = report.benchmark()
    assert bench["full_cost"] == D("300.00") and bench["full_cost_is"] == "below"
    assert "closed case" in str(bench["line"])


def test_with_no_case_closed_the_benchmark_says_so(engine: Engine) -> None:
    with service_context(engine, date(2019, 7, 1)) as ctx:
        b.pricebook(ctx)
        school = b.school(ctx)
        sam = b.staff(ctx, "Sam Patel", "Inclusion worker", "30.00")
        b.session(ctx, sam, "2019-10-03 09:00", "2", case_=b.case(ctx, school, "C-OPEN", covered=False))
    with service_context(engine, date(2020, 6, 30)) as ctx:
        report = case_costs(ctx, Y2019)
    assert report.average_closed("full_cost") is None
    assert report.as_json()["averages"]["full_cost_closed"] is None  # type: ignore[index]
    bench = report.benchmark()
    assert bench["full_cost"] is None and bench["full_cost_is"] is None
    assert "No case closed with hours delivered yet" in str(bench["line"])


def test_with_no_posts_full_cost_is_direct_cost_and_the_cases_own_costs(engine: Engine) -> None:
    with service_context(engine, date(2019, 7, 1)) as ctx:
        b.pricebook(ctx)
        school = b.school(ctx)
        sam = b.staff(ctx, "Sam Patel", "Inclusion worker", "30.00")
        case = b.case(ctx, school, "C-1", covered=False)
        case.closed_on = date(2020, 3, 31)
        b.session(ctx, sam, "2019-10-01 09:00", "45", case_=case)
    with service_context(engine, date(2019, 11, 1)) as ctx:
        add_cost(ctx, date(2019, 11, 1), "120.00", "council", "Materials", case_id=case.id)
        add_cost(ctx, date(2019, 11, 1), "300.00", "council", "Venue hire")
    with service_context(engine, date(2020, 8, 31)) as ctx:
        report = case_costs(ctx, Y2019)
    [row] = report.cases
    assert (row.cost, row.non_staff, row.full_cost) == (D("1350.00"), D("120.00"), D("1470.00"))
    full = report.full
    assert full is not None and full.basis == BASIS_DIRECT
    assert (full.pool, full.not_allocated, full.capacity_not_sold) == (D("300.00"), D("300.00"), D("0.00"))
    assert full.utilisation is None and full.cost_per_capacity_hour is None
    bench = report.benchmark()
    assert (bench["full_cost_is"], bench["day_rate_value_is"]) == ("below", "within")  # 1,470.00; 45/6 x 540
    assert bench["line"] == ("Average full cost of a closed case £1,470.00 is below and its average day-rate value "
                             "£4,050.00 is within the service's £4,000.00 to £4,500.00 a case (the evaluation's "
                             "cost of a case at the day rate), over 1 closed case with hours delivered. Over all cases "
                             "(1), open ones and those with no hours yet included, the average full cost is "
                             "£1,470.00.")


@pytest.mark.parametrize("value, verdict", [("3999.99", "below"), ("4000.00", "within"), ("4500.00", "within"),
                                            ("4500.01", "above")])
def test_benchmark_verdict_edges(value: str, verdict: str) -> None:
    assert benchmark_verdict(D(value)) == verdict


def test_a_year_not_begun_has_no_pool(engine: Engine) -> None:
    with service_context(engine, date(2019, 7, 1)) as ctx:
        school = b.school(ctx)
        b.case(ctx, school, "C-1", covered=False)
        ctx.session.add(Staff(name="Unused", role="x", created_at=datetime(2019, 7, 1, tzinfo=UTC)))
    with service_context(engine, date(2019, 7, 1)) as ctx:
        report = case_costs(ctx, Y2019)
    assert report.full is not None and report.full.pool == D("0.00")
    assert report.cases == []  # referred on 20 September: not a case yet on 1 July
