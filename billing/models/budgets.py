"""The manager's budget lines per financial year and recorded non-staff costs."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from billing.models.base import Base
from billing.models.types import Money, UTCDateTime


class BudgetLine(Base):
    __tablename__ = "budget_lines"
    __table_args__ = (
        UniqueConstraint("financial_year", "line"),
        CheckConstraint("kind IN ('income','cost')", name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    financial_year: Mapped[int]  # start year: 2019 = FY2019/20
    line: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(6))
    source: Mapped[str] = mapped_column(String(60))
    amount: Mapped[Decimal] = mapped_column(Money())
    fte: Mapped[Decimal | None] = mapped_column(Money())
    # The part of the year the line is for (a post filled from September, income from a launch):
    # its budget is spread over these days. None: the whole financial year.
    starts_on: Mapped[date | None]
    ends_on: Mapped[date | None]
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Cost(Base):
    """A non-staff cost actually incurred (venue hire, materials, travel)."""

    __tablename__ = "costs"

    id: Mapped[int] = mapped_column(primary_key=True)
    incurred_on: Mapped[date]
    description: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(60))
    amount: Mapped[Decimal] = mapped_column(Money())
    case_id: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
