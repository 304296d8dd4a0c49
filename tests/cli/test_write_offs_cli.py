"""`traded invoice write-off` and `traded invoice write-offs` (issue 20, docs/rules.md §7)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.billing.test_bill_run import ACADEMY, setup_council
from tests.support import cli_json, cli_refused, run_cli, table_dump

REASON = "School closed"


def academy_invoice(db_url: str, engine: Engine, monkeypatch: pytest.MonkeyPatch) -> str:
    """The academy's 1,280.00 autumn invoice (1,066.67 + 213.33 VAT), due 2025-10-01, as clerk records things."""
    monkeypatch.setenv("TRADED_USER", "clerk")
    setup_council(engine)
    run = cli_json(db_url, "bill", "run", as_of="2025-09-01")
    [number] = [i["number"] for i in run["invoices"] if i["urn"] == ACADEMY]
    return str(number)


def test_write_off_all_outstanding_then_list_it(db_url: str, engine: Engine, monkeypatch: pytest.MonkeyPatch,
                                                tmp_path: Path) -> None:
    number = academy_invoice(db_url, engine, monkeypatch)
    out = cli_json(db_url, "invoice", "write-off", number, "--reason", REASON, "--approved-by", "J Smith",
                   as_of="2026-02-01")
    # 1280 × 20/120 = 213.333… → 213.33 of VAT within it. Interest, due 1 October and never paid:
    # 1280 × 0.24 × 123/365 (2 October to 1 February) = 103.5222 → 103.52, none raised by a run yet.
    assert out == {"number": "WO-000001", "invoice": number, "urn": ACADEMY, "date": "2026-02-01",
                   "amount": "1280.00", "vat": "213.33", "reason": REASON, "approved_by": "J Smith",
                   "interest_not_invoiced": "103.52", "interest_not_raised": "103.52"}
    [row] = cli_json(db_url, "invoice", "write-offs", as_of="2026-02-01")
    assert {k: row[k] for k in ("number", "date", "invoice", "invoice_issued", "urn", "amount", "vat", "reason",
                                "approved_by", "recorded_by")} == {
        "number": "WO-000001", "date": "2026-02-01", "invoice": number, "invoice_issued": "2025-09-01",
        "urn": ACADEMY, "amount": "1280.00", "vat": "213.33", "reason": REASON, "approved_by": "J Smith",
        "recorded_by": "clerk"}
    shown = [i for i in cli_json(db_url, "invoice", "list", "--urn", ACADEMY, as_of="2026-02-01")]
    assert [(i["number"], i["outstanding"]) for i in shown] == [(number, "0.00")]
    text = run_cli(db_url, "invoice", "write-offs", as_of="2026-02-01", as_json=False)
    assert text.exit_code == 0 and "1 write-off, £1,280.00 in all" in text.stdout and "J Smith" in text.stdout
    assert cli_json(db_url, "invoice", "write-offs", "--csv", str(tmp_path / "wo.csv"), as_of="2026-02-01")
    with (tmp_path / "wo.csv").open(newline="", encoding="utf-8") as f:
        [written] = list(csv.DictReader(f))
    assert (written["number"], written["amount"]) == ("WO-000001", "1280.00")


