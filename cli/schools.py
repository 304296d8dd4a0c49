"""`traded school add|list|show|edit` and `traded school contact add|list|remove`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from cli.listing import list_options
from cli.params import RECORD_ID
from cli.runtime import Runtime, pass_runtime

if TYPE_CHECKING:
    from billing.views.schools import SchoolEditView

ROLES = "finance|head|business_manager|senco"
ROLE_WORDS = {"finance": "finance", "head": "head", "business_manager": "business manager", "senco": "SENCo"}
"""A contact's role on screen; the JSON and CSV keep the stored spelling."""


@click.group()
def school() -> None:
    """Register, correct and look up schools, and their contacts.

    \b
    Example:
      traded school add --urn 100279 --name "Stoke Newington School" --type maintained --roll 1666
    """


@school.command("add")
@click.option("--urn", required=True, metavar="URN", help="Six-digit unique reference number.")
@click.option("--name", required=True, metavar="TEXT", help="The school's name as invoices should show it.")
@click.option("--type", "type_", required=True, metavar="maintained|academy|free|independent")
@click.option("--roll", default=None, metavar="N", help="Number on roll.")
@click.option("--email", default=None, metavar="EMAIL", help="Where invoices and statements go.")
@click.option("--address", default=None, metavar="TEXT", help="Postal address, its lines separated by line breaks.")
@click.option("--postcode", default=None, metavar="TEXT")
@click.option("--laestab", default=None, metavar="NNNNNNN", help="LA code and establishment number, e.g. 2044310.")
@pass_runtime
def add(rt: Runtime, urn: str, name: str, type_: str, roll: str | None, email: str | None,
        address: str | None, postcode: str | None, laestab: str | None) -> None:
    """Register a school.

    \b
    Example:
      traded school add --urn 100279 --name "Stoke Newington School" --type maintained --roll 1666
    """
    from billing.schools import NewSchool, add_school
    from billing.views.schools import SchoolView, school_view
    from pricing.errors import InvalidInput

    def service(ctx: Any) -> SchoolView:
        if roll is not None and not (roll.strip().isascii() and roll.strip().isdigit()):
            raise InvalidInput(f"number on roll {roll!r} must be a whole number")
        new = NewSchool(urn=urn, name=name, type=type_, number_on_roll=int(roll) if roll else None,
                        email=email, address=address, postcode=postcode, laestab=laestab)
        return school_view(add_school(ctx, new))

    data = rt.run(service).as_json()
    rt.emit(data, f"Registered {data['name']} (URN {data['urn']}, {data['type']}).")


@school.command("list")
@list_options
@pass_runtime
def list_(rt: Runtime) -> None:
    """List every registered school.

    \b
    Example:
      traded --json school list
      traded school list --csv schools.csv
    """
    from billing.views.schools import school_views
    from cli.listing import emit_list

    rows = [s.as_json() for s in rt.run(school_views, read_only=True)]

    def text() -> str:
        from cli.formats import count
        from cli.tables import table

        return table(["URN", "Name", "Type", "Roll"],
                     [[r["urn"], r["name"], r["type"], r["roll"] or ""] for r in rows],
                     align="lllr", title=count(len(rows), "school"), wrap=("Name",))

    emit_list(rt, rows, text)


@school.command("show")
@click.argument("urn")
@pass_runtime
def show(rt: Runtime, urn: str) -> None:
    """Show one school, its current contacts (and, after a conversion, its successor or predecessor and the date).

    \b
    Example:
      traded school show 100279
    \b
    JSON: {"urn", "name", "type", "roll", "laestab", "la_code", "email", "address", "postcode", "phase",
           "journal_opt_out": false, "settles_by_journal": true,
           "contacts": [as school contact list], "successor", "predecessor", "converted_on" (after a conversion)}
    (settles_by_journal: billed by journal recharge, the council's own maintained school not opted
    out with `school edit --no-journal`; null before a price book is loaded)
    """
    from billing.views.schools import show_school

    data = rt.run(lambda ctx: show_school(ctx, urn), read_only=True).as_json()
    def text() -> str:
        from cli.details import details

        labels = {"urn": "URN", "la_code": "LA code", "laestab": "LAESTAB"}
        shown = details([(labels.get(key, key.replace("_", " ").capitalize()), value)
                         for key, value in data.items() if key not in _NOT_DETAILS]
                        + [("Settlement", _settlement(data))])
        contacts: list[dict[str, Any]] = data["contacts"]  # type: ignore[assignment]
        return "\n".join([shown, _contacts_table(contacts, "Contacts", with_school=False)]) if contacts else shown

    rt.emit(data, text)


