"""Schools and their contacts as the team looks them up: `school add|list|show|edit`, `school contact ...`.

A school's particulars as they stand (issued documents keep their own copy, §7),
its current contacts, and after a conversion the establishment it became or
came from; an edit's outcome with each field before and after and the charges
whose VAT was decided again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import select

from billing.contacts import current_contacts, list_contacts
from billing.context import Context
from billing.journals import settles_by_journal
from billing.models import School, SchoolContact
from billing.pricebooks import council
from billing.schools import get_school, list_schools
from pricing.errors import NotFound

if TYPE_CHECKING:  # only the edit's result is read here: `school list` and `show` start without the edit service
    from billing.school_edits import RecodedCharge, SchoolEdited


@dataclass(frozen=True)
class SchoolView:
    urn: str
    name: str
    type: str
    roll: int | None
    laestab: str | None
    la_code: str | None
    email: str | None
    address: str | None
    postcode: str | None
    phase: str | None

    def as_json(self) -> dict[str, object]:
        return {"urn": self.urn, "name": self.name, "type": self.type, "roll": self.roll, "laestab": self.laestab,
                "la_code": self.la_code, "email": self.email, "address": self.address, "postcode": self.postcode,
                "phase": self.phase}


@dataclass(frozen=True)
class ContactView:
    """An adult at a school the service writes to; ``removed_on`` is None while current."""

    id: int
    urn: str
    school: str
    name: str
    role: str
    email: str
    phone: str | None
    added_on: date
    removed_on: date | None

    def as_json(self) -> dict[str, object]:
        return {"id": self.id, "urn": self.urn, "school": self.school, "name": self.name, "role": self.role,
                "email": self.email, "phone": self.phone, "added_on": self.added_on, "removed_on": self.removed_on}


@dataclass(frozen=True)
class ConversionView:
    """The school a school became (``successor``, on ``converted_on``) and the one it came from (``predecessor``)."""

    successor: str | None = None
    converted_on: date | None = None
    predecessor: str | None = None
    predecessor_converted_on: date | None = None

    def as_json(self) -> dict[str, object]:
        # A school in the middle of a chain has both: its ``converted_on`` key keeps its place after
        # ``successor`` but shows the predecessor's date, as `school show` always has.
        data: dict[str, object] = {}
        if self.successor is not None:
            data.update({"successor": self.successor, "converted_on": self.converted_on})
        if self.predecessor is not None:
            data.update({"predecessor": self.predecessor, "converted_on": self.predecessor_converted_on})
        return data


@dataclass(frozen=True)
class SchoolDetail:
    """`school show`. ``journal_opt_out`` is the school's own choice (`school edit --no-journal`);
    ``settles_by_journal`` whether what it is billed is a journal recharge under the price book
    (the council's own maintained school, not opted out; None before a price book is loaded)."""

    school: SchoolView
    contacts: tuple[ContactView, ...]
    conversion: ConversionView
    journal_opt_out: bool = False
    settles_by_journal: bool | None = None

    def as_json(self) -> dict[str, object]:
        return {**self.school.as_json(), "journal_opt_out": self.journal_opt_out,
                "settles_by_journal": self.settles_by_journal, "contacts": [c.as_json() for c in self.contacts],
                **self.conversion.as_json()}


@dataclass(frozen=True)
class FieldChange:
    field: str
    before: object
    after: object


@dataclass(frozen=True)
class RecodedChargeView:
    id: int
    description: str
    due: date
    moved_to: str | None
    vat_before: str
    vat_after: str

    def as_json(self) -> dict[str, object]:
        return {"id": self.id, "description": self.description, "due": self.due, "moved_to": self.moved_to,
                "vat_before": self.vat_before, "vat_after": self.vat_after}


@dataclass(frozen=True)
class SchoolEditView:
    """`school edit`'s outcome: no ``changed`` means nothing needed changing."""

    urn: str
    changed: tuple[FieldChange, ...]
    school: SchoolView
    successor: SchoolView | None
    charges: tuple[RecodedChargeView, ...]
    issued_since: tuple[str, ...]

    def change(self, field: str) -> FieldChange:
        return next(c for c in self.changed if c.field == field)

    def as_json(self) -> dict[str, object]:
        return {"urn": self.urn,
                "changed": {c.field: {"before": c.before, "after": c.after} for c in self.changed},
                "school": self.school.as_json(),
                "successor": self.successor.as_json() if self.successor is not None else None,
                "charges": [c.as_json() for c in self.charges], "issued_since": list(self.issued_since)}


def school_view(school: School) -> SchoolView:
    return SchoolView(school.urn, school.name, school.type, school.number_on_roll, school.laestab, school.la_code,
                      school.email, school.address, school.postcode, school.phase)


def school_views(ctx: Context) -> list[SchoolView]:
    return [school_view(school) for school in list_schools(ctx)]


def contact_view(contact: SchoolContact) -> ContactView:
    return ContactView(contact.id, contact.school.urn, contact.school.name, contact.name, contact.role,
                       contact.email, contact.phone, contact.added_on, contact.removed_on)


def contact_views(ctx: Context, urn: str | None = None, role: str | None = None,
                  include_removed: bool = False) -> list[ContactView]:
    return [contact_view(c) for c in list_contacts(ctx, urn, role, include_removed)]


def conversion_view(ctx: Context, school: School) -> ConversionView:
    predecessor = ctx.session.scalar(select(School).where(School.successor_id == school.id))
    return ConversionView(
        successor=school.successor.urn if school.successor is not None else None, converted_on=school.converted_on,
        predecessor=predecessor.urn if predecessor is not None else None,
        predecessor_converted_on=predecessor.converted_on if predecessor is not None else None)


def show_school(ctx: Context, urn: str) -> SchoolDetail:
    """One school as `school show` gives it: particulars, contacts current on the as-of day, conversion."""
    school = get_school(ctx, urn)
    try:
        by_journal: bool | None = settles_by_journal(council(ctx), school)
    except NotFound:  # no price book yet: the school is shown, how it settles is not known
        by_journal = None
    return SchoolDetail(school_view(school), tuple(contact_view(c) for c in current_contacts(ctx, school)),
                        conversion_view(ctx, school), bool(school.journal_opt_out), by_journal)


def _recoded(charge: RecodedCharge) -> RecodedChargeView:
    return RecodedChargeView(charge.id, charge.description, charge.due, charge.moved_to, charge.vat_before,
                             charge.vat_after)


def edit_view(done: SchoolEdited) -> SchoolEditView:
    return SchoolEditView(
        done.school.urn, tuple(FieldChange(field, before, after) for field, (before, after) in done.changes.items()),
        school_view(done.school), school_view(done.successor) if done.successor is not None else None,
        tuple(_recoded(c) for c in done.charges), done.issued_since)
