from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine

from billing.reports.utilisation import utilisation_report
from pricing.errors import InvalidInput
from tests.reports import builders as b
from tests.reports import post_builders as pb
from tests.support import cli_json, cli_refused, run_cli, service_context

MARCH = (date(2026, 3, 1), date(2026, 3, 31))


def _team(engine: Engine) -> None:
    with service_context(engine, date(2026, 3, 31)) as ctx:
        school = b.school(ctx)
        sam = b.staff(ctx, "Sam Patel", "Inclusion worker", "30.00")
        kim = b.staff(ctx, "Kim Oduya", "Inclusion worker", "30.00")
        jo = b.staff(ctx, "Jo Bell", "Sessional worker", "25.00")
        ann = b.staff(ctx, "Ann Lee", "Admin", "20.00")
        workers = pb.post(ctx, "Inclusion worker", "2", "73000.00", date(2025, 4, 1))
        pb.assign(ctx, workers, "Sam Patel", "1", date(2025, 4, 1), staff=sam)
        pb.assign(ctx, workers, "Kim Oduya", "0.5", date(2026, 3, 16), staff=kim)
        admin = pb.post(ctx, "Admin support", "1", "24600.00", date(2025, 4, 1), delivery=False)
        pb.assign(ctx, admin, "Ann Lee", "1", date(2025, 4, 1), staff=ann)
        case = b.case(ctx, school, "C-1", covered=True, year=2025, referred=date(2025, 9, 20))
        for day in (2, 3, 4, 5, 6, 9, 10, 11, 12, 13):
            b.session(ctx, sam, f"2026-03-{day:02d} 09:00", "6", case_=case)
        b.session(ctx, sam, "2026-03-20 09:00", "4", case_=case, status="deemed_delivered")
        b.session(ctx, sam, "2026-02-27 09:00", "5", case_=case)  # before the period
        b.session(ctx, sam, "2026-04-01 09:00", "5", case_=case)  # after it
        b.session(ctx, sam, "2026-03-24 09:00", "3", case_=case, status="scheduled")  # not delivered
        b.session(ctx, kim, "2026-03-05 09:00", "2", case_=case)  # before her assignment starts
        b.session(ctx, kim, "2026-03-17 09:00", "3", case_=case)
        b.session(ctx, jo, "2026-03-12 09:00", "4", case_=case)  # no post
        b.session(ctx, ann, "2026-03-12 14:00", "1", case_=case)  # a post, but not a delivery post


def test_utilisation_of_each_delivery_assignment_over_march_2026(engine: Engine) -> None:
    _team(engine)
    with service_context(engine, date(2026, 4, 30)) as ctx:
        report = utilisation_report(ctx, *MARCH)
    sam, kim = report.rows
    # March 2026: 22 working days (no bank holiday; Good Friday is 3 April); allowances (27 leave + 5 training)
    # x 31/365 = 2.7178 days; 19.2822 days x 7.4 h (37 / 5) x 1 FTE = 142.688 -> 142.69 hours.
    # 60 h delivered + 4 h deemed = 64 h: 64 / 142.69 = 44.85% -> 44.9%.
    assert (sam.post, sam.person, sam.staff, sam.first, sam.last) == (
        "Inclusion worker", "Sam Patel", "Sam Patel", date(2026, 3, 1), date(2026, 3, 31))
    assert (sam.capacity, sam.delivered, sam.deemed, sam.utilisation) == (
        Decimal("142.69"), Decimal("64"), Decimal("4"), Decimal("44.9"))
    # Kim from 16 March at 0.5 FTE: 12 working days less 32 x 16/365 = 1.4027 days, x 7.4 x 0.5 = 39.21 hours;
    # 3 h on 17 March: 7.65% -> 7.7%. Her 2 h on 5 March, before the assignment, are shown apart.
    assert (kim.first, kim.capacity, kim.delivered, kim.utilisation) == (
        date(2026, 3, 16), Decimal("39.21"), Decimal("3"), Decimal("7.7"))
    assert (report.capacity, report.delivered, report.deemed, report.utilisation) == (
        Decimal("181.90"), Decimal("67"), Decimal("4"), Decimal("36.8"))  # 67 / 181.90 = 36.83%
    assert [(u.staff, u.delivered) for u in report.unposted] == [
        ("Ann Lee", Decimal("1")), ("Jo Bell", Decimal("4")), ("Kim Oduya", Decimal("2"))]
    data = report.as_json()
    assert data["totals"] == {"capacity_hours": Decimal("181.90"), "delivered_hours": Decimal("67"),
                              "deemed_hours": Decimal("4"), "utilisation_percent": Decimal("36.8")}
    assert data["without_a_delivery_post_hours"] == Decimal("7")


