"""`traded serve`: the webhook endpoint, the pay page and the schools' portal under uvicorn.

It also sends the queued mail in the background (billing.mail_background) when a mail server is configured.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

import click

from cli.runtime import Runtime, pass_runtime
from pricing.clock import FixedClock, SystemClock

if TYPE_CHECKING:
    from starlette.applications import Starlette
    from starlette.types import ASGIApp

    from billing.gateway.pay_page import PayPage
    from billing.gateway.port import PaymentGateway
    from billing.mail_background import BackgroundSender

DEFAULT_MAIL_EVERY = 60  # billing.mail_background.DEFAULT_INTERVAL_S (not imported: --help stays light)


def build_app(rt: Runtime, max_body: int | None = None) -> Starlette:
    """The ASGI app for this runtime's database and settings: the webhook, the pay page and the portal.

    The webhook is served with STRIPE_WEBHOOK_SECRET to verify it, the schools' portal with
    TRADED_PORTAL_SECRET_KEY to sign its forms; with neither there is nothing to serve and it refuses
    to start. With a usable Stripe key it also answers the pay links printed on invoices and statements.
    """
    from billing.db import ensure_schema
    from billing.gateway.app import MAX_WEBHOOK_BODY, create_app
    from pricing.errors import TradedError

    settings = rt.settings
    if settings.stripe_webhook_secret is None and settings.portal_secret_key is None:
        rt.refuse("gateway_not_configured", "set STRIPE_WEBHOOK_SECRET (whsec_…) to verify Stripe's webhooks, "
                                            "or TRADED_PORTAL_SECRET_KEY to serve the schools' portal")
    engine = rt.engine()
    try:
        ensure_schema(engine)
    except TradedError as exc:
        rt.refuse(exc.code, exc.message)
    page = rt.pay_page()
    gateway = rt.stripe_gateway() if page is not None else None
    secret = settings.stripe_webhook_secret
    return create_app(engine, secret.get_secret_value() if secret is not None else None, SystemClock(),
                      max_body=max_body or MAX_WEBHOOK_BODY, gateway=gateway, pay_page=page,
                      portal=portal_app(rt, page, gateway))


def portal_app(rt: Runtime, page: PayPage | None, gateway: PaymentGateway | None) -> ASGIApp | None:
    """The schools' portal on the runtime's clock (its --as-of day, the real time of day), or None without its key."""
    from billing.mail_compose import MailSetup
    from portal.app import create_portal, service_name
    from portal.web import PortalConfig

    key = rt.settings.portal_secret_key
    if key is None:
        return None
    clock = rt.clock()
    if isinstance(clock, FixedClock):
        clock = AsOfDay(clock.as_of)
    engine = rt.engine()
    return create_portal(PortalConfig(engine=engine, clock=clock, portal_url=rt.settings.portal_url,
                                      secret_key=key.get_secret_value().encode(),
                                      service_name=service_name(engine, clock), pay_page=page, gateway=gateway,
                                      mail=MailSetup.from_settings(rt.settings)))


@dataclass(frozen=True)
class AsOfDay:
    """A server's clock under --as-of: that day, and the real time passing (sessions idle out, throttles lift)."""

    as_of: date

    def today(self) -> date:
        return self.as_of

    def now(self) -> datetime:
        return SystemClock().now()


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, metavar="HOST", help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), metavar="PORT",
              help="Port to listen on.")
@click.option("--max-body", default=256 * 1024, show_default=True,  # billing.gateway.app.MAX_WEBHOOK_BODY
              type=click.IntRange(1024, 16 * 1024 * 1024),
              metavar="BYTES", help="Largest webhook body accepted; a larger one gets 413 unread.")
@click.option("--mail-every", default=DEFAULT_MAIL_EVERY, show_default=True, type=click.IntRange(5, 86_400),
              metavar="SECONDS", help="Send the queued mail this often (needs TRADED_SMTP_HOST).")
@click.option("--no-mail", is_flag=True, help="Do not send queued mail from this server (`traded mail send` does).")
@pass_runtime
def serve(rt: Runtime, host: str, port: int, max_body: int, mail_every: int, no_mail: bool) -> None:
    """Serve Stripe's webhook endpoint at /stripe/webhook, the pay page behind printed pay links, and the portal.

    With TRADED_PORTAL_SECRET_KEY set it serves the schools' portal at
    TRADED_PORTAL_URL (sign in at /sign-in; people are invited with `traded
    portal invite`), on the --as-of day when one is given.

    Needs STRIPE_WEBHOOK_SECRET for the webhook. Point Stripe's webhook (or `stripe listen`) at
    http://HOST:PORT/stripe/webhook. With STRIPE_API_KEY set, the card-payment
    link printed on an invoice (TRADED_PORTAL_URL/pay/…) opens a Stripe
    Checkout page for what is owed when the school clicks it; set
    TRADED_PORTAL_URL to the address schools reach this server at.

    A verified event that cannot be applied is answered 200 and kept for the
    team with its reason (`traded stripe events`, `traded stripe retry`);
    only a busy or unreachable database makes Stripe send an event again.

    With TRADED_SMTP_HOST set it also sends the queued mail (documents for
    schools) every --mail-every seconds, as `traded mail send` would; a
    round that fails is logged and tried again, never stopping the server.

    \b
    Example:
      STRIPE_WEBHOOK_SECRET=whsec_... traded serve --host 127.0.0.1 --port 8000
      STRIPE_WEBHOOK_SECRET=whsec_... traded serve --mail-every 300
      TRADED_PORTAL_SECRET_KEY=... TRADED_PORTAL_URL=http://127.0.0.1:8000 traded serve
    """
    import uvicorn

    app = build_app(rt, max_body)
    sender = None if no_mail else mail_sender(rt, mail_every)
    if sender is not None:
        sender.start()
    try:
        uvicorn.run(app, host=host, port=port, log_level="info")
    finally:
        if sender is not None:
            sender.stop(timeout=30)


def mail_sender(rt: Runtime, every: int) -> BackgroundSender | None:
    """The background sender these settings allow, or None (said on stderr) when no mail server is set."""
    from billing.mail_background import BackgroundSender
    from billing.mail_delivery import MailNotConfigured, SmtpSettings

    try:
        smtp = SmtpSettings.from_settings(rt.settings)
    except MailNotConfigured as exc:
        click.echo(f"traded: not sending mail: {exc.message}", err=True)
        return None
    return BackgroundSender(rt.engine(), smtp, SystemClock(), rt.actor, every, pay_page=rt.pay_page())
