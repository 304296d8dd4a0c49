"""What schools bought and what was delivered: price book, subscriptions,
orders, cases, sessions, and the charge ledger the bill run turns into invoices."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from billing.models.base import OPTIONAL_REFERENCES, Base, one_of, optional_ref_index
from billing.models.schools import School, Staff
from billing.models.types import Hours, Money, UTCDateTime
from contracts.charge_details import ChargeDetail, parse_detail
from contracts.states import ChargeStatus, OrderStatus, SessionStatus, SubscriptionStatus


class PriceBookVersion(Base):
    """One academic year's validated price book (pricing.pricebook), kept as JSON.

    A version applies from its academic year until a later version takes over.
    """

    __tablename__ = "pricebook_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    academic_year: Mapped[int] = mapped_column(unique=True)  # start year: 2019 = 2019/20
    document: Mapped[dict[str, object]] = mapped_column(JSON)
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime())


class CouncilSettings(Base):
    """The council's own settings (pricing.pricebook.Council); the newest row applies."""

    __tablename__ = "council_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    document: Mapped[dict[str, object]] = mapped_column(JSON)
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Subscription(Base):
    __tablename__ = "subscriptions"
    __table_args__ = (
        CheckConstraint("tier IN ('premium','initial')", name="tier"),
        CheckConstraint("schedule IN ('annual','termly','fy-split')", name="schedule"),
        CheckConstraint(one_of("status", SubscriptionStatus), name="status"),
        CheckConstraint("ends_on >= starts_on", name="dates"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    tier: Mapped[str] = mapped_column(String(10))
    schedule: Mapped[str] = mapped_column(String(10))
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    status: Mapped[str] = mapped_column(String(10), default=SubscriptionStatus.LIVE)
    po_number: Mapped[str | None] = mapped_column(String(40))
    renews_id: Mapped[int | None] = mapped_column(ForeignKey("subscriptions.id"))
    notice_on: Mapped[date | None]
    requested_end: Mapped[date | None]
    effective_end: Mapped[date | None]
    cancelled_by: Mapped[str | None] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    school: Mapped[School] = relationship()


class Order(Base):
    """A catalogue item bought outside (or covered by) the subscription."""

    __tablename__ = "orders"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity"),
        CheckConstraint(one_of("status", OrderStatus), name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    subscription_id: Mapped[int | None] = mapped_column(ForeignKey("subscriptions.id"))
    item_code: Mapped[str] = mapped_column(String(40))
    quantity: Mapped[int]
    academic_year: Mapped[int]
    ordered_on: Mapped[date]
    deliver_on: Mapped[date | None]
    covered: Mapped[bool]
    unit_price: Mapped[Decimal] = mapped_column(Money())
    price: Mapped[Decimal] = mapped_column(Money())
    status: Mapped[str] = mapped_column(String(10), default=OrderStatus.OPEN)
    po_number: Mapped[str | None] = mapped_column(String(40))
    cancelled_by: Mapped[str | None] = mapped_column(String(10))
    notice_on: Mapped[date | None]
    costs_incurred: Mapped[Decimal | None] = mapped_column(Money())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    school: Mapped[School] = relationship()


class Case(Base):
    """A referral of one child, known only by its reference (no personal data)."""

    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    subscription_id: Mapped[int | None] = mapped_column(ForeignKey("subscriptions.id"))
    ref: Mapped[str] = mapped_column(String(20), unique=True)
    academic_year: Mapped[int]
    referred_on: Mapped[date]
    planning_on: Mapped[date | None]
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_on: Mapped[date | None]
    # Decided when the case opens, from that year's entitlement, and never recomputed.
    covered: Mapped[bool]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    school: Mapped[School] = relationship()
    sessions: Mapped[list[Session]] = relationship(back_populates="case", order_by="Session.starts_at")


class Session(Base):
    """A visit, meeting or training session at a school, on a case or an order."""

    __tablename__ = "sessions"
    __table_args__ = (
        CheckConstraint(one_of("status", SessionStatus), name="status"),
        CheckConstraint("planned_hours > 0", name="planned"),
        CheckConstraint("delivered_hours IS NULL OR delivered_hours >= 0", name="delivered"),
        CheckConstraint("case_id IS NOT NULL OR order_id IS NOT NULL", name="parent"),
        *(optional_ref_index("sessions", column) for column in OPTIONAL_REFERENCES["sessions"]),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    service_code: Mapped[str] = mapped_column(String(40))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    planned_hours: Mapped[Decimal] = mapped_column(Hours())
    delivered_hours: Mapped[Decimal | None] = mapped_column(Hours())
    status: Mapped[str] = mapped_column(String(20), default=SessionStatus.SCHEDULED)
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    replaced_by_id: Mapped[int | None] = mapped_column(ForeignKey("sessions.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    case: Mapped[Case | None] = relationship(back_populates="sessions")
    staff: Mapped[Staff] = relationship()


CHARGE_KINDS = ("subscription_fee", "casework", "order", "no_show", "settlement", "interest")


class Charge(Base):
    """One billable item, due from a date. The bill run invoices each exactly once.

    ``source_key`` is the charge's natural identity (e.g. ``sub/12/2019/1``):
    raising the same charge twice is a unique-constraint violation, and
    ``invoice_lines.charge_id`` is unique, so a charge sits on one invoice only.
    """

    __tablename__ = "charges"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('subscription_fee','casework','order','no_show','settlement','interest','admin_charge')",
            name="kind",
        ),
        CheckConstraint(one_of("status", ChargeStatus), name="status"),
        CheckConstraint("vat_code IN ('O','S','E')", name="vat_code"),
        CheckConstraint("amount >= 0", name="amount"),
        *(optional_ref_index("charges", column) for column in OPTIONAL_REFERENCES["charges"]),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    source_key: Mapped[str] = mapped_column(String(120), unique=True)
    # Indexed (optional_ref_index): entitlements, statements and the bill run's casework
    # read a case's or order's charges.
    subscription_id: Mapped[int | None] = mapped_column(ForeignKey("subscriptions.id"))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    session_id: Mapped[int | None] = mapped_column(ForeignKey("sessions.id"))
    # For interest: the late invoice the interest was earned on.
    late_invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id"))
    service_code: Mapped[str] = mapped_column(String(40))
    description: Mapped[str] = mapped_column(String(300))
    period_start: Mapped[date | None]
    period_end: Mapped[date | None]
    due_on: Mapped[date] = mapped_column(index=True)
    quantity: Mapped[Decimal] = mapped_column(Hours())
    unit_price: Mapped[Decimal] = mapped_column(Money())
    amount: Mapped[Decimal] = mapped_column(Money())
    vat_code: Mapped[str] = mapped_column(String(1))
    status: Mapped[str] = mapped_column(String(10), default=ChargeStatus.DUE)
    note: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[dict[str, object] | None] = mapped_column(JSON)

    @property
    def details(self) -> ChargeDetail | None:
        """``detail`` read as its kind's typed record (contracts.charge_details)."""
        return parse_detail(self.kind, self.detail)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    school: Mapped[School] = relationship()
