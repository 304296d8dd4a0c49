"""The invoice views (billing.views.invoices) give the JSON `invoice list|show` print, byte for byte."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import Engine

from billing.invoicing import issue_credit_note
from billing.views.invoices import list_invoices, show_invoice
from cli.runtime import json_default
from pricing.errors import InvalidInput, NotFound
from tests.billing.test_bill_run import SEP1, run, setup_council
from tests.support import run_cli, service_context

AS_OF = date(2025, 10, 2)


def _printed(data: object) -> str:
    return json.dumps(data, default=json_default, indent=2) + "\n"


def test_views_print_as_the_commands_do(engine: Engine, db_url: str) -> None:
    setup_council(engine)
    run(engine, SEP1)
    with service_context(engine, AS_OF) as ctx:
        issue_credit_note(ctx, "INV-000002", Decimal("100.00"), "one session not delivered")
    with service_context(engine, AS_OF) as ctx:
        rows = [row.as_json() for row in list_invoices(ctx)]
        overdue = [row.as_json() for row in list_invoices(ctx, status="overdue")]
        shown = {number: show_invoice(ctx, number).as_json() for number in ("INV-000001", " inv-000002 ", "CN-000001")}
    assert run_cli(db_url, "invoice", "list", as_of=AS_OF.isoformat()).stdout == _printed(rows)
    assert run_cli(db_url, "invoice", "list", "--status", "overdue", as_of=AS_OF.isoformat()).stdout == _printed(overdue)
    for number, data in shown.items():
        assert "outstanding" in data or data["kind"] == "credit_note"
        assert run_cli(db_url, "invoice", "show", number.strip(), as_of=AS_OF.isoformat()).stdout == _printed(data)


def test_refusals_name_the_invoice_and_the_statuses(engine: Engine) -> None:
    setup_council(engine)
    with service_context(engine, AS_OF) as ctx:
        with pytest.raises(NotFound, match='no invoice or credit note numbered "INV-000009"'):
            show_invoice(ctx, "inv-000009")
        with pytest.raises(InvalidInput, match="must be one of issued, paid, overdue, credited"):
            list_invoices(ctx, status="late")
