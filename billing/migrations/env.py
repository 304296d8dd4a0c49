"""Alembic environment: the engine comes from billing.db (never from a config file)."""

from __future__ import annotations

from alembic import context

from billing.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    engine = config.attributes["engine"]
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
            # SQLite's DDL is transactional too: an upgrade or downgrade that fails half-way
            # (a migration refusing to lose data) leaves the database at the revision it started from.
            transactional_ddl=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run_migrations_online()
