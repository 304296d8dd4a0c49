from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import Engine

from billing.reports.case_costs import case_costs
from billing.reports.school_income import school_report
from billing.staff_rates import set_rate
from pricing.calendars import AcademicYear
from tests.reports import builders as b
from tests.support import service_context

Y2019 = AcademicYear(2019)


def test_case_cost_uses_the_rate_in_force_on_each_sessions_london_date(engine: Engine) -> None:
    with service_context(engine, date(2019, 7, 1)) as ctx:
        b.pricebook(ctx)
        school = b.school(ctx)
        sam = b.staff(ctx, "Sam Patel", "Inclusion worker", "30.00")
        ann = b.staff(ctx, "Ann Lee", "Senior inclusion worker", "40.00")
        case = b.case(ctx, school, "C-001", covered=False)
        b.session(ctx, sam, "2019-10-10 09:00", "3", case_=case)
        b.session(ctx, sam, "2019-12-10 09:00", "2.5", case_=case, status="deemed_delivered")
        b.session(ctx, sam, "2020-02-05 09:00", "3", case_=case)
        # 00:30 on 1 April in London is still 31 March in UTC: the London date decides the rate.
        b.session(ctx, ann, "2020-04-01 00:30", "2", case_=case)
        b.session(ctx, sam, "2020-03-01 09:00", "4", case_=case, status="scheduled")  # not delivered: no cost
    with service_context(engine, date(2019, 12, 31)) as ctx:
        set_rate(ctx, "Sam Patel", date(2020, 1, 1), "36.00")   # mid-year rise
        set_rate(ctx, "Ann Lee", date(2020, 4, 1), "45.00")
    with service_context(engine, date(2020, 8, 31)) as ctx:
        report = case_costs(ctx, Y2019)
    [row] = report.cases
    # 3 x 30 + 2.5 x 30 (before the rise) + 3 x 36 (after) + 2 x 45 (Ann's new rate, London date)
    assert row.cost == Decimal("363.00")
    assert (row.hours, row.deemed_hours) == (Decimal("10.50"), Decimal("2.50"))
    # 10.5 hours / 6 hours a day x £540.00, not rounded up to the half day
    assert row.day_rate_value == Decimal("945.00")


def test_income_billed_is_casework_on_issued_invoices_net_of_vat_less_credit_notes(engine: Engine) -> None:
    with service_context(engine, date(2019, 7, 1)) as ctx:
        b.pricebook(ctx)
        school = b.school(ctx)
        sam = b.staff(ctx, "Sam Patel", "Inclusion worker", "30.00")
        case = b.case(ctx, school, "C-002", covered=False)
        b.session(ctx, sam, "2019-10-10 09:00", "9", case_=case)
        autumn = b.charge(ctx, school, "casework", "810.00", case_=case, start=date(2019, 9, 20),
                          end=date(2019, 12, 31))
        later = b.charge(ctx, school, "casework", "270.00", case_=case, start=date(2020, 1, 1),
                         end=date(2020, 3, 31))
        inv = b.invoice(ctx, school, date(2020, 1, 2), [autumn])
        b.invoice(ctx, school, date(2020, 9, 1), [later])  # issued after the as-of date: not yet income
        b.credit_note(ctx, inv, date(2020, 2, 1), "100.00")
    with service_context(engine, date(2020, 8, 31)) as ctx:
        [row] = case_costs(ctx, Y2019).cases
    assert row.income_billed == Decimal("710.00")
    assert row.subscription_share == Decimal("0.00")
    assert row.cost == Decimal("270.00")
    assert row.as_json()["net"] == Decimal("440.00")


def test_subscription_income_is_shared_over_covered_work_exactly(engine: Engine) -> None:
    with service_context(engine, date(2019, 7, 1)) as ctx:
        b.pricebook(ctx)
        school = b.school(ctx)
        other = b.school(ctx, "100280", "Another School")
        sam = b.staff(ctx, "Sam Patel", "Inclusion worker", "30.00")
        a = b.case(ctx, school, "C-A", covered=True)
        bb = b.case(ctx, school, "C-B", covered=True)
        extra = b.case(ctx, school, "C-X", covered=False)  # paid for separately: no share
        block = b.order(ctx, school, covered=True)
        b.session(ctx, sam, "2019-10-01 09:00", "7", case_=a)
        b.session(ctx, sam, "2019-10-02 09:00", "6", case_=bb)
        b.session(ctx, sam, "2019-11-02 09:00", "5", case_=bb, status="deemed_delivered")
        b.session(ctx, sam, "2019-10-03 09:00", "3", order_=block)
        b.session(ctx, sam, "2019-10-04 09:00", "4", case_=extra)
        fee = b.charge(ctx, school, "subscription_fee", "9000.00", start=date(2019, 9, 1), end=date(2020, 8, 31))
        b.invoice(ctx, school, date(2019, 9, 1), [fee])
        fee2 = b.charge(ctx, other, "subscription_fee", "3200.00", start=date(2019, 9, 1), end=date(2020, 8, 31))
        b.invoice(ctx, other, date(2019, 9, 1), [fee2])
    with service_context(engine, date(2020, 8, 31)) as ctx:
        report = case_costs(ctx, Y2019)
    shares = {c.ref: c.subscription_share for c in report.cases}
    # 900000p x 7/21 = 300000; x 11/21 = 471428.57; x 3/21 = 128571.43: the spare penny goes to C-B
    assert shares == {"C-A": Decimal("3000.00"), "C-B": Decimal("4714.29"), "C-X": Decimal("0.00")}
    alloc = {a_.urn: a_ for a_ in report.allocations}
    main = alloc["100279"]
    assert main.to_other_services == Decimal("1285.71")
    assert main.to_cases + main.to_other_services == Decimal("9000.00")
    assert main.unallocated == Decimal("0.00")
    assert alloc["100280"].unallocated == Decimal("3200.00")  # no covered work delivered there yet
    assert report.average("income") == Decimal("2571.43")  # (3000.00 + 4714.29 + 0) / 3
    assert report.as_json()["averages"]["benchmark_low"] == Decimal("4000.00")  # type: ignore[index]


def test_school_report_splits_subscription_extras_interest_and_cost(engine: Engine) -> None:
    with service_context(engine, date(2019, 7, 1)) as ctx:
        b.pricebook(ctx)
        school = b.school(ctx)
        sam = b.staff(ctx, "Sam Patel", "Inclusion worker", "30.00")
        case = b.case(ctx, school, "C-1", covered=False)
        b.session(ctx, sam, "2019-10-10 09:00", "6", case_=case)
        fee = b.charge(ctx, school, "subscription_fee", "9000.00", start=date(2019, 9, 1), end=date(2020, 8, 31))
        work = b.charge(ctx, school, "casework", "540.00", case_=case, start=date(2019, 9, 20),
                        end=date(2019, 12, 31))
        late = b.charge(ctx, school, "interest", "133.15")
        b.invoice(ctx, school, date(2019, 9, 1), [fee])
        b.invoice(ctx, school, date(2020, 1, 2), [work, late])
    with service_context(engine, date(2020, 8, 31)) as ctx:
        [row] = school_report(ctx, Y2019).rows
    assert (row.subscription, row.extras, row.interest) == (Decimal("9000.00"), Decimal("540.00"),
                                                             Decimal("133.15"))
    assert row.cost == Decimal("180.00")
    assert row.net == Decimal("9493.15")
