"""Stripe deliveries in: checked, read within bounds, then recorded or parked; the team's list and retry.

A delivery is first *checked* (:func:`check_delivery`): UTF-8 text whose
Stripe-Signature header matches it, else it is refused (HTTP 400) and nothing
is written. Its size is bounded before this, by the web app. A checked delivery
came from Stripe, so from here on nothing is refused and nothing is dropped:

* :func:`receive` reads it (:func:`parse_event`: JSON nested at most
  :data:`MAX_JSON_DEPTH` deep, with the fields every event has) and applies it
  (billing.gateway.webhooks.apply_notice): processed, ignored, a duplicate,
  unallocated (money the ledger cannot place), parked (an event the engine
  cannot read or apply, with the reason), or review.
* A body that cannot be read as an event is parked with its exact text, under
  its own event id where it names a usable one, else under a stand-in id
  (``unreadable:<sha256>``), so a redelivery of the same bytes is a duplicate.
* Only a transient failure (the database busy or out of reach) escapes, so the
  delivery is not recorded and Stripe sends it again.

Parked and unallocated events wait for a person: :func:`list_events` shows
them (``traded stripe events``) and :func:`retry_event` applies one again once
its cause is fixed (``traded stripe retry``), each change of state audited.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import stripe
from sqlalchemy import select

from billing.context import Context
from billing.gateway import payloads
from billing.gateway.cash_balance import MARKER_TYPE
from billing.gateway.errors import InvalidWebhook, UnreadableEvent, is_transient
from billing.gateway.webhooks import (
    DUPLICATE,
    IGNORED,
    PARKED,
    RETRYABLE,
    REVIEW,
    UNALLOCATED,
    EventOutcome,
    apply_notice,
    audit_event,
    failure_reason,
    notice_from_event,
    one_line,
    outcome_of,
    parked_outcome,
)
from billing.models import GatewayEvent
from pricing.errors import NotFound, RuleViolation

DEFAULT_TOLERANCE = 300  # seconds; Stripe's own default
# Stripe's event objects nest a handful of levels (event → data → object → charge → method details);
# 64 leaves room for any API version while keeping a hostile body far from the interpreter's limit.
MAX_JSON_DEPTH = 64
NEEDS_A_PERSON = (PARKED, UNALLOCATED, REVIEW)
RAW_BODY = "raw_body"  # the payload of an event parked before it could be read: its exact text
UNREADABLE_TYPE = "unreadable"

_JSON_SPECIAL = re.compile(r'[\\"\[\]{}]')


def check_delivery(raw: bytes, signature: str | None, secret: str, tolerance: int = DEFAULT_TOLERANCE) -> str:
    """The body as text once its Stripe-Signature header is checked against it; InvalidWebhook otherwise.

    Refuses a body that is not UTF-8 (Stripe sends nothing else) and a missing,
    tampered, wrongly keyed or stale signature. ``tolerance`` must be positive:
    Stripe's library treats 0 as "accept any age".
    """
    if tolerance <= 0:
        raise ValueError("the webhook tolerance must be a positive number of seconds")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidWebhook("webhook rejected: the body is not UTF-8 text.") from exc
    try:
        stripe.WebhookSignature.verify_header(text, signature, secret, tolerance)
    except stripe.SignatureVerificationError as exc:
        reason = (str(exc).split(";")[0].splitlines() or ["bad signature"])[0].rstrip(".")
        raise InvalidWebhook(f"webhook rejected: {reason}.") from exc
    except Exception as exc:  # noqa: BLE001 - whatever the library trips over, the body is not verified
        raise InvalidWebhook("webhook rejected: the signature could not be checked.") from exc
    return text


def nesting_depth(text: str, stop_above: int) -> int:
    """How deep the JSON in ``text`` nests, counting no further than ``stop_above`` + 1.

    A linear scan that skips strings, so a hostile body is measured without
    recursion (json.loads recurses once per level and fails near 1,000).
    """
    depth = deepest = 0
    in_string = False
    escaped_at = -1
    for match in _JSON_SPECIAL.finditer(text):
        at, char = match.start(), match.group()
        if at == escaped_at:
            continue
        if in_string:
            if char == "\\":
                escaped_at = at + 1
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > stop_above:
                    break
        elif char in "]}":
            depth -= 1
    return deepest


def parse_event(text: str) -> payloads.Event:
    """A verified body as a Stripe event; UnreadableEvent, naming what is wrong, when it is not one."""
    if nesting_depth(text, MAX_JSON_DEPTH) > MAX_JSON_DEPTH:
        raise UnreadableEvent(f"the body is JSON nested more than {MAX_JSON_DEPTH} levels deep")
    try:
        body = json.loads(text, parse_float=_finite, parse_constant=_no_constant)
    except RecursionError as exc:
        raise UnreadableEvent("the body is JSON nested too deeply to read") from exc
    except ValueError as exc:  # not JSON, or a number with thousands of digits
        raise UnreadableEvent(one_line(f"the body is not JSON ({exc})", 200)) from exc
    try:
        event = payloads.Event.read(body)
    except payloads.ValidationError as exc:
        raise _unreadable(body, {str(error["loc"][0]) if error["loc"] else "" for error in exc.errors()}) from exc
    bad = _unstorable_text(body)
    if bad:  # PostgreSQL's text cannot hold it: the event is kept as its escaped text instead
        raise UnreadableEvent(f"the event carries {bad}", event.id, event.type)
    return event


def _unreadable(body: object, failed: set[str]) -> UnreadableEvent:
    """The first of the envelope's parts in ``failed`` as one reason, with the event's id and type where usable."""
    if not isinstance(body, dict) or failed & {"", "object"}:
        return UnreadableEvent("the body is not a Stripe event")
    ident = None if "id" in failed else body["id"]
    kind = None if "type" in failed else body["type"]
    if ident is None:
        return UnreadableEvent("the event's id is missing or not a Stripe id", None, kind)
    if kind is None:
        return UnreadableEvent("the event's type is missing or not a Stripe event type", ident)
    if "created" in failed:
        return UnreadableEvent("the event's created time is missing or out of range", ident, kind)
    return UnreadableEvent("the event carries no data object", ident, kind)


def _unstorable_text(body: dict[str, Any]) -> str | None:
    """What in the event's strings no UTF-8 text column can hold, if anything (an iterative walk)."""
    stack: list[object] = [body]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str):
            if "\x00" in item:
                return "a NUL character"
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return "text that is not Unicode (a lone surrogate)"
    return None


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"the number {text[:20]} is out of range")
    return value


