"""`traded db upgrade`."""

from __future__ import annotations

import click

from cli.runtime import Runtime, pass_runtime


@click.group()
def db() -> None:
    """Create or migrate the database schema.

    \b
    Example:
      traded --db postgresql+psycopg://postgres@127.0.0.1/traded db upgrade
    """


@db.command("upgrade")
@pass_runtime
def upgrade_(rt: Runtime) -> None:
    """Create the schema, or migrate it to the latest revision.

    \b
    Example:
      traded db upgrade
    """
    from sqlalchemy.exc import OperationalError

    from billing.db import upgrade
    from pricing.errors import TradedError

    try:
        revision = upgrade(rt.engine())
    except TradedError as exc:
        rt.refuse(exc.code, exc.message)
    except OperationalError as exc:
        rt.refuse("database_unavailable", f"database error: {str(exc.orig).splitlines()[0]}")
    rt.emit({"revision": revision}, f"Database schema is at revision {revision}.")
