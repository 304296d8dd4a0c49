"""Staff cost from the establishment by post, person, month and funding source (issue 19)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import Engine

from billing.models import Post, PostAssignment, PostFunding
from billing.reports.staff_cost import staff_cost
from pricing.calendars import FinancialYear
from tests.support import service_context

NOW = datetime(2025, 3, 1, tzinfo=UTC)
D = Decimal


def _post(engine: Engine, title: str, fte: str, cost: str, funding: dict[str, str], people: list[tuple[str, str, date, date | None]],
          *, starts: date = date(2020, 4, 1), ends: date | None = None, delivery: bool = True) -> None:
    with service_context(engine, date(2025, 3, 1)) as ctx:
        post = Post(title=title, fte=D(fte), grade=None, contract="permanent", annual_cost=D(cost),
                    on_cost_percent=D("0.00"), starts_on=starts, ends_on=ends, delivery=delivery, created_at=NOW)
        ctx.session.add(post)
        ctx.session.flush()
        for source, pct in funding.items():
            ctx.session.add(PostFunding(post_id=post.id, source=source, percent=D(pct)))
        for person, p_fte, start, end in people:
            ctx.session.add(PostAssignment(post_id=post.id, person=person, fte=D(p_fte), starts_on=start,
                                           ends_on=end, created_at=NOW))


def test_pay_by_month_to_date_and_committed_with_a_fifty_fifty_post_and_a_leaver(engine: Engine) -> None:
    # Admin support: £24,600.00 for 12 months, 50% council and 50% schools forum (Walsall's admin post).
    _post(engine, "Admin support", "1", "24600.00",
          {"council budget": "50", "schools forum / high-needs block": "50"},
          [("A. Clerk", "1", date(2024, 9, 1), None)], delivery=False)
    # A £36,500.00 worker leaves on 15 May 2025: 30 days of April (£3,000.00) and 15 of May (£1,500.00).
    _post(engine, "Inclusion worker", "1", "36500.00", {"traded income": "100"},
          [("B. Worker", "1", date(2024, 4, 1), date(2025, 5, 15))])
    with service_context(engine, date(2025, 4, 30)) as ctx:
        report = staff_cost(ctx, FinancialYear(2025))
    rows = {r.person: r for r in report.rows}
    # FY2025/26 has 365 days: admin April = 24,600 × 30/365 = 2,021.92 (to date); whole year 24,600.00.
    assert rows["A. Clerk"].to_date == D("2021.92")
    assert rows["A. Clerk"].committed == D("24600.00")
    assert rows["B. Worker"].to_date == D("3000.00")
    assert rows["B. Worker"].committed == D("4500.00")
    assert rows["B. Worker"].months[(2025, 4)] == D("3000.00") and rows["B. Worker"].months[(2025, 5)] == D("0.00")
    # April's £2,021.92 admin pay splits £1,010.96 each way; the year's £24,600.00 splits £12,300.00 each.
    assert report.by_source == {
        "council budget": (D("1010.96"), D("12300.00")),
        "schools forum / high-needs block": (D("1010.96"), D("12300.00")),
        "traded income": (D("3000.00"), D("4500.00")),
    }
    assert report.to_date == D("5021.92") and report.committed == D("29100.00")
    assert report.vacancies == []


def test_a_vacant_post_costs_nothing_and_is_listed(engine: Engine) -> None:
    _post(engine, "Parenting workers", "2", "73000.00", {"council budget": "100"},
          [("C. Parent", "1", date(2025, 4, 1), None)])
    with service_context(engine, date(2025, 6, 30)) as ctx:
        report = staff_cost(ctx, FinancialYear(2025))
    # One of two FTE filled: half of £73,000.00 a year for April–June, 91 of 365 days = £9,100.00.
    assert report.to_date == D("9100.00")
    assert [(v.post, v.fte, v.filled, v.vacant) for v in report.vacancies] == [
        ("Parenting workers", D("2.00"), D("1.00"), D("1.00"))]
    assert report.as_json()["totals"] == {"to_date": D("9100.00"), "committed": D("36500.00")}


def test_a_months_shares_do_not_depend_on_the_window_asked_for(engine: Engine) -> None:
    from billing.reports.establishment_cost import pay_lines

    _post(engine, "Admin support", "1", "24600.00",
          {"council budget": "50", "schools forum / high-needs block": "50"},
          [("A. Clerk", "1", date(2024, 9, 1), None)], delivery=False)
    with service_context(engine, date(2026, 3, 31)) as ctx:
        year = pay_lines(ctx, date(2025, 4, 1), date(2026, 3, 31))
        june = pay_lines(ctx, date(2025, 6, 1), date(2025, 6, 30))
        late_june = pay_lines(ctx, date(2025, 6, 16), date(2025, 6, 30))
    assert sorted((x.source, x.amount) for x in year if x.month == (2025, 6)) == sorted(
        (x.source, x.amount) for x in june)
    # 24,600 × 30/365 = 2,021.92 for June; its second half (15 days) 1,010.96 = 505.48 each way.
    assert sum(x.amount for x in june) == D("2021.92")
    assert sorted((x.source, x.amount) for x in late_june) == [
        ("council budget", D("505.48")), ("schools forum / high-needs block", D("505.48"))]
