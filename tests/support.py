"""Helpers for database and command-line tests."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result
from sqlalchemy import Engine, select, text

from billing.context import Context
from billing.db import transaction
from billing.models import Base
from pricing.clock import FixedClock


@contextmanager
def service_context(engine: Engine, as_of: date, instant: datetime | None = None,
                    actor: str = "test") -> Iterator[Context]:
    """One committed transaction with a clock stopped on ``as_of``."""
    with transaction(engine) as session:
        yield Context(session=session, clock=FixedClock(as_of, instant), actor=actor)


def run_cli(db_url: str, *args: str, as_of: str | None = None, as_json: bool = True) -> Result:
    from cli.main import cli

    argv = ["--db", db_url]
    if as_of:
        argv += ["--as-of", as_of]
    if as_json:
        argv.append("--json")
    return CliRunner().invoke(cli, [*argv, *args], catch_exceptions=False)


def cli_json(db_url: str, *args: str, as_of: str | None = None) -> Any:
    result = run_cli(db_url, *args, as_of=as_of)
    assert result.exit_code == 0, f"exit {result.exit_code}: {result.output}"
    return json.loads(result.stdout)


def cli_refused(db_url: str, *args: str, as_of: str | None = None) -> dict[str, str]:
    """Run a command that must be refused: exit 1, a JSON error on stderr, nothing on stdout."""
    result = run_cli(db_url, *args, as_of=as_of)
    assert result.exit_code == 1, f"expected refusal, got exit {result.exit_code}: {result.output}"
    err = json.loads(result.stderr.strip().splitlines()[-1])["error"]
    assert err["message"] and "\n" not in err["message"]
    return err


def table_dump(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, for 'nothing was written' assertions."""
    dump: dict[str, list[tuple[Any, ...]]] = {}
    with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            rows = conn.execute(select(table).order_by(*table.primary_key.columns)).all()
            dump[table.name] = [tuple(r) for r in rows]
        version = conn.execute(text("SELECT version_num FROM alembic_version")).all()
        dump["alembic_version"] = [tuple(r) for r in version]
    return dump


@contextmanager
def database_at(backend: str, folder: Path, revision: str, request: Any) -> Iterator[Engine]:
    """A new database (``backend`` sqlite or postgresql) migrated only to ``revision``: a ledger made
    before a later migration, for that migration's tests. PostgreSQL's is dropped afterwards."""
    import uuid

    from alembic import command

    from billing.db import alembic_config, make_engine

    name = None
    if backend == "sqlite":
        url = f"sqlite:///{folder / 'old.db'}"
    else:
        request.getfixturevalue("pg_database")  # skips when PostgreSQL is unreachable
        from tests.conftest import _pg_admin, _pg_url

        name = f"traded_migration_{uuid.uuid4().hex[:8]}"
        _pg_admin(f'CREATE DATABASE "{name}"')
        url = _pg_url(name)
    engine = make_engine(url)
    try:
        command.upgrade(alembic_config(engine), revision)
        yield engine
    finally:
        engine.dispose()
        if name is not None:
            _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def insert_old_school(engine: Engine, **columns: object) -> None:
    """One school row written straight into an old schema (its models may have moved on since)."""
    from datetime import UTC

    import sqlalchemy as sa

    from billing.models.types import UTCDateTime

    values: dict[str, object] = {"urn": "100279", "name": "Stoke Newington School", "type": "maintained",
                                 "created_at": datetime(2025, 7, 1, tzinfo=UTC), **columns}
    table = sa.table("schools", *(sa.column(k, UTCDateTime() if k == "created_at" else sa.String())
                                  for k in values))
    with engine.begin() as conn:
        conn.execute(table.insert().values(**values))
