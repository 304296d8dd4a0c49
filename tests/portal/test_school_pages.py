"""A school's account, invoices, documents and statement in the portal (issue 18), over HTTP on both databases."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from starlette.testclient import TestClient

from billing.models import AuditEntry
from billing.payments import record_payment
from billing.portal_accounts import accept_invitation, invite
from billing.portal_sign_in import sign_in
from portal.app import create_portal
from portal.web import SESSION_COOKIE, PortalConfig
from pricing.clock import FixedClock
from tests.billing.test_payments import make_credit_note, make_invoice, setup_ledger
from tests.support import run_cli, service_context

D = Decimal
AS_OF = date(2019, 11, 15)
URL = "http://127.0.0.1:8000"
PASSWORD = "blue kettle on the stairs"


@pytest.fixture
def ledger(engine: Engine) -> Engine:
    """100001: INV-000001 paid, INV-000002 overdue less CN-000001, INV-000004 due 1 Dec; 100002: INV-000003."""
    with service_context(engine, date(2019, 8, 1)) as ctx:
        setup_ledger(ctx, ("100001", "academy"), ("100002", "academy"))
        make_invoice(ctx, "100001", "300.00", date(2019, 8, 1), date(2019, 8, 31))
        late = make_invoice(ctx, "100001", "4500.00", date(2019, 10, 1), date(2019, 10, 31))
        make_invoice(ctx, "100002", "999.99", date(2019, 10, 1), date(2019, 10, 31))
        make_invoice(ctx, "100001", "1200.00", date(2019, 11, 1), date(2019, 12, 1))
        make_credit_note(ctx, late, "500.00", date(2019, 11, 5), reason="Session not delivered")
    with service_context(engine, AS_OF) as ctx:
        record_payment(ctx, "100001", D("300.00"), date(2019, 8, 20), "bacs", ["INV-000001"])
    return engine


def _signed_in_client(engine: Engine, urn: str) -> Iterator[TestClient]:
    with service_context(engine, AS_OF) as ctx:
        link = invite(ctx, urn, f"finance@{urn}.example", "viewer", portal_url=URL).link
    with service_context(engine, AS_OF) as ctx:
        accept_invitation(ctx, link.rsplit("/", 1)[1], PASSWORD)
    with service_context(engine, AS_OF) as ctx:
        token = sign_in(ctx, f"finance@{urn}.example", PASSWORD, "127.0.0.1").token
    assert token is not None
    config = PortalConfig(engine=engine, clock=FixedClock(AS_OF), portal_url=URL, secret_key=b"portal-test-secret")
    with TestClient(create_portal(config), base_url=URL, follow_redirects=False) as client:
        client.cookies.set(SESSION_COOKIE, token)
        yield client


@pytest.fixture
def client(ledger: Engine) -> Iterator[TestClient]:
    """Signed in as a viewer of 100001 only."""
    yield from _signed_in_client(ledger, "100001")


def _text(html: str) -> str:
    """The page with its tags and runs of white space removed, to read figures in."""
    out, inside = [], False
    for ch in html:
        if ch == "<":
            inside = True
        elif ch == ">":
            inside = False
            out.append(" ")
        elif not inside:
            out.append(ch)
    return " ".join("".join(out).split())


def test_the_account_shows_balance_overdue_next_payment_and_bacs_details(client: TestClient) -> None:
    page = client.get("/schools/100001/")
    assert page.status_code == 200
    text = _text(page.text)
    assert "Balance £5,200.00 on 15 November 2019" in text  # 300 + 4500 + 1200 - 500 credited - 300 paid
    assert "Overdue £4,000.00" in text
    assert "Next payment due £1,200.00 by 1 December 2019" in text
    assert "INV-000002 (PDF) 31 October 2019 Overdue £4,000.00" in text
    assert "INV-000004 (PDF) 1 December 2019 Unpaid £1,200.00" in text
    assert "Sort code 00-00-00" in text and "Account number 12345678" in text
    assert "Payment reference 100001" in text
    assert "Pay by card" not in text  # card payments are not set up
    assert "INV-000003" not in page.text and "999.99" not in page.text


def test_the_invoices_page_lists_invoices_and_credit_notes_with_status_and_outstanding(client: TestClient) -> None:
    page = client.get("/schools/100001/invoices")
    assert page.status_code == 200
    text = _text(page.text)
    assert ("CN-000001 (PDF) Credit note against INV-000002: Session not delivered 5 November 2019 £500.00"
            in text)
    assert "INV-000002 (PDF) Invoice 1 October 2019 31 October 2019 Overdue £4,500.00 £4,000.00" in text
    assert "INV-000001 (PDF) Invoice 1 August 2019 31 August 2019 Paid £300.00 £0.00" in text
    assert '<th scope="col" class="numeric">Outstanding</th>' in page.text
    assert "<caption>" in page.text
    assert "INV-000003" not in page.text


def test_a_download_is_the_bytes_traded_invoice_pdf_writes_and_is_audited(
        client: TestClient, ledger: Engine, db_url: str, tmp_path: Path) -> None:
    answer = client.get("/schools/100001/documents/INV-000002.pdf")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.headers["content-disposition"] == 'attachment; filename="INV-000002.pdf"'
    printed = tmp_path / "printed.pdf"
    result = run_cli(db_url, "invoice", "pdf", "INV-000002", "--out", str(printed), as_of=AS_OF.isoformat())
    assert result.exit_code == 0, result.output
    assert answer.content == printed.read_bytes()
    assert client.get("/schools/100001/documents/inv-000002.pdf").content == answer.content
    with service_context(ledger, AS_OF) as ctx:
        audited = ctx.session.scalars(select(AuditEntry).where(AuditEntry.action == "portal.download")
                                      .order_by(AuditEntry.id)).all()
        assert [(a.actor, a.entity_id) for a in audited] == [
            ("portal:finance@100001.example", "INV-000002"), ("portal:finance@100001.example", "INV-000002")]


@pytest.mark.parametrize("path", [
    "/schools/100001/documents/INV-000003.pdf",   # another school's invoice
    "/schools/100001/documents/INV-000099.pdf",   # none
    "/schools/100002/documents/INV-000003.pdf",   # another school's URL
    "/schools/100002/",
    "/schools/100002/invoices",
    "/schools/100002/statement",
    "/schools/100002/statement.pdf",
    "/schools/100002/statement.csv",
])
def test_another_schools_documents_and_pages_are_not_found(client: TestClient, ledger: Engine, path: str) -> None:
    answer = client.get(path)
    assert answer.status_code == 404
    assert "INV-000003" not in answer.text and "999.99" not in answer.text and "100002" not in answer.text
    with service_context(ledger, AS_OF) as ctx:
        assert ctx.session.scalars(select(AuditEntry).where(AuditEntry.action == "portal.download")).all() == []


def test_the_statement_page_for_a_period_with_aged_debt(client: TestClient) -> None:
    page = client.get("/schools/100001/statement", params={"from": "2019-09-01", "to": "2019-11-15"})
    assert page.status_code == 200
    text = _text(page.text)
    assert "Statement for School 100001, 1 September 2019 to 15 November 2019" in text
    assert "1 September 2019 Opening balance £0.00" in text
    assert "1 October 2019 Invoice INV-000002 (PDF) Work; due 2019-10-31 £4,500.00 £4,500.00" in text
    assert ("5 November 2019 Credit note CN-000001 (PDF) Credit note against INV-000002: Session not delivered "
            "£500.00 £5,200.00") in text
    assert "15 November 2019 Closing balance £5,200.00" in text
    assert "0-30 days 31-60 days 61-90 days 90+ days Total overdue £4,000.00 £0.00 £0.00 £0.00 £4,000.00" in text
    assert 'href="/schools/100001/statement.csv?from=2019-09-01&amp;to=2019-11-15"' in page.text
    assert "INV-000003" not in page.text


def test_the_statement_defaults_to_the_academic_year_to_date(client: TestClient) -> None:
    text = _text(client.get("/schools/100001/statement").text)
    assert "Statement for School 100001, 1 September 2019 to 15 November 2019" in text


@pytest.mark.parametrize(("query", "field", "message"), [
    ({"from": "2019-13-01"}, "from", "Start date: 2019-13-01 is not a date: there is no month 13"),
    ({"from": "yesterday"}, "from", "Start date: date 'yesterday' must look like 2019-09-01"),
    ({"from": "2019-11-01", "to": "2019-10-01"}, "to", "End date must be the same as or after the start date"),
])
def test_a_bad_period_gives_an_error_summary_not_a_server_error(
        client: TestClient, query: dict[str, str], field: str, message: str) -> None:
    page = client.get("/schools/100001/statement", params=query)
    assert page.status_code == 400
    assert "There is a problem" in page.text
    assert f'<a href="#{field}">' in page.text
    assert message.replace("'", "&#39;") in page.text
    assert f'id="{field}-error"' in page.text
    assert "Closing balance" not in page.text
    download = client.get("/schools/100001/statement.csv", params=query)
    assert download.status_code == 303
    assert download.headers["location"].startswith("/schools/100001/statement?")


def test_the_statement_csv_and_pdf(client: TestClient, db_url: str, tmp_path: Path) -> None:
    answer = client.get("/schools/100001/statement.csv", params={"from": "2019-09-01", "to": "2019-11-15"})
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/csv; charset=utf-8"
    assert list(csv.reader(io.StringIO(answer.text))) == [
        ["date", "kind", "reference", "description", "debit", "credit", "balance"],
        ["2019-09-01", "opening_balance", "", "Opening balance", "", "", "0.00"],
        ["2019-10-01", "invoice", "INV-000002", "Work; due 2019-10-31", "4500.00", "", "4500.00"],
        ["2019-11-01", "invoice", "INV-000004", "Work; due 2019-12-01", "1200.00", "", "5700.00"],
        ["2019-11-05", "credit_note", "CN-000001", "Credit note against INV-000002: Session not delivered", "",
         "500.00", "5200.00"],
        ["2019-11-15", "closing_balance", "", "Closing balance", "", "", "5200.00"],
    ]
    pdf = client.get("/schools/100001/statement.pdf", params={"from": "2019-09-01", "to": "2019-11-15"})
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    printed = tmp_path / "statement.pdf"
    result = run_cli(db_url, "statement", "100001", "--from", "2019-09-01", "--to", "2019-11-15", "--pdf",
                     str(printed), as_of=AS_OF.isoformat())
    assert result.exit_code == 0, result.output
    assert pdf.content == printed.read_bytes()


def test_signed_out_every_page_goes_to_sign_in(ledger: Engine) -> None:
    config = PortalConfig(engine=ledger, clock=FixedClock(AS_OF), portal_url=URL, secret_key=b"portal-test-secret")
    with TestClient(create_portal(config), base_url=URL, follow_redirects=False) as anonymous:
        for path in ("/schools/100001/", "/schools/100001/invoices", "/schools/100001/documents/INV-000002.pdf",
                     "/schools/100001/statement", "/schools/100001/statement.pdf", "/schools/100001/statement.csv"):
            answer = anonymous.get(path)
            assert answer.status_code == 303 and answer.headers["location"].startswith("/sign-in?next=")
