"""Schema 0011 (GL batches) on a database made before it, and a downgrade refused while a batch is recorded."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy import Engine, inspect

from billing.db import alembic_config, current_revision, head_revision, upgrade
from billing.models import GlBatch
from tests.support import database_at, insert_old_school, service_context

TABLES = {"gl_batches", "gl_batch_events", "gl_batch_lines"}


@pytest.fixture(params=["sqlite", "postgresql"])
def old_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A database at schema 0010 (before the GL export), holding one school."""
    with database_at(request.param, tmp_path, "0010", request) as engine:
        insert_old_school(engine)
        yield engine


def test_0011_adds_the_batches_and_downgrades_only_when_none_would_be_lost(old_engine: Engine) -> None:
    assert not TABLES & set(inspect(old_engine).get_table_names())
    assert upgrade(old_engine) == head_revision()
    assert TABLES <= set(inspect(old_engine).get_table_names())
    with service_context(old_engine, date(2025, 11, 1)) as ctx:
        ctx.session.add(GlBatch(number=1, from_on=date(2025, 10, 1), to_on=date(2025, 10, 31),
                                created_at=datetime(2025, 11, 1, tzinfo=UTC), actor="test", profile=None,
                                debits=Decimal("0.00"), credits=Decimal("0.00"), event_count=0, late_count=0,
                                line_count=0))
    with pytest.raises(RuntimeError, match="^cannot downgrade: gl_batches holds 1 exported batch, which revision "
                                           "0010 has nowhere to keep$"):
        command.downgrade(alembic_config(old_engine), "0010")
    assert current_revision(old_engine) == head_revision()
    with old_engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM gl_batches"))
    command.downgrade(alembic_config(old_engine), "0010")
    assert current_revision(old_engine) == "0010"
    assert not TABLES & set(inspect(old_engine).get_table_names())
    assert upgrade(old_engine) == head_revision()
