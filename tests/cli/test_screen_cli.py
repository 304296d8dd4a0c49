"""What the screen shows (issue 15): tables that never cut a figure, one money format, words that agree.

Every table-producing command is rendered at 80 and 140 columns on a ledger with
80-character school names and seven-figure amounts; every amount and document number
must appear whole, no cell is cut with "…", and no table is wider than the terminal.
Rendering does not depend on the database, so these run on SQLite only.
"""

from __future__ import annotations

import json
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import Result
from sqlalchemy import Engine

from billing.charges import NewCharge, raise_charge
from billing.pricebooks import load_pricebook
from billing.schools import NewSchool, add_school, get_school
from cli.formats import count, money, plural
from cli.tables import table
from pricing.pricebook import sample_pricebook_text
from tests.support import cli_json, cli_refused, run_cli, service_context

SQLITE_ONLY = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)

BIG = "1234567.89"
LONG_ACADEMY = "The Reverend Archbishop of Eastbury Church of England Voluntary Academy Trust UK"
LONG_MAINTAINED = "Saint Bartholomew the Great Roman Catholic Primary School and Children's Centres"
ACADEMY, MAINTAINED = "100001", "100002"
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
DOCUMENT = re.compile(r"^(INV|CN)-\d{6}$")
MONEY = re.compile(r"^-?\d+\.\d{2}$")


def _cli(db_url: str, *args: str, as_of: str) -> object:
    return cli_json(db_url, *args, as_of=as_of)


@pytest.fixture
def ledger(db_url: str, engine: Engine, tmp_path: Path) -> dict[str, object]:
    """Two schools with 80-character names, a £1,234,567.89 invoice, part-paid, credited, late and reminded."""
    assert len(LONG_ACADEMY) == 80 and len(LONG_MAINTAINED) == 80
    with service_context(engine, date(2025, 7, 15)) as ctx:
        load_pricebook(ctx, sample_pricebook_text())
        add_school(ctx, NewSchool(urn=ACADEMY, name=LONG_ACADEMY, type="academy", number_on_roll=1500,
                                  address="1 Long Road\nEastbury", postcode="EB1 2AA"))
        add_school(ctx, NewSchool(urn=MAINTAINED, name=LONG_MAINTAINED, type="maintained", number_on_roll=400,
                                  address="2 Long Road\nEastbury", postcode="EB1 3AA", la_code="204"))
        raise_charge(ctx, NewCharge(
            school=get_school(ctx, ACADEMY), kind="subscription_fee", source_key=f"sub/{ACADEMY}/2025/1",
            service_code="subscription", description="Premium subscription 2025/26 for the whole trust",
            due_on=date(2025, 9, 1), amount=Decimal(BIG), item_vat_code="E",
            period_start=date(2025, 9, 1), period_end=date(2026, 8, 31)))
    _cli(db_url, "subscription", "add", MAINTAINED, "--tier", "premium", "--start", "2025-09-01", as_of="2025-08-01")
    _cli(db_url, "staff", "add", "--name", "Sam Patel", "--role", "Senior worker", "--cost-per-hour", "38.50",
         as_of="2025-08-01")
    case = _cli(db_url, "case", "open", MAINTAINED, "--referred", "2025-09-15", as_of="2025-09-15")
    _cli(db_url, "session", "add", str(case["id"]), "--start", "2025-09-22 09:00", "--hours", "3",  # type: ignore[index]
         "--staff", "Sam Patel", as_of="2025-09-15")
    _cli(db_url, "order", "add", MAINTAINED, "--item", "cpd_place", "--qty", "2", "--deliver-on", "2025-11-12",
         as_of="2025-09-15")
    _cli(db_url, "bill", "run", as_of="2025-09-01")  # INV-000001 £1,234,567.89; INV-000002
    _cli(db_url, "session", "deliver", "1", as_of="2025-09-22")
    _cli(db_url, "payment", "add", ACADEMY, "--amount", "1,000,000.00", "--on", "2025-10-15", "--method", "bacs",
         as_of="2025-10-15")
    _cli(db_url, "credit-note", "add", "INV-000001", "--amount", "1234.56", "--reason", "Two days charged twice",
         as_of="2025-10-20")
    _cli(db_url, "interest", "run", as_of="2025-12-31")
    _cli(db_url, "bill", "run", as_of="2026-01-01")
    _cli(db_url, "reminders", "run", as_of="2026-01-15")
    _cli(db_url, "budget", "set", "--fy", "FY2025/26", "--line", "Traded income from schools and academies",
         "--kind", "income", "--source", "traded", "--amount", BIG, as_of="2026-01-15")
    bank = tmp_path / "bank.csv"
    bank.write_text("date,amount,reference\n15/01/2026,1234567.89,TRANSFER FROM AN UNKNOWN PAYER\n")
    _cli(db_url, "payment", "import", str(bank), as_of="2026-01-20")
    return {"bank": str(bank)}