def test_a_write_off_shows_as_a_write_off_of_its_invoice(db_url: str, engine: Engine,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    number = academy_invoice(db_url, engine, monkeypatch)
    cli_json(db_url, "invoice", "write-off", number, "--amount", "280.00", "--reason", REASON,
             "--approved-by", "J Smith", as_of="2026-02-01")
    shown = cli_json(db_url, "invoice", "show", "WO-000001", as_of="2026-02-01")
    assert (shown["kind"], shown["purpose"], shown["corrects"]) == ("credit_note", "write_off", number)
    assert cli_json(db_url, "credit-note", "show", "WO-000001", as_of="2026-02-01")["purpose"] == "write_off"
    [listed] = cli_json(db_url, "credit-note", "list", as_of="2026-02-01")
    assert (listed["number"], listed["purpose"], listed["invoice"]) == ("WO-000001", "write_off", number)
    text = run_cli(db_url, "invoice", "show", "WO-000001", as_of="2026-02-01", as_json=False).stdout.splitlines()
    assert text[0] == f"Write-off WO-000001 of {number} to Mossbourne Community Academy (URN {ACADEMY})"
    assert text[2] == f"Writes off a bad debt on invoice {number} dated 2025-09-01: {REASON}"
    assert not any("Credit note" in line or "Corrects" in line for line in text)
    statement = run_cli(db_url, "statement", ACADEMY, as_of="2026-02-01", as_json=False).stdout
    assert "write-off WO-000001" in statement and "credit note WO-" not in statement
    assert cli_json(db_url, "statement", ACADEMY, as_of="2026-02-01")["lines"][-1]["kind"] == "write_off"


def test_write_off_says_the_interest_still_to_be_billed_and_how_to_waive_it(
        db_url: str, engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    number = academy_invoice(db_url, engine, monkeypatch)
    # A run on 1 January: 1280 × 0.24 × 92/365 (2 October to 1 January) = 77.4312 → 77.43 raised.
    cli_json(db_url, "interest", "run", as_of="2026-01-01")
    text = run_cli(db_url, "invoice", "write-off", number, "--reason", REASON, "--approved-by", "J Smith",
                   as_of="2026-02-01", as_json=False).stdout
    # To 1 February, 123 days: 103.52, of which 103.52 − 77.43 = 26.09 the next run raises.
    assert " ".join(text.split()) == (
        f"Wrote off £1,280.00 of {number} as WO-000001 (approved by J Smith). "
        f"Interest of £103.52 on {number} up to 2026-02-01 is still to be billed (£77.43 raised and not yet "
        f"invoiced and £26.09 the next interest run will raise). To waive it with a reason: traded interest run, "
        f'then traded interest list --invoice {number} and traded interest waive ID --reason "…".')
    raised = cli_json(db_url, "interest", "run", as_of="2026-03-01")
    assert [(c["invoice"], c["amount"]) for c in raised["charges"]] == [(number, "26.09")]


def test_write_off_part_of_the_balance(db_url: str, engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    number = academy_invoice(db_url, engine, monkeypatch)
    out = cli_json(db_url, "invoice", "write-off", number, "--amount", "£280.00", "--reason", REASON,
                   "--approved-by", "J Smith", as_of="2026-02-01")
    assert (out["amount"], out["vat"]) == ("280.00", "46.67")  # 280 × 20/120 = 46.666… → 46.67
    [inv] = cli_json(db_url, "invoice", "list", "--urn", ACADEMY, as_of="2026-02-01")
    assert inv["outstanding"] == "1000.00"


@pytest.mark.parametrize(("args", "code"), [
    (["--approved-by", "clerk"], "self_approval"),
    (["--approved-by", "J Smith", "--amount", "1280.01"], "write_off_exceeds_balance"),
    (["--approved-by", "J Smith", "--amount", "0.00"], "invalid_input"),
])
def test_refusals_are_one_line_and_write_nothing(db_url: str, engine: Engine, monkeypatch: pytest.MonkeyPatch,
                                                 args: list[str], code: str) -> None:
    number = academy_invoice(db_url, engine, monkeypatch)
    before = table_dump(engine)
    err = cli_refused(db_url, "invoice", "write-off", number, "--reason", REASON, *args, as_of="2026-02-01")
    assert err["code"] == code
    assert table_dump(engine) == before


def test_the_approver_is_required(db_url: str, engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    number = academy_invoice(db_url, engine, monkeypatch)
    result = run_cli(db_url, "invoice", "write-off", number, "--reason", REASON, as_of="2026-02-01")
    assert result.exit_code == 2 and "--approved-by" in result.output


def test_a_written_off_invoice_is_listed_and_shown_as_written_off(db_url: str, engine: Engine,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    number = academy_invoice(db_url, engine, monkeypatch)
    cli_json(db_url, "invoice", "write-off", number, "--reason", REASON, "--approved-by", "J Smith",
             as_of="2026-02-01")
    [row] = cli_json(db_url, "invoice", "list", "--status", "written_off", as_of="2026-02-01")
    assert (row["number"], row["outstanding"], row["status"]) == (number, "0.00", "written_off")
    assert cli_json(db_url, "invoice", "list", "--status", "paid", as_of="2026-02-01") == []
    listed = run_cli(db_url, "invoice", "list", "--urn", ACADEMY, as_of="2026-02-01", as_json=False)
    assert listed.exit_code == 0
    [line] = [ln for ln in listed.stdout.splitlines() if number in ln]
    assert [cell.strip() for cell in line.split("│")[-3:-1]] == ["£0.00", "written off"]
    shown = run_cli(db_url, "invoice", "show", number, as_of="2026-02-01", as_json=False)
    assert shown.exit_code == 0 and "Outstanding £0.00 (written off)" in shown.stdout
