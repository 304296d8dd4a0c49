"""Bank statement import: CSV, MT940 and camt.053; every line kept with its status (§8)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

import billing.bank_import as bank_import
from billing.bank_import import fingerprints, import_bank_file, read_csv, run_bank_import
from billing.models import AuditEntry, BankLine, Payment
from billing.receipts import match_by_hand, reject_line, rematch_waiting
from billing.schools import NewSchool, add_school
from pricing.clock import FixedClock
from pricing.errors import InvalidInput, NotFound, RuleViolation
from tests.billing.test_payments import make_invoice, outstanding_of, setup_ledger
from tests.support import service_context, table_dump

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


def _file(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def _statuses(engine: Engine) -> list[tuple[str, str, str | None]]:
    with service_context(engine, date(2019, 12, 31)) as ctx:
        return [(line.reference, line.status, line.reason)
                for line in ctx.session.scalars(select(BankLine).order_by(BankLine.id))]


def test_a_csv_is_matched_by_invoice_number_or_urn_and_the_rest_kept(books: Engine, tmp_path: Path) -> None:
    path = _file(tmp_path, "dec.csv", CSV)
    with service_context(books, date(2019, 12, 31)) as ctx:
        result = import_bank_file(ctx, path)
        assert [(m["urn"], m["matched_by"], m["amount"]) for m in result.matched] == [
            ("100001", "invoice", D("4500.00")), ("100002", "urn", D("100.00")),
            ("100002", "invoice", D("1000.00")), ("100002", "invoice", D("1000.00"))]
        assert [(u["amount"], u["reference"]) for u in result.unmatched] == [
            (D("250.00"), "DONATION"), (D("10.00"), "INV-000001 INV-000003")]  # two schools: not guessed
        assert [(i["amount"], i["reason"]) for i in result.rejected] == [(D("-35.00"), "a debit (money out)")]
        assert result.counts() == {"read": 7, "matched": 4, "unmatched": 2, "future": 0, "already_imported": 0,
                                   "rejected": 1}
        assert outstanding_of(ctx, "INV-000001") == D("0.00")
        assert outstanding_of(ctx, "INV-000002") == D("200.00")  # the URN payment went oldest first
        assert outstanding_of(ctx, "INV-000003") == D("3000.00")
        payment = ctx.session.scalars(select(Payment).order_by(Payment.id)).first()
        assert payment is not None
        assert (payment.received_on, payment.method, payment.source) == (date(2019, 12, 15), "bacs", "import")
        lines = list(ctx.session.scalars(select(BankLine).order_by(BankLine.id)))
        assert [(x.status, x.line_no, x.source_file) for x in lines] == [
            ("matched", 2, "dec.csv"), ("matched", 3, "dec.csv"), ("unmatched", 4, "dec.csv"),
            ("rejected", 5, "dec.csv"), ("unmatched", 6, "dec.csv"), ("matched", 7, "dec.csv"),
            ("matched", 8, "dec.csv")]
        assert lines[2].reason == "no invoice number or URN found"
        assert lines[4].reason == "invoices of more than one school"
        audit = ctx.session.scalars(select(AuditEntry).where(AuditEntry.action == "bank.import")).one()
        assert audit.detail is not None and audit.detail["read"] == 7 and audit.detail["rejected"] == 1


def test_the_same_file_imported_twice_records_its_payments_once(books: Engine, tmp_path: Path) -> None:
    path = _file(tmp_path, "dec.csv", CSV)
    with service_context(books, date(2019, 12, 31)) as ctx:
        import_bank_file(ctx, path)
    with service_context(books, date(2020, 1, 2)) as ctx:
        again = import_bank_file(ctx, path)
        assert (again.matched, again.unmatched, again.rejected, again.already_imported) == ([], [], [], 7)
        assert again.counts()["read"] == 7
        assert ctx.session.scalar(select(func.count(Payment.id))) == 4
        assert ctx.session.scalar(select(func.count(BankLine.id))) == 7


def test_identical_lines_in_one_file_are_told_apart_by_their_occurrence() -> None:
    entries = read_csv(CSV)
    prints = fingerprints(entries)
    assert len(set(prints)) == 7
    assert prints == fingerprints(read_csv(CSV))


def test_a_reference_re_exported_in_other_case_or_spacing_is_the_same_line(books: Engine, tmp_path: Path) -> None:
    with service_context(books, date(2019, 10, 1)) as ctx:
        make_invoice(ctx, "100001", "800.00", date(2019, 10, 1), date(2019, 10, 31), number="INV-000066")
    for n, reference in enumerate(["INV-000066 GARDEN", "inv-000066 garden", "INV-000066  GARDEN",
                                   " Inv-000066\tGarden "]):
        path = _file(tmp_path, f"export-{n}.csv", f'date,amount,reference\n20/12/2019,800.00,"{reference}"\n')
        with service_context(books, date(2019, 12, 31)) as ctx:
            result = import_bank_file(ctx, path)
            assert result.counts()["read"] == 1
            assert (len(result.matched), result.already_imported) == ((1, 0) if n == 0 else (0, 1))
    with service_context(books, date(2019, 12, 31)) as ctx:
        assert ctx.session.scalar(select(func.count(Payment.id))) == 1
        assert outstanding_of(ctx, "INV-000066") == D("0.00")


def test_two_such_lines_in_one_file_are_two_payments(books: Engine, tmp_path: Path) -> None:
    path = _file(tmp_path, "two.csv", "date,amount,reference\n20/12/2019,150.00,INV-000002 GARDEN\n"
                                      "20/12/2019,150.00,inv-000002  garden\n")
    with service_context(books, date(2019, 12, 31)) as ctx:
        assert len(import_bank_file(ctx, path).matched) == 2
        assert outstanding_of(ctx, "INV-000002") == D("0.00")
    again = _file(tmp_path, "again.csv", "date,amount,reference\n20/12/2019,150.00,INV-000002 garden\n")
    with service_context(books, date(2019, 12, 31)) as ctx:
        assert import_bank_file(ctx, again).already_imported == 1  # the first of the two


def test_a_column_map_reads_another_bank_layout(books: Engine, tmp_path: Path) -> None:
    path = _file(tmp_path, "lloyds.csv",
                 "Transaction Date,Transaction Description,Credit Amount\n20/12/2019,INV000002,300.00\n")
    cols = {"date": "Transaction Date", "reference": "Transaction Description", "amount": "Credit Amount"}
    with service_context(books, date(2019, 12, 31)) as ctx:
        result = import_bank_file(ctx, path, cols)
        assert [m["allocations"] for m in result.matched] == [[{"invoice": "INV-000002", "amount": D("300.00")}]]


def test_a_price_book_profile_reads_credit_and_debit_columns(books: Engine, tmp_path: Path) -> None:
    path = _file(tmp_path, "lloyds.csv",
                 "Transaction Date,Transaction Type,Sort Code,Account Number,Transaction Description,"
                 "Debit Amount,Credit Amount,Balance\n"
                 "20/12/2019,FPI,'00-00-00,12345678,INV000002 ST MARYS,,300.00,300.00\n"
                 "21/12/2019,DD,'00-00-00,12345678,BANK CHARGES,12.50,,287.50\n")
    with service_context(books, date(2019, 12, 31)) as ctx:
        result = import_bank_file(ctx, path, profile="lloyds")
        assert [m["amount"] for m in result.matched] == [D("300.00")]
        assert [(r["amount"], r["reason"]) for r in result.rejected] == [(D("-12.50"), "a debit (money out)")]
    with pytest.raises(NotFound, match='no bank profile "hsbc"'), service_context(books, date(2019, 12, 31)) as ctx:
        import_bank_file(ctx, path, profile="hsbc")


@pytest.mark.parametrize("text", ["when,amount,reference\n15/12/2019,1.00,x\n",
                                  "date,amount,reference\n31/02/2019,1.00,x\n",
                                  "date,amount,reference\n15/12/2019,1.005,x\n",
                                  "date,amount,reference\n15/12/2019,\"12,50\",x\n"])
def test_a_bad_csv_is_refused_and_writes_nothing(books: Engine, tmp_path: Path, text: str) -> None:
    path = _file(tmp_path, "bad.csv", "date,amount,reference\n15/12/2019,4500.00,INV-000001\n" + text.split("\n", 1)[1]
                 if text.startswith("date") else text)
    before = table_dump(books)
    with pytest.raises(InvalidInput):
        run_bank_import(books, FixedClock(date(2019, 12, 31)), "test", path, chunk_size=1)
    assert table_dump(books) == before


def test_an_mt940_statement_is_read_and_reimported_as_nothing(books: Engine) -> None:
    path = DATA / "mt940-sample.sta"
    with service_context(books, date(2019, 12, 31)) as ctx:
        result = import_bank_file(ctx, path)
        assert result.matched == [] and result.unmatched == [] and result.format == "mt940"
        assert len(result.rejected) == 16  # 9 debits and 7 credits in DEM, EUR or PLN, none in pounds
        first = result.rejected[0]
        assert (first["date"], first["amount"]) == (date(2013, 10, 17), D("-6800.00"))
        assert {r["reason"] for r in result.rejected} == {"in DEM, not pounds", "in EUR, not pounds",
                                                          "in PLN, not pounds"}
    with service_context(books, date(2019, 12, 31)) as ctx:
        assert import_bank_file(ctx, path).already_imported == 16


def test_an_mt940_credit_in_pounds_is_matched(books: Engine, tmp_path: Path) -> None:
    path = _file(tmp_path, "gbp.sta",
                 ":20:STMT1\n:25:00000012345678\n:28C:1/1\n:60F:C191213GBP0,00\n"
                 ":61:1912161216C4500,00NTRFNONREF\n:86:INV-000001 SCHOOL 100001\n"
                 ":62F:C191216GBP4500,00\n-\n")
    with service_context(books, date(2019, 12, 31)) as ctx:
        result = import_bank_file(ctx, path)
        assert [(m["urn"], m["date"], m["amount"]) for m in result.matched] == [
            ("100001", date(2019, 12, 16), D("4500.00"))]
        assert outstanding_of(ctx, "INV-000001") == D("0.00")


# --- camt.053 -----------------------------------------------------------------------------


def test_a_camt053_statement_is_matched_by_reference(books: Engine) -> None:
    path = DATA / "camt053-sample.xml"
    with service_context(books, date(2019, 12, 31)) as ctx:
        result = import_bank_file(ctx, path)
        assert result.format == "camt.053"
        assert [(m["urn"], m["date"], m["amount"], m["matched_by"]) for m in result.matched] == [
            ("100001", date(2019, 12, 16), D("4500.00"), "invoice"),
            ("100002", date(2019, 12, 17), D("300.00"), "invoice"),     # structured creditor reference
            ("100002", date(2019, 12, 17), D("1000.00"), "invoice")]    # second transaction of a batch
        assert [(u["amount"], u["reference"]) for u in result.unmatched] == [(D("250.00"), "DONATION")]
        assert [(r["amount"], r["reference"]) for r in result.rejected] == [(D("-35.00"), "BANK CHARGES")]
        assert result.not_booked == 1  # the pending entry is not a statement line yet
        assert result.counts()["read"] == 5
        assert result.matched[0]["reference"] == "INV-000001 thank you"
        assert outstanding_of(ctx, "INV-000001") == D("0.00")
        assert outstanding_of(ctx, "INV-000002") == D("0.00")
        assert outstanding_of(ctx, "INV-000003") == D("4000.00")
    with service_context(books, date(2020, 1, 2)) as ctx:
        again = import_bank_file(ctx, path)
        assert (again.already_imported, again.counts()["read"]) == (5, 5)
        assert ctx.session.scalar(select(func.count(Payment.id))) == 3


CAMT_HEAD = ('<?xml version="1.0"?>{doctype}<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">'
             "<BkToCstmrStmt><GrpHdr><MsgId>M1</MsgId><CreDtTm>2019-12-18T18:00:00</CreDtTm></GrpHdr>"
             "<Stmt><Id>S1</Id>{entries}</Stmt></BkToCstmrStmt></Document>")
ENTRY = ('<Ntry><Amt Ccy="GBP">{amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>'
         "<BookgDt><Dt>2019-12-18</Dt></BookgDt><NtryDtls>{details}</NtryDtls></Ntry>")


def test_camt053_entities_are_not_expanded(books: Engine, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET-100001")
    doctype = f'<!DOCTYPE Document [<!ENTITY xxe SYSTEM "file://{secret}">]>'
    details = "<TxDtls><Amt Ccy=\"GBP\">5.00</Amt><RmtInf><Ustrd>&xxe;</Ustrd></RmtInf></TxDtls>"
    path = _file(tmp_path, "xxe.xml", CAMT_HEAD.format(doctype=doctype,
                                                       entries=ENTRY.format(amount="5.00", details=details)))
    with service_context(books, date(2019, 12, 31)) as ctx:
        result = import_bank_file(ctx, path)
        assert result.matched == []
        assert all("SECRET" not in str(line["reference"]) for line in result.unmatched)


@pytest.mark.parametrize("text, message", [
    ('<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>', "not a readable camt.053"),
    ('<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"/>', "no statement"),
    ('<?xml version="1.0"?><Invoice xmlns="urn:oasis:names:specification:ubl"/>', "not an ISO 20022 camt.053"),
    (CAMT_HEAD.format(doctype="", entries=ENTRY.format(
        amount="20.00", details="<TxDtls><RmtInf><Ustrd>A</Ustrd></RmtInf></TxDtls>"
                                "<TxDtls><RmtInf><Ustrd>B</Ustrd></RmtInf></TxDtls>")),
     "without their own amounts"),
    (CAMT_HEAD.format(doctype="", entries=ENTRY.format(amount="1e3", details="")), "exponent"),
])
def test_a_bad_camt053_file_is_refused(books: Engine, tmp_path: Path, text: str, message: str) -> None:
    path = _file(tmp_path, "bad.xml", text)
    before = table_dump(books)
    with pytest.raises(InvalidInput, match=message):
        run_bank_import(books, FixedClock(date(2019, 12, 31)), "test", path)
    assert table_dump(books) == before


# --- future-dated and waiting lines -------------------------------------------------------


def test_a_future_dated_line_matches_when_its_date_comes(books: Engine, tmp_path: Path) -> None:
    path = _file(tmp_path, "jan.csv", "date,amount,reference\n06/01/2020,300.00,INV-000002\n")
    with service_context(books, date(2020, 1, 2)) as ctx:
        result = import_bank_file(ctx, path)
        assert (len(result.future), result.matched) == (1, [])
        assert ctx.session.scalar(select(func.count(Payment.id))) == 0
    with service_context(books, date(2020, 1, 5)) as ctx:
        early = rematch_waiting(ctx)
        assert (early.matched, early.future) == ([], 1)
    with service_context(books, date(2020, 1, 6)) as ctx:
        due = rematch_waiting(ctx)
        assert [(m["urn"], m["date"], m["amount"]) for m in due.matched] == [("100002", date(2020, 1, 6),
                                                                              D("300.00"))]
        assert outstanding_of(ctx, "INV-000002") == D("0.00")
        line = ctx.session.scalars(select(BankLine)).one()
        assert (line.status, line.payment_id is not None) == ("matched", True)
    with service_context(books, date(2020, 1, 7)) as ctx:
        assert import_bank_file(ctx, path).already_imported == 1  # once, even now that its date has come
        assert rematch_waiting(ctx).matched == []
        assert ctx.session.scalar(select(func.count(Payment.id))) == 1
        actions = list(ctx.session.scalars(select(AuditEntry.action).where(AuditEntry.entity == "bank_line")))
        assert actions == ["bank_line.match"]


def test_a_future_line_with_no_school_joins_the_unmatched_when_due(books: Engine, tmp_path: Path) -> None:
    path = _file(tmp_path, "jan.csv", "date,amount,reference\n06/01/2020,30.00,RAFFLE\n")
    with service_context(books, date(2020, 1, 2)) as ctx:
        import_bank_file(ctx, path)
    other = _file(tmp_path, "feb.csv", "date,amount,reference\n03/02/2020,-2.00,FEE\n")
    with service_context(books, date(2020, 2, 3)) as ctx:
        result = import_bank_file(ctx, other)  # the next import takes the waiting lines again
        assert result.rematched == []
        line = ctx.session.scalars(select(BankLine).where(BankLine.reference == "RAFFLE")).one()
        assert (line.status, line.reason) == ("unmatched", "no invoice number or URN found")


def test_an_unmatched_line_is_matched_once_its_school_is_registered(books: Engine, tmp_path: Path) -> None:
    path = _file(tmp_path, "dec.csv", "date,amount,reference\n15/12/2019,75.00,SCHOOL 100003 TRIP\n")
    with service_context(books, date(2019, 12, 31)) as ctx:
        assert len(import_bank_file(ctx, path).unmatched) == 1
    with service_context(books, date(2020, 1, 2)) as ctx:
        add_school(ctx, NewSchool(urn="100003", name="School 100003", type="academy", la_code="204",
                                  address="2 High Street\nEastbury", postcode="EB1 2BC"))
    with service_context(books, date(2020, 1, 2)) as ctx:
        again = import_bank_file(ctx, path)
        assert again.already_imported == 1
        assert [(m["urn"], m["amount"]) for m in again.rematched] == [("100003", D("75.00"))]


# --- a person's decisions -----------------------------------------------------------------


def test_a_waiting_line_is_matched_by_hand_or_rejected_with_a_reason(books: Engine, tmp_path: Path) -> None:
    path = _file(tmp_path, "dec.csv", CSV)
    with service_context(books, date(2019, 12, 31)) as ctx:
        result = import_bank_file(ctx, path)
        donation, two_schools = (int(u["id"]) for u in result.unmatched)  # type: ignore[call-overload]
        debit = int(result.rejected[0]["id"])  # type: ignore[call-overload]
        matched = int(result.matched[0]["id"])  # type: ignore[call-overload]
    with service_context(books, date(2020, 1, 2), actor="jo") as ctx:
        done = match_by_hand(ctx, two_schools, "100002", ["INV-000003"])
        assert (done["status"], done["urn"], done["allocations"]) == (
            "matched", "100002", [{"invoice": "INV-000003", "amount": D("10.00")}])
        payment = ctx.session.get(Payment, done["payment"])
        assert payment is not None
        assert (payment.amount, payment.received_on, payment.reference) == (
            D("10.00"), date(2019, 12, 18), "INV-000001 INV-000003")
        rejected = reject_line(ctx, donation, "  Cake sale money for the PTA,   not a school  ")
        assert (rejected["status"], rejected["reason"]) == ("rejected", "Cake sale money for the PTA, not a school")
        entry = ctx.session.scalars(select(AuditEntry).where(AuditEntry.action == "bank_line.reject")).one()
        assert (entry.actor, entry.entity_id, entry.reason) == ("jo", str(donation),
                                                                "Cake sale money for the PTA, not a school")
    for call, code in [(lambda c: match_by_hand(c, matched, "100001"), "already_matched"),
                       (lambda c: reject_line(c, matched, "x"), "already_matched"),
                       (lambda c: reject_line(c, donation, "again"), "already_rejected"),
                       (lambda c: match_by_hand(c, debit, "100001"), "not_a_payment"),
                       (lambda c: match_by_hand(c, 999, "100001"), "unknown_bank_line"),
                       (lambda c: reject_line(c, donation, "   "), "invalid_input")]:
        before = table_dump(books)
        with pytest.raises((RuleViolation, NotFound, InvalidInput)) as refused, \
                service_context(books, date(2020, 1, 2)) as ctx:
            call(ctx)
        assert refused.value.code == code
        assert table_dump(books) == before
    with service_context(books, date(2020, 1, 2)) as ctx:  # a person may overturn a rejection
        assert match_by_hand(ctx, donation, "100001")["status"] == "matched"


# --- chunks -------------------------------------------------------------------------------


def test_an_import_committed_in_chunks_and_cut_short_is_finished_by_running_it_again(
        books: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _file(tmp_path, "dec.csv", CSV)
    real_take, taken = bank_import._take, []

    def dies_after_four(*args: object) -> None:
        if len(taken) == 4:
            raise RuntimeError("killed")
        taken.append(1)
        real_take(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(bank_import, "_take", dies_after_four)
    with pytest.raises(RuntimeError):
        run_bank_import(books, FixedClock(date(2019, 12, 31)), "test", path, chunk_size=2)
    with service_context(books, date(2019, 12, 31)) as ctx:
        assert ctx.session.scalar(select(func.count(BankLine.id))) == 4  # two whole chunks
    monkeypatch.setattr(bank_import, "_take", real_take)
    result = run_bank_import(books, FixedClock(date(2019, 12, 31)), "test", path, chunk_size=2)
    assert result.counts() == {"read": 7, "matched": 2, "unmatched": 1, "future": 0, "already_imported": 4,
                               "rejected": 0}
    with service_context(books, date(2019, 12, 31)) as ctx:
        assert ctx.session.scalar(select(func.count(BankLine.id))) == 7
        assert ctx.session.scalar(select(func.count(Payment.id))) == 4
    assert [s for _, s, _ in _statuses(books)] == ["matched", "matched", "unmatched", "rejected", "unmatched",
                                                  "matched", "matched"]
