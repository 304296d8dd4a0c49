"""`traded payment import` and the `traded receipts` worklist against the CLI contract (§8)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.billing.test_payments import make_invoice, setup_ledger
from tests.support import cli_json, cli_refused, run_cli, service_context, table_dump


@pytest.fixture
def books(engine: Engine) -> Engine:
    with service_context(engine, date(2019, 10, 1)) as ctx:
        setup_ledger(ctx, ("100001", "academy"), ("100002", "academy"))
        make_invoice(ctx, "100001", "4500.00", date(2019, 10, 1), date(2019, 10, 31))  # INV-000001
        make_invoice(ctx, "100002", "300.00", date(2019, 10, 1), date(2019, 10, 31))   # INV-000002
    return engine


@pytest.fixture
def statement(tmp_path: Path) -> Path:
    path = tmp_path / "dec.csv"
    path.write_text("date,amount,reference\n"
                    "15/12/2019,4500.00,INV-000001\n"
                    "16/12/2019,75.00,RAFFLE\n"
                    "17/12/2019,-3.50,BANK CHARGE\n"
                    "20/12/2019,300.00,inv 000002\n")
    return path


def test_import_reports_every_line_read(db_url: str, books: Engine, statement: Path) -> None:
    out = cli_json(db_url, "payment", "import", str(statement), as_of="2019-12-16")
    assert out["read"] == 4 and out["matched"] == 1
    assert out["counts"] == {"read": 4, "matched": 1, "unmatched": 1, "future": 1, "already_imported": 0,
                             "rejected": 1}
    assert [(u["amount"], u["reference"], u["reason"]) for u in out["unmatched"]] == [
        ("75.00", "RAFFLE", "no invoice number or URN found")]
    assert [(u["date"], u["amount"]) for u in out["future"]] == [("2019-12-20", "300.00")]
    assert [(u["amount"], u["reason"]) for u in out["rejected"]] == [("-3.50", "a debit (money out)")]
    text = run_cli(db_url, "payment", "import", str(statement), as_of="2019-12-16", as_json=False)
    assert text.exit_code == 0
    assert "4 lines read = 0 matched + 0 unmatched + 0 future-dated + 4 already imported + 0 rejected" in text.stdout


def test_the_worklist_is_listed_matched_rejected_and_rematched(db_url: str, books: Engine,
                                                                statement: Path) -> None:
    cli_json(db_url, "payment", "import", str(statement), as_of="2019-12-16")
    waiting = cli_json(db_url, "receipts", "list", as_of="2019-12-16")
    assert [(x["reference"], x["status"]) for x in waiting["lines"]] == [("RAFFLE", "unmatched"),
                                                                       ("inv 000002", "future")]
    assert (waiting["count"], waiting["total"]) == (2, "375.00")
    raffle, future = (x["id"] for x in waiting["lines"])
    rejected = cli_json(db_url, "receipts", "list", "--status", "rejected", as_of="2019-12-16")
    assert [x["reference"] for x in rejected["lines"]] == ["BANK CHARGE"]

    early = cli_json(db_url, "receipts", "rematch", as_of="2019-12-19")
    assert (early["count"], early["still_future"], early["still_unmatched"]) == (0, 1, 1)
    due = cli_json(db_url, "receipts", "rematch", as_of="2019-12-20")
    assert [(m["id"], m["urn"], m["amount"]) for m in due["matched"]] == [(future, "100002", "300.00")]
    assert due["total"] == "300.00"

    done = cli_json(db_url, "receipts", "match", str(raffle), "--urn", "100001", "--invoice", "INV-000001",
                    as_of="2019-12-20")
    assert (done["status"], done["urn"], done["date"], done["amount"]) == ("matched", "100001", "2019-12-16",
                                                                          "75.00")
    assert done["unallocated"] == "75.00"  # INV-000001 was already paid: the money is account credit
    matched = cli_json(db_url, "receipts", "list", "--status", "matched", as_of="2019-12-20")
    assert sorted((x["reference"], x["urn"]) for x in matched["lines"]) == [
        ("INV-000001", "100001"), ("RAFFLE", "100001"), ("inv 000002", "100002")]
    assert cli_json(db_url, "receipts", "list", as_of="2019-12-20")["lines"] == []
    text = run_cli(db_url, "receipts", "list", "--status", "all", as_of="2019-12-20", as_json=False)
    assert text.exit_code == 0 and "RAFFLE" in text.stdout and "BANK CHARGE" in text.stdout


def test_reject_records_the_reason(db_url: str, books: Engine, statement: Path) -> None:
    cli_json(db_url, "payment", "import", str(statement), as_of="2019-12-16")
    raffle = cli_json(db_url, "receipts", "list", "--status", "unmatched", as_of="2019-12-16")["lines"][0]["id"]
    out = cli_json(db_url, "receipts", "reject", str(raffle), "--reason", "PTA raffle money, not ours",
                   as_of="2019-12-16")
    assert (out["status"], out["reason"]) == ("rejected", "PTA raffle money, not ours")
    listed = cli_json(db_url, "receipts", "list", "--status", "rejected", as_of="2019-12-16")
    assert {x["reference"]: x["reason"] for x in listed["lines"]}["RAFFLE"] == "PTA raffle money, not ours"


def test_import_with_a_price_book_profile(db_url: str, books: Engine, tmp_path: Path) -> None:
    path = tmp_path / "natwest.csv"
    path.write_text("Date,Type,Description,Value,Balance\n15/12/2019,BAC,INV-000001 ACADEMY,4500.00,4500.00\n")
    out = cli_json(db_url, "payment", "import", str(path), "--profile", "natwest", as_of="2019-12-16")
    assert out["matched"] == 1


@pytest.mark.parametrize("args, code", [
    (["receipts", "match", "1", "--urn", "100001"], "already_matched"),
    (["receipts", "match", "2", "--urn", "999999"], "unknown_school"),
    (["receipts", "match", "2", "--urn", "100001", "--invoice", "INV-000002"], "other_school_invoice"),
    (["receipts", "match", "3", "--urn", "100001"], "not_a_payment"),
    (["receipts", "match", "4", "--urn", "100002"], "future_line"),
    (["receipts", "match", "x", "--urn", "100002"], "invalid_input"),
    (["receipts", "match", "99", "--urn", "100002"], "unknown_bank_line"),
    (["receipts", "reject", "1", "--reason", "no"], "already_matched"),
    (["receipts", "reject", "2", "--reason", " "], "invalid_input"),
    (["receipts", "list", "--file", "other.csv", "--status", "bogus"], None),
    (["payment", "import", "{statement}", "--profile", "hsbc"], "unknown_bank_profile"),
    (["payment", "import", "{statement}", "--column", "when=Date"], "invalid_input"),
    (["payment", "import", "{statement}", "--column", "debit=Debit"], "invalid_input"),
])
def test_bad_worklist_commands_are_refused_and_write_nothing(db_url: str, books: Engine, statement: Path,
                                                            args: list[str], code: str | None) -> None:
    cli_json(db_url, "payment", "import", str(statement), as_of="2019-12-16")
    args = [a.replace("{statement}", str(statement)) for a in args]
    before = table_dump(books)
    if code is None:
        assert run_cli(db_url, *args, as_of="2019-12-16").exit_code == 2  # a usage error
    else:
        assert cli_refused(db_url, *args, as_of="2019-12-16")["code"] == code
    assert table_dump(books) == before


def test_every_receipts_command_has_help_with_an_example(db_url: str) -> None:
    for command in ("list", "match", "reject", "rematch"):
        result = run_cli(db_url, "receipts", command, "--help", as_json=False)
        assert result.exit_code == 0 and "Example:" in result.stdout
