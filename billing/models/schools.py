"""Schools, staff with dated cost rates, and the audit trail."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from billing.models.base import Base
from billing.models.types import Money, UTCDateTime

SCHOOL_TYPES = ("maintained", "academy", "free", "independent")


class School(Base):
    __tablename__ = "schools"
    __table_args__ = (
        CheckConstraint("type IN ('maintained','academy','free','independent')", name="type"),
        CheckConstraint("number_on_roll IS NULL OR number_on_roll >= 0", name="roll"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    urn: Mapped[str] = mapped_column(String(6), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(12))
    laestab: Mapped[str | None] = mapped_column(String(7))
    la_code: Mapped[str | None] = mapped_column(String(3))
    number_on_roll: Mapped[int | None] = mapped_column(Integer)
    phase: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(String(400))
    postcode: Mapped[str | None] = mapped_column(String(10))
    # Academy conversion: the old record points at its successor from the conversion date.
    successor_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id"))
    converted_on: Mapped[date | None]
    # Issue 20: a maintained school that will not settle by journal is invoiced, with the admin charge.
    journal_opt_out: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    successor: Mapped[School | None] = relationship(remote_side=[id])


CONTACT_ROLES = ("finance", "head", "business_manager", "senco")
"""The roles a school's contact may have: the finance contact gets the documents (billing.contacts)."""


class SchoolContact(Base):
    """A person at a school the service deals with: always an adult member of its staff, never a pupil.

    A contact is never deleted: removing one sets ``removed_on``, so a document
    sent before still names who it went to. A contact is current on the days
    from ``added_on`` up to (not including) ``removed_on``.
    """

    __tablename__ = "school_contacts"
    __table_args__ = (
        CheckConstraint("role IN ('finance','head','business_manager','senco')", name="role"),
        CheckConstraint("removed_on IS NULL OR removed_on >= added_on", name="removed"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(20))
    email: Mapped[str] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(30))
    added_on: Mapped[date]
    removed_on: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    school: Mapped[School] = relationship()


class Staff(Base):
    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    role: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    rates: Mapped[list[StaffRate]] = relationship(
        back_populates="staff", order_by="StaffRate.effective_from"
    )


class StaffRate(Base):
    """An hourly cost (salary plus on-costs over productive hours) from a date on."""

    __tablename__ = "staff_rates"
    __table_args__ = (
        UniqueConstraint("staff_id", "effective_from"),
        CheckConstraint("cost_per_hour >= 0", name="cost"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    effective_from: Mapped[date]
    cost_per_hour: Mapped[Decimal] = mapped_column(Money())

    staff: Mapped[Staff] = relationship(back_populates="rates")


class AuditEntry(Base):
    """Who did what, when and why, for everything that changes money or contracts."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    actor: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(60), index=True)
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[dict[str, object] | None] = mapped_column(JSON)
