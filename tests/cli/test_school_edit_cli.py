"""`traded school edit`: particulars corrected and audited, issued invoices never changed, and a change of
type dated — a conversion through the successor link (§7), or a correction in place (issue 15)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from billing.models import AuditEntry, Invoice
from tests.billing.test_bill_run import INVOICE_MAINTAINED
from tests.cli.test_pricebook_cli import write_sample
from tests.support import cli_json, cli_refused, run_cli, table_dump


@pytest.fixture(autouse=True)
def _actor(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRADED_USER", "finance.officer")


def school(db: str, tmp_path: Path, type_: str = "maintained", *extra: str) -> None:
    # The council invoices its own maintained schools here (issue 20's settlement by journal off): these tests
    # are about the records and documents of invoices (tests/cli/test_journal_cli.py: recharges).
    cli_json(db, "pricebook", "load", write_sample(tmp_path, INVOICE_MAINTAINED))
    cli_json(db, "school", "add", "--urn", "100279", "--name", "Stoke Newington School", "--type", type_,
             "--roll", "1666", *extra)
    # Termly: 2019/20 autumn 4000.00, spring 4000.00, summer 4000.00; 2020/21 three of 4083.33/4083.33/4083.34.
    cli_json(db, "subscription", "add", "100279", "--tier", "premium", "--start", "2019-09-01", "--schedule",
             "termly", as_of="2019-08-20")
    cli_json(db, "bill", "run", as_of="2019-09-01")  # INV-000001: the autumn term


def customer(engine: Engine, number: str) -> dict[str, object]:
    with engine.connect() as conn:
        return dict(conn.execute(select(Invoice.customer).where(Invoice.number == number)).scalar_one())


def audit(engine: Engine, action: str) -> list[tuple[object, ...]]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(
            select(AuditEntry.actor, AuditEntry.entity_id, AuditEntry.reason, AuditEntry.detail)
            .where(AuditEntry.action == action).order_by(AuditEntry.id))]


def test_an_edit_is_audited_and_only_later_invoices_carry_it(db_url: str, engine: Engine, tmp_path: Path) -> None:
    school(db_url, tmp_path)
    assert customer(engine, "INV-000001")["address"] == "Address not recorded"
    out = cli_json(db_url, "school", "edit", "100279", "--address", "Clissold Road\nLondon", "--postcode", "N16 9EX",
                   "--email", "finance@stokenewington.example", "--roll", "1666", "--reason", "From the school's letter",
                   as_of="2019-10-01")
    assert out["changed"] == {
        "address": {"before": None, "after": "Clissold Road\nLondon"},
        "postcode": {"before": None, "after": "N16 9EX"},
        "email": {"before": None, "after": "finance@stokenewington.example"},
    }  # the roll was given unchanged: not a change
    assert (out["successor"], out["charges"], out["issued_since"]) == (None, [], [])
    assert out["school"]["address"] == "Clissold Road\nLondon"
    assert audit(engine, "school.edit") == [("finance.officer", "100279", "From the school's letter", {
        "before": {"address": None, "postcode": None, "email": None},
        "after": {"address": "Clissold Road\nLondon", "postcode": "N16 9EX",
                  "email": "finance@stokenewington.example"}})]
    # The issued invoice keeps the particulars it was issued with; the next one carries the new ones.
    assert customer(engine, "INV-000001")["address"] == "Address not recorded"
    assert cli_json(db_url, "bill", "run", as_of="2020-01-01")["invoices"][0]["number"] == "INV-000002"
    assert customer(engine, "INV-000002")["address"] == "Clissold Road\nLondon\nN16 9EX"
    assert customer(engine, "INV-000002")["email"] == "finance@stokenewington.example"
    assert customer(engine, "INV-000001")["address"] == "Address not recorded"
    # The same edit again changes nothing and records nothing.
    again = cli_json(db_url, "school", "edit", "100279", "--postcode", "N16 9EX", as_of="2020-01-02")
    assert again["changed"] == {}
    assert len(audit(engine, "school.edit")) == 1
    # Blank text clears an optional field.
    cleared = cli_json(db_url, "school", "edit", "100279", "--email", "", as_of="2020-01-02")
    assert cleared["changed"] == {"email": {"before": "finance@stokenewington.example", "after": None}}
    text = run_cli(db_url, "school", "edit", "100279", "--name", "Stoke Newington School and Sixth Form",
                   as_of="2020-01-02", as_json=False)
    assert text.stdout == ("URN 100279 updated:\n"
                           "  name: 'Stoke Newington School' → 'Stoke Newington School and Sixth Form'\n")


def test_an_academy_conversion_links_a_successor_and_moves_the_charges_from_its_date(
        db_url: str, engine: Engine, tmp_path: Path) -> None:
    school(db_url, tmp_path, "maintained", "--address", "Clissold Road\nLondon", "--laestab", "2044310")
    out = cli_json(db_url, "school", "edit", "100279", "--type", "academy", "--on", "2020-01-01", "--new-urn",
                   "149999", "--name", "Stoke Newington Academy", "--reason", "Converted under the DfE order",
                   as_of="2019-12-01")
    assert out["changed"] == {"successor": {"before": None, "after": "149999"},
                              "converted_on": {"before": None, "after": "2020-01-01"}}
    assert out["successor"] == {
        "urn": "149999", "name": "Stoke Newington Academy", "type": "academy", "roll": 1666, "laestab": None,
        "la_code": "204", "email": None, "address": "Clissold Road\nLondon", "postcode": None, "phase": None}
    # The old record keeps its name and type; every charge from the date, not yet invoiced, follows the academy.
    assert (out["school"]["name"], out["school"]["type"]) == ("Stoke Newington School", "maintained")
    assert [(c["due"], c["moved_to"], c["vat_before"], c["vat_after"]) for c in out["charges"]] == [
        ("2020-01-01", "149999", "O", "S"), ("2020-04-01", "149999", "O", "S"),
        ("2020-09-01", "149999", "O", "S"), ("2021-01-01", "149999", "O", "S"), ("2021-04-01", "149999", "O", "S")]
    assert out["issued_since"] == []
    [(actor, urn, reason, detail)] = audit(engine, "school.convert")
    assert (actor, urn, reason) == ("finance.officer", "100279", "Converted under the DfE order")
    assert {k: detail[k] for k in ("successor", "type", "on", "created", "issued_since")} == {
        "successor": "149999", "type": "academy", "on": "2020-01-01", "created": True, "issued_since": []}
    assert [c["vat_code"] for c in detail["charges"]] == [["O", "S"]] * 5
    shown = cli_json(db_url, "school", "show", "100279")
    assert (shown["successor"], shown["converted_on"]) == ("149999", "2020-01-01")
    assert cli_json(db_url, "school", "show", "149999")["predecessor"] == "100279"
    # The next run bills the academy, standard rated, under its own name and URN.
    run = cli_json(db_url, "bill", "run", as_of="2020-01-01")
    assert run["invoices"] == [{"number": "INV-000002", "urn": "149999", "total": "4800.00"}]
    assert customer(engine, "INV-000002")["name"] == "Stoke Newington Academy"
    assert customer(engine, "INV-000001")["name"] == "Stoke Newington School"
    # Converted once, never twice.
    assert cli_refused(db_url, "school", "edit", "100279", "--type", "academy", "--on", "2020-02-01", "--new-urn",
                       "149998", as_of="2020-01-02")["code"] == "converted"


def test_a_conversion_links_an_academy_already_registered(db_url: str, engine: Engine, tmp_path: Path) -> None:
    school(db_url, tmp_path)
    cli_json(db_url, "school", "add", "--urn", "149999", "--name", "Stoke Newington Academy", "--type", "academy")
    out = cli_json(db_url, "school", "edit", "100279", "--type", "academy", "--on", "2020-04-01", "--new-urn",
                   "149999", as_of="2019-12-01")
    assert (out["successor"]["name"], [c["due"] for c in out["charges"]]) == (
        "Stoke Newington Academy", ["2020-04-01", "2020-09-01", "2021-01-01", "2021-04-01"])
    [(_, _, _, detail)] = audit(engine, "school.convert")
    assert detail["created"] is False
    # The spring term is still the maintained school's: invoiced without VAT to URN 100279.
    assert cli_json(db_url, "bill", "run", as_of="2020-01-01")["invoices"] == [
        {"number": "INV-000002", "urn": "100279", "total": "4000.00"}]


def test_a_correction_changes_the_type_in_place_and_lists_what_was_already_issued(
        db_url: str, engine: Engine, tmp_path: Path) -> None:
    school(db_url, tmp_path)
    out = cli_json(db_url, "school", "edit", "100279", "--type", "academy", "--on", "2019-09-01", "--correction",
                   "--reason", "An academy since 2012, registered as maintained in error", as_of="2019-10-01")
    assert out["changed"] == {"type": {"before": "maintained", "after": "academy"}}
    assert [(c["due"], c["moved_to"], c["vat_before"], c["vat_after"]) for c in out["charges"]] == [
        ("2020-01-01", None, "O", "S"), ("2020-04-01", None, "O", "S"),
        ("2020-09-01", None, "O", "S"), ("2021-01-01", None, "O", "S"), ("2021-04-01", None, "O", "S")]
    # The autumn invoice went out without VAT: it is listed, never changed (a credit note corrects it).
    assert out["issued_since"] == ["INV-000001"]
    [(_, _, _, detail)] = audit(engine, "school.edit")
    assert (detail["before"], detail["after"], detail["effective"]) == (
        {"type": "maintained"}, {"type": "academy"}, "2019-09-01")
    assert cli_json(db_url, "invoice", "show", "INV-000001")["vat"] == "0.00"
    assert cli_json(db_url, "bill", "run", as_of="2020-01-01")["invoices"][0]["total"] == "4800.00"


def test_another_councils_la_code_makes_a_maintained_school_external_from_a_date(
        db_url: str, engine: Engine, tmp_path: Path) -> None:
    school(db_url, tmp_path, "maintained", "--laestab", "2044310")
    err = cli_refused(db_url, "school", "edit", "100279", "--laestab", "3084001", as_of="2019-10-01")
    assert err["code"] == "effective_date"
    out = cli_json(db_url, "school", "edit", "100279", "--laestab", "3084001", "--on", "2020-04-01",
                   as_of="2019-10-01")
    assert out["changed"] == {"la_code": {"before": "204", "after": "308"},
                              "laestab": {"before": "2044310", "after": "3084001"}}
    assert [(c["due"], c["vat_after"]) for c in out["charges"]] == [
        ("2020-04-01", "S"), ("2020-09-01", "S"), ("2021-01-01", "S"), ("2021-04-01", "S")]


@pytest.mark.parametrize("args, code", [
    (["school", "edit", "999999", "--name", "X"], "unknown_school"),
    (["school", "edit", "100279", "--type", "academy", "--on", "2020-01-01"], "type_change"),
    (["school", "edit", "100279", "--type", "academy", "--correction"], "effective_date"),
    (["school", "edit", "100279", "--type", "academy", "--new-urn", "149999"], "effective_date"),
    (["school", "edit", "100279", "--type", "academy", "--on", "2020-01-01", "--new-urn", "100279"], "type_change"),
    (["school", "edit", "100279", "--type", "academy", "--on", "2020-01-01", "--new-urn", "100280"], "type_change"),
    (["school", "edit", "100279", "--type", "free", "--on", "2020-01-01", "--new-urn", "100280", "--name", "X"],
     "type_change"),  # 100280 is registered: its particulars are edited on it
    (["school", "edit", "100279", "--type", "grammar", "--on", "2020-01-01", "--correction"], "invalid_input"),
    (["school", "edit", "100279", "--correction", "--name", "X"], "type_change"),
    (["school", "edit", "100279", "--name", "Stoke\x1b[31mNewington"], "bad_text"),
    (["school", "edit", "100279", "--name", " "], "invalid_input"),
    (["school", "edit", "100279", "--address", "Line one\u202eLine two"], "bad_text"),
    (["school", "edit", "100279", "--email", "not an email"], "invalid_input"),
    (["school", "edit", "100279", "--roll", "-5"], "invalid_input"),
    (["school", "edit", "100279", "--roll", "100001"], "invalid_input"),
    (["school", "edit", "100279", "--la-code", "20"], "invalid_input"),
    (["school", "edit", "100279", "--la-code", "308"], "invalid_input"),  # LAESTAB 2044310 begins 204
    (["school", "edit", "100279", "--laestab", "204431"], "invalid_input"),
    (["school", "edit", "100279", "--postcode", "N16 9EX N16 9EX"], "invalid_input"),
    (["school", "edit", "100279", "--on", "2020-02-30", "--type", "academy", "--correction"], "invalid_input"),
])
def test_bad_edits_are_refused_in_one_line_and_write_nothing(db_url: str, engine: Engine, tmp_path: Path,
                                                             args: list[str], code: str) -> None:
    school(db_url, tmp_path, "maintained", "--laestab", "2044310")
    cli_json(db_url, "school", "add", "--urn", "100280", "--name", "Mossbourne", "--type", "free")
    before = table_dump(engine)
    assert cli_refused(db_url, *args, as_of="2019-10-01")["code"] == code
    assert table_dump(engine) == before
