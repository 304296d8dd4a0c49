"""A school's contacts: the adults at the school the service deals with (`traded school contact ...`).

A contact is a member of the school's staff, named with a role (finance, head,
business manager, SENCo), an email address and, if given, a telephone number.
Contacts are adults: a pupil is never recorded here, nor anything about one.

Contacts are dated. One is current from the day it was added (the as-of day)
up to the day it was removed; removing one keeps the record with its
``removed_on`` day, so a document sent before still names who it went to, and
`contact list --all` shows the history. Every addition and removal is in the
audit trail with the contact before and after.

Documents are emailed to the contacts in the roles the price book names for
each kind of document (``[council.mail_recipients]``, finance by default):
:func:`document_recipients` says who (issue 17).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import joinedload

from billing.context import Context
from billing.models import School, SchoolContact
from billing.models.schools import CONTACT_ROLES
from billing.pricebooks import council
from billing.schools import get_school
from pricing.errors import InvalidInput, NotFound, RuleViolation
from pricing.pricebook import MAIL_DOCUMENTS
from pricing.text import REASON_MAX, clean_email, clean_line, clean_optional_line, clean_phone

NAME_MAX = 120
"""The width of ``school_contacts.name``."""
FINANCE = "finance"
"""The role documents are sent to."""


def check_role(text: str) -> str:
    """A role as stored (``business_manager``), read case-blind with spaces or hyphens: ``Business manager``."""
    clean = clean_line(text, "role", 40)
    role = "_".join(clean.lower().replace("-", " ").split())
    if role not in CONTACT_ROLES:
        raise InvalidInput(f"role {clean!r} must be one of {', '.join(CONTACT_ROLES)}", code="bad_role")
    return role


@dataclass(frozen=True)
class NewContact:
    urn: str
    name: str
    role: str
    email: str
    phone: str | None = None


def _record(contact: SchoolContact) -> dict[str, object]:
    """What the audit trail keeps of a contact."""
    return {"name": contact.name, "role": contact.role, "email": contact.email, "phone": contact.phone,
            "added_on": contact.added_on, "removed_on": contact.removed_on}


def add_contact(ctx: Context, new: NewContact) -> SchoolContact:
    """Add a contact to a school from the as-of day; the same person in the same role twice is refused."""
    school = get_school(ctx, new.urn)
    name = clean_line(new.name, "contact name", NAME_MAX)
    role = check_role(new.role)
    email = clean_email(new.email, "email")
    phone = clean_phone(new.phone, "phone")
    for other in current_contacts(ctx, school):
        if other.role == role and other.email.lower() == email.lower():
            raise RuleViolation(f"URN {school.urn} already has {email} as its {role} contact (contact {other.id})",
                                code="duplicate_contact")
    contact = SchoolContact(school_id=school.id, name=name, role=role, email=email, phone=phone,
                            added_on=ctx.today, created_at=ctx.now)
    ctx.session.add(contact)
    ctx.session.flush()
    ctx.audit("school.contact_add", "school", school.urn,
              {"contact": contact.id, "before": None, "after": _record(contact)})
    return contact


def remove_contact(ctx: Context, contact_id: int, reason: str | None = None) -> SchoolContact:
    """Remove a contact from the as-of day on: the record is kept, dated, and the removal audited."""
    why = clean_optional_line(reason, "reason", REASON_MAX)
    contact = ctx.session.get(SchoolContact, contact_id)
    if contact is None:
        raise NotFound(f"there is no contact {contact_id}", code="unknown_contact")
    if contact.removed_on is not None:
        raise RuleViolation(f"contact {contact_id} ({contact.name}) was already removed on "
                            f"{contact.removed_on.isoformat()}", code="contact_removed")
    if ctx.today < contact.added_on:
        raise RuleViolation(f"contact {contact_id} ({contact.name}) was added on {contact.added_on.isoformat()}: "
                            f"it cannot be removed on {ctx.today.isoformat()}, before it was added",
                            code="before_added")
    before = _record(contact)
    contact.removed_on = ctx.today
    ctx.session.flush()
    ctx.audit("school.contact_remove", "school", contact.school.urn,
              {"contact": contact.id, "before": before, "after": _record(contact)}, reason=why)
    return contact


def _current_on(day: date) -> list[ColumnElement[bool]]:
    return [SchoolContact.added_on <= day,
            or_(SchoolContact.removed_on.is_(None), SchoolContact.removed_on > day)]


def current_contacts(ctx: Context, school: School, role: str | None = None) -> list[SchoolContact]:
    """The school's contacts current on the as-of day, in the order they were added."""
    query = select(SchoolContact).where(SchoolContact.school_id == school.id, *_current_on(ctx.today))
    if role is not None:
        query = query.where(SchoolContact.role == role)
    return list(ctx.session.scalars(query.order_by(SchoolContact.id)))


def list_contacts(ctx: Context, urn: str | None = None, role: str | None = None,
                  include_removed: bool = False) -> list[SchoolContact]:
    """Contacts current on the as-of day (with ``include_removed``, every one ever added by then).

    Ordered by school name and URN, then by the order they were added.
    """
    query = select(SchoolContact).join(School, School.id == SchoolContact.school_id) \
        .options(joinedload(SchoolContact.school))
    if urn is not None:
        query = query.where(SchoolContact.school_id == get_school(ctx, urn).id)
    if role is not None:
        query = query.where(SchoolContact.role == check_role(role))
    if include_removed:
        query = query.where(SchoolContact.added_on <= ctx.today)
    else:
        query = query.where(*_current_on(ctx.today))
    return list(ctx.session.scalars(query.order_by(School.name, School.urn, SchoolContact.id)))


def finance_recipients(ctx: Context, school: School) -> list[str]:
    """The school's finance contacts current on the as-of day, else its own email (see :func:`recipients`)."""
    return recipients(ctx, school, (FINANCE,))


def recipient_roles(ctx: Context, kind: str) -> tuple[str, ...]:
    """The roles a message of ``kind`` goes to: the price book's choice for a document, else finance."""
    if kind in MAIL_DOCUMENTS:
        return council(ctx).mail_recipients.roles(kind)
    return (FINANCE,)


def document_recipients(ctx: Context, school: School, kind: str) -> list[str]:
    """Where the school's ``kind`` of document (invoice, credit_note, reminder, statement) is emailed."""
    return recipients(ctx, school, recipient_roles(ctx, kind))


def recipients(ctx: Context, school: School, roles: tuple[str, ...]) -> list[str]:
    """The addresses of the school's contacts in ``roles`` current on the as-of day.

    In the order the roles are given, each role's contacts in the order they
    were added; each address once (compared case-blind). A school with none
    falls back to its own ``email`` (`school add --email`), and one with
    neither gets ``[]``: nothing can be emailed to it.
    """
    query = select(SchoolContact).where(SchoolContact.school_id == school.id, SchoolContact.role.in_(roles),
                                        *_current_on(ctx.today)).order_by(SchoolContact.id)
    found: list[str] = []
    seen: set[str] = set()
    for contact in sorted(ctx.session.scalars(query), key=lambda c: roles.index(c.role)):
        if contact.email.lower() not in seen:
            seen.add(contact.email.lower())
            found.append(contact.email)
    if not found and school.email:
        found.append(school.email)
    return found
