"""What the engine remembers of the card/bank-transfer gateway (Stripe)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from billing.models.base import Base
from billing.models.types import UTCDateTime


class GatewayCustomer(Base):
    __tablename__ = "gateway_customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), unique=True)
    customer_id: Mapped[str] = mapped_column(String(80), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class GatewayEvent(Base):
    """Each webhook event id is recorded once; unallocated and parked ones wait for a person (`traded stripe events`)."""

    __tablename__ = "gateway_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(String(80), unique=True)
    type: Mapped[str] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(20))  # processed, ignored, unallocated, parked, review; noted (cash balance)
    payload: Mapped[dict[str, object]] = mapped_column(JSON)
    note: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
