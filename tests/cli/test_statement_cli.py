"""`traded statement` and the aged-debt command against the CLI contract (§9)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import Engine

from cli.runtime import Runtime
from tests.billing.test_payments import make_invoice, setup_ledger
from tests.support import cli_json, cli_refused, run_cli, service_context


def _books(engine: Engine) -> None:
    with service_context(engine, date(2019, 10, 1)) as ctx:
        setup_ledger(ctx, ("100001", "academy"), ("100002", "academy"))
        make_invoice(ctx, "100001", "4500.00", date(2019, 10, 1), date(2019, 10, 31))
        make_invoice(ctx, "100002", "300.00", date(2019, 10, 1), date(2019, 10, 31))


def test_statement_json_table_and_pdf(db_url: str, engine: Engine, tmp_path: Path) -> None:
    from pypdf import PdfReader

    _books(engine)
    cli_json(db_url, "payment", "add", "100001", "--amount", "1000.00", "--on", "2019-11-15", "--method", "cheque",
             as_of="2019-11-15")
    pdf = tmp_path / "st.pdf"
    out = cli_json(db_url, "statement", "100001", "--from", "2019-09-01", "--to", "2019-12-31", "--pdf", str(pdf),
                   as_of="2020-01-05")
    assert (out["urn"], out["opening_balance"], out["closing_balance"]) == ("100001", "0.00", "3500.00")
    assert [(ln["reference"], ln["debit"], ln["credit"], ln["balance"]) for ln in out["lines"]] == [
        ("INV-000001", "4500.00", "0.00", "4500.00"), ("PAY-1", "0.00", "1000.00", "3500.00")]
    assert out["overdue"] == {"0-30": "0.00", "31-60": "0.00", "61-90": "3500.00", "90+": "0.00"}
    assert "INV-000002" not in json.dumps(out)
    text = "".join(p.extract_text() for p in PdfReader(pdf).pages)
    assert "INV-000001" in text and "3,500.00" in text and "INV-000002" not in text
    table = run_cli(db_url, "statement", "100001", as_of="2020-01-05", as_json=False)
    assert table.exit_code == 0 and "Closing balance" in table.stdout and "£3,500.00" in table.stdout
    assert cli_refused(db_url, "statement", "100001", "--from", "2019-13-01", as_of="2020-01-05")["code"] == \
        "invalid_input"
    assert cli_refused(db_url, "statement", "999999", as_of="2020-01-05")["code"] == "unknown_school"


def test_aged_debt_command(db_url: str, engine: Engine) -> None:
    from cli.aged_debt import aged_debt

    _books(engine)
    result = CliRunner().invoke(aged_debt, [], obj=Runtime(db_url=db_url, as_of_text="2019-12-15", as_json=True),
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [(s["urn"], s["31-60"], s["total"]) for s in data["schools"]] == [
        ("100001", "4500.00", "4500.00"), ("100002", "300.00", "300.00")]
    assert data["totals"]["total"] == "4800.00"


def test_report_aged_debt_through_the_main_command(db_url: str, engine: Engine) -> None:
    _books(engine)
    data = cli_json(db_url, "report", "aged-debt", as_of="2020-02-15")
    assert [(s["urn"], s["90+"]) for s in data["schools"]] == [("100001", "4500.00"), ("100002", "300.00")]
