"""Schema 0007 (school contacts) on a database made before it: schools kept, contacts added after, and a
downgrade refused while it would drop a contact."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy import Engine, inspect

from billing.contacts import NewContact, add_contact, finance_recipients
from billing.db import alembic_config, current_revision, head_revision, upgrade
from billing.models import SchoolContact
from billing.schools import get_school
from tests.support import database_at, insert_old_school, service_context


@pytest.fixture(params=["sqlite", "postgresql"])
def old_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A database at schema 0006 (before contacts), holding one school."""
    with database_at(request.param, tmp_path, "0006", request) as engine:
        insert_old_school(engine, email="office@sn.example")
        yield engine


def test_0007_adds_contacts_to_the_schools_already_registered(old_engine: Engine) -> None:
    assert "school_contacts" not in inspect(old_engine).get_table_names()
    assert upgrade(old_engine) == head_revision()
    with service_context(old_engine, date(2025, 9, 1)) as ctx:
        school = get_school(ctx, "100279")
        assert finance_recipients(ctx, school) == ["office@sn.example"]  # no contact yet: the school's own email
        add_contact(ctx, NewContact(urn="100279", name="Ann Smith", role="finance", email="ann@sn.example"))
        assert finance_recipients(ctx, school) == ["ann@sn.example"]


def test_0007_downgrades_only_when_no_contact_would_be_lost(old_engine: Engine) -> None:
    upgrade(old_engine)
    with service_context(old_engine, date(2025, 9, 1)) as ctx:
        add_contact(ctx, NewContact(urn="100279", name="Ann Smith", role="finance", email="ann@sn.example"))
    with pytest.raises(RuntimeError, match="^cannot downgrade: school_contacts holds 1 contact, which revision "
                                           "0006 has nowhere to keep$"):
        command.downgrade(alembic_config(old_engine), "0006")
    # Refused in one transaction: still at the head (0007 or a later revision), the contact still there.
    assert current_revision(old_engine) == head_revision()
    with service_context(old_engine, date(2025, 9, 1)) as ctx:
        assert [c.name for c in ctx.session.scalars(sa.select(SchoolContact))] == ["Ann Smith"]
    with old_engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM school_contacts"))
    command.downgrade(alembic_config(old_engine), "0006")
    assert current_revision(old_engine) == "0006"
    assert "school_contacts" not in inspect(old_engine).get_table_names()
    assert upgrade(old_engine) == head_revision()
    assert "school_contacts" in inspect(old_engine).get_table_names()
