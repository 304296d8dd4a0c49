"""Every record the team touches is findable: `list`/`show` for cases, sessions, credit notes, staff,
interest charges, orders, reminders sent and bill runs, and `bill run --dry-run --lines` (issue 15).

One small ledger, built through the command line: two schools (an own maintained school and an
academy), two staff, two subscriptions, a bill run, two cases with three sessions (one deemed
delivered under the 48-hour rule), a part-covered order, a credit note, interest, reminders and
a second bill run with an interest invoice.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.billing.test_bill_run import INVOICE_MAINTAINED
from tests.cli.test_pricebook_cli import load, write_sample
from tests.support import cli_json, cli_refused, run_cli, table_dump

INSTANT = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d")


@pytest.fixture(autouse=True)
def _actor(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRADED_USER", "finance.officer")


def ledger(db: str, tmp_path: Path) -> None:
    # The council invoices its own maintained schools here (issue 20's settlement by journal off): these tests
    # are about the records and documents of invoices (tests/cli/test_journal_cli.py: recharges).
    cli_json(db, "pricebook", "load", write_sample(tmp_path, INVOICE_MAINTAINED))
    cli_json(db, "school", "add", "--urn", "100279", "--name", "Stoke Newington School", "--type", "maintained",
             "--roll", "1666", "--address", "Clissold Road\nLondon", "--postcode", "N16 9EX")
    cli_json(db, "school", "add", "--urn", "100280", "--name", "Mossbourne Academy", "--type", "academy",
             "--roll", "500")
    cli_json(db, "staff", "add", "--name", "Priya Shah", "--role", "Senior worker", "--cost-per-hour", "38.50")
    cli_json(db, "staff", "add", "--name", "Dan Okafor", "--role", "Inclusion worker", "--cost-per-hour", "30.00",
             "--from", "2019-04-01")
    cli_json(db, "budget", "staff-rate", "Dan Okafor", "--from", "2020-01-01", "--cost-per-hour", "31.00",
             as_of="2019-08-20")
    cli_json(db, "subscription", "add", "100279", "--tier", "premium", "--start", "2019-09-01", as_of="2019-08-20")
    cli_json(db, "subscription", "add", "100280", "--tier", "initial", "--start", "2019-09-01", as_of="2019-08-20")
    cli_json(db, "bill", "run", as_of="2019-09-01")  # INV-000001 (12000.00, O), INV-000002 (3840.00, S)
    cli_json(db, "case", "open", "100280", "--ref", "C19-0001", "--referred", "2019-09-16", "--planning",
             "2019-09-20", as_of="2019-09-20")  # the initial tier's one referral: covered
    cli_json(db, "case", "open", "100280", "--ref", "C19-0002", "--referred", "2019-10-01", as_of="2019-10-01")
    cli_json(db, "session", "add", "1", "--start", "2019-09-23 09:30", "--hours", "2.5", "--staff", "Priya Shah",
             as_of="2019-09-20")
    for start in ("2019-10-07 09:00", "2019-10-14 09:00"):
        cli_json(db, "session", "add", "2", "--start", start, "--hours", "3", "--staff", "Dan Okafor",
                 as_of="2019-10-01")
    cli_json(db, "session", "deliver", "1", as_of="2019-09-23")
    cli_json(db, "session", "deliver", "2", as_of="2019-10-07")
    cli_json(db, "session", "change", "3", "--notified", "2019-10-13 18:00", as_of="2019-10-13")  # too late
    cli_json(db, "case", "close", "1", "--on", "2019-10-31", as_of="2019-10-31")
    cli_json(db, "order", "add", "100280", "--item", "cpd_place", "--qty", "2", "--deliver-on", "2019-11-12",
             as_of="2019-10-01")  # one place covered, one charged
    cli_json(db, "credit-note", "add", "INV-000002", "--amount", "120.00", "--reason", "One day charged twice",
             as_of="2019-09-10")
    cli_json(db, "reminders", "run", as_of="2019-10-10")  # 9 days late: the first reminder of each invoice
    cli_json(db, "interest", "run", as_of="2019-11-30")  # 3720.00 late 60 days: 146.76 (own school: none)
    cli_json(db, "bill", "run", as_of="2019-12-01")  # INV-000003 (the order), INV-000004 (interest)


CASES = [
    {"id": 1, "ref": "C19-0001", "urn": "100280", "school": "Mossbourne Academy", "year": "2019/20",
     "referred": "2019-09-16", "planning": "2019-09-20", "plan_ends": "2019-11-15", "acknowledged": None,
     "closed": "2019-10-31", "status": "closed", "covered": True, "session_count": 1, "hours": "2.50",
     "charged": "0.00"},
    {"id": 2, "ref": "C19-0002", "urn": "100280", "school": "Mossbourne Academy", "year": "2019/20",
     "referred": "2019-10-01", "planning": None, "plan_ends": None, "acknowledged": None, "closed": None,
     "status": "open", "covered": False, "session_count": 2, "hours": "6.00", "charged": "0.00"},
]


def _session(id_: int, case: str, start: str, staff: str, hours: str, status: str,
             notified: str | None = None) -> dict[str, object]:
    return {"id": id_, "case": case, "case_id": int(case[-1]), "order_id": None, "urn": "100280",
            "school": "Mossbourne Academy", "service": "casework", "start": start, "staff": staff, "hours": hours,
            "delivered_hours": hours, "status": status, "notified": notified, "moved_to": None}


SESSIONS = [
    _session(1, "C19-0001", "2019-09-23 09:30", "Priya Shah", "2.50", "delivered"),
    _session(2, "C19-0002", "2019-10-07 09:00", "Dan Okafor", "3.00", "delivered"),
    _session(3, "C19-0002", "2019-10-14 09:00", "Dan Okafor", "3.00", "deemed_delivered", "2019-10-13 18:00"),
]
INTEREST = {"id": 6, "invoice": "INV-000002", "urn": "100280", "school": "Mossbourne Academy", "from": "2019-10-02",
            "to": "2019-11-30", "days": 60, "amount": "146.76", "status": "invoiced",
            "interest_invoice": "INV-000004", "waived_by": None, "reduced": "0.00", "credit_notes": []}


def test_every_list_shows_the_ledger_exactly(db_url: str, tmp_path: Path) -> None:
    ledger(db_url, tmp_path)
    assert cli_json(db_url, "case", "list") == CASES
    assert cli_json(db_url, "session", "list") == SESSIONS
    assert cli_json(db_url, "credit-note", "list") == [
        {"number": "CN-000001", "purpose": "standard", "invoice": "INV-000002", "urn": "100280", "school": "Mossbourne Academy",
         "issued": "2019-09-10", "net": "100.00", "vat": "20.00", "amount": "120.00",
         "reason": "One day charged twice"}]
    # The hourly cost in force on the as-of day: Dan Okafor's new rate starts on 2020-01-01.
    assert cli_json(db_url, "staff", "list", as_of="2019-12-01") == [
        {"id": 2, "name": "Dan Okafor", "role": "Inclusion worker", "cost_per_hour": "30.00",
         "rate_from": "2019-04-01"},
        {"id": 1, "name": "Priya Shah", "role": "Senior worker", "cost_per_hour": "38.50", "rate_from": "2000-01-01"}]
    assert [s["cost_per_hour"] for s in cli_json(db_url, "staff", "list", as_of="2020-01-01")] == ["31.00", "38.50"]
    assert cli_json(db_url, "interest", "list") == [INTEREST]
    assert cli_json(db_url, "order", "list") == [
        {"id": 1, "urn": "100280", "item": "cpd_place", "quantity": 2, "covered": False, "covered_quantity": 1,
         "price": "95.00", "unit_price": "95.00", "year": "2019/20", "deliver_on": "2019-11-12", "status": "open"}]
    assert cli_json(db_url, "reminders", "list") == [
        {"id": 1, "urn": "100279", "school": "Stoke Newington School", "invoice": "INV-000001", "due": "2019-10-01",
         "level": 7, "sent": "2019-10-10", "outstanding": "12000.00"},
        {"id": 2, "urn": "100280", "school": "Mossbourne Academy", "invoice": "INV-000002", "due": "2019-10-01",
         "level": 7, "sent": "2019-10-10", "outstanding": "3720.00"}]
    runs = cli_json(db_url, "bill", "list")
    assert all(INSTANT.fullmatch(r.pop("started")) and INSTANT.fullmatch(r.pop("finished")) for r in runs)
    assert runs == [
        {"id": 1, "run_on": "2019-09-01", "status": "done", "invoices": 2, "total": "15840.00",
         "actor": "finance.officer"},
        {"id": 2, "run_on": "2019-12-01", "status": "done", "invoices": 2, "total": "241.76",
         "actor": "finance.officer"}]


def test_filters_narrow_each_list(db_url: str, tmp_path: Path) -> None:
    ledger(db_url, tmp_path)

    def ids(*args: str, key: str = "id") -> list[object]:
        return [row[key] for row in cli_json(db_url, *args)]

    assert ids("case", "list", "--urn", "100279") == []
    assert ids("case", "list", "--urn", "100280", "--year", "2019/20") == [1, 2]
    assert ids("case", "list", "--year", "2020/21") == []
    assert ids("case", "list", "--open") == [2]
    assert ids("session", "list", "--case", "C19-0002") == [2, 3]
    assert ids("session", "list", "--case", "c19-0001") == ids("session", "list", "--case", "1") == [1]
    assert ids("session", "list", "--urn", "100279") == []
    # London days, both ends included.
    assert ids("session", "list", "--from", "2019-10-07", "--to", "2019-10-14") == [2, 3]
    assert ids("session", "list", "--from", "2019-10-08") == [3]
    assert ids("session", "list", "--to", "2019-10-06") == [1]
    assert ids("credit-note", "list", "--urn", "100280", key="number") == ["CN-000001"]
    assert ids("credit-note", "list", "--urn", "100279", key="number") == []
    assert ids("credit-note", "list", "--invoice", "inv-000002", key="number") == ["CN-000001"]
    assert ids("credit-note", "list", "--invoice", "INV-000001", key="number") == []
    assert ids("interest", "list", "--status", "invoiced") == [6]
    assert ids("interest", "list", "--status", "due") == []
    assert ids("interest", "list", "--invoice", "INV-000002") == [6]
    assert ids("interest", "list", "--urn", "100279") == []
    assert ids("order", "list", "--year", "2019/20", "--status", "open") == [1]
    assert ids("order", "list", "--status", "cancelled") == []
    assert ids("order", "list", "--year", "2020/21") == []
    assert ids("reminders", "list", "--urn", "100280", key="invoice") == ["INV-000002"]
    assert ids("reminders", "list", "--invoice", "INV-000001", key="invoice") == ["INV-000001"]
    assert ids("reminders", "list", "--from", "2019-10-10", "--to", "2019-10-10") == [1, 2]
    assert ids("reminders", "list", "--from", "2019-10-11") == []
    assert ids("reminders", "list", "--to", "2019-10-09") == []


def test_show_commands_and_waiving_an_interest_charge_found_by_its_id(db_url: str, tmp_path: Path) -> None:
    ledger(db_url, tmp_path)
    case = cli_json(db_url, "case", "show", "C19-0002")
    assert case == {**CASES[1], "sessions": SESSIONS[1:], "charges": []}
    assert cli_json(db_url, "case", "show", "1") == cli_json(db_url, "case", "show", "c19-0001")
    assert cli_json(db_url, "session", "show", "3") == SESSIONS[2]
    assert cli_json(db_url, "staff", "show", "Dan Okafor", as_of="2019-12-01") == {
        "id": 2, "name": "Dan Okafor", "role": "Inclusion worker", "cost_per_hour": "30.00",
        "rate_from": "2019-04-01", "rates": [{"from": "2019-04-01", "cost_per_hour": "30.00"},
                                             {"from": "2020-01-01", "cost_per_hour": "31.00"}]}
    assert cli_json(db_url, "staff", "show", "1")["name"] == "Priya Shah"
    order = cli_json(db_url, "order", "show", "1")
    assert (order["ordered"], order["sessions"], order["charges"]) == ("2019-10-01", [], [
        {"id": 5, "description": order["charges"][0]["description"], "period_start": "2019-11-12",
         "period_end": "2019-11-12", "due": "2019-11-12", "amount": "95.00", "status": "invoiced",
         "invoice": "INV-000003"}])
    run = cli_json(db_url, "bill", "show", "2")
    assert [(i["number"], i["urn"], i["total"], i["interest_only"]) for i in run["invoice_list"]] == [
        ("INV-000003", "100280", "95.00", False), ("INV-000004", "100280", "146.76", True)]
    note = cli_json(db_url, "credit-note", "show", "CN-000001")
    assert (note["kind"], note["corrects"], note["total"]) == ("credit_note", "INV-000002", "120.00")
    assert cli_json(db_url, "interest", "show", "6") == INTEREST

    cli_json(db_url, "interest", "waive", "6", "--reason", "Goodwill: first late payment", as_of="2019-12-02")
    assert cli_json(db_url, "interest", "show", "6") == {
        **INTEREST, "status": "waived", "waived_by": "CN-000002", "credit_notes": ["CN-000002"]}
    assert [n["number"] for n in cli_json(db_url, "credit-note", "list", "--invoice", "INV-000004")] == ["CN-000002"]


def test_tables_show_the_records(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ledger(db_url, tmp_path)
    monkeypatch.setenv("COLUMNS", "80")
    for args, expected in [
        (["case", "list"], ["2 cases", "C19-0002", "£0.00"]),
        (["session", "list", "--case", "C19-0002"], ["2 sessions", "2019-10-14 09:00", "deemed_delivered"]),
        (["credit-note", "list"], ["1 credit note", "CN-000001", "£120.00"]),
        (["staff", "list"], ["2 members of staff", "£38.50"]),
        (["interest", "list"], ["1 interest charge", "INV-000004", "£146.76"]),
        (["reminders", "list"], ["2 reminders", "7 days", "£12,000.00"]),
        (["bill", "list"], ["2 bill runs", "£15,840.00"]),
        (["bill", "show", "2"], ["INV-000004", "£241.76"]),
        (["case", "show", "C19-0002"], ["Case: C19-0002", "Dan Okafor"]),
        (["interest", "show", "6"], ["Interest invoice: INV-000004"]),
    ]:
        result = run_cli(db_url, *args, as_json=False)
        assert result.exit_code == 0, result.output
        for text in expected:
            assert text in result.stdout, (args, text, result.stdout)


def test_a_dry_run_shows_the_lines_it_would_invoice_and_writes_nothing(db_url: str, engine: Engine,
                                                                      tmp_path: Path) -> None:
    ledger(db_url, tmp_path)
    before = table_dump(engine)
    # Case C19-0002 is not covered: 6 hours in the autumn term (one deemed delivered) = 1 day at 540.00, S.
    out = cli_json(db_url, "bill", "run", "--dry-run", "--lines", as_of="2020-01-01")
    assert out == {"count": 1, "total": "648.00", "invoices": [{
        "number": None, "urn": "100280", "total": "648.00", "school": "Mossbourne Academy", "interest_only": False,
        "net": "540.00", "vat": "108.00", "lines": [{
            "description": out["invoices"][0]["lines"][0]["description"], "period_start": "2019-09-01",
            "period_end": "2019-12-31", "quantity": "1.00", "unit_price": "540.00", "net": "540.00",
            "vat_code": "S", "vat_rate": "20.00", "vat": "108.00", "total": "648.00"}]}]}
    assert "C19-0002" in out["invoices"][0]["lines"][0]["description"]
    assert table_dump(engine) == before
    # Without --lines the contract's shape is unchanged.
    assert cli_json(db_url, "bill", "run", "--dry-run", as_of="2020-01-01") == {
        "invoices": [{"number": None, "urn": "100280", "total": "648.00"}], "count": 1, "total": "648.00"}
    text = run_cli(db_url, "bill", "run", "--dry-run", "--lines", as_of="2020-01-01", as_json=False)
    assert "Mossbourne Academy (URN 100280): 1 line, net £540.00, VAT £108.00, total £648.00" in text.stdout
    assert run_cli(db_url, "bill", "run", "--lines", as_of="2020-01-01").exit_code == 2
    assert table_dump(engine) == before
    # The run itself issues exactly what the dry run showed.
    issued = cli_json(db_url, "invoice", "show", cli_json(db_url, "bill", "run", as_of="2020-01-01")
                      ["invoices"][0]["number"])
    assert [{k: ln[k] for k in ("quantity", "unit_price", "net", "vat", "total")} for ln in issued["lines"]] == [
        {k: out["invoices"][0]["lines"][0][k] for k in ("quantity", "unit_price", "net", "vat", "total")}]


@pytest.mark.parametrize("args, code", [
    (["case", "show", "9"], "unknown_case"),
    (["case", "show", "C99-0001"], "unknown_case"),
    (["case", "list", "--urn", "999999"], "unknown_school"),
    (["case", "list", "--year", "2019"], "invalid_input"),
    (["session", "show", "9"], "unknown_session"),
    (["session", "list", "--case", "C99-0001"], "unknown_case"),
    (["session", "list", "--from", "2019-10-02", "--to", "2019-10-01"], "bad_range"),
    (["session", "list", "--from", "2019-02-30"], "invalid_input"),
    (["staff", "show", "Nobody Here"], "unknown_staff"),
    (["staff", "show", "9"], "unknown_staff"),
    (["credit-note", "show", "CN-000009"], "unknown_invoice"),
    (["credit-note", "list", "--invoice", "INV-000009"], "unknown_invoice"),
    (["interest", "show", "9"], "unknown_interest"),
    (["interest", "list", "--status", "paid"], "bad_status"),
    (["order", "show", "9"], "unknown_order"),
    (["order", "list", "--status", "lost"], "bad_status"),
    (["reminders", "list", "--invoice", "INV-000009"], "unknown_invoice"),
    (["reminders", "list", "--from", "2019-12-01", "--to", "2019-11-01"], "bad_range"),
    (["bill", "show", "9"], "unknown_bill_run"),
])
def test_what_is_not_there_is_refused_in_one_line(db_url: str, engine: Engine, tmp_path: Path,
                                                  args: list[str], code: str) -> None:
    load(db_url, tmp_path)
    cli_json(db_url, "school", "add", "--urn", "100280", "--name", "Mossbourne Academy", "--type", "academy")
    before = table_dump(engine)
    assert cli_refused(db_url, *args)["code"] == code
    assert table_dump(engine) == before


def test_an_invoice_number_is_not_shown_as_a_credit_note(db_url: str, tmp_path: Path) -> None:
    ledger(db_url, tmp_path)
    err = cli_refused(db_url, "credit-note", "show", "INV-000001")
    assert err == {"code": "not_a_credit_note",
                   "message": "INV-000001 is an invoice, not a credit note: traded invoice show INV-000001"}
