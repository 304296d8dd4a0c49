"""Schema 0012 (journals, fy-split, write-offs) on a ledger holding money: the tables SQLite must copy to
change a CHECK constraint keep every row and every reference, and foreign keys are on again after."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy import Engine

from billing.db import alembic_config, current_revision, head_revision, upgrade
from billing.models.types import Money, UTCDateTime
from tests.support import database_at, insert_old_school

AT = datetime(2025, 9, 1, 9, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgresql"])
def old_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A database at schema 0011 holding a school, a payment and a refund out of it."""
    with database_at(request.param, tmp_path, "0011", request) as engine:
        insert_old_school(engine)
        payments = sa.table("payments", sa.column("school_id"), sa.column("amount", Money()),
                            sa.column("received_on", sa.Date()), sa.column("method"), sa.column("source"),
                            sa.column("created_at", UTCDateTime()), sa.column("actor"))
        refunds = sa.table("refunds", sa.column("school_id"), sa.column("payment_id"), sa.column("amount", Money()),
                           sa.column("refunded_on", sa.Date()), sa.column("reason"),
                           sa.column("created_at", UTCDateTime()), sa.column("actor"))
        with engine.begin() as conn:
            school = conn.execute(sa.text("SELECT id FROM schools")).scalar_one()
            conn.execute(payments.insert().values(school_id=school, amount=Decimal("4500.00"),
                                                  received_on=date(2025, 9, 1), method="bacs", source="manual",
                                                  created_at=AT, actor="test"))
            payment = conn.execute(sa.text("SELECT id FROM payments")).scalar_one()
            conn.execute(refunds.insert().values(school_id=school, payment_id=payment, amount=Decimal("100.00"),
                                                 refunded_on=date(2025, 9, 2), reason="overpaid",
                                                 created_at=AT, actor="test"))
        yield engine


def test_0012_keeps_payments_and_what_refers_to_them_and_allows_journals(old_engine: Engine) -> None:
    assert upgrade(old_engine) == head_revision()
    with old_engine.begin() as conn:
        assert conn.execute(sa.text("SELECT COUNT(*) FROM payments")).scalar_one() == 1
        assert conn.execute(sa.text("SELECT r.payment_id = p.id FROM refunds r JOIN payments p "
                                    "ON p.id = r.payment_id")).scalar_one()
        assert conn.execute(sa.text("SELECT journal_opt_out FROM schools")).scalar_one() in (False, 0)
        conn.execute(sa.text("UPDATE payments SET method = 'journal'"))
        if conn.dialect.name == "sqlite":
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 1
    with pytest.raises(sa.exc.IntegrityError), old_engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM payments"))  # the refund still refers to it: foreign keys are on


def test_0012_downgrades_back_to_0011_and_up_again(old_engine: Engine) -> None:
    upgrade(old_engine)
    command.downgrade(alembic_config(old_engine), "0011")
    assert current_revision(old_engine) == "0011"
    with old_engine.begin() as conn:
        assert conn.execute(sa.text("SELECT COUNT(*) FROM refunds")).scalar_one() == 1
    assert upgrade(old_engine) == head_revision()
