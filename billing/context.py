"""What every service receives: the open transaction, the as-of clock and who is acting."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from billing.models import AuditEntry
from pricing.clock import Clock


@dataclass
class Context:
    session: Session
    clock: Clock
    actor: str

    @property
    def today(self) -> date:
        return self.clock.today()

    @property
    def now(self) -> datetime:
        return self.clock.now()

    def audit(
        self,
        action: str,
        entity: str,
        entity_id: object,
        detail: dict[str, object] | None = None,
        reason: str | None = None,
    ) -> AuditEntry:
        """Record who changed what, when and why (everything that changes money does this)."""
        entry = AuditEntry(
            at=self.now,
            actor=self.actor,
            action=action,
            entity=entity,
            entity_id=str(entity_id),
            reason=reason,
            detail=jsonable(detail) if detail else None,
        )
        self.session.add(entry)
        return entry


def jsonable(value: object) -> object:
    """``value`` with Decimals as strings and dates as ISO text, ready for a JSON column."""
    if value is None or type(value) in _PLAIN:  # most audit values: no walk needed
        return value
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


_PLAIN = (str, int, bool, float)
