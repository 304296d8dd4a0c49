"""The states each record moves through, and the only moves allowed between them.

Every status column holds one of these values (the database's CHECK constraints
list the same words). A service that changes a status asks ``move`` first, so a
cancelled subscription cannot be cancelled again and a withdrawn charge cannot be
waived: an illegal move is refused as a rule, not discovered later in a report.

The values are StrEnums, so they compare equal to the plain words already stored
and printed (``SubscriptionStatus.LIVE == "live"``): JSON output does not change.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import TypeVar

from pricing.errors import RuleViolation


class SubscriptionStatus(StrEnum):
    LIVE = "live"
    CANCELLED = "cancelled"


class OrderStatus(StrEnum):
    OPEN = "open"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"


class SessionStatus(StrEnum):
    """A casework or order session; the outcomes of a school's change are contracts.notice.Outcome."""

    SCHEDULED = "scheduled"
    DELIVERED = "delivered"
    MOVED = "moved"
    DROPPED = "dropped"
    DEEMED_DELIVERED = "deemed_delivered"


class ChargeStatus(StrEnum):
    """A charge on the ledger: due (billed at the next run, or already billed), withdrawn or waived."""

    DUE = "due"
    WITHDRAWN = "withdrawn"
    WAIVED = "waived"


class BillRunStatus(StrEnum):
    RUNNING = "running"
    DONE = "done"
    INTERRUPTED = "interrupted"


class InvoiceStatus(StrEnum):
    """Where an issued invoice stands on a date (derived from its figures, never stored)."""

    ISSUED = "issued"
    PAID = "paid"
    OVERDUE = "overdue"
    CREDITED = "credited"
    WRITTEN_OFF = "written_off"
    SETTLED_BY_JOURNAL = "settled_by_journal"
    """A maintained school's internal recharge, settled on issue by journal transfer (issue 20): never "paid"."""


class BankLineStatus(StrEnum):
    MATCHED = "matched"
    UNMATCHED = "unmatched"
    FUTURE = "future"
    REJECTED = "rejected"


class MailStatus(StrEnum):
    """A message in the outbox (billing.outbox); a school with no address is recorded failed, never dropped."""

    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    BOUNCED = "bounced"
    UNCERTAIN = "uncertain"


class PortalTokenStatus(StrEnum):
    """A one-time portal link (invitation, password reset): used once, or expired by time or by a newer link."""

    ISSUED = "issued"
    USED = "used"
    EXPIRED = "expired"


class PortalSessionStatus(StrEnum):
    """A signed-in portal session: ended by signing out or revocation (revoked), or by time (expired)."""

    LIVE = "live"
    REVOKED = "revoked"
    EXPIRED = "expired"


S = TypeVar("S", bound=StrEnum)

