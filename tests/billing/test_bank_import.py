"""Bank statement import: CSV and MT940, matching by invoice number or URN, once only (§8)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from billing.bank_import import fingerprints, import_bank_file, read_csv
from billing.models import BankLine, Payment
from pricing.errors import InvalidInput
from tests.billing.test_payments import make_invoice, outstanding_of, setup_ledger
from tests.support import service_context

D = Decimal
DATA = Path(__file__).with_name("data")

CSV = """date,amount,reference
15/12/2019,4500.00,INV 000001 THANK YOU
2019-12-16,100.00,SCHOOL 100002 AUTUMN
16/12/2019,250.00,DONATION
17/12/2019,-35.00,BANK CHARGES
18/12/2019,10.00,INV-000001 INV-000003
18/12/2019,"1,000.00",inv-000003
18/12/2019,"1,000.00",inv-000003
"""


@pytest.fixture
def books(engine: Engine) -> Engine:
    with service_context(engine, date(2019, 10, 1)) as ctx:
        setup_ledger(ctx, ("100001", "academy"), ("100002", "academy"))
        make_invoice(ctx, "100001", "4500.00", date(2019, 10, 1), date(2019, 10, 31))  # INV-000001
        make_invoice(ctx, "100002", "300.00", date(2019, 10, 1), date(2019, 10, 31))   # INV-000002
        make_invoice(ctx, "100002", "5000.00", date(2019, 10, 1), date(2019, 11, 30))  # INV-000003
    return engine


def test_a_csv_is_matched_by_invoice_number_or_urn_and_the_rest_listed(books: Engine, tmp_path: Path) -> None:
    path = tmp_path / "dec.csv"
    path.write_text(CSV)
    with service_context(books, date(2019, 12, 31)) as ctx:
        result = import_bank_file(ctx, path)
        assert [(m["urn"], m["matched_by"], m["amount"]) for m in result.matched] == [
            ("100001", "invoice", D("4500.00")), ("100002", "urn", D("100.00")),
            ("100002", "invoice", D("1000.00")), ("100002", "invoice", D("1000.00"))]
        assert [(u["amount"], u["reference"]) for u in result.unmatched] == [
            (D("250.00"), "DONATION"), (D("10.00"), "INV-000001 INV-000003")]  # two schools: not guessed
        assert [(i["amount"], i["reason"]) for i in result.ignored] == [(D("-35.00"), "a debit (money out)")]
        assert outstanding_of(ctx, "INV-000001") == D("0.00")
        assert outstanding_of(ctx, "INV-000002") == D("200.00")  # the URN payment went oldest first
        assert outstanding_of(ctx, "INV-000003") == D("3000.00")
        payment = ctx.session.scalars(select(Payment).order_by(Payment.id)).first()
        assert payment is not None
        assert (payment.received_on, payment.method, payment.source) == (date(2019, 12, 15), "bacs", "import")


def test_the_same_file_imported_twice_records_its_payments_once(books: Engine, tmp_path: Path) -> None:
    path = tmp_path / "dec.csv"
    path.write_text(CSV)
    with service_context(books, date(2019, 12, 31)) as ctx:
        import_bank_file(ctx, path)
    with service_context(books, date(2020, 1, 2)) as ctx:
        again = import_bank_file(ctx, path)
        assert (again.matched, again.unmatched, again.already_imported) == ([], [], 7)
        assert ctx.session.scalar(select(func.count(Payment.id))) == 4
        assert ctx.session.scalar(select(func.count(BankLine.id))) == 7


def test_identical_lines_in_one_file_are_told_apart_by_their_occurrence() -> None:
    entries = read_csv(CSV)
    prints = fingerprints(entries)
    assert len(set(prints)) == 7
    assert prints == fingerprints(read_csv(CSV))


def test_a_column_map_reads_another_bank_layout(books: Engine, tmp_path: Path) -> None:
    path = tmp_path / "lloyds.csv"
    path.write_text("Transaction Date,Transaction Description,Credit Amount\n20/12/2019,INV000002,300.00\n")
    cols = {"date": "Transaction Date", "reference": "Transaction Description", "amount": "Credit Amount"}
    with service_context(books, date(2019, 12, 31)) as ctx:
        result = import_bank_file(ctx, path, cols)
        assert [m["allocations"] for m in result.matched] == [[{"invoice": "INV-000002", "amount": D("300.00")}]]


@pytest.mark.parametrize("text", ["when,amount,reference\n15/12/2019,1.00,x\n",
                                  "date,amount,reference\n31/02/2019,1.00,x\n",
                                  "date,amount,reference\n15/12/2019,1.005,x\n"])
def test_a_bad_csv_is_refused(books: Engine, tmp_path: Path, text: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with service_context(books, date(2019, 12, 31)) as ctx:
        with pytest.raises(InvalidInput):
            import_bank_file(ctx, path)


def test_an_mt940_statement_is_read_and_reimported_as_nothing(books: Engine) -> None:
    path = DATA / "mt940-sample.sta"
    with service_context(books, date(2019, 12, 31)) as ctx:
        result = import_bank_file(ctx, path)
        assert result.matched == [] and result.unmatched == []
        assert len(result.ignored) == 16  # 9 debits and 7 credits in DEM, EUR or PLN, none in pounds
        first = result.ignored[0]
        assert (first["date"], first["amount"]) == (date(2013, 10, 17), D("-6800.00"))
    with service_context(books, date(2019, 12, 31)) as ctx:
        assert import_bank_file(ctx, path).already_imported == 16


def test_an_mt940_credit_in_pounds_is_matched(books: Engine, tmp_path: Path) -> None:
    path = tmp_path / "gbp.sta"
    path.write_text(
        ":20:STMT1\n:25:00000012345678\n:28C:1/1\n:60F:C191213GBP0,00\n"
        ":61:1912161216C4500,00NTRFNONREF\n:86:INV-000001 SCHOOL 100001\n"
        ":62F:C191216GBP4500,00\n-\n")
    with service_context(books, date(2019, 12, 31)) as ctx:
        result = import_bank_file(ctx, path)
        assert [(m["urn"], m["date"], m["amount"]) for m in result.matched] == [
            ("100001", date(2019, 12, 16), D("4500.00"))]
        assert outstanding_of(ctx, "INV-000001") == D("0.00")