# Every command that prints a table, with the as-of date it is read on.
TABLE_COMMANDS: list[tuple[list[str], str]] = [
    (["school", "list"], "2026-01-31"),
    (["invoice", "list"], "2026-01-31"),
    (["invoice", "show", "INV-000001"], "2026-01-31"),
    (["invoice", "show", "CN-000001"], "2026-01-31"),
    (["statement", ACADEMY], "2026-01-31"),
    (["statement", MAINTAINED], "2026-01-31"),
    (["subscription", "list"], "2026-01-31"),
    (["subscription", "show", "1"], "2026-01-31"),
    (["order", "list"], "2026-01-31"),
    (["receipts", "list"], "2026-01-31"),
    (["report", "aged-debt"], "2026-01-31"),
    (["report", "budget"], "2026-01-31"),
    (["report", "school"], "2026-01-31"),
    (["report", "case-costs", "--year", "2025/26"], "2026-01-31"),
    (["budget", "list"], "2026-01-31"),
    (["entitlements", MAINTAINED], "2026-01-31"),
    (["pricebook", "show", "--year", "2025/26"], "2026-01-31"),
    (["case", "late-acks", "--year", "2025/26"], "2026-01-31"),
    (["interest", "run", "--dry-run"], "2026-03-31"),
    (["bill", "run", "--dry-run"], "2026-09-01"),
    (["bill", "run", "--dry-run", "--lines"], "2026-09-01"),
    (["bill", "list"], "2026-01-31"),
    (["bill", "show", "1"], "2026-01-31"),
    (["case", "list"], "2026-01-31"),
    (["case", "show", "1"], "2026-01-31"),
    (["session", "list"], "2026-01-31"),
    (["session", "show", "1"], "2026-01-31"),
    (["credit-note", "list"], "2026-01-31"),
    (["credit-note", "show", "CN-000001"], "2026-01-31"),
    (["staff", "list"], "2026-01-31"),
    (["staff", "show", "Sam Patel"], "2026-01-31"),
    (["interest", "list"], "2026-01-31"),
    (["order", "show", "1"], "2026-01-31"),
    (["reminders", "list"], "2026-01-31"),
    (["school", "show", ACADEMY], "2026-01-31"),
]


def _strings(value: object) -> list[str]:
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return [value] if isinstance(value, str) else []


def _money_fields(value: object, keys: set[str]) -> list[str]:
    """Amounts in the JSON under the given field names (the ones the table shows)."""
    found: list[str] = []
    if isinstance(value, dict):
        for k, v in value.items():
            if k in keys and isinstance(v, str) and MONEY.match(v):
                found.append(v)
            else:
                found += _money_fields(v, keys)
    elif isinstance(value, list):
        for v in value:
            found += _money_fields(v, keys)
    return found


SHOWN_MONEY = {"total", "outstanding", "net", "vat", "amount", "debit", "credit", "balance", "opening_balance",
               "closing_balance", "price", "budget", "actual", "due_now", "charged"}


