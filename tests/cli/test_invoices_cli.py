"""`traded invoice list|show|pdf|void` and `traded credit-note add` (cli-contract.md)."""

from __future__ import annotations

from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import Engine, select

from billing.db import transaction
from billing.models import AuditEntry
from tests.billing.test_bill_run import ACADEMY, MAINTAINED, SEP1, run, setup_council
from tests.support import cli_json, cli_refused, table_dump


@pytest.fixture
def billed(db_url: str, engine: Engine) -> str:
    setup_council(engine)
    run(engine, SEP1)
    return db_url


def test_invoice_list_with_filters(billed: str) -> None:
    rows = cli_json(billed, "invoice", "list", as_of="2025-10-02")
    assert rows == [
        {"number": "INV-000001", "purpose": "standard", "urn": MAINTAINED, "issued": "2025-09-01", "due": "2025-10-01",
         "total": "12000.00", "outstanding": "12000.00", "status": "overdue"},
        {"number": "INV-000002", "purpose": "standard", "urn": ACADEMY, "issued": "2025-09-01", "due": "2025-10-01",
         "total": "1280.00", "outstanding": "1280.00", "status": "overdue"},
    ]
    assert [r["number"] for r in cli_json(billed, "invoice", "list", "--urn", ACADEMY, as_of="2025-09-02")] == [
        "INV-000002"]
    assert cli_json(billed, "invoice", "list", "--status", "paid", as_of="2025-09-02") == []
    assert len(cli_json(billed, "invoice", "list", "--status", "issued", as_of="2025-09-02")) == 2


def test_invoice_show_and_pdf(billed: str, tmp_path: Path) -> None:
    shown = cli_json(billed, "invoice", "show", "INV-000002", as_of="2025-09-02")
    assert shown["lines"] == [{
        "description": "Initial subscription 2025/26, autumn term", "period_start": "2025-09-01",
        "period_end": "2025-12-31", "quantity": "1.00", "unit_price": "1066.67", "net": "1066.67",
        "vat_code": "S", "vat_rate": "20.00", "vat": "213.33", "total": "1280.00"}]
    assert (shown["total"], shown["outstanding"], shown["status"]) == ("1280.00", "1280.00", "issued")
    out = tmp_path / "inv.pdf"
    printed = cli_json(billed, "invoice", "pdf", "INV-000002", "--out", str(out), as_of="2025-09-02")
    assert printed["pdf"] == str(out) and printed["lines"] == shown["lines"]
    text = PdfReader(out).pages[0].extract_text()
    assert "INV-000002" in text and "Total due £1,280.00" in text


def test_credit_note_add_and_its_refusals(billed: str, engine: Engine) -> None:
    assert cli_json(billed, "credit-note", "add", "INV-000002", "--amount", "280.00", "--reason", "Overcharged",
                    as_of="2025-09-10") == {"number": "CN-000001", "invoice": "INV-000002", "amount": "280.00"}
    assert cli_json(billed, "invoice", "show", "INV-000002", as_of="2025-09-10")["outstanding"] == "1000.00"
    before = table_dump(engine)
    for args, code in [
        (["INV-000002", "--amount", "1000.01", "--reason", "x"], "credit_exceeds_invoice"),
        (["INV-000002", "--amount", "12.345", "--reason", "x"], "invalid_input"),
        (["INV-000002", "--amount", "0", "--reason", "x"], "invalid_input"),
        (["CN-000001", "--amount", "1.00", "--reason", "x"], "not_an_invoice"),
        (["INV-000099", "--amount", "1.00", "--reason", "x"], "unknown_invoice"),
    ]:
        assert cli_refused(billed, "credit-note", "add", *args, as_of="2025-09-10")["code"] == code
    assert table_dump(engine) == before


def test_altering_an_issued_invoice_is_refused_and_audited(billed: str, engine: Engine) -> None:
    before = table_dump(engine)
    err = cli_refused(billed, "invoice", "void", "INV-000001", as_of="2025-09-10")
    assert err["code"] == "invoice_immutable"
    assert err["message"].startswith('Invoice "INV-000001" is issued and cannot be changed')
    after = table_dump(engine)
    assert len(after["audit_log"]) == len(before["audit_log"]) + 1
    assert {k: v for k, v in after.items() if k != "audit_log"} == {k: v for k, v in before.items() if k != "audit_log"}
    assert cli_refused(billed, "invoice", "edit", "INV-000001", as_of="2025-09-10")["code"] == "invoice_immutable"
    with transaction(engine) as s:
        actions = s.scalars(select(AuditEntry.action).where(AuditEntry.entity_id == "INV-000001")).all()
    assert actions.count("invoice.alteration_refused") == 2
    assert cli_refused(billed, "invoice", "show", "INV-000404")["code"] == "unknown_invoice"
