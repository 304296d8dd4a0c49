"""Cases: an opaque reference, an eight-week plan, and the dates that bound it (domain-rules.md §6).

A case is one child's referral, known only by a reference, never a name or
other personal details. It opens on referral, runs at most eight weeks from
its planning meeting, and closes on a closure date.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from contracts.notice import as_utc
from pricing.errors import InvalidInput, RuleViolation

PLAN_WEEKS = 8
PLAN_PERIOD = timedelta(weeks=PLAN_WEEKS)  # 56 days
# The service's response-time target for acknowledging a referral (reported, not enforced).
ACKNOWLEDGE_WITHIN = timedelta(hours=48)

REF_MIN, REF_MAX = 3, 20  # REF_MAX is the width of the cases.ref column
_REF_CHARS = re.compile(r"[A-Z0-9-]+")


def validate_case_ref(ref: str) -> str:
    """A case reference in canonical form: 3–20 of A–Z, 0–9 and '-', upper-cased (§6).

    The reference must carry at least one digit. A name ("Jane Smith",
    "jsmith", "Amy") has none, so the rule stops a child's name being typed
    in where a code belongs, without trying to recognise names. A refused
    reference is never echoed in the message: it may be the very personal
    data the rule keeps out of logs and output.
    """
    if not isinstance(ref, str):
        raise InvalidInput("A case reference must be text.")
    code = ref.strip().upper()
    if any(ch.isspace() for ch in code):
        raise InvalidInput("A case reference cannot contain spaces; use the service's case code, not a name.")
    if not REF_MIN <= len(code) <= REF_MAX:
        raise InvalidInput(f"A case reference must be {REF_MIN} to {REF_MAX} characters long.")
    if not _REF_CHARS.fullmatch(code):
        raise InvalidInput("A case reference may hold only letters A–Z, digits and '-'.")
    if not any(ch.isdigit() for ch in code):
        raise InvalidInput("A case reference must contain a digit; use the service's case code, not a name.")
    return code


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