_NOT_DETAILS = ("contacts", "journal_opt_out", "settles_by_journal")


def _settlement(data: dict[str, object]) -> str | None:
    """How the school settles what it is billed, in words (None, left out, before a price book is loaded)."""
    if data["settles_by_journal"]:
        return "by journal transfer from its budget (internal recharges)"
    if data["journal_opt_out"]:
        return "invoiced: opted out of settlement by journal"
    return None if data["settles_by_journal"] is None else "invoiced"


@school.command("edit")
@click.argument("urn")
@click.option("--name", default=None, metavar="TEXT", help="The school's name as invoices should show it.")
@click.option("--address", default=None, metavar="TEXT",
              help="Postal address, its lines separated by line breaks ('' clears it).")
@click.option("--postcode", default=None, metavar="TEXT", help="Postcode ('' clears it).")
@click.option("--email", default=None, metavar="EMAIL", help="Where invoices and statements go ('' clears it).")
@click.option("--roll", default=None, metavar="N", help="Number on roll ('' clears it).")
@click.option("--la-code", default=None, metavar="NNN", help="Local authority code, e.g. 204.")
@click.option("--laestab", default=None, metavar="NNNNNNN", help="LA code and establishment number, e.g. 2044310.")
@click.option("--type", "type_", default=None, metavar="maintained|academy|free|independent",
              help="A change of type: with --new-urn (a conversion) or --correction, and --on.")
@click.option("--on", "on", default=None, metavar="DATE",
              help="The day a change of type (or of LA code that changes VAT) applies from.")
@click.option("--new-urn", default=None, metavar="URN",
              help="A conversion: the new establishment's URN (an academy's); charges from --on follow it.")
@click.option("--correction", is_flag=True, help="The school was registered with the wrong type: change it in place.")
@click.option("--journal/--no-journal", "journal", default=None,
              help="A maintained school: settle by journal transfer (the default), or opt out and be invoiced "
                   "with the price book's admin charge.")
@click.option("--reason", default=None, metavar="TEXT", help="Why (kept in the audit trail).")
@pass_runtime
def edit(rt: Runtime, urn: str, name: str | None, address: str | None, postcode: str | None, email: str | None,
         roll: str | None, la_code: str | None, laestab: str | None, type_: str | None, on: str | None,
         new_urn: str | None, correction: bool, journal: bool | None, reason: str | None) -> None:
    """Correct a school's particulars, or record a dated change of type; every change is audited.

    Issued invoices never change (they keep the particulars they were issued with):
    the next invoice, statement and letter show the new ones.

    A change of type is dated with --on and is one of two things. A conversion
    (--new-urn): the school becomes a new establishment, an academy above all, with
    its own URN; that record (made from this one's particulars and any --name,
    --address... given, or the one already registered, as it is) is linked as the
    successor, this record keeps its type and particulars, and charges
    due from --on and not yet invoiced move to it with their VAT decided again
    (O for the council's own maintained schools, else S/E). A correction
    (--correction): the type was registered wrongly and is changed in place; charges
    due from --on and not yet invoiced have their VAT decided again. Invoices issued
    from --on are listed, never changed: correct one with a credit note.

    --no-journal: the council's own maintained school will not settle by journal
    transfer, so the next bill run invoices it (BACS, the council's terms) with the
    price book's admin charge on each invoice; --journal settles it by journal again.

    \b
    Example:
      traded school edit 100279 --address "Clissold Road, London" --postcode "N16 9EX"
      traded school edit 100279 --type academy --on 2026-04-01 --new-urn 149999 --name "Stoke Newington Academy"
      traded school edit 100280 --type academy --on 2025-09-01 --correction --reason "Registered as maintained in error"
      traded school edit 100279 --no-journal --reason "Finance asked to pay by BACS"
    \b
    JSON: {"urn", "changed": {"address": {"before", "after"}, ...}, "school": {as school show},
           "successor": {as school show} | null, "charges": [{"id", "description", "due",
           "moved_to", "vat_before", "vat_after"}], "issued_since": ["INV-000012", ...]}
    """
    from billing.school_edits import SchoolChanges, edit_school
    from billing.views.schools import edit_view
    from pricing.clock import parse_date

    def service(ctx: Any) -> SchoolEditView:
        changes = SchoolChanges(name=name, address=address, postcode=postcode, email=email, number_on_roll=roll,
                                la_code=la_code, laestab=laestab, type=type_,
                                effective=parse_date(on) if on else None, new_urn=new_urn, correction=correction,
                                reason=reason, journal=journal)
        return edit_view(edit_school(ctx, urn, changes))

    edited = rt.run(service)
    rt.emit(edited.as_json(), lambda: _edit_text(edited))


