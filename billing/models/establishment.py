"""The establishment: posts, how each is funded, who fills it when, and each funding source's budget."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from billing.models.base import Base
from billing.models.types import Money, UTCDateTime


class Post(Base):
    """A post (or a group of like posts, e.g. 4 FTE inclusion support leads) and its 12-month cost."""

    __tablename__ = "posts"
    __table_args__ = (
        CheckConstraint("fte > 0", name="fte"),
        CheckConstraint("annual_cost >= 0", name="cost"),
        CheckConstraint("on_cost_percent >= 0", name="on_costs"),
        CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="dates"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(120), unique=True)
    fte: Mapped[Decimal] = mapped_column(Money())
    grade: Mapped[str | None] = mapped_column(String(20))
    contract: Mapped[str] = mapped_column(String(30))  # permanent, fixed term, secondment, temporary, agency...
    annual_cost: Mapped[Decimal] = mapped_column(Money())  # salary for 12 months at the post's FTE
    on_cost_percent: Mapped[Decimal] = mapped_column(Money())  # employer's NI and pension on top; 0 if included
    starts_on: Mapped[date]
    ends_on: Mapped[date | None]  # fixed-term and seconded posts end
    delivery: Mapped[bool] = mapped_column(Boolean)  # counts in delivery capacity (utilisation, full cost)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    funding: Mapped[list[PostFunding]] = relationship(back_populates="post", order_by="PostFunding.id",
                                                      cascade="all, delete-orphan")
    assignments: Mapped[list[PostAssignment]] = relationship(back_populates="post",
                                                             order_by="PostAssignment.starts_on")


class PostFunding(Base):
    """One source's part of a post: a percentage, or an amount for 12 months (weights of the split)."""

    __tablename__ = "post_funding"
    __table_args__ = (
        UniqueConstraint("post_id", "source"),
        CheckConstraint("(percent IS NULL) <> (amount IS NULL)", name="one_basis"),
        # At most 100 is the service's check: SQLite keeps these columns as pence-scaled integers.
        CheckConstraint("percent IS NULL OR percent > 0", name="percent"),
        CheckConstraint("amount IS NULL OR amount > 0", name="amount"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"), index=True)
    source: Mapped[str] = mapped_column(String(60))
    percent: Mapped[Decimal | None] = mapped_column(Money())
    amount: Mapped[Decimal | None] = mapped_column(Money())

    post: Mapped[Post] = relationship(back_populates="funding")


class PostAssignment(Base):
    """A person filling (part of) a post from a date, to a date or open-ended; changes are new rows."""

    __tablename__ = "post_assignments"
    __table_args__ = (
        CheckConstraint("fte > 0", name="fte"),
        CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="dates"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"), index=True)
    person: Mapped[str] = mapped_column(String(120))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), index=True)  # who records sessions
    fte: Mapped[Decimal] = mapped_column(Money())
    starts_on: Mapped[date]
    ends_on: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    post: Mapped[Post] = relationship(back_populates="assignments")


class FundingBudget(Base):
    """Money a funding source puts in for a period (which need not be a financial year)."""

    __tablename__ = "funding_budgets"
    __table_args__ = (
        UniqueConstraint("source", "description"),
        CheckConstraint("amount >= 0", name="amount"),
        CheckConstraint("ends_on >= starts_on", name="dates"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(60))
    description: Mapped[str] = mapped_column(String(120))
    amount: Mapped[Decimal] = mapped_column(Money())
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
