"""`traded payment add|import|refund|allocate` against the CLI contract."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.billing.test_payments import make_invoice, setup_ledger
from tests.support import cli_json, cli_refused, service_context, table_dump


@pytest.fixture
def books(engine: Engine) -> Engine:
    with service_context(engine, date(2019, 10, 1)) as ctx:
        setup_ledger(ctx, ("100001", "academy"), ("100002", "academy"))
        make_invoice(ctx, "100001", "4500.00", date(2019, 10, 1), date(2019, 10, 31))  # INV-000001
        make_invoice(ctx, "100001", "200.00", date(2019, 10, 2), date(2019, 11, 1))   # INV-000002
        make_invoice(ctx, "100002", "300.00", date(2019, 10, 1), date(2019, 10, 31))   # INV-000003
    return engine


def test_payment_add_allocates_and_keeps_the_rest_as_credit(db_url: str, books: Engine) -> None:
    out = cli_json(db_url, "payment", "add", "100001", "--amount", "4800.00", "--on", "2019-12-15",
                   "--method", "bacs", "--invoice", "INV-000002", "--ref", "AUTUMN", as_of="2019-12-16")
    assert out["allocations"] == [{"invoice": "INV-000002", "amount": "200.00"},
                                  {"invoice": "INV-000001", "amount": "4500.00"}]
    assert out["unallocated"] == "100.00"
    assert isinstance(out["id"], int)
    refund = cli_json(db_url, "payment", "refund", "100001", "--amount", "100.00", "--on", "2019-12-16",
                      "--reason", "Overpaid", as_of="2019-12-16")
    assert refund["remaining_credit"] == "0.00"


@pytest.mark.parametrize("args, code", [
    (["payment", "add", "100001", "--amount", "12.345", "--on", "2019-12-15", "--method", "bacs"], "invalid_input"),
    (["payment", "add", "100001", "--amount", "-1.00", "--on", "2019-12-15", "--method", "bacs"], "invalid_input"),
    (["payment", "add", "100001", "--amount", "1.00", "--on", "2019-12-32", "--method", "bacs"], "invalid_input"),
    (["payment", "add", "100001", "--amount", "1.00", "--on", "2019-12-15", "--method", "cash"], "invalid_input"),
    (["payment", "add", "100001", "--amount", "1.00", "--on", "2019-12-15", "--method", "bacs",
      "--invoice", "INV-000003"], "other_school_invoice"),
    (["payment", "add", "999999", "--amount", "1.00", "--on", "2019-12-15", "--method", "bacs"], "unknown_school"),
    (["payment", "add", "100001", "--amount", "1.00", "--on", "2020-01-15", "--method", "bacs"], "future_payment"),
    (["payment", "refund", "100001", "--amount", "1.00", "--on", "2019-12-15", "--reason", "x"],
     "insufficient_credit"),
    (["payment", "import", "/no/such/file.csv"], "invalid_input"),
])
def test_bad_payments_are_refused_and_write_nothing(db_url: str, books: Engine, args: list[str], code: str) -> None:
    before = table_dump(books)
    assert cli_refused(db_url, *args, as_of="2019-12-16")["code"] == code
    assert table_dump(books) == before


def test_payment_import_twice_records_once_and_lists_the_unmatched(db_url: str, books: Engine,
                                                                   tmp_path: Path) -> None:
    path = tmp_path / "bank.csv"
    path.write_text("date,amount,reference\n15/12/2019,4500.00,INV000001\n15/12/2019,75.00,RAFFLE\n")
    first = cli_json(db_url, "payment", "import", str(path), as_of="2019-12-16")
    assert first["matched"] == 1
    assert first["unmatched"] == [{"id": 2, "date": "2019-12-15", "amount": "75.00", "reference": "RAFFLE",
                                   "reason": "no invoice number or URN found"}]
    before = table_dump(books)
    again = cli_json(db_url, "payment", "import", str(path), as_of="2019-12-16")
    assert (again["matched"], again["unmatched"], again["already_imported"]) == (0, [], 2)
    assert {k: v for k, v in table_dump(books).items() if k != "audit_log"} == \
        {k: v for k, v in before.items() if k != "audit_log"}
