"""Schema 0004 on a database with bank lines imported before it (§8: nothing lost, nothing twice).

Lines imported before 0004 were fingerprinted with their reference as read. After
the upgrade, importing those files again must still add nothing, the same lines
re-exported in other case or spacing must be recognised, and a line the old code
had already recorded twice is marked for a person to check.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy import Engine, func, select

from billing.bank_import import import_bank_file, legacy_fingerprints, read_csv
from billing.db import alembic_config, head_revision, upgrade
from billing.models import AuditEntry, BankLine, Payment
from billing.models.types import Money, UTCDateTime
from tests.billing.test_payments import make_invoice, setup_ledger
from tests.support import database_at, service_context

D = Decimal
OLD_FILE = """date,amount,reference
15/12/2019,4500.00,INV 000001 THANK YOU
16/12/2019,250.00,DONATION
17/12/2019,-35.00,BANK CHARGES
18/12/2019,1000.00,inv-000003
18/12/2019,1000.00,inv-000003
05/01/2020,50.00,LATER
"""
RE_EXPORT = """date,amount,reference
15/12/2019,4500.00,inv 000001 thank you
"""
STATUSES = ["matched", "unmatched", "ignored", "matched", "matched", "unmatched"]


@pytest.fixture(params=["sqlite", "postgresql"])
def old_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A database at schema 0003 (before the worklist)."""
    with database_at(request.param, tmp_path, "0003", request) as engine:
        yield engine


def _old_import(engine: Engine, text: str, source: str, imported_on: date, statuses: list[str]) -> None:
    """Rows as the code before 0004 wrote them (payments left out: they do not take part)."""
    entries = read_csv(text)
    lines = sa.table("bank_lines", sa.column("fingerprint", sa.String()), sa.column("posted_on", sa.Date()),
                     sa.column("amount", Money()), sa.column("reference", sa.String()),
                     sa.column("status", sa.String()), sa.column("source_file", sa.String()),
                     sa.column("imported_at", UTCDateTime()))
    at = datetime(imported_on.year, imported_on.month, imported_on.day, 12, tzinfo=UTC)
    with engine.begin() as conn:
        conn.execute(lines.insert(), [
            {"fingerprint": fp, "posted_on": e.posted_on, "amount": e.amount, "reference": e.reference,
             "status": status, "source_file": source, "imported_at": at}
            for e, fp, status in zip(entries, legacy_fingerprints(entries), statuses, strict=True)])


def test_old_files_stay_imported_and_re_exports_are_recognised(old_engine: Engine, tmp_path: Path) -> None:
    _old_import(old_engine, OLD_FILE, "dec.csv", date(2019, 12, 31), STATUSES)
    _old_import(old_engine, RE_EXPORT, "dec-again.csv", date(2020, 1, 2), ["matched"])  # the old double credit
    upgrade(old_engine)
    with service_context(old_engine, date(2020, 1, 2)) as ctx:
        rows = list(ctx.session.scalars(select(BankLine).order_by(BankLine.id)))
        assert [(r.status, r.currency) for r in rows] == [
            ("matched", "GBP"), ("unmatched", "GBP"), ("rejected", "GBP"), ("matched", "GBP"),
            ("matched", "GBP"), ("future", "GBP"), ("matched", "GBP")]
        assert rows[2].reason == "a debit (money out)"
        assert all(r.legacy_fingerprint is not None for r in rows)
        assert rows[6].fingerprint == rows[6].legacy_fingerprint  # the duplicate keeps its old identity
        assert rows[6].reason is not None and f"same line as bank line {rows[0].id}" in rows[6].reason
        flagged = ctx.session.scalars(select(AuditEntry).where(AuditEntry.action == "bank_line.same_line")).one()
        assert flagged.entity_id == str(rows[6].id)
        setup_ledger(ctx, ("100001", "academy"), ("100002", "academy"))
        make_invoice(ctx, "100001", "4500.00", date(2019, 10, 1), date(2019, 10, 31))  # INV-000001
        make_invoice(ctx, "100002", "300.00", date(2019, 10, 1), date(2019, 10, 31))   # INV-000002
        make_invoice(ctx, "100002", "5000.00", date(2019, 10, 1), date(2019, 11, 30))  # INV-000003

    def imported(name: str, text: str) -> tuple[int, int]:
        path = tmp_path / name
        path.write_text(text)
        with service_context(old_engine, date(2020, 1, 2)) as ctx:
            result = import_bank_file(ctx, path, rematch=False)
            return result.read, result.already_imported

    assert imported("dec.csv", OLD_FILE) == (6, 6)
    assert imported("dec-again.csv", RE_EXPORT) == (1, 1)
    assert imported("dec-spaced.csv", OLD_FILE.upper().replace("DATE,AMOUNT,REFERENCE", "date,amount,reference")
                    .replace(" ", "  ")) == (6, 6)
    three = "date,amount,reference\n" + "18/12/2019,1000.00,INV-000003\n" * 3
    assert imported("three.csv", three) == (3, 2)  # the third is a new payment
    with service_context(old_engine, date(2020, 1, 2)) as ctx:
        assert ctx.session.scalar(select(func.count(BankLine.id))) == 8
        assert ctx.session.scalar(select(func.count(Payment.id))) == 1


def test_0004_downgrades_and_upgrades_again(old_engine: Engine) -> None:
    _old_import(old_engine, OLD_FILE, "dec.csv", date(2019, 12, 31), STATUSES)
    upgrade(old_engine)
    command.downgrade(alembic_config(old_engine), "0003")
    with old_engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT status FROM bank_lines ORDER BY id")).scalars().all()
    assert rows == ["matched", "unmatched", "ignored", "matched", "matched", "unmatched"]
    assert upgrade(old_engine) == head_revision()
