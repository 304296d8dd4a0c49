"""The 48-hour rule for sessions (domain-rules.md §5).

A change the school gives at least 48 hours before a session starts moves or
drops the session at no cost. Later notice, or none, leaves the session
deemed delivered: its hours count, it uses entitlement and it is charged
where delivered work is charged.

The 48 hours are elapsed real time. Every instant is converted to UTC before
any arithmetic, because Python subtracts two datetimes that share a tzinfo
(e.g. both Europe/London) on the wall clock, which is an hour out across a
clock change.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from enum import StrEnum

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
