"""A subscription as a value, and every decision its lifecycle takes (domain-rules.md §3).

A subscription is a two-academic-year contract from its start date; while live,
and when cancelled up to its effective end (§4), it covers the school. A school
has at most one subscription covering any day, so a new term that would meet an
existing one anywhere is refused. Renewal is the next two-year term from the day
after the old one ends. Each instalment of each year's fee becomes one charge,
described for the school and keyed so it can never be raised twice.

Nothing here reads a database or the clock: billing/subscriptions.py loads the
rows, turns them into :class:`SubscriptionRecord` values, asks, and writes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from contracts.charge_details import SubscriptionFeeDetail
from contracts.states import SubscriptionStatus
from pricing.calendars import AcademicYear, FinancialYear, term_of
from pricing.errors import InvalidInput, RuleViolation
from pricing.fees import (
    SCHEDULES,
    FeeSpan,
    FySplitBasis,
    Instalment,
    ScheduleName,
    contract_end,
    contract_years,
)
from pricing.fees import schedule as fee_schedule
from pricing.money import ZERO
from pricing.pricebook import TIER_NAMES

# The document date format lives in invoices/, which contracts/ may not import:
# callers pass it in (billing gives invoices.formats.doc_date).
DayFormat = Callable[[date], str]


def check_tier(tier: str) -> str:
    if tier not in TIER_NAMES:
        raise InvalidInput(f'subscription tier "{tier}" must be premium or initial', code="unknown_tier")
    return tier


def check_schedule(name: str) -> ScheduleName:
    for known in SCHEDULES:
        if name == known:
            return known
    raise InvalidInput(f'billing schedule "{name}" must be annual, termly or fy-split', code="unknown_schedule")


@dataclass(frozen=True)
class SubscriptionTerms:
    """A subscription asked for: its tier, billing schedule and first day; the end follows (§3)."""

    tier: str
    schedule: ScheduleName
    starts_on: date

    @classmethod
    def checked(cls, tier: str, schedule: str, starts_on: date) -> SubscriptionTerms:
        """Terms from what a person typed: an unknown tier or schedule refused (tier first)."""
        return cls(check_tier(tier), check_schedule(schedule), starts_on)

    @property
    def ends_on(self) -> date:
        return contract_end(self.starts_on)


@dataclass(frozen=True)
class SubscriptionRecord:
    """A subscription already made, as far as the rules need it."""

    id: int
    tier: str
    schedule: str
    starts_on: date
    ends_on: date
    status: SubscriptionStatus = SubscriptionStatus.LIVE
    effective_end: date | None = None
    renews_id: int | None = None

    @property
    def covered_until(self) -> date:
        return covered_until(self)

    def covers(self, on: date) -> bool:
        return self.starts_on <= on <= self.ends_on and on <= covered_until(self)


def covered_until(sub: SubscriptionRecord) -> date:
    """The last day a subscription covers: its effective end once cancelled, else its contract end."""
    if sub.status == SubscriptionStatus.CANCELLED and sub.effective_end is not None:
        return sub.effective_end
    return sub.ends_on


def _by_start(subs: Iterable[SubscriptionRecord]) -> list[SubscriptionRecord]:
    return sorted(subs, key=lambda sub: (sub.starts_on, sub.id))


def covering(subs: Iterable[SubscriptionRecord], on: date) -> SubscriptionRecord | None:
    """The school's subscription in force on ``on`` (the earliest started, should two), or None."""
    for sub in _by_start(subs):
        if sub.covers(on):
            return sub
    return None


def find_clash(subs: Iterable[SubscriptionRecord], start: date, end: date) -> SubscriptionRecord | None:
    """The first existing subscription covering any day of ``start``..``end``, or None.

    A cancelled one stops clashing after its effective end, so a school that left
    early may join again from the day after.
    """
    for sub in _by_start(subs):
        if sub.starts_on <= end and start <= covered_until(sub):
            return sub
    return None


def check_no_clash(subs: Iterable[SubscriptionRecord], terms: SubscriptionTerms, school_urn: str) -> None:
    """Refuse new terms that would give the school two subscriptions on one day (§3: at most one live)."""
    clash = find_clash(subs, terms.starts_on, terms.ends_on)
    if clash is not None:
        raise RuleViolation(
            f"school {school_urn} already has subscription {clash.id} covering "
            f"{clash.starts_on.isoformat()} to {covered_until(clash).isoformat()}; "
            f"a new one from {terms.starts_on.isoformat()} would overlap it",
            code="live_subscription",
        )


