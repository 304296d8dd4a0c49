"""What each kind of charge records about where it came from: one typed record per kind.

A charge's ``detail`` column is JSON; these models are its shape, so code reads
``detail.academic_year`` (an int) rather than ``int(detail["academic_year"])``.
Stored JSON is unchanged: money as text, dates as ISO text (pydantic's JSON mode),
so rows written before the models existed read back as the same values.

``parse_detail`` reads a stored dict by the charge's kind; ``dump_detail`` writes one.
Extra keys are kept (``extra="allow"``) so a later field never makes an old reader fail,
and ``waived_by`` (set on interest when a credit note cancels it) is a field of its own.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict


class _Detail(BaseModel):
    model_config = ConfigDict(frozen=True, extra="allow")


class SubscriptionFeeDetail(_Detail):
    """One instalment of a contract year's fee (§3)."""

    academic_year: int  # the year's start year: 2025 for 2025/26
    instalment: int
    of: int
    year_fee: Decimal


class OrderDetail(_Detail):
    """A catalogue order, or what a cancelled order is charged instead (§2, §5)."""

    item: str | None = None
    item_vat_code: str | None = None
    covered_units: int | None = None
    # Set on a cancelled order's replacement charge:
    price: Decimal | None = None
    costs: Decimal | None = None
    by: Literal["school", "service"] | None = None


class CaseworkDetail(_Detail):
    """Casework days beyond the entitlement (§6)."""

    case: str
    cumulative_hours: Decimal
    price_book: str  # "2025/26": the version whose day rate priced the days


class SettlementDetail(_Detail):
    """A cancelled subscription's settlement invoice (§5)."""

    accrued: Decimal
    invoiced: Decimal
    effective_end: date


class InterestStretch(BaseModel):
    model_config = ConfigDict(frozen=True)

    start: date
    end: date
    days: int
    balance: Decimal


class InterestDetail(_Detail):
    """Late-payment interest on one invoice (§8)."""

    days: int | None = None
    raised_before: Decimal | None = None
    due_now: Decimal | None = None
    late_invoice: str | None = None
    annual_rate: Decimal | None = None
    stretches: tuple[InterestStretch, ...] = ()
    waived_by: str | None = None  # the credit note that cancelled what was left of it


class NoShowDetail(_Detail):
    pass


ChargeDetail = (SubscriptionFeeDetail | OrderDetail | CaseworkDetail | SettlementDetail | InterestDetail
                | NoShowDetail)

DETAIL_OF_KIND: dict[str, type[_Detail]] = {
    "subscription_fee": SubscriptionFeeDetail,
    "order": OrderDetail,
    "casework": CaseworkDetail,
    "settlement": SettlementDetail,
    "interest": InterestDetail,
    "no_show": NoShowDetail,
}


def parse_detail(kind: str, stored: dict[str, object] | None) -> ChargeDetail | None:
    """The typed detail of a charge of ``kind`` from its stored JSON (None when none was recorded)."""
    if stored is None:
        return None
    model = DETAIL_OF_KIND[kind]
    return model.model_validate(stored)  # type: ignore[return-value]


def dump_detail(detail: ChargeDetail | None) -> dict[str, object] | None:
    """The JSON to store: money and dates as text, only the fields that were given (an explicit None kept)."""
    if detail is None:
        return None
    return detail.model_dump(mode="json", exclude_unset=True)
