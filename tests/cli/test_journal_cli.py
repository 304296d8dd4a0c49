"""`traded school edit URN --journal/--no-journal` and a bill run's recharges at the command line (issue 20)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, select

from billing.models import AuditEntry, Payment
from tests.cli.test_pricebook_cli import load
from tests.support import cli_json, cli_refused, run_cli


def _schools(db: str, tmp_path: Path) -> None:
    load(db, tmp_path)
    cli_json(db, "school", "add", "--urn", "100279", "--name", "Stoke Newington School", "--type", "maintained",
             "--roll", "1666")
    cli_json(db, "school", "add", "--urn", "100280", "--name", "Clapton Girls' School", "--type", "maintained",
             "--roll", "900")
    cli_json(db, "school", "add", "--urn", "141234", "--name", "Mossbourne Academy", "--type", "academy",
             "--roll", "500")
    for urn in ("100279", "100280", "141234"):
        cli_json(db, "subscription", "add", urn, "--tier", "premium", "--start", "2019-09-01", "--schedule",
                 "annual", as_of="2019-08-20")


def test_no_journal_opts_out_audited_and_the_bill_run_invoices_it_with_the_admin_charge(
        db_url: str, tmp_path: Path) -> None:
    _schools(db_url, tmp_path)
    edited = cli_json(db_url, "school", "edit", "100280", "--no-journal", "--reason", "Pays by BACS",
                      as_of="2019-08-21")
    assert edited["changed"] == {"journal_opt_out": {"before": False, "after": True}}
    text = run_cli(db_url, "school", "edit", "100280", "--no-journal", as_of="2019-08-21", as_json=False)
    assert text.exit_code == 0 and "nothing to change" in text.stdout
    run = cli_json(db_url, "bill", "run", as_of="2019-09-01")
    assert [(i["number"], i["urn"]) for i in run["invoices"]] == [
        ("JNL-000001", "100279"), ("INV-000001", "100280"), ("INV-000002", "141234")]
    shown = cli_json(db_url, "invoice", "show", "INV-000001", as_of="2019-09-01")
    assert [(ln["description"], ln["net"], ln["vat_code"]) for ln in shown["lines"]][-1] == (
        "Administration charge: invoiced instead of settled by journal transfer (2019-09-01)", "25.00", "O")
    recharge = cli_json(db_url, "invoice", "show", "JNL-000001", as_of="2019-09-01")
    assert (recharge["due"], recharge["outstanding"], recharge["status"]) == (None, "0.00", "settled_by_journal")
    engine = create_engine(db_url)
    with engine.connect() as conn:
        rows = conn.execute(select(AuditEntry.actor, AuditEntry.reason, AuditEntry.detail)
                            .where(AuditEntry.action == "school.edit")).all()
    engine.dispose()
    assert [(r.reason, r.detail) for r in rows] == [
        ("Pays by BACS", {"before": {"journal_opt_out": False}, "after": {"journal_opt_out": True}})]


def test_an_academy_cannot_opt_out_and_nothing_is_written(db_url: str, tmp_path: Path) -> None:
    _schools(db_url, tmp_path)
    err = cli_refused(db_url, "school", "edit", "141234", "--no-journal", as_of="2019-08-21")
    assert err["message"] == "URN 141234 is an academy: only a maintained school settles by journal (--journal/--no-journal)"


def test_another_councils_maintained_school_cannot_opt_in_or_out(db_url: str, tmp_path: Path) -> None:
    _schools(db_url, tmp_path)
    cli_json(db_url, "school", "add", "--urn", "100500", "--name", "Camden School", "--type", "maintained",
             "--roll", "700", "--laestab", "2024310")
    err = cli_refused(db_url, "school", "edit", "100500", "--no-journal", as_of="2019-08-21")
    assert err["message"] == ("URN 100500 is not one of the council's own maintained schools (LA code 202, the "
                              "council's 204): only they settle by journal (--journal/--no-journal)")


def test_a_payment_naming_a_recharge_is_refused_and_nothing_is_written(db_url: str, tmp_path: Path) -> None:
    _schools(db_url, tmp_path)
    cli_json(db_url, "bill", "run", as_of="2019-09-01")
    err = cli_refused(db_url, "payment", "add", "100279", "--amount", "100.00", "--on", "2019-09-20",
                      "--method", "bacs", "--invoice", "JNL-000001", as_of="2019-09-20")
    assert err == {"code": "recharge_settled",
                   "message": "JNL-000001 is an internal recharge, settled by journal transfer from the school's "
                              "budget: there is nothing to pay on it"}
    engine = create_engine(db_url)
    with engine.connect() as conn:
        methods = conn.execute(select(Payment.method)).scalars().all()
    engine.dispose()
    assert methods == ["journal", "journal"]  # only the journals that settled the two recharges


def test_a_recharge_says_what_it_is_in_invoice_show_and_list(db_url: str, tmp_path: Path) -> None:
    _schools(db_url, tmp_path)
    cli_json(db_url, "bill", "run", as_of="2019-09-01")
    shown = cli_json(db_url, "invoice", "show", "JNL-000001", as_of="2019-09-02")
    assert (shown["kind"], shown["purpose"], shown["status"]) == ("invoice", "recharge", "settled_by_journal")
    assert cli_json(db_url, "invoice", "show", "INV-000001", as_of="2019-09-02")["purpose"] == "standard"
    text = run_cli(db_url, "invoice", "show", "JNL-000001", as_of="2019-09-02", as_json=False).stdout
    assert text.splitlines()[0] == "Recharge JNL-000001 to Stoke Newington School (URN 100279)"
    assert "Outstanding £0.00 (settled by journal)" in text
    rows = cli_json(db_url, "invoice", "list", as_of="2019-09-02")
    assert [(r["number"], r["purpose"], r["status"]) for r in rows] == [
        ("JNL-000001", "recharge", "settled_by_journal"), ("INV-000001", "standard", "issued"),
        ("JNL-000002", "recharge", "settled_by_journal")]
    assert [r["number"] for r in cli_json(db_url, "invoice", "list", "--status", "settled_by_journal",
                                          as_of="2019-09-02")] == ["JNL-000001", "JNL-000002"]
    assert cli_json(db_url, "invoice", "list", "--status", "paid", as_of="2019-09-02") == []
    listed = run_cli(db_url, "invoice", "list", as_of="2019-09-02", as_json=False).stdout
    assert [("JNL-" in line, "settled by journal" in line) for line in listed.splitlines() if "-00000" in line] == [
        (True, True), (False, False), (True, True)]


def test_the_bill_run_names_its_recharges_apart_from_its_invoices(db_url: str, tmp_path: Path) -> None:
    _schools(db_url, tmp_path)

    def kinds(out: str) -> list[list[str]]:
        return [[cell.strip() for cell in line.split("│")[1:-1]][:4] for line in out.splitlines() if "│" in line]

    dry = run_cli(db_url, "bill", "run", "--dry-run", as_of="2019-09-01", as_json=False).stdout
    assert dry.startswith("1 invoice and 2 recharges would be issued (dry run, nothing written) on 2019-09-01")
    assert kinds(dry) == [["(draft)", "100279", "Stoke Newington School", "recharge"],
                          ["(draft)", "100280", "Clapton Girls' School", "recharge"],
                          ["(draft)", "141234", "Mossbourne Academy", ""]]
    lines = run_cli(db_url, "bill", "run", "--dry-run", "--lines", as_of="2019-09-01", as_json=False).stdout
    assert lines.startswith("1 invoice and 2 recharges would be issued on 2019-09-01")
    assert "Stoke Newington School (URN 100279, recharge): 1 line" in lines
    assert "Mossbourne Academy (URN 141234): 1 line" in lines
    issued = run_cli(db_url, "bill", "run", as_of="2019-09-01", as_json=False).stdout
    assert issued.startswith("1 invoice and 2 recharges issued on 2019-09-01, total £33,300.00")
    assert kinds(issued) == [["JNL-000001", "100279", "Stoke Newington School", "recharge"],
                             ["JNL-000002", "100280", "Clapton Girls' School", "recharge"],
                             ["INV-000001", "141234", "Mossbourne Academy", ""]]


def test_school_show_says_how_the_school_settles(db_url: str, tmp_path: Path) -> None:
    _schools(db_url, tmp_path)
    cli_json(db_url, "school", "edit", "100280", "--no-journal", "--reason", "Pays by BACS", as_of="2019-08-21")
    shown = {urn: cli_json(db_url, "school", "show", urn, as_of="2019-08-21") for urn in ("100279", "100280", "141234")}
    assert {urn: (s["journal_opt_out"], s["settles_by_journal"]) for urn, s in shown.items()} == {
        "100279": (False, True), "100280": (True, False), "141234": (False, False)}
    said = {urn: [line.strip() for line in run_cli(db_url, "school", "show", urn, as_of="2019-08-21",
                                                  as_json=False).stdout.splitlines() if "Settlement:" in line]
            for urn in ("100279", "100280", "141234")}
    assert said == {"100279": ["Settlement: by journal transfer from its budget (internal recharges)"],
                    "100280": ["Settlement: invoiced: opted out of settlement by journal"],
                    "141234": ["Settlement: invoiced"]}
