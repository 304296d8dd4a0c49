"""The engine's small web app: Stripe's webhook endpoint now, the schools' portal later.

Each delivery is verified on its raw bytes before the database is touched and
then handled in one transaction. The answers are what Stripe's retry logic
needs: 2xx once the event is safely recorded (or was already), 400 for a
delivery that can never be trusted, and 500 for anything else — so Stripe
delivers it again and nothing is lost or half-written.
"""

from __future__ import annotations

import logging

from sqlalchemy import Engine
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from billing.context import Context
from billing.db import transaction
from billing.gateway.errors import InvalidWebhook
from billing.gateway.webhooks import (
    DEFAULT_TOLERANCE,
    EventOutcome,
    apply_notice,
    notice_from_event,
    verify_event,
)
from pricing.clock import Clock

WEBHOOK_PATH = "/stripe/webhook"
ACTOR = "stripe-webhook"

log = logging.getLogger("traded.gateway")


def create_app(engine: Engine, webhook_secret: str, clock: Clock, tolerance: int = DEFAULT_TOLERANCE) -> Starlette:
    """The ASGI app; ``clock`` stamps audit entries (a payment's date comes from its event)."""
    if not webhook_secret:
        raise ValueError("a webhook secret is required")
    if tolerance <= 0:
        raise ValueError("the webhook tolerance must be a positive number of seconds")

    def handle(raw: bytes, signature: str | None) -> EventOutcome:
        notice = notice_from_event(verify_event(raw, signature, webhook_secret, tolerance))
        with transaction(engine) as session:
            return apply_notice(Context(session=session, clock=clock, actor=ACTOR), notice)

    async def webhook(request: Request) -> JSONResponse:
        raw = await request.body()  # the exact bytes Stripe signed: never re-serialised
        try:
            outcome = await run_in_threadpool(handle, raw, request.headers.get("stripe-signature"))
        except InvalidWebhook as exc:
            return JSONResponse({"error": {"code": exc.code, "message": exc.message}}, status_code=400)
        except Exception:
            log.exception("webhook delivery failed; Stripe will retry it")
            return JSONResponse({"error": {"code": "webhook_failed", "message": "not recorded; retry"}},
                                status_code=500)
        return JSONResponse({"event": outcome.event_id, "status": outcome.status, "note": outcome.note})

    async def health(_request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    return Starlette(routes=[
        Route(WEBHOOK_PATH, webhook, methods=["POST"]),
        Route("/health", health, methods=["GET"]),
    ])
