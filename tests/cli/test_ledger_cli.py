"""`traded ledger export|batches|reconcile` (issue 20): one batch per new export, one-line refusals."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.gl import world
from tests.support import cli_json, cli_refused, run_cli, table_dump

AS_OF = "2025-11-01"


@pytest.fixture
def ledger(engine: Engine, db_url: str) -> str:
    world.council(engine)
    world.september(engine)
    world.october(engine)
    return db_url


def test_export_then_again_then_batches_and_reconcile(ledger: str, tmp_path: Path) -> None:
    out = tmp_path / "gl-2025-10.csv"
    first = cli_json(ledger, "ledger", "export", "--from", "2025-10-01", "--to", "2025-10-31", "--out", str(out),
                     as_of=AS_OF)
    assert first["batch"]["batch"] == 1 and first["batch"]["events"] == 7 and first["batch"]["late"] == 4
    assert first["batch"]["debits"] == first["batch"]["credits"] == "33820.00"  # 21,020.00 + 12,800.00
    assert [(e["document"], e["date"]) for e in first["late"]] == [
        ("JNL-000001", "2025-09-01"), ("INV-000001", "2025-09-01"), ("payment 1", "2025-09-01"),
        ("INV-000002", "2025-09-10")]
    assert first["file"] == str(out) and out.read_text(encoding="utf-8").startswith("batch,line,date,account,")
    again = run_cli(ledger, "ledger", "export", "--from", "2025-10-01", "--to", "2025-10-31", "--out",
                    str(tmp_path / "again.csv"), as_of=AS_OF, as_json=False)
    assert again.exit_code == 0
    assert again.stdout == ("Nothing new to export up to 2025-10-31: every money event is already in a batch. "
                            "No file written.\n")
    assert not (tmp_path / "again.csv").exists()
    batches = cli_json(ledger, "ledger", "batches", as_of=AS_OF)
    assert [(b["batch"], b["from"], b["to"], b["events"], b["lines"]) for b in batches] == [
        (1, "2025-10-01", "2025-10-31", 7, 16)]
    reconciled = cli_json(ledger, "ledger", "reconcile", as_of=AS_OF)
    assert reconciled["balanced"] is True and reconciled["unexported"] == []
    assert all(f["difference"] == "0.00" for f in reconciled["figures"])
    shown = run_cli(ledger, "ledger", "reconcile", as_of=AS_OF, as_json=False).stdout
    assert "Balanced: the exported ledger agrees with the engine." in shown


def test_reconcile_names_what_is_not_exported(ledger: str) -> None:
    data = cli_json(ledger, "ledger", "reconcile", as_of=AS_OF)
    assert data["balanced"] is False and len(data["unexported"]) == 7
    assert "not yet exported" in run_cli(ledger, "ledger", "reconcile", as_of=AS_OF, as_json=False).stdout


@pytest.mark.parametrize(("args", "code", "message"), [
    (["--from", "2025-10-31", "--to", "2025-10-01"], "bad_range", "--from 2025-10-31 is after --to 2025-10-01"),
    (["--from", "2025-10-01", "--to", "2025-11-02"], "range_not_over",
     "--to 2025-11-02 is after today (2025-11-01): export a range once it has come"),
    (["--from", "2025-10-32", "--to", "2025-10-31"], "invalid_input", "2025-10-32 is not a date: 2025-10 has no day 32"),
    (["--from", "1/10/2025", "--to", "2025-10-31"], "invalid_input", "date '1/10/2025' must look like 2019-09-01"),
    (["--from", "2025-10-01", "--to", "2025-10-31", "--profile", "sage"], "unknown_ledger_profile",
     'no ledger profile "sage" (known: none in the price book)'),
])
def test_bad_exports_are_refused_in_one_line_writing_nothing(ledger: str, engine: Engine, tmp_path: Path,
                                                             args: list[str], code: str, message: str) -> None:
    before = table_dump(engine)
    err = cli_refused(ledger, "ledger", "export", *args, "--out", str(tmp_path / "gl.csv"), as_of=AS_OF)
    assert (err["code"], err["message"]) == (code, message)
    assert table_dump(engine) == before and not (tmp_path / "gl.csv").exists()


def test_an_existing_output_needs_force(ledger: str, engine: Engine, tmp_path: Path) -> None:
    out = tmp_path / "gl.csv"
    out.write_text("finance's own file", encoding="utf-8")
    before = table_dump(engine)
    err = cli_refused(ledger, "ledger", "export", "--from", "2025-10-01", "--to", "2025-10-31", "--out", str(out),
                      as_of=AS_OF)
    assert (err["code"], err["message"]) == ("output_exists", f"{out} already exists: add --force to replace it")
    assert table_dump(engine) == before and out.read_text(encoding="utf-8") == "finance's own file"
    done = cli_json(ledger, "ledger", "export", "--from", "2025-10-01", "--to", "2025-10-31", "--out", str(out),
                    "--force", as_of=AS_OF)
    assert done["batch"]["batch"] == 1


def test_to_may_be_the_as_of_day_itself_as_the_help_says(ledger: str, tmp_path: Path) -> None:
    helped = " ".join(run_cli(ledger, "ledger", "export", "--help", as_json=False).stdout.split())
    assert "up to and including the as-of date (not after it)" in helped
    done = cli_json(ledger, "ledger", "export", "--from", "2025-10-01", "--to", AS_OF, "--out",
                    str(tmp_path / "gl.csv"), as_of=AS_OF)
    assert (done["to"], done["batch"]["batch"], done["batch"]["events"]) == (AS_OF, 1, 7)
