"""`traded serve`: the webhook endpoint (and, later, the schools' portal) under uvicorn."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from cli.runtime import Runtime, pass_runtime

if TYPE_CHECKING:
    from starlette.applications import Starlette


def build_app(rt: Runtime) -> Starlette:
    """The ASGI app for this runtime's database, refusing to start without a webhook secret."""
    import os

    from billing.db import ensure_schema
    from billing.gateway.app import create_app
    from pricing.clock import SystemClock
    from pricing.errors import TradedError

    secret = os.environ.get("STRIPE_WEBHOOK_SECRET", "").strip()
    if not secret:
        rt.refuse("gateway_not_configured", "set STRIPE_WEBHOOK_SECRET (whsec_…) to verify Stripe's webhooks")
    engine = rt.engine()
    try:
        ensure_schema(engine)
    except TradedError as exc:
        rt.refuse(exc.code, exc.message)
    return create_app(engine, secret, SystemClock())


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@pass_runtime
def serve(rt: Runtime, host: str, port: int) -> None:
    """Serve Stripe's webhook endpoint at /stripe/webhook.

    Needs STRIPE_WEBHOOK_SECRET. Point Stripe's webhook (or `stripe listen`) at
    http://HOST:PORT/stripe/webhook.

    \b
    Example:
      STRIPE_WEBHOOK_SECRET=whsec_... traded serve --host 127.0.0.1 --port 8000
    """
    import uvicorn

    uvicorn.run(build_app(rt), host=host, port=port, log_level="info")
