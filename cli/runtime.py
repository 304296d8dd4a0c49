"""How every command runs: one transaction, explicit as-of clock, one-line refusals.

A command's body is a service call. `Runtime.run` opens the database (creating
the schema on an empty one), builds the service `Context` with the adapters its
settings call for, and commits only if the whole call succeeded — a refused
command writes nothing. Refusals print one line on stderr (or
`{"error": {...}}` with --json) and exit 1.

The environment is read once per command, here (billing.settings), the
first time something needs it; the validated settings are built from that
snapshot only by commands that need more than the database and the user.
"""

from __future__ import annotations

import getpass
import json
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
    from billing.gateway.pay_page import PayPage
    from billing.gateway.port import PaymentGateway
    from billing.settings import Environment
    from billing.settings_model import Settings
    from pricing.clock import Clock

T = TypeVar("T")


def actor_name() -> str:
    """Who is acting in the command running now, for the audit trail (:attr:`Runtime.actor`)."""
    return runtime(click.get_current_context()).actor


@dataclass
class Runtime:
    db_url: str | None
    as_of_text: str | None
    as_json: bool
    allow_future: bool = False
    _engine: Engine | None = field(default=None, repr=False)
    _environment: Environment | None = field(default=None, repr=False)

    # -- pieces -----------------------------------------------------------
    @property
    def environment(self) -> Environment:
        """traded's variables, read once."""
        if self._environment is None:
            from billing.settings import read_environment

            self._environment = read_environment()
        return self._environment

    @property
    def settings(self) -> Settings:
        """Every setting, validated once; a bad one refused in one line."""
        from pricing.errors import TradedError

        try:
            return self.environment.settings
        except TradedError as exc:
            self.refuse(exc.code, exc.message)

    @property
    def actor(self) -> str:
        """Who is acting, for the audit trail: TRADED_USER, else the login name."""
        if self.environment.user:
            return self.environment.user
        try:
            return getpass.getuser()
        except Exception:  # no login name in some containers
            return "unknown"

    def clock(self) -> Clock:
        """The as-of day (or today), and the real instant: documents record both."""
        from pricing.clock import FixedClock, SystemClock, parse_date

        as_of = self.as_of_text or self.environment.as_of
        if as_of:
            try:
                return FixedClock(parse_date(as_of), instant=SystemClock().now())
            except ValueError as exc:
                self.fail_usage(f"--as-of: {exc}")
        return SystemClock()

    def close(self) -> None:
        """Close the command's database connections (its engine's pool), if it opened any."""
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    def engine(self) -> Engine:
        if self._engine is None:
            from billing.db import make_engine

            self._engine = make_engine(self.db_url or self.environment.database_url)
        return self._engine

    def pay_page(self) -> PayPage | None:
        """Links to `traded serve`'s pay page for documents, when Stripe is set up."""
        from billing.gateway.pay_page import pay_page

        return pay_page(self.settings) if self.environment.stripe_key_given else None

    def stripe_gateway(self) -> PaymentGateway:
        """The Stripe gateway these settings describe (refused with GatewayNotConfigured if they cannot)."""
        from billing.gateway.stripe_adapter import StripeGateway

        return StripeGateway.from_settings(self.settings)

    # -- running a service ------------------------------------------------
    def run(self, service: Callable[[Context], T], *, migrate: bool = True, read_only: bool = False,
            gateway: Callable[[], PaymentGateway] | None = None, prints: bool = False) -> T:
        """Call ``service`` inside one transaction; refuse cleanly on a TradedError.

        ``read_only`` for commands that only look: they take no write lock, so
        they answer while a bill run or an import is writing. ``gateway`` makes
        the payment gateway for a command that asks it for money (only those
        load the gateway's library); ``prints`` for one that prints documents,
        which then carry pay links when Stripe is set up.
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
                return service(Context(session=session, clock=clock, actor=self.actor,
                                       gateway=gateway() if gateway is not None else None,
                                       pay_page=self.pay_page() if prints else None))
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
