"""Late-payment interest: simple, daily, on the balance outstanding after the due date.

Rules: domain-rules.md §8. "2% per month, calculated daily, from the due date
until payment is received" is simple interest at 24% a year on a 365-day basis
(no leap-year change: 29 February is a day like any other, still ÷ 365), on the
gross balance outstanding each day after the due date.

Day counting (decided here; the rules' worked example fixes it): interest
accrues for each day D with due date < D ≤ the payment or as-of date on the
balance outstanding during D. Money received on day D is counted for D and
reduces the balance from D + 1. So interest days = payment date − due date:
£4,500.00 due 2019-10-31 paid 2019-12-15 accrues 1 Nov..15 Dec = 45 days,
4500 × 0.24 × 45 ÷ 365 = £133.15; paying on the due date accrues nothing.

Rounding: each run fixes its own range to the penny ONCE, half up, from the
exact total of balance × days over the range, never by summing rounded
stretches. A later run charges only new days (``from_day`` = the day after the
last charged day), so a debt charged in several runs can differ from one
single-range figure by at most half a penny per run.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Context, Decimal, localcontext

from pricing.errors import InvalidInput
from pricing.money import ZERO, money, to_pence

CONTRACT_RATE_PERCENT = Decimal("24")
CONTRACT_BASIS_DAYS = 365

_EXACT = Context(prec=60)
# Stretch amounts are shown to this many places for the audit trail only.
_SHOWN = Decimal("1e-10")
_DAY = timedelta(days=1)


@dataclass(frozen=True)
class BalanceChange:
    """A change to an invoice's balance on a date: a payment or credit is negative.

    It is counted for its own day and changes the balance from the next day.
    """

    on: date
    amount: Decimal


@dataclass(frozen=True)
class Stretch:
    """Consecutive days ``start..end`` (inclusive) on one positive balance."""

    start: date
    end: date
    days: int
    balance: Decimal
    amount_exact: Decimal


@dataclass(frozen=True)
class InterestResult:
    """Interest for one range: days with a positive balance, the charge fixed to the penny, and its stretches."""

    days: int
    amount: Decimal
    stretches: list[Stretch]


def interest_stretches(
    principal: Decimal,
    due_on: date,
    changes: Iterable[BalanceChange],
    from_day: date,
    through: date,
    annual_rate_percent: Decimal = CONTRACT_RATE_PERCENT,
    basis_days: int = CONTRACT_BASIS_DAYS,
) -> list[Stretch]:
    """The stretches of constant positive balance in ``max(due_on + 1, from_day)..through`` (§8).

    Days on a balance of zero or less accrue nothing and are left out.
    """
    rate, basis = _rate(annual_rate_percent), _basis(basis_days)
    opening = money(principal)
    if opening < 0:
        raise InvalidInput(f"An invoice balance of {opening} cannot earn interest.")
    by_day: dict[date, Decimal] = {}
    for change in changes:
        effective = change.on + _DAY
        by_day[effective] = by_day.get(effective, ZERO) + money(change.amount)

    first = max(due_on + _DAY, from_day)
    if through < first:
        return []
    balance = opening + sum((a for d, a in by_day.items() if d <= first), ZERO)
    cuts = sorted(d for d in by_day if first < d <= through)

    stretches: list[Stretch] = []
    start = first
    for cut in [*cuts, through + _DAY]:
        if cut > start:
            _add(stretches, start, cut - _DAY, balance, rate, basis)
            start = cut
        balance += by_day.get(cut, ZERO)
    return stretches


def interest_due(
    principal: Decimal,
    due_on: date,
    changes: Iterable[BalanceChange],
    from_day: date,
    through: date,
    annual_rate_percent: Decimal = CONTRACT_RATE_PERCENT,
    basis_days: int = CONTRACT_BASIS_DAYS,
) -> InterestResult:
    """Simple interest on each day's balance after ``due_on`` in ``from_day..through``, fixed half up once (§8).

    Example: £4,500.00 due 2019-10-31, paid in full 2019-12-15 → 45 days → £133.15.
    """
    stretches = interest_stretches(principal, due_on, changes, from_day, through, annual_rate_percent, basis_days)
    balance_days = sum((s.balance * s.days for s in stretches), ZERO)
    return InterestResult(
        days=sum(s.days for s in stretches),
        amount=_interest(balance_days, _rate(annual_rate_percent), _basis(basis_days)),
        stretches=stretches,
    )


@dataclass(frozen=True)
class ContractualInterest:
    """The interest policy of the service's SLA: 24% a year simple, daily, on a 365-day basis (§8).

    A statutory policy (Late Payment Act: reference rate + 8%) could sit beside it with the same ``due``.
    """

    annual_rate_percent: Decimal = CONTRACT_RATE_PERCENT
    basis_days: int = CONTRACT_BASIS_DAYS

    def due(
        self,
        principal: Decimal,
        due_on: date,
        changes: Iterable[BalanceChange],
        from_day: date,
        through: date,
    ) -> InterestResult:
        return interest_due(
            principal, due_on, changes, from_day, through, self.annual_rate_percent, self.basis_days
        )


def _add(stretches: list[Stretch], start: date, end: date, balance: Decimal, rate: Decimal, basis: int) -> None:
    if balance <= 0:
        return
    if stretches and stretches[-1].balance == balance and stretches[-1].end + _DAY == start:
        start = stretches.pop().start  # changes that net to nothing leave one stretch
    days = (end - start).days + 1
    with localcontext(_EXACT):
        exact = (balance * days * rate / (100 * basis)).quantize(_SHOWN)
    stretches.append(Stretch(start, end, days, balance, exact))


def _interest(balance_days: Decimal, rate: Decimal, basis: int) -> Decimal:
    with localcontext(_EXACT):
        return to_pence(balance_days * rate / (100 * basis))


def _rate(annual_rate_percent: Decimal) -> Decimal:
    if not isinstance(annual_rate_percent, Decimal | int) or isinstance(annual_rate_percent, bool):
        raise InvalidInput(f"The interest rate must be a decimal percentage, not {annual_rate_percent!r}.")
    rate = Decimal(annual_rate_percent)
    if not rate.is_finite() or rate < 0:
        raise InvalidInput(f"The interest rate must be zero or more, not {annual_rate_percent}.")
    return rate


def _basis(basis_days: int) -> int:
    if isinstance(basis_days, bool) or not isinstance(basis_days, int) or basis_days <= 0:
        raise InvalidInput(f"The interest day basis must be a positive whole number of days, not {basis_days!r}.")
    return basis_days