def _no_constant(text: str) -> float:
    raise ValueError(f"{text} is not a JSON number")  # json.loads would take NaN and Infinity; JSON has neither


def unreadable_id(text: str) -> str:
    """The stand-in id of a delivery that names no usable event id: the same bytes, the same id."""
    return f"unreadable:{hashlib.sha256(text.encode()).hexdigest()[:29]}"  # 40 characters, like an audit id


def receive(ctx: Context, text: str) -> EventOutcome:
    """Record one checked delivery inside the caller's transaction: applied, or parked with its reason.

    Raises only for a transient failure (billing.gateway.errors.is_transient).
    """
    try:
        event = parse_event(text)
    except UnreadableEvent as exc:
        return park_delivery(ctx, text, exc.message, exc.event_id, exc.event_type)
    try:
        notice = notice_from_event(event)
    except Exception as exc:
        if is_transient(exc):
            raise
        return park_delivery(ctx, text, failure_reason(exc), event.id, event.type, unexpected=exc)
    return apply_notice(ctx, notice)


def park_delivery(ctx: Context, text: str, reason: str, event_id: str | None = None,
                  event_type: str | None = None, unexpected: BaseException | None = None) -> EventOutcome:
    """Keep a checked delivery's exact text, parked with ``reason``; a duplicate if already kept.

    Without ``event_id`` the body is read once more for its id (a delivery whose
    first recording failed), else it is kept under :func:`unreadable_id`.
    """
    if event_id is None:
        event_id, event_type = _ids(text)
    ident = event_id or unreadable_id(text)
    if ctx.session.scalar(select(GatewayEvent.id).where(GatewayEvent.event_id == ident)) is not None:
        return EventOutcome(ident, DUPLICATE, "event already recorded")
    outcome = parked_outcome(ident, reason, unexpected)
    kind = event_type or UNREADABLE_TYPE
    ctx.session.add(GatewayEvent(event_id=ident, type=kind, status=PARKED, payload={RAW_BODY: text},
                                 note=outcome.note, received_at=ctx.now))
    audit_event(ctx, "gateway.parked", ident, {"type": kind, "bytes": len(text.encode())}, outcome.note)
    ctx.session.flush()
    return outcome


def _ids(text: str) -> tuple[str | None, str | None]:
    try:
        event = parse_event(text)
    except UnreadableEvent as exc:
        return exc.event_id, exc.event_type
    return event.id, event.type


