"""The portal's emails to a person (an invitation, a password-reset link), recorded in the outbox.

They go to the person, not to the school's finance contacts, so they are
written here rather than through billing.outbox's document functions; the
message is composed from the shipped (or the council's own) templates
``portal_invitation.*`` and ``portal_sign_in.*`` and recorded in the caller's
transaction, so a link exists exactly when its message does. `traded mail send`
delivers it like any other.
"""

from __future__ import annotations

from typing import Any

from billing.context import Context
from billing.mail_compose import MailSetup, compose
from billing.models import School
from billing.models.mail import MailMessage
from billing.models.portal import PortalUser
from billing.pricebooks import council
from contracts.states import MailStatus


def queue_portal_mail(ctx: Context, kind: str, key: str, person: PortalUser, school: School,
                      values: dict[str, Any], setup: MailSetup | None) -> MailMessage:
    """Record the ``kind`` message (portal_invitation, portal_sign_in) to ``person``, about ``school``."""
    everything = {"person": {"name": person.name, "email": person.email},
                  "school": {"name": school.name, "urn": school.urn}, **values}
    composed = compose(kind, everything, council(ctx), setup or MailSetup())
    message = MailMessage(
        key=key, school_id=school.id, kind=kind, recipients=[person.email], sender=composed.sender,
        reply_to=composed.reply_to, subject=composed.subject, text_body=composed.text, html_body=composed.html,
        attachments=[], message_id=composed.message_id, status=MailStatus.QUEUED, attempts=0,
        created_at=ctx.now, actor=ctx.actor)
    ctx.session.add(message)
    ctx.session.flush()
    return message
