"""Output files never destroy anything: not the database, not an existing file without --force (issue 14)."""

from __future__ import annotations

import os
import sqlite3
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine

from billing.outputs import write_output
from pricing.errors import InvalidInput
from tests.billing.test_payments import make_invoice, setup_ledger
from tests.support import cli_json, cli_refused, service_context, table_dump


@pytest.fixture
def ledger(engine: Engine) -> Engine:
    with service_context(engine, date(2019, 10, 1)) as ctx:
        setup_ledger(ctx, ("100001", "academy"))
        make_invoice(ctx, "100001", "4500.00", date(2019, 10, 1), date(2019, 10, 31))
    return engine


def _commands(out: str) -> list[tuple[str, ...]]:
    return [("invoice", "pdf", "INV-000001", "--out", out), ("statement", "100001", "--pdf", out),
            ("report", "case-costs", "--year", "2019/20", "--csv", out), ("report", "school", "--csv", out),
            ("report", "budget", "--fy", "FY2019/20", "--csv", out), ("report", "budget", "--fy", "FY2019/20", "--pdf", out)]


def test_the_database_in_use_and_its_files_are_never_an_output(db_url: str, ledger: Engine) -> None:
    if not db_url.startswith("sqlite"):
        pytest.skip("a server database has no file to protect")
    database = db_url.removeprefix("sqlite:///")
    before = table_dump(ledger)
    for target in (database, database + "-wal", database + "-shm"):
        for args in _commands(target):
            for force in ((), ("--force",)):
                err = cli_refused(db_url, *args, *force, as_of="2019-12-31")
                assert err["code"] == "output_is_database", (args, err)
    assert table_dump(ledger) == before


def test_an_existing_file_is_kept_unless_forced(db_url: str, ledger: Engine, tmp_path: Path) -> None:
    for n, args in enumerate(_commands(str(tmp_path / "out-{n}"))):
        target = tmp_path / f"out-{n}"
        args = tuple(a.replace("out-{n}", f"out-{n}") for a in args)
        target.write_text("the manager's own notes")
        assert cli_refused(db_url, *args, as_of="2019-12-31")["code"] == "output_exists"
        assert target.read_text() == "the manager's own notes"
        cli_json(db_url, *args, "--force", as_of="2019-12-31")
        assert target.read_bytes() != b"the manager's own notes"
        assert not list(tmp_path.glob(".*.part"))


def test_another_sqlite_database_is_never_overwritten_even_forced(db_url: str, ledger: Engine,
                                                                  tmp_path: Path) -> None:
    other = tmp_path / "last-year.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE t (a)")
    for args in _commands(str(other)):
        assert cli_refused(db_url, *args, "--force", as_of="2019-12-31")["code"] == "output_is_database"
    with sqlite3.connect(other) as conn:
        assert conn.execute("SELECT name FROM sqlite_master").fetchall() == [("t",)]


def test_a_write_that_fails_half_way_leaves_the_old_file_and_no_fragment(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "statement.pdf"
    target.write_bytes(b"old")

    def broken(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken)
    with pytest.raises(InvalidInput, match="^cannot write .*statement.pdf: No space left on device$"):
        write_output(target, b"new", force=True)
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["statement.pdf"]


def test_reminder_letters_already_in_the_folder_are_kept_unless_forced(db_url: str, ledger: Engine,
                                                                      tmp_path: Path) -> None:
    letter = tmp_path / "reminder-100001-7d-2019-11-07.pdf"
    letter.write_text("printed and annotated")
    before = table_dump(ledger)
    err = cli_refused(db_url, "reminders", "run", "--out", str(tmp_path), as_of="2019-11-07")
    assert err["code"] == "output_exists"
    assert table_dump(ledger) == before and letter.read_text() == "printed and annotated"
    done = cli_json(db_url, "reminders", "run", "--out", str(tmp_path), "--force", as_of="2019-11-07")
    assert done["letters"] == [str(letter)]


def test_an_output_file_gets_the_mode_any_new_file_would(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        written = write_output(tmp_path / "statement.pdf", b"%PDF")
    finally:
        os.umask(old)
    assert written.stat().st_mode & 0o777 == 0o644