@SQLITE_ONLY
@pytest.mark.parametrize("columns", [80, 140])
def test_every_table_shows_every_amount_and_document_number_whole(
        db_url: str, ledger: dict[str, object], columns: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", str(columns))
    seen_big = False
    for args, as_of in TABLE_COMMANDS:
        shown = run_cli(db_url, *args, as_of=as_of, as_json=False)
        assert shown.exit_code == 0, (args, shown.output)
        data = json.loads(run_cli(db_url, *args, as_of=as_of).stdout)
        text = shown.stdout
        assert "…" not in text, (args, text)
        for line in text.splitlines():
            assert len(line) <= columns, (args, line)
        for number in {s for s in _strings(data) if DOCUMENT.match(s)}:
            assert number in text, (args, number, text)
        for amount in _money_fields(data, SHOWN_MONEY):
            assert money(amount) in text, (args, amount, text)
        seen_big = seen_big or "£1,234,567.89" in text
        for name in (LONG_ACADEMY, LONG_MAINTAINED):
            if name in _strings(data):  # a name the JSON carries is on screen, wrapped between words at most
                assert " ".join(text.split()).count(name.split()[-1]) >= 1, (args, name)
    assert seen_big


@SQLITE_ONLY
def test_the_seven_figure_invoice_is_whole_at_80_columns(db_url: str, ledger: dict[str, object],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    listed = run_cli(db_url, "invoice", "list", as_of="2026-01-31", as_json=False).stdout
    row = next(line for line in listed.splitlines() if "INV-000001" in line)
    assert "2025-09-01" in row and "£1,234,567.89" in row
    statement = run_cli(db_url, "statement", ACADEMY, as_of="2026-01-31", as_json=False).stdout
    assert "£1,234,567.89" in statement and "£1,000,000.00" in statement and "CN-000001" in statement
    budget = run_cli(db_url, "report", "budget", as_of="2026-01-31", as_json=False).stdout
    assert budget.startswith("Budget FY2025/26")  # --fy defaults to the as-of date's financial year
    assert "£1,234,567.89" in budget


def test_a_table_too_wide_for_the_terminal_becomes_one_record_per_block() -> None:
    rows = [["INV-000001", LONG_ACADEMY, "£1,234,567.89", "£1,234,567.89", "£1,234,567.89", "£1,234,567.89"]]
    headers = ["Number", "School", "Net", "VAT", "Total", "Outstanding"]
    wide = table(headers, rows, align="llrrrr", title="1 invoice", width=140)
    assert wide.splitlines()[0] == "1 invoice" and "│ INV-000001 │" in wide
    narrow = table(headers, rows, align="llrrrr", title="1 invoice", width=60)
    assert narrow.splitlines() == [
        "1 invoice",
        "",
        "Number:      INV-000001",
        "School:      The Reverend Archbishop of Eastbury Church of",
        "             England Voluntary Academy Trust UK",
        "Net:         £1,234,567.89",
        "VAT:         £1,234,567.89",
        "Total:       £1,234,567.89",
        "Outstanding: £1,234,567.89",
    ]


def test_a_table_that_fits_without_its_box_is_printed_as_plain_columns() -> None:
    rows = [["INV-000001", "100001", "2025-09-01", "2025-10-01", "£1,234,567.89", "£233,333.33", "overdue"]]
    headers = ["Number", "URN", "Issued", "Due", "Total", "Outstanding", "Status"]
    assert table(headers, rows, align="llllrrl", title="1 invoice", width=80).splitlines() == [
        "1 invoice",
        "Number      URN     Issued      Due                 Total  Outstanding  Status",
        "──────────  ──────  ──────────  ──────────  ─────────────  ───────────  ───────",
        "INV-000001  100001  2025-09-01  2025-10-01  £1,234,567.89  £233,333.33  overdue",
    ]


def test_text_columns_wrap_between_words_and_fixed_columns_never_shrink() -> None:
    out = table(["Ref", "Description", "Amount"], [["C25-0001", "Extra casework at the day rate, 8 days", "£5,000.00"]],
                align="llr", width=44)
    assert out.splitlines() == [
        "┏━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━┓",
        "┃ Ref      ┃ Description       ┃    Amount ┃",
        "┡━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━┩",
        "│ C25-0001 │ Extra casework at │ £5,000.00 │",
        "│          │ the day rate, 8   │           │",
        "│          │ days              │           │",
        "└──────────┴───────────────────┴───────────┘",
    ]


def test_the_width_comes_from_columns_else_100_when_not_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    from cli.tables import DEFAULT_WIDTH, terminal_width

    monkeypatch.setenv("COLUMNS", "80")
    assert terminal_width() == 80
    monkeypatch.delenv("COLUMNS")
    assert terminal_width() == DEFAULT_WIDTH == 100  # pytest's stdout is not a terminal


def test_screen_words_yes_no_plurals_and_one_money_format() -> None:
    assert [count(0, "invoice"), count(1, "invoice"), count(2, "invoice")] == ["0 invoices", "1 invoice", "2 invoices"]
    assert plural(1, "entry", "entries") == "entry" and count(3, "entry", "entries") == "3 entries"
    assert [money("1234567.89"), money(Decimal("-12")), money(None)] == ["£1,234,567.89", "-£12.00", ""]
    assert table(["Covered", "On"], [[True, date(2026, 1, 1)], [False, None]], width=40).splitlines()[3:5] == [
        "│ yes     │ 2026-01-01 │", "│ no      │            │"]


@SQLITE_ONLY
def test_plurals_and_yes_no_in_command_output(db_url: str, ledger: dict[str, object]) -> None:
    one = run_cli(db_url, "invoice", "list", "--urn", MAINTAINED, as_of="2026-01-31", as_json=False).stdout
    assert one.splitlines()[0] == "1 invoice"
    schools = run_cli(db_url, "school", "list", as_of="2026-01-31", as_json=False).stdout
    assert schools.splitlines()[0] == "2 schools"
    orders = run_cli(db_url, "order", "list", as_of="2026-01-31", as_json=False).stdout
    assert "True" not in orders and "False" not in orders
    assert re.search(r"│ (yes|no)\s+│", orders)
    assert orders.splitlines()[0] == "1 order"


@SQLITE_ONLY
def test_a_cancelled_subscription_shows_its_effective_end_and_its_contract_end(
        db_url: str, ledger: dict[str, object], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "140")
    cancelled = cli_json(db_url, "subscription", "cancel", "1", "--notice", "2026-01-05", "--end", "2026-02-28",
                         as_of="2026-01-05")
    assert cancelled["effective_end"] == "2026-03-30"
    shown = run_cli(db_url, "subscription", "show", "1", as_of="2026-01-05", as_json=False).stdout
    assert shown.startswith(f"Subscription 1: premium for URN {MAINTAINED}, 2025-09-01 to 2026-03-30 "
                            "(cancelled; contract end 2027-08-31), annual")


@SQLITE_ONLY
def test_global_options_are_accepted_after_the_command(db_url: str, ledger: dict[str, object]) -> None:
    from click.testing import CliRunner

    from cli.main import cli

    def run(*args: str) -> Result:
        return CliRunner().invoke(cli, list(args), catch_exceptions=False)

    before = run("--db", db_url, "--as-of", "2026-01-31", "--json", "invoice", "list", "--urn", ACADEMY)
    after = run("invoice", "list", "--urn", ACADEMY, "--as-of", "2026-01-31", "--json", "--db", db_url)
    assert before.exit_code == after.exit_code == 0 and after.stdout == before.stdout
    mixed = run("--db", db_url, "invoice", "--json", "list", "--as-of=2026-01-31")
    assert mixed.exit_code == 0 and json.loads(mixed.stdout) == json.loads(run(
        "--db", db_url, "--json", "--as-of", "2026-01-31", "invoice", "list").stdout)
    # A value that looks like a global option stays the value of the option before it.
    refused = run("--db", db_url, "credit-note", "add", "INV-000001", "--amount", "0", "--reason", "--json")
    assert refused.exit_code == 1 and refused.stderr == "traded: credit note amount '0' must be more than 0.00\n"
    missing = run("--db", db_url, "bill", "run", "--as-of")
    assert missing.exit_code == 2
    assert "--as-of needs a value; it is a global option, best put before the command, " \
           "e.g. traded --as-of 2026-01-01 bill run" in missing.stderr


@SQLITE_ONLY
@pytest.mark.parametrize("command", [
    ["payment", "add", ACADEMY, "--amount", "0", "--on", "2026-01-10", "--method", "bacs"],
    ["payment", "refund", ACADEMY, "--amount", "0", "--on", "2026-01-10", "--reason", "x"],
    ["credit-note", "add", "INV-000001", "--amount", "0", "--reason", "x"],
    ["budget", "cost", "--on", "2026-01-10", "--amount", "0", "--source", "council", "--description", "Venue"],
])
def test_a_zero_amount_gets_the_same_words_from_every_command(db_url: str, ledger: dict[str, object],
                                                              command: list[str]) -> None:
    error = cli_refused(db_url, *command, as_of="2026-01-15")
    assert re.fullmatch(r"[a-z ]+ '0' must be more than 0\.00", error["message"]), error


@SQLITE_ONLY
def test_list_csv_is_written_through_the_one_writer(db_url: str, ledger: dict[str, object], tmp_path: Path) -> None:
    target = tmp_path / "invoices.csv"
    shown = run_cli(db_url, "invoice", "list", "--csv", str(target), as_of="2026-01-31", as_json=False)
    assert shown.exit_code == 0 and shown.stdout.rstrip().endswith(f"CSV written to {target}.")
    lines = target.read_text().splitlines()
    assert lines[0] == "number,purpose,urn,issued,due,total,outstanding,status"
    assert lines[1] == f"INV-000001,standard,{ACADEMY},2025-09-01,2025-10-01,{BIG},233333.33,overdue"
    again = run_cli(db_url, "invoice", "list", "--csv", str(target), as_of="2026-01-31", as_json=False)
    assert again.exit_code == 1 and again.stderr == f"traded: {target} already exists: add --force to replace it\n"
    assert again.stdout == ""
    forced = cli_json(db_url, "school", "list", "--csv", str(target), "--force", as_of="2026-01-31")
    assert [s["name"] for s in forced] == [LONG_MAINTAINED, LONG_ACADEMY]  # the JSON is unchanged by --csv
    assert target.read_text().splitlines()[0].startswith("urn,name,type,roll")
