"""Schema 0009 (portal accounts) on a database made before it: schools kept, people invited after, and a
downgrade refused while it would drop a portal user."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy import Engine, inspect

from billing.db import alembic_config, current_revision, head_revision, upgrade
from billing.models import PortalUser
from billing.portal_accounts import invite, list_users
from billing.pricebooks import load_pricebook
from pricing.pricebook import sample_pricebook_text
from tests.support import database_at, insert_old_school, service_context

TABLES = {"portal_users", "portal_links", "portal_tokens", "portal_sessions", "portal_sign_ins"}
NOW = datetime(2025, 9, 1, 9, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgresql"])
def old_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A database at schema 0008 (before portal accounts), holding one school."""
    with database_at(request.param, tmp_path, "0008", request) as engine:
        insert_old_school(engine)
        yield engine


def _invite(engine: Engine) -> None:
    with service_context(engine, date(2025, 9, 1), NOW) as ctx:
        load_pricebook(ctx, sample_pricebook_text())
        invite(ctx, "100279", "bursar@sn.example", "viewer", portal_url="https://portal.example")


def test_0009_adds_portal_accounts_to_the_schools_already_registered(old_engine: Engine) -> None:
    assert not TABLES & set(inspect(old_engine).get_table_names())
    assert upgrade(old_engine) == head_revision()
    assert TABLES <= set(inspect(old_engine).get_table_names())
    _invite(old_engine)
    with service_context(old_engine, date(2025, 9, 1), NOW) as ctx:
        assert [(u.email, u.status, u.schools) for u in list_users(ctx)] == [
            ("bursar@sn.example", "invited", [("100279", "Stoke Newington School", "viewer")])]


def test_0009_downgrades_only_when_no_portal_user_would_be_lost(old_engine: Engine) -> None:
    upgrade(old_engine)
    _invite(old_engine)
    with pytest.raises(RuntimeError, match="^cannot downgrade: portal_users holds 1 portal user, whom revision "
                                           "0008 has nowhere to keep$"):
        command.downgrade(alembic_config(old_engine), "0008")
    assert current_revision(old_engine) == head_revision()  # refused in one transaction
    with service_context(old_engine, date(2025, 9, 1), NOW) as ctx:
        assert [u.email for u in ctx.session.scalars(sa.select(PortalUser))] == ["bursar@sn.example"]
    with old_engine.begin() as conn:
        for table in ("portal_tokens", "portal_links", "portal_users"):
            conn.execute(sa.text(f"DELETE FROM {table}"))
    command.downgrade(alembic_config(old_engine), "0008")
    assert current_revision(old_engine) == "0008"
    assert not TABLES & set(inspect(old_engine).get_table_names())
    assert upgrade(old_engine) == head_revision()