def _edit_text(edited: SchoolEditView) -> str:
    from cli.formats import count, day

    if not edited.changed:
        return f"URN {edited.urn}: nothing to change."
    if edited.successor is not None:
        successor = edited.successor
        lines = [f"URN {edited.urn} becomes {successor.type} URN {successor.urn} ({successor.name}) "
                 f"on {day(edited.change('converted_on').after)}."]
    else:
        lines = [f"URN {edited.urn} updated:"]
        lines += [f"  {c.field}: {_shown(c.before)} → {_shown(c.after)}" for c in edited.changed]
    if edited.charges:
        lines.append(f"{count(len(edited.charges), 'charge')} not yet invoiced, from that date:")
        lines += [f"  {c.id} due {day(c.due)}: VAT {c.vat_before} → {c.vat_after}"
                  + (f", now billed to URN {c.moved_to}" if c.moved_to else "") for c in edited.charges]
    if edited.issued_since:
        lines.append("Already issued from that date, unchanged (correct by credit note if need be): "
                     f"{', '.join(edited.issued_since)}")
    return "\n".join(lines)


def _shown(value: object) -> str:
    return "(none)" if value is None else repr(str(value).replace("\n", ", "))


def _contacts_table(rows: list[dict[str, Any]], title: str, *, with_school: bool = True,
                    with_dates: bool = False) -> str:
    """Contacts on screen: a name or a school's name may wrap, never an address or a number."""
    from cli.tables import table

    headers = ["ID", *(["URN", "School"] if with_school else []), "Name", "Role", "Email", "Phone",
               *(["Added", "Removed"] if with_dates else [])]
    return table(headers, [[r["id"], *([r["urn"], r["school"]] if with_school else []), r["name"],
                            ROLE_WORDS.get(r["role"], r["role"]), r["email"], r["phone"],
                            *([r["added_on"], r["removed_on"]] if with_dates else [])] for r in rows],
                 align="r" + "l" * (len(headers) - 1), title=title, wrap=("School", "Name", "Role"))


@school.group("contact")
def contact() -> None:
    """A school's contacts: the adults at the school the service writes to.

    Each has a role (finance, head, business manager, SENCo) and an email address.
    Documents will be emailed to the school's finance contacts, or to the school's
    own email when it has none. Contacts are members of the school's staff: never
    record a pupil, or anything about one.

    \b
    Example:
      traded school contact add 100279 --name "Ann Smith" --role finance --email ann.smith@stokenewington.example
      traded school contact list 100279
    """


@contact.command("add")
@click.argument("urn")
@click.option("--name", required=True, metavar="NAME",
              help="The person's name: a member of the school's staff, never a pupil.")
@click.option("--role", required=True, metavar=ROLES,
              help="What they do for the service: finance (gets the documents), head, business_manager or senco.")
@click.option("--email", required=True, metavar="EMAIL",
              help="One address, e.g. finance@school.example (the domain is stored in lower case).")
