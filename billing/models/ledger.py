"""Facts about the ledger itself (not about schools or money): e.g. whether it is a sandbox."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from billing.models.base import Base
from billing.models.types import UTCDateTime


class LedgerSetting(Base):
    """One named setting of this database, with who set it and when."""

    __tablename__ = "ledger_settings"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    set_at: Mapped[datetime] = mapped_column(UTCDateTime())
    set_by: Mapped[str] = mapped_column(String(120))
