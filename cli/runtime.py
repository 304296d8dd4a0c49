"""How every command runs: one transaction, explicit as-of clock, one-line refusals.

A command's body is a service call. `Runtime.run` opens the database (creating
the schema on an empty one), builds the service `Context`, and commits only if
the whole call succeeded — a refused command writes nothing. Refusals print one
line on stderr (or `{"error": {...}}` with --json) and exit 1.
"""

from __future__ import annotations

import getpass
import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from billing.context import Context
    from pricing.clock import Clock

T = TypeVar("T")


def actor_name() -> str:
    """Who is acting, for the audit trail: TRADED_USER, else the login name."""
    explicit = os.environ.get("TRADED_USER")
    if explicit:
        return explicit
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return "unknown"


@dataclass
class Runtime:
    db_url: str | None
    as_of_text: str | None
    as_json: bool
    allow_future: bool = False
    _engine: Engine | None = field(default=None, repr=False)

    # -- pieces -----------------------------------------------------------
    def clock(self) -> Clock:
        """The as-of day (or today), and the real instant: documents record both."""
        from pricing.clock import FixedClock, SystemClock, parse_date

        if self.as_of_text:
            try:
                return FixedClock(parse_date(self.as_of_text), instant=SystemClock().now())
            except ValueError as exc:
                self.fail_usage(f"--as-of: {exc}")
        return SystemClock()

    def engine(self) -> Engine:
        if self._engine is None:
            from billing.db import database_url, make_engine

            self._engine = make_engine(database_url(self.db_url))
        return self._engine

    # -- running a service ------------------------------------------------
    def run(self, service: Callable[[Context], T], *, migrate: bool = True, read_only: bool = False) -> T:
        """Call ``service`` inside one transaction; refuse cleanly on a TradedError.

        ``read_only`` for commands that only look: they take no write lock, so
        they answer while a bill run or an import is writing.
        """
        from sqlalchemy.exc import OperationalError

        from billing.context import Context
        from billing.db import ensure_schema, transaction
        from pricing.errors import TradedError

        clock = self.clock()
        try:
            engine = self.engine()
            if migrate:
                ensure_schema(engine)
            with transaction(engine, read_only=read_only) as session:
                if not read_only:
                    self._refuse_future_writes(session, clock)
                return service(Context(session=session, clock=clock, actor=actor_name()))
        except TradedError as exc:
            self.refuse(exc.code, exc.message)
        except OperationalError as exc:
            self.refuse_database(exc)

    def drive(self, call: Callable[[], T], *, writes: bool = True) -> T:
        """Run a service that commits in batches itself (bill run, bank import), refusing like :meth:`run`."""
        from sqlalchemy.exc import OperationalError

        from billing.db import ensure_schema, transaction
        from pricing.errors import TradedError

        try:
            engine = self.engine()
            ensure_schema(engine)
            if writes:
                with transaction(engine, read_only=True) as session:
                    self._refuse_future_writes(session, self.clock())
            return call()
        except TradedError as exc:
            self.refuse(exc.code, exc.message)
        except OperationalError as exc:
            self.refuse_database(exc)

    def _refuse_future_writes(self, session: Any, clock: Clock) -> None:
        from billing.ledger import refuse_future_writes
        from pricing.clock import SystemClock

        refuse_future_writes(session, clock.today(), SystemClock().today(), self.allow_future)

    def refuse_database(self, exc: Exception) -> NoReturn:
        """One line for a database that cannot be used: busy (naming what holds it, where known) or unreachable."""
        from billing.db import busy_message

        orig = getattr(exc, "orig", exc)
        first = (str(orig).splitlines() or [type(orig).__name__])[0]
        if "locked" in first or "busy" in first:
            self.refuse("database_busy", busy_message(self.engine()))
        self.refuse("database_unavailable", f"database error: {first}")

    # -- output -------------------------------------------------------------
    def emit(self, data: Any, text: Callable[[], str] | str | None = None) -> None:
        """Print ``data`` as JSON with --json, else the human text."""
        if self.as_json:
            click.echo(json.dumps(data, default=json_default, indent=2))
        elif text is not None:
            click.echo(text() if callable(text) else text)

    def refuse(self, code: str, message: str) -> NoReturn:
        if self.as_json:
            click.echo(json.dumps({"error": {"code": code, "message": message}}), err=True)
        else:
            click.echo(f"traded: {message}", err=True)
        sys.exit(1)

    def fail_usage(self, message: str) -> NoReturn:
        raise click.UsageError(message)


def makes_pay_links() -> bool:
    """Whether documents printed now ask Stripe for a pay link (which records the school's Stripe customer)."""
    return bool(os.environ.get("STRIPE_API_KEY", "").strip())


def json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        from pricing.clock import format_london

        return format_london(value)
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"cannot serialise {type(value).__name__}")


def runtime(ctx: click.Context) -> Runtime:
    obj = ctx.find_root().obj
    assert isinstance(obj, Runtime)
    return obj


pass_runtime = click.make_pass_decorator(Runtime)