@dataclass(frozen=True)
class EventRow:
    """A webhook event as the team sees it."""

    event_id: str
    type: str
    status: str
    note: str | None
    received_at: datetime

    def as_dict(self) -> dict[str, object]:
        return {"event": self.event_id, "type": self.type, "status": self.status, "note": self.note,
                "received_at": self.received_at}


def list_events(ctx: Context, statuses: tuple[str, ...] | None = NEEDS_A_PERSON,
                limit: int | None = None) -> list[EventRow]:
    """Webhook events in the order they arrived, those with ``statuses`` (None: every status)."""
    query = select(GatewayEvent.event_id, GatewayEvent.type, GatewayEvent.status, GatewayEvent.note,
                   GatewayEvent.received_at).where(GatewayEvent.type != MARKER_TYPE)
    if statuses is not None:
        query = query.where(GatewayEvent.status.in_(statuses))
    query = query.order_by(GatewayEvent.received_at, GatewayEvent.id)
    if limit is not None:
        query = query.limit(limit)
    return [EventRow(*row) for row in ctx.session.execute(query)]


@dataclass(frozen=True)
class Retried:
    """What retrying an event did: its status before and after, and the money it recorded."""

    event_id: str
    type: str
    before: str
    status: str
    note: str | None
    payment_id: int | None = None
    refund_id: int | None = None

    def as_dict(self) -> dict[str, object]:
        return {"event": self.event_id, "type": self.type, "was": self.before, "status": self.status,
                "note": self.note, "payment_id": self.payment_id, "refund_id": self.refund_id}


def retry_event(ctx: Context, event_id: str) -> Retried:
    """Apply a parked or unallocated event again, as if it had just arrived, and record what it did.

    Runs in the caller's transaction and writes the money at most once (payments
    are keyed on the gateway's own ids). Still unplaceable, it stays waiting with
    the new reason. The change is audited as ``gateway.retry``.
    """
    shown = one_line(event_id.strip(), 100)
    row = ctx.session.scalar(select(GatewayEvent).where(GatewayEvent.event_id == event_id.strip(),
                                                        GatewayEvent.type != MARKER_TYPE).with_for_update())
    if row is None:
        raise NotFound(f"no Stripe event {shown} is recorded")
    if row.status not in RETRYABLE:
        raise RuleViolation(f"Stripe event {shown} is {row.status}, not parked or unallocated: nothing to retry")
    before, was = row.status, row.event_id
    outcome = _reapply(ctx, row)
    row.status, row.note = outcome.status, outcome.note
    detail: dict[str, object] = {"type": row.type, "from": before, "to": outcome.status}
    if row.event_id != was:
        detail["kept_as"] = was
    if outcome.payment_id is not None:
        detail["payment_id"] = outcome.payment_id
    if outcome.refund_id is not None:
        detail["refund_id"] = outcome.refund_id
    audit_event(ctx, "gateway.retry", row.event_id, detail, outcome.note)
    ctx.session.flush()
    return Retried(row.event_id, row.type, before, outcome.status, outcome.note,
                   outcome.payment_id, outcome.refund_id)


def retryable_ids(ctx: Context, statuses: tuple[str, ...]) -> list[str]:
    """Ids of the events with ``statuses`` (parked and/or unallocated), oldest first."""
    wanted = tuple(s for s in statuses if s in RETRYABLE)
    return [row.event_id for row in list_events(ctx, wanted)]


def _reapply(ctx: Context, row: GatewayEvent) -> EventOutcome:
    payload = row.payload
    try:
        raw = payload.get(RAW_BODY) if isinstance(payload, dict) and set(payload) == {RAW_BODY} else None
        # The stored event is read exactly as a new delivery would be: the same bounds, the same checks.
        event = parse_event(raw if isinstance(raw, str) else json.dumps(payload))
        notice = notice_from_event(event)
    except UnreadableEvent as exc:
        return parked_outcome(row.event_id, exc.message)
    except Exception as exc:
        if is_transient(exc):
            raise
        return parked_outcome(row.event_id, failure_reason(exc), unexpected=exc)
    if notice.event_id != row.event_id:
        # Kept under a stand-in id while it could not be read; readable now, it takes its own id,
        # so a redelivery from Stripe is a duplicate rather than a second payment.
        if ctx.session.scalar(select(GatewayEvent.id).where(GatewayEvent.event_id == notice.event_id)) is not None:
            return EventOutcome(row.event_id, IGNORED, f"the same event is recorded as {notice.event_id}")
        row.event_id, row.type = notice.event_id, notice.type
        ctx.session.flush()
    return outcome_of(ctx, notice)