def renewal(old: SubscriptionRecord, renewed_as: int | None) -> SubscriptionTerms:
    """The next two-year term, on the same tier and schedule, from the day after ``old`` ends (§3).

    ``renewed_as`` is the id of a subscription already renewing ``old``, if any:
    a cancelled subscription is not renewed, nor one renewed before.
    """
    if old.status == SubscriptionStatus.CANCELLED:
        raise RuleViolation(f"subscription {old.id} was cancelled and cannot be renewed", code="cancelled")
    if renewed_as is not None:
        raise RuleViolation(f"subscription {old.id} was already renewed as subscription {renewed_as}",
                            code="already_renewed")
    return SubscriptionTerms(old.tier, check_schedule(old.schedule), old.ends_on + timedelta(days=1))


def instalment_description(tier: str, inst: Instalment, schedule_name: str, day: DayFormat) -> str:
    """e.g. "Premium subscription 2025/26, autumn term (2025-09-01 to 2025-12-31)".

    An fy-split part names the financial year it falls in: "..., FY2025/26 part (2025-09-01 to 2026-03-31)".
    """
    period = f"({day(inst.period_start)} to {day(inst.period_end)})"
    if schedule_name == "termly":
        term = term_of(inst.period_start).term.value
        return f"{tier.capitalize()} subscription {inst.academic_year.name}, {term} term {period}"
    if schedule_name == "fy-split":
        fy = FinancialYear.of(inst.period_start).name
        return f"{tier.capitalize()} subscription {inst.academic_year.name}, {fy} part {period}"
    return f"{tier.capitalize()} subscription {inst.academic_year.name} {period}"


@dataclass(frozen=True)
class PlannedFee:
    """One instalment charge a new subscription raises."""

    instalment: Instalment
    description: str
    detail: SubscriptionFeeDetail

    def source_key(self, subscription_id: int) -> str:
        """``sub/{id}/{year}/{n}``: raising the same instalment twice is a no-op on the ledger."""
        return f"sub/{subscription_id}/{self.instalment.academic_year.start_year}/{self.instalment.number}"

    @property
    def due_on(self) -> date:
        return self.instalment.due_on

    @property
    def amount(self) -> Decimal:
        return self.instalment.amount

    @property
    def period_start(self) -> date:
        return self.instalment.period_start

    @property
    def period_end(self) -> date:
        return self.instalment.period_end


def plan_fees(terms: SubscriptionTerms, fees: Mapping[AcademicYear, Decimal], day: DayFormat,
              fy_split_basis: FySplitBasis = "months") -> list[PlannedFee]:
    """Every instalment charge of the contract, in due order (§3).

    ``fees`` is each contract year's full-year fee from that year's price-book
    version; the first year is pro-rated and each year split by the schedule
    (pricing.fees), the leftover pennies on its last instalment; an fy-split
    year's parts shared by ``fy_split_basis`` (the price book's).
    """
    return [
        PlannedFee(
            instalment=inst,
            description=instalment_description(terms.tier, inst, terms.schedule, day),
            detail=SubscriptionFeeDetail(academic_year=inst.academic_year.start_year, instalment=inst.number,
                                         of=inst.of, year_fee=fees[inst.academic_year]),
        )
        for inst in fee_schedule(terms.starts_on, fees, terms.schedule, fy_split_basis)
    ]


def raised_year(detail_year: int | None, period_start: date | None, due_on: date) -> int:
    """The academic year (its start year) a raised fee charge belongs to.

    Its recorded detail says so; a charge without one falls back on its period, else its due date.
    """
    if detail_year is not None:
        return detail_year
    return AcademicYear.of(period_start or due_on).start_year


def raised_fee_spans(starts_on: date, raised: Iterable[tuple[int, Decimal]]) -> list[FeeSpan]:
    """The contract's fee per covered year span, from the charges raised: (academic start year, amount) pairs.

    Taken from the ledger rather than the price book, so a price book replaced later
    cannot change a contract already made; a year with nothing raised is worth nothing.
    """
    by_year: dict[int, Decimal] = {}
    for year, amount in raised:
        by_year[year] = by_year.get(year, ZERO) + amount
    return [FeeSpan(span.start, span.end, by_year.get(span.academic_year.start_year, ZERO))
            for span in contract_years(starts_on)]


def contract_value(spans: Iterable[FeeSpan]) -> Decimal:
    return sum((span.fee for span in spans), ZERO)
