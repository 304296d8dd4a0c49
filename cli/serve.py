"""`traded serve`: the webhook endpoint and the pay page (and, later, the schools' portal) under uvicorn."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from cli.runtime import Runtime, pass_runtime

if TYPE_CHECKING:
    from starlette.applications import Starlette


def build_app(rt: Runtime, max_body: int | None = None) -> Starlette:
    """The ASGI app for this runtime's database and settings, refusing to start without a webhook secret.

    With a usable Stripe key it also answers the pay links printed on invoices and statements.
    """
    from billing.db import ensure_schema
    from billing.gateway.app import MAX_WEBHOOK_BODY, create_app
    from pricing.clock import SystemClock
    from pricing.errors import TradedError

    settings = rt.settings
    if settings.stripe_webhook_secret is None:
        rt.refuse("gateway_not_configured", "set STRIPE_WEBHOOK_SECRET (whsec_…) to verify Stripe's webhooks")
    engine = rt.engine()
    try:
        ensure_schema(engine)
    except TradedError as exc:
        rt.refuse(exc.code, exc.message)
    page = rt.pay_page()
    return create_app(engine, settings.stripe_webhook_secret.get_secret_value(), SystemClock(),
                      max_body=max_body or MAX_WEBHOOK_BODY,
                      gateway=rt.stripe_gateway() if page is not None else None, pay_page=page)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, metavar="HOST", help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), metavar="PORT",
              help="Port to listen on.")
@click.option("--max-body", default=256 * 1024, show_default=True,  # billing.gateway.app.MAX_WEBHOOK_BODY
              type=click.IntRange(1024, 16 * 1024 * 1024),
              metavar="BYTES", help="Largest webhook body accepted; a larger one gets 413 unread.")
@pass_runtime
def serve(rt: Runtime, host: str, port: int, max_body: int) -> None:
    """Serve Stripe's webhook endpoint at /stripe/webhook, and the pay page behind printed pay links.

    Needs STRIPE_WEBHOOK_SECRET. Point Stripe's webhook (or `stripe listen`) at
    http://HOST:PORT/stripe/webhook. With STRIPE_API_KEY set, the card-payment
    link printed on an invoice (TRADED_PORTAL_URL/pay/…) opens a Stripe
    Checkout page for what is owed when the school clicks it; set
    TRADED_PORTAL_URL to the address schools reach this server at.

    A verified event that cannot be applied is answered 200 and kept for the
    team with its reason (`traded stripe events`, `traded stripe retry`);
    only a busy or unreachable database makes Stripe send an event again.

    \b
    Example:
      STRIPE_WEBHOOK_SECRET=whsec_... traded serve --host 127.0.0.1 --port 8000
    """
    import uvicorn

    uvicorn.run(build_app(rt, max_body), host=host, port=port, log_level="info")