def test_a_period_that_ends_before_it_starts_is_refused(engine: Engine) -> None:
    with pytest.raises(InvalidInput), service_context(engine, date(2026, 4, 30)) as ctx:
        utilisation_report(ctx, date(2026, 3, 31), date(2026, 3, 1))


def test_report_utilisation_on_the_command_line(db_url: str, engine: Engine, tmp_path: Path) -> None:
    _team(engine)
    out = cli_json(db_url, "report", "utilisation", "--from", "2026-03-01", "--to", "2026-03-31", as_of="2026-04-30")
    assert out["totals"] == {"capacity_hours": "181.90", "delivered_hours": "67.00", "deemed_hours": "4.00",
                             "utilisation_percent": "36.8"}
    assert [(r["person"], r["capacity_hours"], r["utilisation_percent"]) for r in out["assignments"]] == [
        ("Sam Patel", "142.69", "44.9"), ("Kim Oduya", "39.21", "7.7")]
    csv_file = tmp_path / "utilisation.csv"
    text = run_cli(db_url, "report", "utilisation", "--from", "2026-03-01", "--to", "2026-03-31", "--csv",
                   str(csv_file), as_of="2026-04-30", as_json=False)
    assert text.exit_code == 0, text.output
    assert "142.69" in text.output and "44.9%" in text.output and "36.8%" in text.output
    assert "Jo Bell" in text.output  # hours with no post, apart
    rows = list(csv.DictReader(csv_file.open(encoding="utf-8")))
    assert [(r["row"], r["staff"], r["delivered_hours"]) for r in rows] == [
        ("assignment", "Sam Patel", "64.00"), ("assignment", "Kim Oduya", "3.00"),
        ("no delivery post", "Ann Lee", "1.00"), ("no delivery post", "Jo Bell", "4.00"),
        ("no delivery post", "Kim Oduya", "2.00")]
    # A financial year runs to the as-of date; FY2025/26 is over by 30 April 2026, so the whole of it.
    whole = cli_json(db_url, "report", "utilisation", "--fy", "FY2025/26", as_of="2026-04-30")
    assert (whole["from"], whole["to"]) == ("2025-04-01", "2026-03-31")
    assert cli_refused(db_url, "report", "utilisation", "--fy", "FY2025/26", "--from", "2026-03-01",
                       as_of="2026-04-30")["code"] == "bad_period"
    assert cli_refused(db_url, "report", "utilisation", "--from", "2026-03-31", "--to", "2026-03-01",
                       as_of="2026-04-30")["code"] == "bad_period"


def _over(engine: Engine) -> None:
    with service_context(engine, date(2026, 3, 31)) as ctx:
        school = b.school(ctx)
        cam = b.staff(ctx, "Cam Reid", "CAMHS clinician", "58.60")
        clinic = pb.post(ctx, "CAMHS clinician", "0.1", "6000.00", date(2025, 4, 1))
        pb.assign(ctx, clinic, "Cam Reid", "0.1", date(2025, 4, 1), staff=cam)
        case = b.case(ctx, school, "C-1", covered=True, year=2025, referred=date(2025, 9, 20))
        for day in (2, 3, 4, 5):
            b.session(ctx, cam, f"2026-03-{day:02d} 09:00", "5", case_=case)


