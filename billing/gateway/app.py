"""The engine's small web app: Stripe's webhook endpoint, the pay page, and the schools' portal mounted beside.

Each delivery is bounded, then verified on its raw bytes before the database is
touched, then recorded in one transaction (billing.gateway.inbox). The answers
are what Stripe's retry logic needs:

* 413 for a body over ``max_body`` bytes (:data:`MAX_WEBHOOK_BODY`), found from
  its Content-Length before anything is read, or while it streams in (chunked,
  or longer than it said) without holding more than the limit; the connection
  is then closed so the rest is never read.
* 400 for a delivery that can never be trusted: not UTF-8, no valid signature.
* 200 once a verified event is safely recorded: applied, ignored, a duplicate,
  or kept for a person (unallocated, parked with its reason, review). A verified
  event is never refused, so Stripe never retries what can only fail again.
* 503 when the database is busy or out of reach, and 500 if even parking the
  event failed: it is not recorded, and Stripe delivers it again.

With a gateway it also answers the pay links printed on documents
(billing.gateway.pay_page): a genuine link is sent on (303) to a Checkout page
for what the invoice owes at that moment, made then, so printing never had to
ask Stripe. A link that is not genuine gets 404, a paid invoice a plain
"nothing to pay", and a gateway that cannot be reached 502 pointing to the
bank transfer details on the invoice.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable

from sqlalchemy import Engine
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.types import ASGIApp

from billing.context import Context
from billing.db import transaction
from billing.gateway.errors import GatewayError, InvalidWebhook, is_transient
from billing.gateway.inbox import DEFAULT_TOLERANCE, check_delivery, park_delivery, receive
from billing.gateway.pay_page import PAY_PATH, PayPage
from billing.gateway.port import PaymentGateway
from billing.gateway.service import pay_link
from billing.gateway.webhooks import EventOutcome, failure_reason
from pricing.clock import Clock
from pricing.errors import NotFound, RuleViolation

WEBHOOK_PATH = "/stripe/webhook"
ACTOR = "stripe-webhook"
PAY_ACTOR = "pay-page"
# The largest webhook body accepted. Stripe publishes no maximum event size, but its events are small:
# the objects serve subscribes to carry a few KB, metadata is capped at 50 keys of 500 characters
# (about 27 KB), embedded lists are cut to 10 items, and Stripe's own EventBridge destination carries
# events in entries of at most 256 KB. A larger body is refused (413) before it is read; should Stripe
# ever send one, the warning in the log says so and `traded serve --max-body` raises the bound, and
# Stripe's retries then deliver it.
MAX_WEBHOOK_BODY = 256 * 1024

log = logging.getLogger("traded.gateway")

_DIGITS = re.compile(r"[0-9]{1,19}")


def create_app(engine: Engine, webhook_secret: str | None, clock: Clock, tolerance: int = DEFAULT_TOLERANCE,
               max_body: int = MAX_WEBHOOK_BODY, *, gateway: PaymentGateway | None = None,
               pay_page: PayPage | None = None, portal: ASGIApp | None = None) -> Starlette:
    """The ASGI app; ``clock`` stamps audit entries (a payment's date comes from its event).

    Given a ``gateway`` and the ``pay_page`` whose links documents print, it answers those links too.
    The webhook is served only with a ``webhook_secret`` to verify it; the ``portal`` (portal.app),
    when given, answers every other path.
    """
    if not webhook_secret and portal is None:
        raise ValueError("a webhook secret is required")
    if tolerance <= 0:
        raise ValueError("the webhook tolerance must be a positive number of seconds")
    if max_body <= 0:
        raise ValueError("the webhook body limit must be a positive number of bytes")

    signing_secret = webhook_secret or ""  # the webhook route is served only when there is one

    def handle(text: str) -> EventOutcome:
        try:
            with transaction(engine) as session:
                return receive(Context(session=session, clock=clock, actor=ACTOR), text)
        except Exception as exc:
            if is_transient(exc):
                raise
            # Something failed that parking inside the delivery's transaction did not catch (the event's
            # own row could not be written): keep the exact text in a fresh transaction instead.
            log.error("Stripe delivery could not be recorded; parking it", exc_info=exc)
            with transaction(engine) as session:
                return park_delivery(Context(session=session, clock=clock, actor=ACTOR), text,
                                     f"could not be recorded: {failure_reason(exc)}")

    async def webhook(request: Request) -> JSONResponse:
        raw = await _read_body(request, max_body)
        if isinstance(raw, JSONResponse):
            return raw
        try:
            text = check_delivery(raw, request.headers.get("stripe-signature"), signing_secret, tolerance)
        except InvalidWebhook as exc:
            log.warning("webhook refused (400): %s", exc.message)
            return _error(400, exc.code, exc.message)
        try:
            outcome = await run_in_threadpool(handle, text)
        except Exception as exc:
            if is_transient(exc):
                log.warning("webhook not recorded, the database is unavailable (%s); Stripe will retry it",
                            failure_reason(exc))
                return _error(503, "database_unavailable", "not recorded; retry")
            log.error("webhook delivery failed; Stripe will retry it", exc_info=exc)
            return _error(500, "webhook_failed", "not recorded; retry")
        return JSONResponse({"event": outcome.event_id, "status": outcome.status, "note": outcome.note})

    async def health(_request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    routes: list[BaseRoute] = [Route("/health", health, methods=["GET"])]
    if webhook_secret:
        routes.insert(0, Route(WEBHOOK_PATH, webhook, methods=["POST"]))
    if gateway is not None and pay_page is not None:
        routes.append(Route(f"{PAY_PATH}/{{number}}/{{token}}", _pay_endpoint(engine, clock, gateway, pay_page),
                            methods=["GET"]))
    if portal is not None:
        routes.append(Mount("", app=portal))  # last: the paths above are the engine's own
    return Starlette(routes=routes)


def _pay_endpoint(engine: Engine, clock: Clock, gateway: PaymentGateway,
                  page: PayPage) -> Callable[[Request], Awaitable[Response]]:
    """The pay page: a Checkout session for what the invoice owes now, made when the link is followed."""

    def checkout_url(number: str) -> str:
        with transaction(engine) as session:
            ctx = Context(session=session, clock=clock, actor=PAY_ACTOR, gateway=gateway, pay_page=page)
            return pay_link(ctx, gateway, number).url

    async def pay(request: Request) -> Response:
        number, token = request.path_params["number"], request.path_params["token"]
        if not page.genuine(number, token):
            return PlainTextResponse("This payment link is not valid.", status_code=404)
        try:
            url = await run_in_threadpool(checkout_url, number)
        except NotFound:
            return PlainTextResponse("This payment link is not valid.", status_code=404)
        except RuleViolation as exc:
            return PlainTextResponse(f"{exc.message} There is nothing to pay.")
        except GatewayError as exc:
            log.warning("pay page for %s: %s", number, exc.message)
            return PlainTextResponse("Card payment is not available just now: please pay by bank transfer "
                                     "as the invoice says, or try again later.", status_code=502)
        except Exception as exc:
            if not is_transient(exc):
                raise
            return PlainTextResponse("Card payment is not available just now: please try again in a few "
                                     "minutes.", status_code=503)
        return RedirectResponse(url, status_code=303)

    return pay


async def _read_body(request: Request, limit: int) -> bytes | JSONResponse:
    """The body, at most ``limit`` bytes of it, or the response refusing it.

    Content-Length is checked before anything is read; the body is then counted
    as it streams in, so a chunked body, or one longer than it said, is cut off
    at the limit rather than held in memory.
    """
    declared = request.headers.get("content-length")
    if declared is not None:
        if not _DIGITS.fullmatch(declared.strip()):
            return _error(400, "invalid_webhook", "webhook rejected: the Content-Length header is not a number.")
        if int(declared) > limit:
            return _too_large(limit, f"Content-Length {int(declared)}")
    body = bytearray()
    try:
        async for chunk in request.stream():
            if len(body) + len(chunk) > limit:
                return _too_large(limit, "streamed body")
            body += chunk
    except ClientDisconnect:
        return _error(400, "invalid_webhook", "webhook rejected: the client went away before the body ended.")
    return bytes(body)


def _too_large(limit: int, what: str) -> JSONResponse:
    log.warning("webhook refused (413): %s is over the %d-byte limit (traded serve --max-body)", what, limit)
    # Connection: close, so the server stops reading here instead of draining the rest of the body.
    return _error(413, "body_too_large", f"webhook rejected: the body is larger than {limit} bytes.",
                  headers={"connection": "close"})


def _error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status, headers=headers)
