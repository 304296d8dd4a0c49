"""The snapshot columns store the same JSON text as before they were typed, and read older rows back unchanged."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

from sqlalchemy import Engine, text

from billing.invoicing import get_invoice, issue_credit_note
from billing.pricebooks import council
from billing.schools import get_school
from invoices.snapshot import CustomerSnapshot, SupplierSnapshot
from tests.billing.test_bill_run import ACADEMY, SEP1, run, setup_council
from tests.support import service_context


def _stored(engine: Engine, number: str) -> tuple[str, str]:
    cast = "::text" if engine.dialect.name == "postgresql" else ""
    with engine.connect() as conn:
        row = conn.execute(text(f"SELECT customer{cast}, supplier{cast} FROM invoices WHERE number = :n"),
                           {"n": number}).one()
    return row[0], row[1]


def test_issued_invoices_and_credit_notes_store_the_json_written_before(engine: Engine) -> None:
    setup_council(engine)
    run(engine, SEP1)  # the bill run's bulk path
    with service_context(engine, date(2025, 10, 1)) as ctx:
        school, c = get_school(ctx, ACADEMY), council(ctx)
        # The dicts the writer built before the snapshot was typed, key for key.
        customer = {"name": school.name, "address": "1 Downs Park Road\nLondon\nE5 8JY", "urn": school.urn,
                    "type": school.type, "email": school.email, "earns_interest": True}
        supplier = {"name": c.name, "address": c.address.strip(), "vat_number": c.vat_number, "email": c.email,
                    "phone": c.phone, "bank": c.bacs.bank, "account_name": c.bacs.account_name,
                    "sort_code": c.bacs.sort_code, "account_number": c.bacs.account_number,
                    "cheque_payee": c.cheque_payee, "terms_days": c.payment_terms_days,
                    "interest_annual_rate": str(c.interest.annual_rate), "interest_basis_days": c.interest.basis_days}
        note = issue_credit_note(ctx, "INV-000002", Decimal("10.00"), "Session not delivered").number
    assert _stored(engine, "INV-000002") == (json.dumps(customer), json.dumps(supplier))
    assert _stored(engine, note) == (json.dumps(customer), json.dumps(supplier))  # the ORM path writes it the same
    with service_context(engine, date(2025, 10, 1)) as ctx:
        invoice = get_invoice(ctx, "INV-000002")
        assert isinstance(invoice.customer, CustomerSnapshot) and isinstance(invoice.supplier, SupplierSnapshot)
        assert invoice.customer.earns_interest is True and invoice.supplier.terms_days == c.payment_terms_days


def test_an_older_row_reads_back_and_is_copied_unchanged(engine: Engine) -> None:
    setup_council(engine)
    run(engine, SEP1)
    older = json.dumps({"name": "Mossbourne Community Academy", "address": "1 Downs Park Road", "urn": ACADEMY})
    with engine.begin() as conn:  # an invoice issued before earns_interest was recorded
        conn.execute(text("UPDATE invoices SET customer = :c WHERE number = 'INV-000002'"), {"c": older})
    with service_context(engine, date(2025, 10, 1)) as ctx:
        invoice = get_invoice(ctx, "INV-000002")
        assert invoice.customer.earns_interest is None and invoice.customer.type is None
        note = issue_credit_note(ctx, "INV-000002", Decimal("10.00"), "Session not delivered").number
    assert _stored(engine, note)[0] == older
