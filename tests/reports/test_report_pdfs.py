"""`traded report case-costs --pdf/--csv` and `traded report aged-debt --pdf/--csv` (issue 19)."""

from __future__ import annotations

import csv
import re
from datetime import date
from pathlib import Path

from pypdf import PdfReader
from sqlalchemy import Engine

from billing.budgets import add_cost
from tests.billing.test_payments import make_invoice, setup_ledger
from tests.reports import builders as b
from tests.support import cli_json, cli_refused, run_cli, service_context, table_dump


def _text(pdf: Path) -> str:
    return re.sub(r"\s+", " ", " ".join(p.extract_text() for p in PdfReader(pdf).pages))


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _cases(engine: Engine) -> None:
    with service_context(engine, date(2019, 7, 1)) as ctx:
        b.pricebook(ctx)
        school = b.school(ctx, name="St Mary's, Hackney")
        sam = b.staff(ctx, "Sam Patel", "Inclusion worker", "30.00")
        case = b.case(ctx, school, "C-1", covered=True)
        case.closed_on = date(2020, 3, 31)
        b.session(ctx, sam, "2019-10-10 09:00", "45", case_=case)
        fee = b.charge(ctx, school, "subscription_fee", "9000.00", start=date(2019, 9, 1), end=date(2020, 8, 31))
        b.invoice(ctx, school, date(2019, 9, 1), [fee])
    with service_context(engine, date(2019, 11, 1)) as ctx:
        add_cost(ctx, date(2019, 11, 1), "150.00", "council", "Materials", case_id=case.id)


def test_case_costs_pdf_and_csv_carry_full_cost(db_url: str, engine: Engine, tmp_path: Path) -> None:
    _cases(engine)
    pdf, out = tmp_path / "cases.pdf", tmp_path / "cases.csv"
    data = cli_json(db_url, "report", "case-costs", "--year", "2019/20", "--pdf", str(pdf), "--csv", str(out),
                    as_of="2020-08-31")
    # No posts: full cost = 45 h x 30.00 + the case's own 150.00
    assert (data["cases"][0]["full_cost"], data["full_cost"]["basis"]) == ("1500.00", "direct cost (no establishment)")
    assert data["benchmark"]["full_cost_is"] == "below" and data["benchmark"]["day_rate_value_is"] == "within"
    assert (data["cases"][0]["closed"], data["averages"]["full_cost_closed"]) == (True, "1500.00")
    [row] = _rows(out)
    assert (row["closed"], row["cost"], row["non_staff"], row["full_cost"], row["net_full_cost"]) == (
        "yes", "1350.00", "150.00", "1500.00", "7500.00")
    text = _text(pdf)
    assert "Case costs 2019/20" in text
    assert "Average full cost, closed cases £1,500.00 per closed case with hours delivered (1)" in text
    assert "Average full cost £1,500.00 per case, all 1: open and with no hours included" in text
    assert ("Average full cost of a closed case £1,500.00 is below and its average day-rate value £4,050.00 is "
            "within the service's £4,000.00 to £4,500.00 a case") in text
    assert "a case worked by staff dearer than that average shows a direct cost above its full cost" in text
    assert "How the figures are made" in text and "no posts recorded" in text
    screen = run_cli(db_url, "report", "case-costs", "--year", "2019/20", as_of="2020-08-31", as_json=False)
    assert "full cost £1,500.00" in screen.stdout and "is below and its average day-rate value" in screen.stdout


def test_case_costs_refuses_an_existing_pdf_before_writing_anything(db_url: str, engine: Engine,
                                                                   tmp_path: Path) -> None:
    _cases(engine)
    pdf, out = tmp_path / "cases.pdf", tmp_path / "cases.csv"
    pdf.write_bytes(b"keep me")
    before = table_dump(engine)
    assert cli_refused(db_url, "report", "case-costs", "--pdf", str(pdf), "--csv", str(out),
                       as_of="2020-08-31")["code"] == "output_exists"
    assert pdf.read_bytes() == b"keep me" and not out.exists()
    assert table_dump(engine) == before


def _books(engine: Engine) -> None:
    with service_context(engine, date(2019, 10, 1)) as ctx:
        setup_ledger(ctx, ("100001", "academy"), ("100002", "academy"))
        make_invoice(ctx, "100001", "4500.00", date(2019, 10, 1), date(2019, 10, 31))
        make_invoice(ctx, "100002", "300.00", date(2019, 10, 1), date(2019, 10, 31))


def test_aged_debt_pdf_and_csv(db_url: str, engine: Engine, tmp_path: Path) -> None:
    _books(engine)
    pdf, out = tmp_path / "debt.pdf", tmp_path / "debt.csv"
    data = cli_json(db_url, "report", "aged-debt", "--pdf", str(pdf), "--csv", str(out), as_of="2019-12-15")
    assert data["totals"]["total"] == "4800.00"
    rows = _rows(out)
    assert [(r["as_of"], r["urn"], r["invoices"], r["31-60"], r["total"]) for r in rows] == [
        ("2019-12-15", "100001", "1", "4500.00", "4500.00"), ("2019-12-15", "100002", "1", "300.00", "300.00")]
    # the first money column has the words the screen and the PDF use
    assert list(rows[0])[4:] == ["not_yet_due", "0-30", "31-60", "61-90", "90+", "total"]
    text = _text(pdf)
    assert "Aged debt" in text and "31-60 days" in text and "Not yet due" in text
    assert "Total (2 schools)" in text and "£4,800.00" in text
    screen = run_cli(db_url, "report", "aged-debt", "--pdf", str(pdf), "--force", as_of="2019-12-15", as_json=False)
    assert screen.exit_code == 0 and f"PDF written to {pdf}." in screen.stdout
    assert "Not yet due" in screen.stdout


def test_aged_debt_refuses_an_existing_pdf_and_writes_no_csv(db_url: str, engine: Engine, tmp_path: Path) -> None:
    _books(engine)
    pdf, out = tmp_path / "debt.pdf", tmp_path / "debt.csv"
    pdf.write_bytes(b"keep me")
    assert cli_refused(db_url, "report", "aged-debt", "--csv", str(out), "--pdf", str(pdf),
                       as_of="2019-12-15")["code"] == "output_exists"
    assert pdf.read_bytes() == b"keep me" and not out.exists()
