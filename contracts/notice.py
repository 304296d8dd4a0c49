"""The 48-hour rule for sessions (domain-rules.md §5).

A change the school gives at least 48 hours before a session starts moves or
drops the session at no cost. Later notice, or none, leaves the session
deemed delivered: its hours count, it uses entitlement and it is charged
where delivered work is charged.

The 48 hours are elapsed real time. Every instant is converted to UTC before
any arithmetic, because Python subtracts two datetimes that share a tzinfo
(e.g. both Europe/London) on the wall clock, which is an hour out across a
clock change.

:func:`change_outcome` and :func:`delivery` decide what happens to one session
on plain values (its state, start and planned hours, the as-of day), so
billing/ only reads the row, asks, and writes the answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from contracts.states import SessionStatus, move
from pricing.clock import end_of_day_utc, format_london, utc_to_london
from pricing.errors import InvalidInput, RuleViolation

NOTICE_PERIOD = timedelta(hours=48)


class Outcome(StrEnum):
    """What a school's change does to a session; values match the session status column."""

    MOVED = "moved"
    DROPPED = "dropped"
    DEEMED_DELIVERED = "deemed_delivered"

    @property
    def counts_as_delivered(self) -> bool:
        """Whether the session's hours count, use entitlement and may be charged (§5)."""
        return self is Outcome.DEEMED_DELIVERED


def as_utc(instant: datetime, what: str) -> datetime:
    """An aware instant in UTC; a naive one is refused because its zone would be a guess."""
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise InvalidInput(f"The {what} {instant:%Y-%m-%d %H:%M} has no time zone; give an aware instant.")
    return instant.astimezone(UTC)


def notice_deadline(session_start_utc: datetime) -> datetime:
    """The latest instant at which notice is still in time: start less 48 hours elapsed (§5)."""
    return as_utc(session_start_utc, "session start") - NOTICE_PERIOD


def notice_in_time(session_start_utc: datetime, notified_at_utc: datetime) -> bool:
    """Whether notice given at ``notified_at_utc`` is at least 48 hours before the start (§5).

    Exactly 48 hours before counts as in time.
    """
    return as_utc(notified_at_utc, "notice time") <= notice_deadline(session_start_utc)


def apply_change(
    session_start_utc: datetime,
    notified_at_utc: datetime | None,
    moved_to_utc: datetime | None,
) -> Outcome:
    """Apply the 48-hour rule to a school's change of a session (§5).

    ``notified_at_utc`` is when the school told the service (``None``: it never
    did and the session could not take place); ``moved_to_utc`` is the new time
    asked for, if any. In time → MOVED (new time given) or DROPPED; late or
    never → DEEMED_DELIVERED, whether or not a new time was asked for, since
    a late request cannot rescue the original session.
    """
    start = as_utc(session_start_utc, "session start")
    if notified_at_utc is None:
        if moved_to_utc is not None:
            raise InvalidInput("A session can only be moved on the school's notice; give the notice time.")
        return Outcome.DEEMED_DELIVERED
    notified = as_utc(notified_at_utc, "notice time")
    if notified > start:
        # Notice after the start is not a change but a report of a missed session.
        raise RuleViolation(
            f"Notice at {notified:%Y-%m-%d %H:%M} UTC came after the session started "
            f"at {start:%Y-%m-%d %H:%M} UTC."
        )
    if moved_to_utc is not None:
        moved_to = as_utc(moved_to_utc, "new session time")
        if moved_to <= notified:
            raise InvalidInput(
                f"The new session time {moved_to:%Y-%m-%d %H:%M} UTC is not after the notice "
                f"at {notified:%Y-%m-%d %H:%M} UTC."
            )
        if moved_to == start:
            raise InvalidInput(f"The new session time {moved_to:%Y-%m-%d %H:%M} UTC is the time it already has.")
    if notified <= start - NOTICE_PERIOD:
        return Outcome.MOVED if moved_to_utc is not None else Outcome.DROPPED
    return Outcome.DEEMED_DELIVERED


# --- one session's outcome ----------------------------------------------------------------


class SessionSettled(RuleViolation):
    code = "session_settled"


@dataclass(frozen=True)
class SessionAtSchool:
    """What a session's outcome depends on: its state, when it starts, the hours planned."""

    id: int
    status: str
    starts_at: datetime  # aware, UTC
    planned_hours: Decimal

    @property
    def what(self) -> str:
        return f"session {self.id}"


@dataclass(frozen=True)
class Delivery:
    """A session delivered: its new state and the hours counted unless others were worked."""

    status: SessionStatus
    planned_hours: Decimal


@dataclass(frozen=True)
class SessionChange:
    """What a school's change does to a session (§5): its state, and the hours that now count
    as delivered (None: none do)."""

    outcome: Outcome
    status: SessionStatus
    delivered_hours: Decimal | None


def check_scheduled(session: SessionAtSchool) -> None:
    """A session with an outcome keeps it: delivered, moved, dropped or deemed delivered, it is settled."""
    if session.status != SessionStatus.SCHEDULED:
        raise SessionSettled(
            f"Session {session.id} at {format_london(session.starts_at)} is already "
            f"{session.status.replace('_', ' ')} and cannot be changed."
        )


def delivery(session: SessionAtSchool, today: date) -> Delivery:
    """A scheduled session delivered, never before its day comes."""
    check_scheduled(session)
    if utc_to_london(session.starts_at).date() > today:
        raise RuleViolation(f"Session {session.id} starts at {format_london(session.starts_at)}, "
                            f"after today ({today}); it cannot have been delivered yet.")
    status = move(session.status, SessionStatus.DELIVERED, session.what)
    return Delivery(status, session.planned_hours)


def change_outcome(session: SessionAtSchool, notified_at: datetime | None, moved_to: datetime | None,
                   today: date) -> SessionChange:
    """The school's notice of a change applied to a scheduled session: the 48-hour rule (§5).

    Notice dated after today is refused, as is a session recorded as missed before its
    day. Deemed delivered, its planned hours count as delivered.
    """
    check_scheduled(session)
    if notified_at is not None and notified_at > end_of_day_utc(today):
        raise InvalidInput(f"Session {session.id}: notice at {format_london(notified_at)} is after today "
                           f"({today}).")
    if notified_at is None and utc_to_london(session.starts_at).date() > today:
        raise RuleViolation(f"Session {session.id} starts at {format_london(session.starts_at)}, after today; "
                            "it cannot be recorded as missed yet.")
    outcome = apply_change(session.starts_at, notified_at, moved_to)
    status = move(session.status, SessionStatus(outcome.value), session.what)
    return SessionChange(outcome, status, session.planned_hours if outcome.counts_as_delivered else None)
