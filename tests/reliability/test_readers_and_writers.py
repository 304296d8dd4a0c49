"""Readers never queue behind a writer; a writer that waits too long gets one line (issue 14)."""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import date
from pathlib import Path

from sqlalchemy import Engine, text

from tests.billing.test_payments import make_invoice, setup_ledger
from tests.support import service_context

HOLD = """
import sys, time
from billing.db import make_engine
engine = make_engine(sys.argv[1])
with engine.connect() as conn:
    conn.exec_driver_sql("UPDATE schools SET name = name")  # BEGIN IMMEDIATE: the write lock is held from here
    print("holding", flush=True)
    time.sleep(float(sys.argv[2]))
    conn.rollback()
"""


def _holder(url: str, seconds: float) -> subprocess.Popen[str]:
    proc = subprocess.Popen([sys.executable, "-c", HOLD, url, str(seconds)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "holding"
    return proc


def _traded(url: str, *args: str) -> tuple[subprocess.CompletedProcess[str], float]:
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "cli.main", "--db", url, "--as-of", "2019-12-31", *args],
                          capture_output=True, text=True, timeout=120)
    return done, time.monotonic() - started


def _ledger(url: str, engine: Engine) -> None:
    with service_context(engine, date(2019, 10, 1)) as ctx:
        setup_ledger(ctx, ("100001", "academy"))
        make_invoice(ctx, "100001", "4500.00", date(2019, 10, 1), date(2019, 10, 31))


def test_a_statement_answers_while_another_process_holds_the_write_lock(tmp_path: Path, sqlite_template: Path) -> None:
    import shutil

    from billing.db import make_engine

    target = tmp_path / "traded.db"
    shutil.copy(sqlite_template, target)
    url = f"sqlite:///{target}"
    engine = make_engine(url)
    _ledger(url, engine)
    engine.dispose()
    holder = _holder(url, 20)
    try:
        for args in (("statement", "100001"), ("school", "list"), ("invoice", "list"), ("report", "aged-debt")):
            done, took = _traded(url, *args)
            assert done.returncode == 0, done.stderr
            assert took < 10, f"{args} waited {took:.1f} s behind the writer"
        assert "INV-000001" in _traded(url, "statement", "100001")[0].stdout
    finally:
        holder.kill()
        holder.wait()


def test_a_read_only_transaction_cannot_write(engine: Engine) -> None:
    import pytest
    from sqlalchemy.exc import DBAPIError

    from billing.db import transaction

    with service_context(engine, date(2019, 10, 1)) as ctx:
        setup_ledger(ctx, ("100001", "academy"))
    if engine.dialect.name == "postgresql":
        with pytest.raises(DBAPIError, match="read-only"), transaction(engine, read_only=True) as session:
            session.execute(text("UPDATE schools SET name = 'x'"))
    with transaction(engine, read_only=True) as session:
        assert session.execute(text("SELECT count(*) FROM schools")).scalar() == 1


def test_a_writer_that_waits_too_long_is_refused_in_one_line_naming_the_bill_run(
        tmp_path: Path, sqlite_template: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import shutil

    from billing.db import make_engine

    target = tmp_path / "traded.db"
    shutil.copy(sqlite_template, target)
    url = f"sqlite:///{target}"
    engine = make_engine(url)
    _ledger(url, engine)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO bill_runs (run_on, started_at, status, invoice_count, total, actor) "
                          "VALUES ('2019-12-31', '2019-12-31 09:00:00.000000', 'running', 0, 0, 'alice')"))
    engine.dispose()
    holder = _holder(url, 30)
    try:
        started = time.monotonic()
        done = subprocess.run(
            [sys.executable, "-c", "import billing.db as d; d.SQLITE_LOCK_WAIT_S = 2; "
             "from cli.main import main; main()", "--db", url, "--as-of", "2019-12-31",
             "payment", "add", "100001", "--amount", "10.00", "--on", "2019-12-31", "--method", "bacs"],
            capture_output=True, text=True, timeout=60)
        assert time.monotonic() - started < 20
    finally:
        holder.kill()
        holder.wait()
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert "the database is busy" in done.stderr and "bill run 1" in done.stderr and "alice" in done.stderr
