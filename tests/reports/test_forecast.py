from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Engine

from billing.budgets import add_cost, set_budget_line
from billing.reports.forecast import forecast_report
from pricing.calendars import FinancialYear
from tests.reports import builders as b
from tests.reports import post_builders as pb
from tests.support import cli_json, run_cli, service_context

FY19 = FinancialYear(2019)
COUNCIL, FORUM, TRADED = "council budget", "schools forum / high-needs block", "traded income"


def _plan(engine: Engine) -> None:
    with service_context(engine, date(2019, 4, 1)) as ctx:
        school = b.school(ctx)
        for line, kind, source, amount, fte in [
            ("Subscriptions", "income", "traded", "10000.00", None),
            ("Council core budget", "income", "council", "100000.00", None),
            ("Schools forum contribution", "income", "schools forum", "300000.00", None),
            ("Inclusion worker", "cost", "traded", "36000.00", "1"),
            ("Admin support", "cost", "council", "24600.00", "1"),
            ("Venue hire", "cost", "council", "1000.00", None),
        ]:
            set_budget_line(ctx, "FY2019/20", line, kind, source, amount, fte)
        pb.funding_budget(ctx, FORUM, "High needs block reserves 2019-20", "497300.00", date(2019, 4, 1),
                          date(2020, 8, 31))
        worker = pb.post(ctx, "Inclusion worker", "1", "36600.00", date(2019, 4, 1), funding={TRADED: "100"})
        pb.assign(ctx, worker, "Sam Patel", "1", date(2019, 4, 1))
        admin = pb.post(ctx, "Admin support", "1", "24600.00", date(2019, 4, 1),
                        funding={COUNCIL: "50", FORUM: "50"}, delivery=False)
        pb.assign(ctx, admin, "Ann Lee", "1", date(2019, 4, 1))
        fee = b.charge(ctx, school, "subscription_fee", "9000.00", start=date(2019, 9, 1), end=date(2020, 8, 31))
        b.invoice(ctx, school, date(2019, 9, 1), [fee])
        # Raised, not yet invoiced: scheduled income in the spring.
        b.charge(ctx, school, "casework", "540.00", start=date(2020, 1, 1), end=date(2020, 3, 31),
                 due=date(2020, 4, 1))
    with service_context(engine, date(2019, 6, 5)) as ctx:
        add_cost(ctx, date(2019, 6, 5), "250.00", "council", "Venue hire")


def test_a_forecast_to_year_end_line_by_line_with_favourable_and_adverse_variances(engine: Engine) -> None:
    _plan(engine)
    with service_context(engine, date(2019, 9, 30)) as ctx:
        report = forecast_report(ctx, FY19)
    assert (report.days_elapsed, report.staff_basis) == (183, "establishment")
    lines = {ln.line: ln for ln in report.lines}
    got = {name: (ln.to_date, ln.forecast, ln.variance, ln.label) for name, ln in lines.items()}
    assert got == {
        # Fee: September 9,000.00 x 30/366 = 737.70; its FY part 213/366 = 5,237.70; and the 540.00 casework
        # raised for January to March. 5,777.70 against 10,000.00.
        "Subscriptions": (Decimal("737.70"), Decimal("5777.70"), Decimal("-4222.30"), "adverse"),
        # No funding budget: the line, received evenly (183/366 to date).
        "Council core budget": (Decimal("50000.00"), Decimal("100000.00"), Decimal("0.00"), "on budget"),
        # The 17-month 497,300.00: 366/519 = 350,697.11 this year, 183/366 of it = 175,348.56 to date.
        "Schools forum contribution": (Decimal("175348.56"), Decimal("350697.11"), Decimal("50697.11"),
                                       "favourable"),
        # 36,600.00 a year committed (183/366 = 18,300.00 to date) against 36,000.00.
        "Inclusion worker": (Decimal("18300.00"), Decimal("36600.00"), Decimal("600.00"), "adverse"),
        # Both halves of the 50/50 post on the one line that names it: 12,300.00 to date, 24,600.00 committed.
        "Admin support": (Decimal("12300.00"), Decimal("24600.00"), Decimal("0.00"), "on budget"),
        # 250.00 to date, run-rate 250.00 / 183 x 366 = 500.00.
        "Venue hire": (Decimal("250.00"), Decimal("500.00"), Decimal("-500.00"), "favourable"),
    }
    assert lines["Subscriptions"].rest == Decimal("5040.00")  # 4,500.00 of the fee + 540.00 casework
    assert [ln.basis for ln in report.lines] == [
        "allocation", "funding budget", "recognised + invoiced and scheduled",
        "committed pay + run-rate", "run-rate", "committed pay + run-rate"]
    data = report.as_json()
    totals = data["totals"]
    assert totals["income"] == {  # type: ignore[index]
        "budget": Decimal("410000.00"), "to_date": Decimal("226086.26"), "rest_of_year": Decimal("230388.55"),
        "forecast": Decimal("456474.81"), "variance": Decimal("46474.81"), "label": "favourable"}
    assert totals["cost"] == {  # type: ignore[index]
        "budget": Decimal("61600.00"), "to_date": Decimal("30850.00"), "rest_of_year": Decimal("30850.00"),
        "forecast": Decimal("61700.00"), "variance": Decimal("100.00"), "label": "adverse"}
    assert (totals["net"]["forecast"], totals["net"]["variance"], totals["net"]["label"]) == (  # type: ignore[index]
        Decimal("394774.81"), Decimal("46374.81"), "favourable")


