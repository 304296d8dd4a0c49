"""Schema 0010 (the establishment) on a database made before it: schools kept, posts added after, and the
new tables dropped again by a downgrade when they hold nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine, inspect

from billing.db import alembic_config, current_revision, head_revision, upgrade
from billing.establishment import add_post, assign
from billing.schools import get_school
from billing.views.establishment import list_posts
from tests.support import database_at, insert_old_school, service_context

TABLES = {"posts", "post_funding", "post_assignments", "funding_budgets"}


@pytest.fixture(params=["sqlite", "postgresql"])
def old_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A database at schema 0009 (before the establishment), holding one school."""
    with database_at(request.param, tmp_path, "0009", request) as engine:
        insert_old_school(engine)
        yield engine


def test_0010_adds_the_establishment_beside_the_ledger_already_there(old_engine: Engine) -> None:
    assert not TABLES & set(inspect(old_engine).get_table_names())
    assert upgrade(old_engine) == head_revision()
    assert TABLES <= set(inspect(old_engine).get_table_names())
    with service_context(old_engine, date(2026, 4, 1)) as ctx:
        assert get_school(ctx, "100279").name == "Stoke Newington School"
        add_post(ctx, "Admin support", "1", "24600", date(2026, 4, 1), funding="council 50%; schools-forum 50%")
        assign(ctx, "Admin support", "Jo Bloggs", "0.5", date(2026, 4, 1))
    with service_context(old_engine, date(2026, 4, 1)) as ctx:
        [post] = list_posts(ctx)
        assert (post.title, str(post.filled), str(post.vacant)) == ("Admin support", "0.50", "0.50")


def test_0010_downgrade_is_refused_while_a_post_would_be_lost(old_engine: Engine) -> None:
    upgrade(old_engine)
    with service_context(old_engine, date(2026, 4, 1)) as ctx:
        add_post(ctx, "Admin support", "1", "24600", date(2026, 4, 1), funding="council 100%")
    with pytest.raises(RuntimeError, match="^cannot downgrade: the establishment holds 1 post"):
        command.downgrade(alembic_config(old_engine), "0009")
    assert current_revision(old_engine) == head_revision()


def test_0010_downgrade_drops_the_empty_establishment_and_upgrades_again(old_engine: Engine) -> None:
    upgrade(old_engine)
    command.downgrade(alembic_config(old_engine), "0009")
    assert current_revision(old_engine) == "0009"
    assert not TABLES & set(inspect(old_engine).get_table_names())
    assert "schools" in inspect(old_engine).get_table_names()
    assert upgrade(old_engine) == head_revision()
    assert TABLES <= set(inspect(old_engine).get_table_names())
