"""A small council with two schools and a trust, built through the engine's services and commands, for the portal.

School A (an academy, premium) and school B (one of the council's own maintained
schools, initial) each have a subscription from 1 September 2025, a case with
delivered and moved sessions, a training place ordered, invoices from a bill
run on 1 October 2025, a credit note and (A only) a part payment. The trust's
finance officer is one person linked to both: approver for A, viewer for B.

Used by the browser tests (a real ``traded serve`` reads the file) and by
tests/portal/test_isolation.py (every object of B, asked for by A).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Engine

from billing.portal_accounts import accept_invitation, invite
from billing.pricebooks import load_pricebook
from billing.schools import NewSchool, add_school
from billing.subscriptions import add_subscription
from pricing.pricebook import sample_pricebook_text
from tests.support import cli_json, service_context

AS_OF = date(2025, 10, 1)
"""The day the portal is served on (``traded --as-of``): after the first bill run."""
SCHOOL_A = "310001"
SCHOOL_B = "310002"
NAMES = {SCHOOL_A: "Hillside Academy", SCHOOL_B: "Riverside Primary School"}
TRUST_EMAIL = "finance@northfield-trust.example"
PASSWORD = "Kettle-Harbour-Violet-42"
"""Everyone's password in these tests: long, not a common one."""


@dataclass
class SchoolObjects:
    """What one school owns, by the keys a portal URL could name it with."""

    urn: str
    invoices: list[str] = field(default_factory=list)
    credit_notes: list[str] = field(default_factory=list)
    case_refs: list[str] = field(default_factory=list)
    case_ids: list[int] = field(default_factory=list)
    session_ids: list[int] = field(default_factory=list)
    order_ids: list[int] = field(default_factory=list)
    subscription_ids: list[int] = field(default_factory=list)


@dataclass
class Seeded:
    db_url: str
    schools: dict[str, SchoolObjects]


def _cli(db_url: str, on: date, *args: str) -> Any:
    return cli_json(db_url, *args, as_of=on.isoformat())


def _casework(db_url: str, objects: SchoolObjects, staff: str) -> None:
    opened = _cli(db_url, date(2025, 9, 16), "case", "open", objects.urn, "--referred", "2025-09-16",
                  "--planning", "2025-09-16")
    objects.case_ids.append(int(opened["id"]))
    objects.case_refs.append(str(opened["ref"]))
    for start in ("2025-09-18 09:00", "2025-09-25 09:00"):
        added = _cli(db_url, date(2025, 9, 16), "session", "add", str(opened["id"]), "--start", start,
                     "--hours", "2", "--staff", staff)
        objects.session_ids.append(int(added["id"]))
    delivered, moved_late = objects.session_ids
    _cli(db_url, date(2025, 9, 18), "session", "deliver", str(delivered))
    # Less than 48 hours' notice: deemed delivered (the 48-hour rule), as the cases page must say.
    _cli(db_url, date(2025, 9, 24), "session", "change", str(moved_late), "--notified", "2025-09-24 10:00")


def seed_portal(engine: Engine, db_url: str, portal_url: str) -> Seeded:
    """The two schools, their year so far and the trust's finance officer (with a password), on ``db_url``."""
    with service_context(engine, date(2025, 7, 1)) as ctx:
        load_pricebook(ctx, sample_pricebook_text())
        for urn, own, tier in ((SCHOOL_A, False, "premium"), (SCHOOL_B, True, "initial")):
            add_school(ctx, NewSchool(urn=urn, name=NAMES[urn], type="maintained" if own else "academy",
                                      number_on_roll=240, la_code="204" if own else None,
                                      address="1 High Street\nEastbury"))
            add_subscription(ctx, urn, tier, date(2025, 9, 1), "termly")
    schools = {urn: SchoolObjects(urn) for urn in (SCHOOL_A, SCHOOL_B)}
    _cli(db_url, date(2025, 7, 1), "staff", "add", "--name", "Priya Shah", "--role", "Senior worker",
         "--cost-per-hour", "38.50", "--from", "2025-07-01")
    for objects in schools.values():
        subscriptions = _cli(db_url, date(2025, 9, 16), "subscription", "list", "--urn", objects.urn)
        objects.subscription_ids.extend(int(row["id"]) for row in subscriptions)
        _casework(db_url, objects, "Priya Shah")
        order = _cli(db_url, date(2025, 9, 16), "order", "add", objects.urn, "--item", "cpd_place",
                     "--deliver-on", "2025-09-26")
        objects.order_ids.append(int(order["id"]))
    _cli(db_url, AS_OF, "bill", "run")
    for row in _cli(db_url, AS_OF, "invoice", "list"):
        schools[str(row["urn"])].invoices.append(str(row["number"]))
    for objects in schools.values():
        note = _cli(db_url, AS_OF, "credit-note", "add", objects.invoices[0], "--amount", "10.00",
                    "--reason", "One session moved at the service's request", "--no-email")
        objects.credit_notes.append(str(note["number"]))
    _cli(db_url, AS_OF, "payment", "add", SCHOOL_A, "--amount", "100.00", "--on", "2025-09-30",
         "--method", "bacs")
    with service_context(engine, AS_OF) as ctx:
        invite(ctx, SCHOOL_A, TRUST_EMAIL, "approver", "Sam Okafor", portal_url=portal_url)
        link = invite(ctx, SCHOOL_B, TRUST_EMAIL, "viewer", portal_url=portal_url).link
        accept_invitation(ctx, link.rsplit("/", 1)[-1], PASSWORD)
    return Seeded(db_url=db_url, schools=schools)
