"""Gateway refusals as domain errors, and the one place Stripe's errors are translated."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import stripe
from sqlalchemy import exc as sa_exc

from pricing.errors import RuleViolation, TradedError


class GatewayError(TradedError):
    """The payment gateway refused or could not be reached."""

    code = "gateway_error"
    retryable = False


class CardDeclined(GatewayError):
    code = "card_declined"


class GatewayRateLimited(GatewayError):
    code = "gateway_rate_limited"
    retryable = True


class GatewayUnavailable(GatewayError):
    code = "gateway_unavailable"
    retryable = True


class GatewayRequestRefused(GatewayError):
    """The gateway rejected the request itself (a bad parameter, an unknown id, a replayed key)."""

    code = "gateway_request_refused"


class GatewayNotConfigured(GatewayError):
    """Keys missing, wrong, or a live key used without permission."""

    code = "gateway_not_configured"


class InvalidWebhook(RuleViolation):
    """A webhook whose signature, timestamp or body cannot be trusted."""

    code = "invalid_webhook"


class UnreadableEvent(TradedError):
    """A verified delivery that is not a Stripe event the engine can read: it is parked, not refused.

    ``event_id`` and ``event_type`` are the event's own, when the body names them in a usable form.
    """

    code = "unreadable_event"

    def __init__(self, message: str, event_id: str | None = None, event_type: str | None = None) -> None:
        super().__init__(message)
        self.event_id = event_id
        self.event_type = event_type


def is_transient(exc: BaseException) -> bool:
    """A failure that says nothing about the event: the database busy, locked or out of reach.

    A delivery that fails this way is not recorded and Stripe is asked to send it
    again; every other failure of a verified event parks it for a person.
    """
    if isinstance(exc, sa_exc.DBAPIError) and exc.connection_invalidated:
        return True
    return isinstance(exc, (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.DisconnectionError,
                            sa_exc.TimeoutError, ConnectionError, TimeoutError, MemoryError))


def map_stripe_error(exc: stripe.StripeError, doing: str) -> GatewayError:
    """Translate any Stripe exception into a domain error naming what we were doing.

    This is the only function in the engine that inspects Stripe's exception classes.
    """
    status = f" (HTTP {exc.http_status})" if exc.http_status else ""
    if isinstance(exc, stripe.CardError):
        decline = getattr(exc.error, "decline_code", None) if exc.error is not None else None
        why = exc.user_message or "the card was declined"
        detail = f" [{decline}]" if decline else ""
        return CardDeclined(f"Stripe declined the card while {doing}: {why}{detail}.")
    if isinstance(exc, stripe.RateLimitError):
        return GatewayRateLimited(f"Stripe is rate-limiting requests while {doing}; try again shortly{status}.")
    if isinstance(exc, stripe.APIConnectionError):
        return GatewayUnavailable(f"Stripe could not be reached while {doing}; nothing was charged twice, try again.")
    if isinstance(exc, stripe.AuthenticationError | stripe.PermissionError):
        return GatewayNotConfigured(f"Stripe refused the API key while {doing}{status}; check STRIPE_API_KEY.")
    if isinstance(exc, stripe.IdempotencyError):
        return GatewayRequestRefused(
            f"Stripe refused a repeated request with different details while {doing}{status}.",
            code="gateway_idempotency_conflict",
        )
    if isinstance(exc, stripe.InvalidRequestError):
        param = f" (parameter {exc.param})" if exc.param else ""
        return GatewayRequestRefused(f"Stripe rejected the request while {doing}{param}{status}: {_first_line(exc)}.")
    if isinstance(exc, stripe.APIError):
        return GatewayUnavailable(f"Stripe failed while {doing}{status}; try again.")
    return GatewayError(f"Stripe failed while {doing}{status}: {_first_line(exc)}.")


def _first_line(exc: stripe.StripeError) -> str:
    text = (exc.user_message or str(exc) or type(exc).__name__).strip()
    return text.splitlines()[0].rstrip(".") if text else type(exc).__name__


@contextmanager
def stripe_errors(doing: str) -> Iterator[None]:
    """Run a Stripe call, re-raising its failure as the matching :class:`GatewayError`."""
    try:
        yield
    except stripe.SignatureVerificationError as exc:
        raise InvalidWebhook(f"webhook rejected: {_first_line(exc)}.") from exc
    except stripe.StripeError as exc:
        raise map_stripe_error(exc, doing) from exc