# Issued invoices have no stored status and no moves: they are immutable (corrections are credit notes).
TRANSITIONS: Mapping[type[StrEnum], Mapping[StrEnum, frozenset[StrEnum]]] = {
    SubscriptionStatus: {
        SubscriptionStatus.LIVE: frozenset({SubscriptionStatus.CANCELLED}),
        SubscriptionStatus.CANCELLED: frozenset(),
    },
    OrderStatus: {
        OrderStatus.OPEN: frozenset({OrderStatus.DELIVERED, OrderStatus.CANCELLED}),
        OrderStatus.DELIVERED: frozenset(),
        OrderStatus.CANCELLED: frozenset(),
    },
    SessionStatus: {
        SessionStatus.SCHEDULED: frozenset({
            SessionStatus.DELIVERED, SessionStatus.MOVED, SessionStatus.DROPPED, SessionStatus.DEEMED_DELIVERED,
        }),
        # A delivered session's hours may be corrected, which keeps it delivered.
        SessionStatus.DELIVERED: frozenset({SessionStatus.DELIVERED}),
        SessionStatus.MOVED: frozenset(),
        SessionStatus.DROPPED: frozenset(),
        SessionStatus.DEEMED_DELIVERED: frozenset(),
    },
    ChargeStatus: {
        ChargeStatus.DUE: frozenset({ChargeStatus.WITHDRAWN, ChargeStatus.WAIVED}),
        ChargeStatus.WITHDRAWN: frozenset(),
        ChargeStatus.WAIVED: frozenset(),
    },
    BillRunStatus: {
        BillRunStatus.RUNNING: frozenset({BillRunStatus.DONE, BillRunStatus.INTERRUPTED}),
        BillRunStatus.DONE: frozenset(),
        BillRunStatus.INTERRUPTED: frozenset(),
    },
    BankLineStatus: {
        # A line is stored with its outcome (billing.bank_import); a waiting one (unmatched,
        # future) waits until it is matched or rejected, a future one joining the unmatched
        # once its date has come. A rejected line may still be matched by hand
        # (billing.receipts), and no command takes a matched line's payment back off it.
        BankLineStatus.UNMATCHED: frozenset({BankLineStatus.MATCHED, BankLineStatus.REJECTED}),
        BankLineStatus.FUTURE: frozenset({BankLineStatus.UNMATCHED, BankLineStatus.MATCHED,
                                          BankLineStatus.REJECTED}),
        BankLineStatus.MATCHED: frozenset(),
        BankLineStatus.REJECTED: frozenset({BankLineStatus.MATCHED}),
    },
    MailStatus: {
        # Claimed and committed before the server is asked (sending), so a sender that dies leaves
        # the message sending and the next one marks it uncertain: it may have arrived, and it is
        # sent again only when a person says so (resend, back to queued).
        MailStatus.QUEUED: frozenset({MailStatus.SENDING}),
        MailStatus.SENDING: frozenset({MailStatus.SENT, MailStatus.FAILED, MailStatus.QUEUED,
                                       MailStatus.UNCERTAIN}),
        MailStatus.SENT: frozenset({MailStatus.BOUNCED, MailStatus.QUEUED}),
        MailStatus.FAILED: frozenset({MailStatus.QUEUED}),
        MailStatus.BOUNCED: frozenset({MailStatus.QUEUED}),
        MailStatus.UNCERTAIN: frozenset({MailStatus.QUEUED}),
    },
}

# The schools' portal's accounts (billing.portal_accounts), kept apart so the ledger's table above
# still lists exactly the ledger's records.
PORTAL_TRANSITIONS: Mapping[type[StrEnum], Mapping[StrEnum, frozenset[StrEnum]]] = {
    PortalTokenStatus: {
        PortalTokenStatus.ISSUED: frozenset({PortalTokenStatus.USED, PortalTokenStatus.EXPIRED}),
        PortalTokenStatus.USED: frozenset(),
        PortalTokenStatus.EXPIRED: frozenset(),
    },
    PortalSessionStatus: {
        PortalSessionStatus.LIVE: frozenset({PortalSessionStatus.REVOKED, PortalSessionStatus.EXPIRED}),
        PortalSessionStatus.REVOKED: frozenset(),
        PortalSessionStatus.EXPIRED: frozenset(),
    },
}


class IllegalTransition(RuleViolation):
    code = "illegal_transition"


def can_move(current: StrEnum | str, target: S) -> bool:
    kind = type(target)
    moves = TRANSITIONS[kind] if kind in TRANSITIONS else PORTAL_TRANSITIONS[kind]
    allowed = moves.get(kind(current), frozenset())
    return target in allowed


def move(current: StrEnum | str, target: S, what: str) -> S:
    """``target`` when the move from ``current`` is allowed; else an IllegalTransition naming ``what``.

    ``current`` may be the plain word read from the database.
    """
    kind = type(target)
    try:
        state = kind(current)
    except ValueError:
        raise IllegalTransition(f"{what} has an unknown status {current!r}") from None
    if not can_move(state, target):
        raise IllegalTransition(f"{what} is {state.value} and cannot become {target.value}")
    return target


def values(kind: type[StrEnum]) -> tuple[str, ...]:
    """The stored words of a state kind, in declaration order (for CHECK constraints and option choices)."""
    return tuple(member.value for member in kind)
