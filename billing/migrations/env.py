"""Alembic environment: the engine comes from billing.db (never from a config file)."""

from __future__ import annotations

from alembic import context

from billing.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    engine = config.attributes["engine"]
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        # SQLite changes a CHECK constraint by copying the table, and dropping the old copy of a
        # table other rows refer to trips the foreign keys. SQLite's own recipe for such a change
        # (sqlite.org/lang_altertable.html, "other kinds of table schema changes"): foreign keys
        # off outside the transaction, PRAGMA foreign_key_check before commit, then on again.
        raw = connection.connection.dbapi_connection if sqlite else None
        if raw is not None:
            raw.execute("PRAGMA foreign_keys=OFF")
        try:
            context.configure(
                connection=connection,
                target_metadata=target_metadata,
                render_as_batch=sqlite,
                compare_type=True,
                # SQLite's DDL is transactional too: an upgrade or downgrade that fails half-way
                # (a migration refusing to lose data) leaves the database at the revision it started from.
                transactional_ddl=True,
            )
            with context.begin_transaction():
                context.run_migrations()
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise RuntimeError(f"the migration left rows whose references are broken: {broken[:5]}")
            connection.commit()
        finally:
            if raw is not None:
                raw.execute("PRAGMA foreign_keys=ON")


run_migrations_online()
