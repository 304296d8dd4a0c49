"""Schema 0007 (school contacts) on a database made before it: schools kept, contacts added after, and a
downgrade refused while it would drop a contact."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy import Engine, inspect

from billing.contacts import NewContact, add_contact, finance_recipients
from billing.db import alembic_config, current_revision, head_revision, make_engine, upgrade
from billing.models import SchoolContact
from billing.models.types import UTCDateTime
from billing.schools import get_school
from tests.support import service_context


@pytest.fixture(params=["sqlite", "postgresql"])
def old_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A database at schema 0006 (before contacts), holding one school."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'old.db'}"
    else:
        request.getfixturevalue("pg_database")  # skips when PostgreSQL is unreachable
        from tests.conftest import _pg_admin, _pg_url

        name = f"traded_migration_{uuid.uuid4().hex[:8]}"
        _pg_admin(f'CREATE DATABASE "{name}"')
        url = _pg_url(name)
    engine = make_engine(url)
    command.upgrade(alembic_config(engine), "0006")
    schools = sa.table("schools", sa.column("urn", sa.String()), sa.column("name", sa.String()),
                       sa.column("type", sa.String()), sa.column("email", sa.String()),
                       sa.column("created_at", UTCDateTime()))
    with engine.begin() as conn:
        conn.execute(schools.insert().values(urn="100279", name="Stoke Newington School", type="maintained",
                                             email="office@sn.example", created_at=datetime(2025, 7, 1, tzinfo=UTC)))
    yield engine
    engine.dispose()
    if request.param == "postgresql":
        _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


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
