"""Every purchase-order number on an invoice is kept and printed in full (issue 13, item 7; §7)."""

from __future__ import annotations

import io
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pypdf
import pytest
from sqlalchemy import Engine, select

from billing.models import Invoice
from billing.orders import add_order
from billing.subscriptions import add_subscription
from pricing.errors import InvalidInput
from tests.billing.test_payments import setup_ledger
from tests.support import cli_json, cli_refused, service_context, table_dump

URN = "141234"
# Four numbers of the longest a subscription or an order holds (40), one with spaces in it.
POS = [
    "EASTBURY-ACADEMY-TRUST-PO-2025-26-000417",
    "EAT/FIN/REQ/2025/09/SEND-SUPPORT/0000988",
    "EASTBURY TRUST ORDER 2025 26 NUMBER 1203",
    "PO-0000000000000000000000000000000000042",
]


@pytest.fixture
def invoiced(engine: Engine) -> Engine:
    """One academy, a subscription and three orders, each on its own PO, billed together."""
    assert all(len(po) == 40 for po in POS)
    with service_context(engine, date(2025, 9, 1)) as ctx:
        setup_ledger(ctx, (URN, "academy"))
        add_subscription(ctx, URN, "initial", date(2025, 9, 1), "annual", po_number=POS[0])
    with service_context(engine, date(2025, 9, 2)) as ctx:
        add_order(ctx, URN, "team_teach_place", 1, date(2025, 9, 20), po_number=POS[1])
        add_order(ctx, URN, "coaching_session", 2, date(2025, 9, 22), po_number=POS[2])
        add_order(ctx, URN, "team_teach_place", 1, date(2025, 9, 24), po_number=POS[3])
    return engine


def _pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(path.read_bytes())).pages)


def test_an_invoice_keeps_and_shows_every_po_number_whole(db_url: str, invoiced: Engine, tmp_path: Path) -> None:
    run = cli_json(db_url, "bill", "run", as_of="2025-10-01")
    assert run["count"] == 1
    number = run["invoices"][0]["number"]
    with service_context(invoiced, date(2025, 10, 1)) as ctx:
        stored = ctx.session.scalar(select(Invoice.po_number).where(Invoice.number == number))
    assert stored == ", ".join(sorted(POS))  # 166 characters, none cut
    shown = cli_json(db_url, "invoice", "show", number, as_of="2025-10-01")
    assert shown["po_number"] == ", ".join(sorted(POS))
    pdf = tmp_path / f"{number}.pdf"
    cli_json(db_url, "invoice", "pdf", number, "--out", str(pdf), as_of="2025-10-01")
    text = _pdf_text(pdf)
    assert "Your order numbers" in text
    for po in POS:
        assert po in text, f"{po} is not on the PDF whole"
    # Broken only between numbers: each printed line of the list holds whole numbers.
    listed = [ln for ln in text.splitlines() if any(po in ln for po in POS)]
    assert sum(ln.count(",") for ln in listed) == len(POS) - 1


def test_one_short_po_number_stays_with_the_invoice_particulars(db_url: str, engine: Engine, tmp_path: Path) -> None:
    with service_context(engine, date(2025, 9, 1)) as ctx:
        setup_ledger(ctx, (URN, "academy"))
        add_subscription(ctx, URN, "initial", date(2025, 9, 1), "annual", po_number="PO-9981")
    number = cli_json(db_url, "bill", "run", as_of="2025-09-01")["invoices"][0]["number"]
    pdf = tmp_path / "one.pdf"
    cli_json(db_url, "invoice", "pdf", number, "--out", str(pdf), as_of="2025-09-01")
    text = _pdf_text(pdf)
    assert re.search(r"Your order number\s*PO-9981", text)
    assert "Your order numbers" not in text


def test_an_order_po_number_longer_than_40_is_refused_in_one_line(db_url: str, engine: Engine) -> None:
    with service_context(engine, date(2025, 9, 1)) as ctx:
        setup_ledger(ctx, (URN, "academy"))
    before = table_dump(engine)
    error = cli_refused(db_url, "order", "add", URN, "--item", "cpd_place", "--po", "P" * 41, as_of="2025-09-02")
    assert error == {"code": "invalid_input", "message": "purchase order number is longer than 40 characters"}
    assert table_dump(engine) == before
    with pytest.raises(InvalidInput), service_context(engine, date(2025, 9, 2)) as ctx:
        add_order(ctx, URN, "cpd_place", 1, None, po_number="P" * 41)


def test_0005_keeps_po_numbers_and_lets_a_longer_list_be_stored(engine: Engine) -> None:
    from alembic import command

    from billing.db import alembic_config, current_revision, head_revision
    from billing.payments import record_payment
    from tests.billing.test_payments import make_invoice

    config = alembic_config(engine)
    # The ledger is written through today's models, then taken down to 0004 with its rows: the models
    # have moved on since 0004 (later migrations add columns), so they cannot write a 0004 database.
    with service_context(engine, date(2025, 9, 1)) as ctx:
        setup_ledger(ctx, (URN, "academy"))
        invoice = make_invoice(ctx, URN, "100.00", date(2025, 9, 1), date(2025, 10, 1))
        invoice.po_number = POS[0]
        record_payment(ctx, URN, Decimal("40.00"), date(2025, 9, 1), "bacs", [invoice.number])  # a row that refers to it
    command.downgrade(config, "0004")
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT po_number FROM invoices").scalar_one() == POS[0]
    finally:
        command.upgrade(config, "head")
    assert current_revision(engine) == head_revision()
    with service_context(engine, date(2025, 9, 1)) as ctx:
        invoice = ctx.session.scalars(select(Invoice)).one()
        assert invoice.po_number == POS[0]
        invoice.po_number = ", ".join(POS)
    with service_context(engine, date(2025, 9, 1)) as ctx:
        assert ctx.session.scalars(select(Invoice.po_number)).one() == ", ".join(POS)
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []
    with pytest.raises(RuntimeError, match="cannot downgrade: an invoice carries 166 characters of PO numbers"):
        command.downgrade(config, "0004")
    assert current_revision(engine) == head_revision()
