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
@click.option("--sandbox", is_flag=True,
              help="Make a new, empty database a sandbox (training, tests): any --as-of may write to it.")
@pass_runtime
def upgrade_(rt: Runtime, sandbox: bool) -> None:
    """Create the schema, or migrate it to the latest revision.

    A live ledger refuses writing commands dated after today; a sandbox does not.

    \b
    Example:
      traded db upgrade
      traded --db sqlite:///training.db db upgrade --sandbox
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
    if sandbox:
        from billing.ledger import mark_sandbox

        rt.run(mark_sandbox)
    rt.emit({"revision": revision, "sandbox": sandbox},
            f"Database schema is at revision {revision}." + (" It is a sandbox." if sandbox else ""))
