"""The outbox: every email traded sends a school, recorded with the document that caused it (issue 17).

A message is written in the same transaction as its document, fully composed
(recipients, sender, subject, bodies, Message-ID), and delivered later by
`traded mail send` (billing.mail_delivery), which records each outcome here.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from billing.models.base import Base, one_of
from billing.models.schools import School
from billing.models.types import UTCDateTime
from contracts.states import MailStatus

MAIL_KINDS = ("invoice", "credit_note", "reminder", "statement", "portal_invitation", "portal_sign_in")
# Messages carrying a one-time sign-in link: their text is forgotten once sent (billing.mail_delivery),
# so the outbox never keeps a usable link longer than it must.
ONE_TIME_LINK_KINDS = ("portal_invitation", "portal_sign_in")
LINK_FORGOTTEN = "This message held a one-time portal link; its text was removed from the outbox once it was sent."


class MailMessage(Base):
    __tablename__ = "mail_messages"
    __table_args__ = (
        CheckConstraint(one_of("status", MailStatus), name="status"),
        CheckConstraint("kind IN (" + ",".join(f"'{k}'" for k in MAIL_KINDS) + ")", name="kind"),
        CheckConstraint("attempts >= 0", name="attempts"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # What the message is about, e.g. "invoice/INV-000123": unique, so a document is never queued twice.
    key: Mapped[str] = mapped_column(String(120), unique=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    recipients: Mapped[list[str]] = mapped_column(JSON)
    sender: Mapped[str] = mapped_column(String(400))  # the From header: "Council name <address>"
    reply_to: Mapped[str | None] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str] = mapped_column(Text)
    # Invoices and credit notes by number, rendered when sent exactly as `traded invoice pdf` prints them.
    attachments: Mapped[list[str]] = mapped_column(JSON)
    # A PDF no stored record can make again (a reminder letter, a statement on its day), kept as made.
    pdf_name: Mapped[str | None] = mapped_column(String(120))
    pdf: Mapped[bytes | None] = mapped_column(LargeBinary)
    message_id: Mapped[str] = mapped_column(String(250), unique=True)
    status: Mapped[str] = mapped_column(String(12), index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reply: Mapped[str | None] = mapped_column(Text)  # the server's last answer, or why it could not be asked
    refused: Mapped[dict[str, str] | None] = mapped_column(JSON)  # address -> the server's reply refusing it
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(120))

    school: Mapped[School] = relationship()
