"""What a subscription covers each academic year, and what is used beyond it.

Rules: domain-rules.md §2 (tier entitlements are data, ``None`` = no cap),
§3 (entitlements reset each academic year, nothing carries over) and §6 (the
first N referrals of a year are covered; further cases are charged).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from pricing.calendars import AcademicYear
from pricing.errors import InvalidInput

CASEWORK = "casework"


def _count(value: object, what: str) -> int:
    # bool is an int subclass; True must not pass as "one referral".
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(f"The {what} must be a whole number, not {value!r}.")
    if value < 0:
        raise InvalidInput(f"The {what} cannot be negative ({value}).")
    return value


def _included(value: object, service: str) -> int | None:
    return None if value is None else _count(value, f"number of {service} included")


@dataclass(frozen=True)
class Usage:
    """One service's use in one academic year: included (``None`` = no cap) and used."""

    service: str
    included: int | None
    used: int

    def __post_init__(self) -> None:
        _included(self.included, self.service)
        _count(self.used, f"number of {self.service} used")

    @property
    def beyond(self) -> int:
        """Uses past the entitlement, which are charged (§2, §6); never any without a cap."""
        if self.included is None:
            return 0
        return max(0, self.used - self.included)

    @property
    def remaining(self) -> int | None:
        """Covered uses still available this year; ``None`` when there is no cap."""
        if self.included is None:
            return None
        return max(0, self.included - self.used)


def is_covered(included: int | None, already_used: int) -> bool:
    """Whether the next use, after ``already_used`` this year, is covered by the subscription (§2, §6).

    The (already_used + 1)-th use is covered iff there is no cap or the cap is not yet reached.
    """
    cap = _included(included, "service")
    used = _count(already_used, "number already used")
    return cap is None or used < cap


def summarise(
    included_by_service: Mapping[str, int | None], used_by_service: Mapping[str, int]
) -> list[Usage]:
    """Used / included / beyond for every service in either mapping, sorted by service (§2).

    A service used but absent from the entitlements has nothing included: all
    its use is beyond the subscription and charged at catalogue prices.
    """
    services = sorted(set(included_by_service) | set(used_by_service))
    return [
        Usage(service=s, included=included_by_service.get(s, 0), used=used_by_service.get(s, 0))
        for s in services
    ]


def academic_year_of_referral(referred_on: date) -> AcademicYear:
    """The academic year whose entitlement a referral counts against; counts reset on 1 September (§3, §6)."""
    return AcademicYear.of(referred_on)


def reference_day(year: AcademicYear, today: date) -> date:
    """The day whose subscription decides a year's entitlements: today within the year, else its nearest end."""
    return min(max(today, year.start), year.end)


@dataclass(frozen=True)
class Use:
    """One case's or order's share of a year's figures: uses of ``service``, and how many were charged."""

    service: str
    used: int
    beyond: int


def case_use(covered: bool) -> Use:
    """A case is one casework referral, charged beyond the entitlement when not covered (§6)."""
    return Use(CASEWORK, 1, 0 if covered else 1)


def tally(uses: Iterable[Use]) -> tuple[Counter[str], Counter[str]]:
    """Uses and uses beyond, added up per service."""
    used: Counter[str] = Counter()
    beyond: Counter[str] = Counter()
    for use in uses:
        used[use.service] += use.used
        beyond[use.service] += use.beyond
    return used, beyond
