"""What every service receives: the open transaction, the as-of clock, who is acting, and the adapters.

The adapters (payment gateway, pay-page links, PDF renderer, mailer) are built
by the entrypoint from its settings (billing.settings) and handed in here, so a
service never reads the environment or reaches the network on its own. Each
has a default that reaches nothing: no gateway, no pay links, no mail.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from email.message import EmailMessage
from typing import TYPE_CHECKING, Protocol

from sqlalchemy.orm import Session

from billing.models import AuditEntry
from pricing.clock import Clock

if TYPE_CHECKING:
    from billing.gateway.pay_page import PayPage
    from billing.gateway.port import PaymentGateway
    from invoices.documents import Document


class Mailer(Protocol):
    """Sends one message (the SMTP adapter comes with emailed documents, issue 17)."""

    def send(self, message: EmailMessage) -> None: ...


def render_pdf(document: Document) -> bytes:
    """The A4 PDF of an invoice or credit note, from its data alone."""
    # fpdf2 is loaded only by commands that print: every command builds a Context, few render.
    from invoices.pdf import render_document  # noqa: PLC0415 - fpdf2 loads only when a PDF is made

    return render_document(document)


@dataclass
class Context:
    session: Session
    clock: Clock
    actor: str
    gateway: PaymentGateway | None = None
    pay_page: PayPage | None = None
    """Links to the served pay page, when card payments are set up (printed on documents)."""
    render: Callable[[Document], bytes] = render_pdf
    mailer: Mailer | None = None

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