def test_a_funding_budget_with_no_income_line_is_a_line_of_its_own(engine: Engine) -> None:
    with service_context(engine, date(2019, 4, 1)) as ctx:
        pb.funding_budget(ctx, FORUM, "High needs block reserves 2019-20", "497300.00", date(2019, 4, 1),
                          date(2020, 8, 31))
    with service_context(engine, date(2020, 3, 31)) as ctx:
        report = forecast_report(ctx, FY19)
    (line,) = report.lines
    assert (line.line, line.budget, line.to_date, line.forecast, line.label) == (
        "Funding: schools forum / high-needs block", None, Decimal("350697.11"), Decimal("350697.11"), "favourable")


def test_report_forecast_on_the_command_line(db_url: str, engine: Engine, tmp_path: Path) -> None:
    _plan(engine)
    out = cli_json(db_url, "report", "forecast", "--fy", "FY2019/20", as_of="2019-09-30")
    assert out["totals"]["net"] == {"budget": "348400.00", "to_date": "195236.26", "rest_of_year": "199538.55",
                                    "forecast": "394774.81", "variance": "46374.81", "label": "favourable"}
    csv_file = tmp_path / "forecast.csv"
    text = run_cli(db_url, "report", "forecast", "--fy", "FY2019/20", "--csv", str(csv_file), as_of="2019-09-30",
                   as_json=False)
    assert text.exit_code == 0, text.output
    for figure in ("£350,697.11", "£50,697.11", "favourable", "adverse", "£394,774.81", "£46,374.81"):
        assert figure in text.output
    rows = list(csv.DictReader(csv_file.open(encoding="utf-8")))
    assert [(r["line"], r["forecast"], r["label"]) for r in rows] == [
        (ln["line"], ln["forecast"], ln["label"]) for ln in out["lines"]]


def test_the_budget_report_forecasts_every_line_and_the_net_as_the_forecast_report_does(engine: Engine) -> None:
    """One ledger, both reports: each line's year-end forecast and the net are the same to the penny."""
    from billing.reports.budget import budget_report

    _plan(engine)
    with service_context(engine, date(2019, 9, 30)) as ctx:
        budget, forecast = budget_report(ctx, FY19), forecast_report(ctx, FY19)
    assert {r.line: r.forecast for r in budget.rows} == {ln.line: ln.forecast for ln in forecast.lines}
    # Traded income: 737.70 recognised + 4,500.00 of the fee for October to March + 540.00 casework raised.
    assert next(r for r in budget.rows if r.line == "Subscriptions").forecast == Decimal("5777.70")
    # The forum's line forecasts its 17-month budget's part in the year, 497,300.00 x 366/519.
    assert next(r for r in budget.rows if r.line == "Schools forum contribution").forecast == Decimal("350697.11")
    totals = budget.as_json()["totals"]
    assert totals["net"]["forecast"] == forecast.net()["forecast"]  # type: ignore[index]


def test_a_funders_budget_with_no_income_line_is_income_on_a_line_of_its_own_in_both_reports(engine: Engine) -> None:
    from billing.reports.budget import budget_report

    with service_context(engine, date(2019, 4, 1)) as ctx:
        pb.funding_budget(ctx, COUNCIL, "Council core 2019-20", "12000.00", date(2019, 4, 1), date(2020, 3, 31))
        set_budget_line(ctx, "FY2019/20", "Venue hire", "cost", "council", "1000.00", None)
    with service_context(engine, date(2019, 9, 30)) as ctx:
        budget, forecast = budget_report(ctx, FY19), forecast_report(ctx, FY19)
    row = next(r for r in budget.rows if r.line == "Funding: council budget")
    # 12,000.00 x 183/366 = 6,000.00 to date; the whole 12,000.00 by the year end.
    assert (row.kind, row.basis, row.actual, row.forecast) == ("income", "funding budget", Decimal("6000.00"),
                                                               Decimal("12000.00"))
    line = next(ln for ln in forecast.lines if ln.line == "Funding: council budget")
    assert (line.to_date, line.forecast) == (Decimal("6000.00"), Decimal("12000.00"))
    assert budget.as_json()["totals"]["net"]["forecast"] == forecast.net()["forecast"]  # type: ignore[index]
