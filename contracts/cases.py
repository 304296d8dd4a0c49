"""Cases: an opaque reference, an eight-week plan, and the dates that bound it (domain-rules.md §6).

A case is one child's referral, known only by a reference, never a name or
other personal details: the reference follows the council's pattern (price book
``[council.case_refs]``, default C25-0001) and the engine assigns the next one. It
opens on referral, runs at most eight weeks from its planning meeting, and closes on
a closure date.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from contracts.notice import as_utc
from contracts.states import SessionStatus
from pricing.clock import end_of_day_utc, london_to_utc, utc_to_london
from pricing.errors import InvalidInput, RuleViolation
from pricing.pricebook import CaseRefs
from pricing.text import clean_line

PLAN_WEEKS = 8
PLAN_PERIOD = timedelta(weeks=PLAN_WEEKS)  # 56 days
# The service's response-time target for acknowledging a referral (reported, not enforced).
ACKNOWLEDGE_WITHIN = timedelta(hours=48)

REF_MAX = 20  # the width of the cases.ref column; a price book's pattern never exceeds it


def _ref_rule(refs: CaseRefs, start_year: int) -> str:
    example = refs.make(start_year, 1)
    return (f'must look like {example} (pattern {refs.pattern}: "{refs.prefix}", the academic year\'s two digits, '
            f'"-" and {refs.serial_digits} digits); leave it out and the next one is assigned')


def validate_case_ref(ref: str, refs: CaseRefs, start_year: int = 2025) -> str:
    """A case reference in canonical form (upper case), matching the council's pattern (§6).

    ``start_year`` (the referral's academic year) only picks the example in a refusal.

    The pattern (``refs``, from the price book; default C25-0001) has no room for a
    name, so a child's name or date of birth cannot be typed where a code belongs.
    A refused reference is never echoed in the message: it may be the very personal
    data the rule keeps out of logs and output. The message gives the pattern.
    """
    # Control characters get their own refusal; the pattern bounds the length (at most REF_MAX).
    code = clean_line(ref, "case reference", len(ref)).upper() if isinstance(ref, str) and ref.strip() else None
    if code is None or not re.fullmatch(refs.pattern, code, re.ASCII):
        raise InvalidInput(f"A case reference {_ref_rule(refs, start_year)}.")
    return code


def ref_head(refs: CaseRefs, start_year: int) -> str:
    """What every reference of the academic year starting ``start_year`` begins with: "C25-"."""
    return f"{refs.prefix}{start_year % 100:02d}-"


def serial_of(ref: str, refs: CaseRefs, start_year: int) -> int | None:
    """The serial of ``ref`` if it is one of ``refs``' references for the year starting ``start_year``."""
    head = ref_head(refs, start_year)
    if ref.startswith(head) and re.fullmatch(refs.pattern, ref, re.ASCII):
        return int(ref[len(head):])
    return None


def next_case_ref(refs: CaseRefs, start_year: int, taken: Iterable[str]) -> str:
    """The next free reference of the academic year starting ``start_year``: one past the highest in use.

    References in ``taken`` of another year or another pattern (older data) are ignored.
    """
    serial = max((n for n in (serial_of(r, refs, start_year) for r in taken) if n is not None), default=0) + 1
    if serial >= 10 ** refs.serial_digits:
        raise RuleViolation(f"Every case reference of {start_year}/{(start_year + 1) % 100:02d} is in use "
                            f"(up to {refs.make(start_year, serial - 1)}): give the price book's "
                            "case_refs more serial_digits.", code="case_refs_used_up")
    return refs.make(start_year, serial)


def check_may_refer(urn: str, referred_on: date, subscribed: bool, pay_as_you_go: bool) -> None:
    """Only a subscribing school can refer a case (§6): refused unless a subscription is in
    force on the referral date, or the price book allows pay-as-you-go casework at the day rate."""
    if not subscribed and not pay_as_you_go:
        raise RuleViolation(
            f"School {urn} has no subscription in force on {referred_on.isoformat()}: "
            "only subscribing schools can refer a case.",
            code="no_subscription",
        )


def plan_end(planning_on: date) -> date:
    """The last day a case's support plan runs: planning meeting + 8 weeks (§6)."""
    return planning_on + PLAN_PERIOD


def beyond_plan(planning_on: date | None, session_day: date) -> bool:
    """Whether a session falls after the case's eight-week plan (§6); a warning, not a refusal.

    A case with no planning meeting yet has no plan to run past.
    """
    return planning_on is not None and session_day > plan_end(planning_on)


def check_planning(referred_on: date, planning_on: date) -> None:
    """Refuse a planning meeting dated before the referral that opened the case (§6)."""
    if planning_on < referred_on:
        raise RuleViolation(f"A planning meeting on {planning_on} cannot come before the referral on {referred_on}.")


def check_closure(referred_on: date, closed_on: date, planning_on: date | None = None) -> None:
    """Refuse a closure dated before the referral, or before the planning meeting if there was one (§6)."""
    if closed_on < referred_on:
        raise RuleViolation(f"A case referred on {referred_on} cannot close earlier, on {closed_on}.")
    if planning_on is not None and closed_on < planning_on:
        raise RuleViolation(f"A case planned on {planning_on} cannot close earlier, on {closed_on}.")


def acknowledged_late(referred_at_utc: datetime, acknowledged_at_utc: datetime) -> bool:
    """Whether a referral was acknowledged more than 48 hours (elapsed real time) after it came in.

    Exactly 48 hours is on time. This feeds response-time reporting only.
    """
    referred = as_utc(referred_at_utc, "referral time")
    acknowledged = as_utc(acknowledged_at_utc, "acknowledgement time")
    if acknowledged < referred:
        raise InvalidInput(
            f"An acknowledgement at {acknowledged:%Y-%m-%d %H:%M} UTC cannot come before "
            f"the referral at {referred:%Y-%m-%d %H:%M} UTC."
        )
    return acknowledged - referred > ACKNOWLEDGE_WITHIN


# --- a case's life: referral, closure, acknowledgement ----------------------------------------


class CaseClosed(RuleViolation):
    code = "case_closed"


@dataclass(frozen=True)
class CaseDates:
    """What the rules of a case's life read: its reference and the dates recorded on it."""

    ref: str
    referred_on: date
    planning_on: date | None = None
    closed_on: date | None = None
    acknowledged_at: datetime | None = None  # aware, UTC


def check_referral_date(ref: str | None, referred_on: date, today: date) -> None:
    """A referral is recorded once it has come in: never dated after the as-of day."""
    if referred_on > today:
        what = f"Case {ref}" if ref else "The case"
        raise InvalidInput(f"{what}: the referral date {referred_on} is after today ({today}).")


def check_open(case: CaseDates) -> None:
    """A closed case is final: no planning meeting, session or closure changes it."""
    if case.closed_on is not None:
        raise CaseClosed(f"Case {case.ref} closed on {case.closed_on} and cannot be changed.")


def check_close(case: CaseDates, on: date, today: date, sessions: Iterable[tuple[str, date]]) -> None:
    """Refuse closing ``case`` on ``on`` unless every session has an outcome and none is later (§6).

    ``sessions`` are (status, London day) of every session on the case.
    """
    check_open(case)
    check_closure(case.referred_on, on, case.planning_on)
    if on > today:
        raise InvalidInput(f"Case {case.ref} cannot be closed on {on}, after today ({today}).")
    held = list(sessions)
    waiting = sum(1 for status, _ in held if status == SessionStatus.SCHEDULED)
    if waiting:
        raise RuleViolation(
            f"Case {case.ref} still has {waiting} scheduled session(s); deliver, move or drop them first."
        )
    worked = (SessionStatus.DELIVERED, SessionStatus.DEEMED_DELIVERED)
    last = max((day for status, day in held if status in worked), default=None)
    if last is not None and on < last:
        raise RuleViolation(f"Case {case.ref} cannot close on {on}: it has work recorded on {last}.")


def referral_clock_start(referred_on: date) -> datetime:
    """When the 48-hour acknowledgement clock starts for a referral known only by its date.

    The engine holds the referral's date, not its hour, so the service is given
    the whole of that day: the clock starts at midnight (London) at its end.
    """
    return london_to_utc(datetime.combine(referred_on + timedelta(days=1), time(0, 0)))


def check_acknowledgement(case: CaseDates, at: datetime, today: date) -> None:
    """An acknowledgement is recorded once, on or after the referral day and not after the as-of day."""
    if case.acknowledged_at is not None:
        raise RuleViolation(f"Case {case.ref} was already acknowledged.", code="already_acknowledged")
    local_day = utc_to_london(at).date()
    if local_day < case.referred_on:
        raise InvalidInput(f"Case {case.ref}: the acknowledgement on {local_day} is before the referral "
                           f"on {case.referred_on}.")
    if at > end_of_day_utc(today):
        raise InvalidInput(f"Case {case.ref}: the acknowledgement on {local_day} is after today ({today}).")


def referral_acknowledged_late(referred_on: date, acknowledged_at: datetime) -> bool:
    """More than 48 hours from the referral clock's start (:func:`referral_clock_start`) to the
    acknowledgement; one on the referral day itself, before the clock starts, is on time."""
    start = referral_clock_start(referred_on)
    return acknowledged_at > start and acknowledged_late(start, acknowledged_at)
