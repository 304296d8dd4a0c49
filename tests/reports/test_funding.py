from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Engine

from billing.budgets import add_cost, set_budget_line
from billing.reports.funding import funding_report
from pricing.calendars import FinancialYear
from tests.reports import builders as b
from tests.reports import post_builders as pb
from tests.support import cli_json, run_cli, service_context

FY19, FY20 = FinancialYear(2019), FinancialYear(2020)
COUNCIL, FORUM, TRADED = "council budget", "schools forum / high-needs block", "traded income"


def _funded(engine: Engine) -> None:
    with service_context(engine, date(2019, 4, 1)) as ctx:
        school = b.school(ctx)
        # The Walsall paper's 17 months: 1 April 2019 to 31 August 2020 (519 days).
        pb.funding_budget(ctx, FORUM, "High needs block reserves 2019-20", "497300.00", date(2019, 4, 1),
                          date(2020, 8, 31))
        set_budget_line(ctx, "FY2019/20", "Council core budget", "income", "council", "100000.00")
        set_budget_line(ctx, "FY2019/20", "Traded income from schools", "income", "traded", "20000.00")
        admin = pb.post(ctx, "Admin support", "1", "24600.00", date(2019, 4, 1),
                        funding={COUNCIL: "50", FORUM: "50"}, delivery=False)
        pb.assign(ctx, admin, "Ann Lee", "1", date(2019, 4, 1))
        worker = pb.post(ctx, "Inclusion worker", "1", "36600.00", date(2019, 4, 1), funding={TRADED: "100"})
        pb.assign(ctx, worker, "Sam Patel", "1", date(2019, 4, 1))
        fee = b.charge(ctx, school, "subscription_fee", "9000.00", start=date(2019, 9, 1), end=date(2020, 8, 31))
        b.invoice(ctx, school, date(2019, 9, 1), [fee])
    with service_context(engine, date(2019, 6, 5)) as ctx:
        add_cost(ctx, date(2019, 6, 5), "250.00", "council", "Venue hire")


def test_each_source_budget_spend_income_and_balance_to_date_and_at_year_end(engine: Engine) -> None:
    _funded(engine)
    with service_context(engine, date(2019, 9, 30)) as ctx:
        report = funding_report(ctx, FY19)
    assert report.days_elapsed == 183
    council, forum, traded = report.sources
    # Admin support 24,600.00 a year, 50/50: 183 of 366 days = 12,300.00 to date, 6,150.00 to each source;
    # committed for the year 24,600.00, 12,300.00 each.
    # Council: no funding budget, so its income budget line (100,000.00); spread by day to date 50,000.00.
    # Non-staff 250.00 to date, run-rate 250.00 / 183 x 366 = 500.00.
    assert (council.basis, council.budget, council.budget_to_date) == (
        "budget lines", Decimal("100000.00"), Decimal("50000.00"))
    assert (council.pay, council.other, council.spend, council.income, council.balance) == (
        Decimal("6150.00"), Decimal("250.00"), Decimal("6400.00"), Decimal("0.00"), Decimal("93600.00"))
    assert (council.pay_forecast, council.other_forecast, council.balance_forecast) == (
        Decimal("12300.00"), Decimal("500.00"), Decimal("87200.00"))
    # Schools forum: 497,300.00 x 366/519 = 350,697.11 in FY2019/20; to date 350,697.11 x 183/366 = 175,348.56.
    (part,) = forum.parts
    assert (part.amount, part.days_text, part.to_date) == (Decimal("350697.11"), "366 of 519 days",
                                                           Decimal("175348.56"))
    assert (forum.basis, forum.budget, forum.spend, forum.balance, forum.balance_forecast) == (
        "funding budget", Decimal("350697.11"), Decimal("6150.00"), Decimal("344547.11"), Decimal("338397.11"))
    # Traded income: the fee's September (9,000.00 x 30/366 = 737.70) to date, its FY part 213/366 = 5,237.70 by
    # year end; the worker it pays, 36,600.00 x 183/366 = 18,300.00 to date and 36,600.00 committed. Its
    # 20,000.00 income line is expected income, not a budget.
    assert (traded.basis, traded.budget, traded.income, traded.spend, traded.balance) == (
        "none", Decimal("0.00"), Decimal("737.70"), Decimal("18300.00"), Decimal("-17562.30"))
    assert (traded.income_forecast, traded.spend_forecast, traded.balance_forecast) == (
        Decimal("5237.70"), Decimal("36600.00"), Decimal("-31362.30"))
    data = report.as_json()
    assert data["totals"]["balance_forecast"] == Decimal("394234.81")  # type: ignore[index]
    assert data["sources"][1]["budgets"][0]["days_text"] == "366 of 519 days"  # type: ignore[index]


def test_the_17_month_budget_s_second_financial_year(engine: Engine) -> None:
    _funded(engine)
    with service_context(engine, date(2020, 6, 30)) as ctx:
        report = funding_report(ctx, FY20)
    forum = report.sources[1]
    # 497,300.00 less the 350,697.11 of FY2019/20 = 146,602.89 (153 of 519 days); to date 91 of its 153 days in
    # the year: 146,602.89 x 91/153 = 87,195.18. Admin pay 24,600.00 x 91/365 = 6,133.15, the forum's half 3,066.57.
    assert (forum.budget, forum.parts[0].days_text, forum.budget_to_date, forum.pay) == (
        Decimal("146602.89"), "153 of 519 days", Decimal("87195.18"), Decimal("3066.57"))
    council = report.sources[0]
    assert (council.basis, council.budget, council.pay) == ("none", Decimal("0.00"), Decimal("3066.58"))


def test_report_funding_on_the_command_line(db_url: str, engine: Engine, tmp_path: Path) -> None:
    _funded(engine)
    out = cli_json(db_url, "report", "funding", "--fy", "FY2019/20", as_of="2019-09-30")
    forum = out["sources"][1]
    assert (forum["budget"], forum["budgets"][0]["days_text"], forum["to_date"]["balance"],
            forum["forecast"]["balance"]) == ("350697.11", "366 of 519 days", "344547.11", "338397.11")
    assert out["totals"]["balance_forecast"] == "394234.81"
    csv_file = tmp_path / "funding.csv"
    text = run_cli(db_url, "report", "funding", "--csv", str(csv_file), as_of="2019-09-30", as_json=False)
    assert text.exit_code == 0, text.output
    for figure in ("£350,697.11", "£344,547.11", "£338,397.11", "366 of 519 days", "£394,234.81"):
        assert figure in text.output
    rows = list(csv.DictReader(csv_file.open(encoding="utf-8")))
    assert [(r["source"], r["balance"], r["balance_forecast"]) for r in rows] == [
        (COUNCIL, "93600.00", "87200.00"), (FORUM, "344547.11", "338397.11"), (TRADED, "-17562.30", "-31362.30")]
