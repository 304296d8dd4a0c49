from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.reports import builders as b
from tests.support import cli_json, cli_refused, run_cli, service_context, table_dump


def _seed(engine: Engine) -> None:
    with service_context(engine, date(2019, 7, 1)) as ctx:
        b.pricebook(ctx)
        school = b.school(ctx, name="St Mary's, Hackney")
        sam = b.staff(ctx, "Sam Patel", "Inclusion worker", "30.00")
        case = b.case(ctx, school, "C-1", covered=True)
        b.session(ctx, sam, "2019-10-10 09:00", "45", case_=case)
        fee = b.charge(ctx, school, "subscription_fee", "9000.00", start=date(2019, 9, 1), end=date(2020, 8, 31))
        b.invoice(ctx, school, date(2019, 9, 1), [fee])


def test_budget_lines_rates_and_costs_are_set_from_the_command_line(db_url: str, engine: Engine) -> None:
    _seed(engine)
    out = cli_json(db_url, "budget", "set", "--fy", "FY2019/20", "--line", "Inclusion workers", "--kind", "cost",
                   "--source", "council", "--amount", "60000.00", "--fte", "2")
    assert out == {"fy": "FY2019/20", "line": "Inclusion workers", "kind": "cost", "source": "council budget",
                   "amount": "60000.00", "fte": "2.00", "from": "2019-04-01", "to": "2020-03-31"}
    part = cli_json(db_url, "budget", "set", "--fy", "FY2019/20", "--line", "Traded income", "--kind", "income",
                    "--source", "traded", "--amount", "21200.00", "--from", "2019-09-01")
    assert (part["from"], part["to"]) == ("2019-09-01", "2020-03-31")
    rate = cli_json(db_url, "budget", "staff-rate", "Sam Patel", "--from", "2019-10-10", "--cost-per-hour", "32.00")
    assert rate == {"name": "Sam Patel", "from": "2019-10-10", "cost_per_hour": "32.00"}
    cost = cli_json(db_url, "budget", "cost", "--on", "2019-11-01", "--amount", "120.00", "--source", "council",
                    "--description", "Materials", "--case", "1")
    assert (cost["amount"], cost["source"], cost["case"]) == ("120.00", "council budget", 1)
    report = cli_json(db_url, "report", "budget", "--fy", "FY2019/20", as_of="2020-03-31")
    workers = next(ln for ln in report["lines"] if ln["line"] == "Inclusion workers")
    assert (workers["actual"], workers["budget"], workers["variance"]) == ("1440.00", "60000.00", "-58560.00")
    assert report["income_recognition"]["deferred_to_later_years"] == "3762.30"
    cases = cli_json(db_url, "report", "case-costs", "--year", "2019/20", as_of="2020-08-31")
    assert cases["cases"][0]["cost"] == "1440.00"  # 45 h x 32.00, the rate from its first day
    assert cases["cases"][0]["subscription_share"] == "9000.00"
    assert cases["averages"]["day_rate_value"] == "4050.00"  # 45 / 6 x 540.00


@pytest.mark.parametrize("args, code", [
    (["budget", "set", "--fy", "2019/20", "--line", "X", "--kind", "cost", "--source", "council",
      "--amount", "1.00"], "bad_year"),
    (["budget", "set", "--fy", "FY2019/20", "--line", "X", "--kind", "cost", "--source", "bank",
      "--amount", "1.00"], "bad_source"),
    (["budget", "staff-rate", "Nobody", "--from", "2019-10-10", "--cost-per-hour", "32.00"], "unknown_staff"),
    (["budget", "staff-rate", "Sam Patel", "--from", "2019-10-10", "--cost-per-hour", "-1.00"], "invalid_input"),
    (["budget", "cost", "--on", "2019-11-01", "--amount", "0.00", "--source", "council", "--description", "X"],
     "invalid_input"),
    (["budget", "cost", "--on", "2019-11-01", "--amount", "5.00", "--source", "council", "--description", "X",
      "--case", "99"], "unknown_case"),
    (["report", "budget", "--fy", "FY19"], "bad_year"),
    (["report", "case-costs", "--year", "2019"], "bad_year"),
])
def test_bad_input_is_refused_and_writes_nothing(db_url: str, engine: Engine, args: list[str], code: str) -> None:
    _seed(engine)
    before = table_dump(engine)
    assert cli_refused(db_url, *args)["code"] == code
    assert table_dump(engine) == before


def test_csv_has_a_header_and_one_row_per_line_with_plain_decimal_money(db_url: str, engine: Engine,
                                                                         tmp_path: Path) -> None:
    _seed(engine)
    for line, kind, source, amount in [("Traded income from schools", "income", "traded", "12500.00"),
                                       ("Council core budget", "income", "council", "100000.00")]:
        cli_json(db_url, "budget", "set", "--fy", "FY2019/20", "--line", line, "--kind", kind, "--source", source,
                 "--amount", amount)
    target = tmp_path / "budget.csv"
    cli_json(db_url, "report", "budget", "--fy", "FY2019/20", "--csv", str(target), as_of="2020-03-31")
    with target.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["line"] for r in rows] == ["Council core budget", "Traded income from schools",
                                         "Unallocated staff costs"]
    traded = rows[1]
    assert (traded["budget"], traded["actual"], traded["variance"]) == ("12500.00", "5237.70", "-7262.30")
    assert Decimal(rows[0]["actual"]) == Decimal("100000.00")
    cases = tmp_path / "cases.csv"
    cli_json(db_url, "report", "case-costs", "--year", "2019/20", "--csv", str(cases), as_of="2020-08-31")
    with cases.open(encoding="utf-8", newline="") as fh:
        [row] = list(csv.DictReader(fh))
    assert (row["school"], row["cost"], row["covered"]) == ("St Mary's, Hackney", "1350.00", "yes")
    schools = tmp_path / "schools.csv"
    cli_json(db_url, "report", "school", "--csv", str(schools), as_of="2020-08-31")
    with schools.open(encoding="utf-8", newline="") as fh:
        [row] = list(csv.DictReader(fh))
    assert (row["subscription"], row["cost"], row["net"]) == ("9000.00", "1350.00", "7650.00")


def test_budget_pdf_pack_and_terminal_tables(db_url: str, engine: Engine, tmp_path: Path) -> None:
    _seed(engine)
    cli_json(db_url, "budget", "set", "--fy", "FY2019/20", "--line", "Traded income from schools", "--kind",
             "income", "--source", "traded", "--amount", "12500.00")
    pdf = tmp_path / "pack.pdf"
    result = run_cli(db_url, "report", "budget", "--fy", "FY2019/20", "--pdf", str(pdf), as_of="2020-01-31",
                     as_json=False)
    assert result.exit_code == 0, result.output
    assert "Traded income from schools" in result.stdout and "£12,500.00" in result.stdout
    assert pdf.read_bytes().startswith(b"%PDF")
    text = run_cli(db_url, "report", "case-costs", "--year", "2019/20", as_of="2020-08-31", as_json=False)
    assert "Average per case over every case (1), open and with no hours included: cost £1,350.00" in text.stdout
    assert "4,000.00" in text.stdout


def test_report_help_works_with_or_without_aged_debt() -> None:
    from click.testing import CliRunner

    from cli.main import cli

    result = CliRunner().invoke(cli, ["report", "--help"])
    assert result.exit_code == 0
    for name in ("case-costs", "budget", "school"):
        assert name in result.output