@click.option("--phone", default=None, metavar="PHONE", help="A telephone number, e.g. \"020 7946 0000 ext 204\".")
@pass_runtime
def contact_add(rt: Runtime, urn: str, name: str, role: str, email: str, phone: str | None) -> None:
    """Add a contact to a school, current from the as-of day; audited.

    The same address in the same role twice is refused; one person in two roles
    (a head who is also the finance contact) is two contacts.

    \b
    Example:
      traded school contact add 100279 --name "Ann Smith" --role finance --email ann.smith@stokenewington.example
      traded school contact add 100279 --name "Tom Reid" --role head --email head@stokenewington.example \\
        --phone "020 7946 0000"
    \b
    JSON: {"id", "urn", "school", "name", "role", "email", "phone", "added_on", "removed_on": null}
    """
    from billing.contacts import NewContact, add_contact
    from billing.views.schools import contact_view

    data = rt.run(lambda ctx: contact_view(add_contact(ctx, NewContact(urn=urn, name=name, role=role, email=email,
                                                                       phone=phone)))).as_json()
    rt.emit(data, f"Added {data['name']} ({ROLE_WORDS[str(data['role'])]}, {data['email']}) to {data['school']} "
                  f"(URN {data['urn']}): contact {data['id']}.")


@contact.command("list")
@click.argument("urn", required=False)
@click.option("--role", default=None, metavar=ROLES, help="Only the contacts with this role.")
@click.option("--all", "all_", is_flag=True, help="Also the contacts removed, with the day each was removed.")
@list_options
@pass_runtime
def contact_list(rt: Runtime, urn: str | None, role: str | None, all_: bool) -> None:
    """List the contacts current on the as-of day: one school's (URN), or every school's.

    \b
    Example:
      traded school contact list 100279
      traded school contact list --role finance --csv finance-contacts.csv
    \b
    JSON: [{"id", "urn", "school", "name", "role", "email", "phone", "added_on", "removed_on"}]
    """
    from billing.views.schools import contact_views
    from cli.listing import emit_list

    rows = [c.as_json() for c in rt.run(lambda ctx: contact_views(ctx, urn, role, all_), read_only=True)]

    def text() -> str:
        from cli.formats import count

        return _contacts_table(rows, count(len(rows), "contact"), with_school=urn is None, with_dates=all_)

    emit_list(rt, rows, text)


@contact.command("remove")
@click.argument("contact_id", metavar="ID", type=RECORD_ID)
@click.option("--reason", default=None, metavar="TEXT",
              help="Why, kept in the audit trail, e.g. \"Left the school\". Never a pupil's details.")
@pass_runtime
def contact_remove(rt: Runtime, contact_id: int, reason: str | None) -> None:
    """Remove a contact from the as-of day on; the record is kept, so documents sent before still name them.

    \b
    Example:
      traded school contact remove 3 --reason "Left the school"
    \b
    JSON: {as school contact list, "removed_on": "2026-01-05"}
    """
    from billing.contacts import FINANCE, current_contacts, finance_recipients, remove_contact
    from billing.views.schools import ContactView, contact_view

    note: list[str] = []

    def service(ctx: Any) -> ContactView:
        removed = remove_contact(ctx, contact_id, reason)
        if removed.role == FINANCE and not current_contacts(ctx, removed.school, FINANCE):
            urn = removed.school.urn
            note.append(f"URN {urn} has no finance contact now: documents will go to the school's own email, "
                        f"{finance_recipients(ctx, removed.school)[0]}." if removed.school.email else
                        f"URN {urn} has no finance contact and no email now: add one with "
                        f"`traded school contact add {urn} --role finance ...`.")
        return contact_view(removed)

    data = rt.run(service).as_json()

    def text() -> str:
        from cli.formats import day

        return "\n".join([f"Removed contact {data['id']} ({data['name']}, {ROLE_WORDS[str(data['role'])]}) from "
                          f"{data['school']} (URN {data['urn']}) on {day(data['removed_on'])}; the record is kept.",
                          *note])

    rt.emit(data, text)
