"""The manager's pack (issue 19): page 1's headline figures read back from the PDF equal the CSV's."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
from datetime import date
from decimal import Decimal
from pathlib import Path

import pypdf
import pytest
from sqlalchemy import Engine

from billing.budgets import add_cost, set_budget_line
from billing.reports.case_costs import case_costs
from billing.reports.manager_pack import manager_pack
from pricing.calendars import AcademicYear, FinancialYear
from tests.reports import builders as b
from tests.reports import post_builders as pb
from tests.support import cli_json, cli_refused, run_cli, service_context

FY19 = FinancialYear(2019)
AS_OF = date(2019, 12, 31)  # 275 of FY2019/20's 366 days


def page_text(pdf: bytes, page: int) -> str:
    """One page's text laid out as printed: pdftotext -layout where poppler is installed, else pypdf's layout mode."""
    if shutil.which("pdftotext"):
        return subprocess.run(["pdftotext", "-layout", "-f", str(page), "-l", str(page), "-", "-"], input=pdf,
                              capture_output=True, check=True).stdout.decode()
    return pypdf.PdfReader(io.BytesIO(pdf)).pages[page - 1].extract_text(extraction_mode="layout")


def _ledger(engine: Engine) -> None:
    with service_context(engine, date(2019, 7, 1)) as ctx:
        b.pricebook(ctx)
        school = b.school(ctx)
        sam = b.staff(ctx, "Sam Patel", "Inclusion worker", "30.00")
        worker = pb.post(ctx, "Inclusion worker", "1", "36600.00", date(2019, 4, 1))
        pb.assign(ctx, worker, "Sam Patel", "1", date(2019, 4, 1), staff=sam)
        one = b.case(ctx, school, "C-1", covered=False, referred=date(2019, 9, 20))
        two = b.case(ctx, school, "C-2", covered=False, referred=date(2019, 10, 1))
        b.case(ctx, school, "C-3", covered=False, referred=date(2019, 12, 2))
        old = b.case(ctx, school, "C-0", covered=False, year=2018, referred=date(2019, 3, 1))
        later = b.case(ctx, school, "C-9", covered=False, referred=date(2020, 1, 6))  # after the as-of date
        one.closed_on, old.closed_on, later.closed_on = date(2019, 12, 15), date(2019, 5, 1), date(2020, 2, 1)
        b.session(ctx, sam, "2019-10-10 09:00", "6", case_=one)
        b.session(ctx, sam, "2019-11-10 09:00", "2", case_=one)
        b.session(ctx, sam, "2019-12-03 09:00", "4", case_=two)
        fee = b.charge(ctx, school, "subscription_fee", "9000.00", start=date(2019, 9, 1), end=date(2020, 8, 31))
        b.invoice(ctx, school, date(2019, 9, 1), [fee])
        work = b.charge(ctx, school, "casework", "540.00", case_=one, start=date(2019, 10, 1),
                        end=date(2019, 12, 31))
        b.invoice(ctx, school, date(2019, 12, 20), [work])
        for line, kind, source, amount, fte in [
            ("Traded income from schools", "income", "traded", "20000.00", None),
            ("Council core budget", "income", "council", "36600.00", None),
            ("Inclusion worker", "cost", "council", "36600.00", "1"),
        ]:
            set_budget_line(ctx, "FY2019/20", line, kind, source, amount, fte)
    with service_context(engine, AS_OF) as ctx:
        add_cost(ctx, date(2019, 11, 5), "250.00", "council", "Venue hire for Team Teach")


def test_page_one_holds_the_headline_figures_and_they_equal_the_csv(engine: Engine) -> None:
    _ledger(engine)
    with service_context(engine, AS_OF) as ctx:
        pdf, rows = manager_pack(ctx, FY19)
        cases = case_costs(ctx, AcademicYear(2019))
    figures = {figure: (value, detail, period) for figure, value, detail, period, _, _ in rows}
    amounts = {row[0]: (row[4], row[5]) for row in rows}
    fy = "FY2019/20: 2019-04-01 to 2019-12-31 (275 of 366 days)"
    # Income: from schools 9,000.00 x 122/366 (Sep-Dec) = 3,000.00 + casework 540.00 on its sessions' days;
    # council 36,600.00 counted evenly by day: x 275/366 = 27,500.00.
    assert figures["Income"] == ("£31,040.00", "from schools £3,540.00; council and schools forum £27,500.00", fy)
    # Cost: the post's pay 36,600.00 x 275/366 = 27,500.00 + the venue 250.00.
    assert figures["Cost"][0] == "£27,750.00"
    assert figures["Cost recovery"] == ("12.8%", "income from schools £3,540.00 / cost £27,750.00", fy)  # 12.757
    # Budget to date: traded 20,000.00 x 275/366 = 15,027.32; council income and the post 27,500.00 each.
    # Net: (31,040.00 - 42,527.32) - (27,750.00 - 27,500.00) = -11,737.32.
    assert figures["Net variance against budget"] == (
        "£11,737.32", "adverse: net £3,290.00 against £15,027.32 budgeted to date", fy)
    # Forecast: traded 3,540.00 + the fee's January to March on the ledger (9,000.00 x 91/366 = 2,237.70)
    # = 5,777.70 against 20,000.00; council income and the post's committed pay as budgeted; the venue's
    # run-rate 250.00 / 275 x 366 = 332.73 unbudgeted. Net 5,444.97 against 20,000.00.
    assert figures["Forecast net variance at year end"] == (
        "£14,555.03", "adverse: net £5,444.97 forecast against £20,000.00 budgeted",
        "FY2019/20: 2019-04-01 to 2020-03-31, forecast on 2019-12-31")
    # By funding source, each against its own budget lines: the council's income 27,500.00 as budgeted to
    # date, its cost the post's 27,500.00 + the venue's 250.00 against the post's line 27,500.00: 250.00
    # adverse. Traded income: 3,540.00 against its line's 15,027.32 and no cost: 11,487.32 adverse.
    assert figures["Variance: council budget"] == (
        "£250.00", "adverse: income £27,500.00 against £27,500.00, cost £27,750.00 against £27,500.00 budgeted "
        "to date", fy)
    assert figures["Variance: traded income"] == (
        "£11,487.32", "adverse: income £3,540.00 against £15,027.32, cost £0.00 against £0.00 budgeted to date", fy)
    assert "Variance: schools forum / high-needs block" not in figures  # no budget lines, no actuals
    # The source tiles add up exactly to the net variance tile, signed (negative adverse).
    assert amounts["Variance: council budget"] == (Decimal("-250.00"), "adverse")
    assert amounts["Net variance against budget"] == (Decimal("-11737.32"), "adverse")
    assert sum(amount for figure, (amount, _) in amounts.items() if figure.startswith("Variance: ")) == Decimal(
        "-11737.32")
    assert amounts["Forecast net variance at year end"] == (Decimal("-14555.03"), "adverse")
    assert amounts["Cost recovery"] == (Decimal("12.8"), "")
    assert amounts["Income"] == (Decimal("31040.00"), "")
    # Open on 2019-12-31: C-2 and C-3 (C-1 closed 2019-12-15, C-9 not referred yet); closed in the year: C-1, C-0.
    assert figures["Cases open"] == ("2", "referred and not yet closed", "on 2019-12-31")
    assert figures["Cases closed"] == ("2", "in the financial year to date", fy)
    assert (amounts["Cases open"], amounts["Cases closed"]) == ((2, ""), (2, ""))
    # Over the academic year to date, as the per-case figures: Sam's 1 FTE has 85 working days from
    # 1 September to 31 December (bank holidays apart) less 32 x 122/366 days of leave and training
    # = 74.333 days x 7.4 hours = 550.07 hours; 12 delivered = 2.18%.
    assert figures["Utilisation"] == ("2.2%", "12.00 hours delivered / 550.07 hours of capacity",
                                      "academic year 2019/20: 2019-09-01 to 2019-12-31")
    # Over the cases closed with hours delivered: C-1 alone (C-2 and C-3 are open; C-0 is last year's).
    average = cases.average_closed("full_cost")
    assert average is not None and [c.ref for c in cases.complete] == ["C-1"]
    assert figures["Average full cost per case"][0] == f"£{average:,.2f}"
    assert figures["Average full cost per case"][1].endswith("a case at the day rate (1 closed case)")
    assert amounts["Average full cost per case"] == (average, "")
    assert figures["Average full cost per case"][2] == "academic year 2019/20: 2019-09-01 to 2019-12-31"

    # Read back as laid out on the page: every figure and its value; the details, which wrap inside
    # cells set side by side, in the order they are drawn (pypdf, cell by cell).
    page_one = page_text(pdf, 1)
    drawn = " ".join(pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text().split())
    for figure, value, detail, period, _, _ in rows:
        assert figure in page_one, figure
        assert value in page_one, (figure, value)
        assert f"{figure} {value} {detail}" in drawn, (figure, detail)
        assert period in drawn, (figure, period)
    assert "Page 1 of" in page_one
    assert "Income and cost by month" not in page_one  # the charts start on page 2


def test_each_section_states_its_period(engine: Engine) -> None:
    _ledger(engine)
    with service_context(engine, AS_OF) as ctx:
        pdf, _ = manager_pack(ctx, FY19)
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert reader.pages[0].mediabox.width > reader.pages[0].mediabox.height  # landscape
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    fy = "FY2019/20: 2019-04-01 to 2019-12-31 (275 of 366 days)"
    for title in (f"Income and cost by month, {fy}", f"Budget lines, {fy}",
                  "Full cost per case, academic year 2019/20: 2019-09-01 to 2019-12-31",
                  "Cost per case, academic year 2019/20: 2019-09-01 to 2019-12-31"):
        assert title in text, title


@pytest.mark.parametrize("as_of", [date(2019, 4, 1), date(2020, 6, 30)])
def test_a_pack_at_the_start_of_the_year_or_after_it_still_renders(engine: Engine, as_of: date) -> None:
    _ledger(engine)
    with service_context(engine, as_of) as ctx:
        pdf, rows = manager_pack(ctx, FY19)
    assert pdf.startswith(b"%PDF")
    assert [r[0] for r in rows][:5] == ["Cost recovery", "Income", "Cost", "Net variance against budget",
                                        "Forecast net variance at year end"]


def test_report_pack_writes_the_pdf_and_a_csv_of_page_ones_figures(db_url: str, engine: Engine,
                                                                    tmp_path: Path) -> None:
    _ledger(engine)
    pdf, csv_file = tmp_path / "pack.pdf", tmp_path / "headlines.csv"
    data = cli_json(db_url, "report", "pack", "--fy", "FY2019/20", "--pdf", str(pdf), "--csv", str(csv_file),
                    as_of="2019-12-31")
    with csv_file.open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["figure", "value", "detail", "period", "amount", "direction"]
    assert [r[:4] + r[5:] for r in rows[1:]] == [
        [h["figure"], h["value"], h["detail"], h["period"], h["direction"]] for h in data["headlines"]]
    # The amounts are the same numbers in both (the CSV writes any Decimal with two places: 12.80 for 12.8).
    assert [Decimal(r[4]) if r[4] else None for r in rows[1:]] == [
        None if h["amount"] is None else Decimal(str(h["amount"])) for h in data["headlines"]]
    by_figure = {r[0]: r for r in rows[1:]}
    # Plain machine columns: a signed amount (negative adverse) and its direction beside the printed strings.
    assert by_figure["Net variance against budget"][1:] == [
        "£11,737.32", "adverse: net £3,290.00 against £15,027.32 budgeted to date",
        "FY2019/20: 2019-04-01 to 2019-12-31 (275 of 366 days)", "-11737.32", "adverse"]
    assert by_figure["Cost recovery"][4:] == ["12.80", ""]
    assert by_figure["Cases open"][4:] == ["2", ""]
    assert ["Cost recovery", "12.8%", "income from schools £3,540.00 / cost £27,750.00",
            "FY2019/20: 2019-04-01 to 2019-12-31 (275 of 366 days)", "12.80", ""] in rows
    page_one = page_text(pdf.read_bytes(), 1)
    for figure, value, *_ in rows[1:]:
        assert figure in page_one and value in page_one
    # An existing file is replaced only with --force, and the refusal writes nothing.
    before = pdf.read_bytes()
    refused = cli_refused(db_url, "report", "pack", "--pdf", str(pdf), as_of="2019-12-31")
    assert "--force" in refused["message"]
    assert pdf.read_bytes() == before
    text = run_cli(db_url, "report", "pack", "--pdf", str(pdf), "--force", as_of="2019-12-31", as_json=False)
    assert text.exit_code == 0, text.output
    assert "Manager's pack FY2019/20" in text.stdout and "£27,750.00" in text.stdout
    assert f"PDF pack written to {pdf}." in text.stdout