def test_a_row_over_capacity_is_marked_on_screen_in_csv_and_json(db_url: str, engine: Engine,
                                                                 tmp_path: Path) -> None:
    _over(engine)
    # March 2026 at 0.1 FTE: 19.2822 days x 7.4 h x 0.1 = 14.27 h; 20 h delivered = 140.2%
    with service_context(engine, date(2026, 4, 30)) as ctx:
        [row] = utilisation_report(ctx, *MARCH).rows
    assert (row.capacity, row.delivered, row.utilisation, row.over_capacity) == (
        Decimal("14.27"), Decimal("20"), Decimal("140.2"), True)
    out = cli_json(db_url, "report", "utilisation", "--from", "2026-03-01", "--to", "2026-03-31", as_of="2026-04-30")
    [data] = out["assignments"]
    assert (data["over_capacity"], data["check"]) == (True, "over capacity: check the FTE or the hours recorded")
    csv_file = tmp_path / "u.csv"
    screen = run_cli(db_url, "report", "utilisation", "--from", "2026-03-01", "--to", "2026-03-31", "--csv",
                     str(csv_file), as_of="2026-04-30", as_json=False)
    assert "140.2% !" in screen.stdout
    assert ("! over capacity: check the FTE or the hours recorded: CAMHS clinician, Cam Reid (0.10 FTE) 140.2%."
            in screen.stdout)
    [line] = list(csv.DictReader(csv_file.open(encoding="utf-8")))
    assert (line["utilisation_percent"], line["over_capacity"], line["note"]) == (
        "140.20", "yes", "over capacity: check the FTE or the hours recorded")


def test_under_capacity_is_not_marked_and_hours_with_no_post_are_labelled_apart(db_url: str, engine: Engine,
                                                                               tmp_path: Path) -> None:
    _team(engine)
    csv_file = tmp_path / "u.csv"
    screen = run_cli(db_url, "report", "utilisation", "--from", "2026-03-01", "--to", "2026-03-31", "--csv",
                     str(csv_file), as_of="2026-04-30", as_json=False)
    assert "!" not in screen.stdout and "over capacity" not in screen.stdout
    assert "of which deemed" in screen.stdout and "Deemed h" not in screen.stdout
    assert "Hours delivered with no delivery post: 7.00 h, not in the total or the utilisation above" in screen.stdout
    rows = list(csv.DictReader(csv_file.open(encoding="utf-8")))
    assert [(r["staff"], r["over_capacity"], r["note"]) for r in rows] == [
        ("Sam Patel", "no", ""), ("Kim Oduya", "no", ""),
        ("Ann Lee", "", "no delivery post: not in the total or the utilisation"),
        ("Jo Bell", "", "no delivery post: not in the total or the utilisation"),
        ("Kim Oduya", "", "no delivery post: not in the total or the utilisation")]


def test_a_financial_year_not_begun_has_no_days_yet(db_url: str, engine: Engine) -> None:
    _team(engine)
    out = cli_json(db_url, "report", "utilisation", "--fy", "FY2031/32", as_of="2026-04-30")
    assert (out["from"], out["to"], out["days"], out["assignments"]) == ("2031-04-01", "2026-04-30", False, [])
    assert out["totals"]["capacity_hours"] == "0.00"
    screen = run_cli(db_url, "report", "utilisation", "--fy", "FY2031/32", as_of="2026-04-30", as_json=False)
    assert screen.exit_code == 0
    assert "no days yet" in screen.stdout and "2031-04-01" in screen.stdout
    # a year under way runs to the as-of date, not its end
    part = cli_json(db_url, "report", "utilisation", "--fy", "FY2026/27", as_of="2026-04-30")
    assert (part["from"], part["to"], part["days"]) == ("2026-04-01", "2026-04-30", True)
