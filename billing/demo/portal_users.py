"""Demo phase 7: people who can sign in to the schools' portal (issue 18).

A school business manager who may commit her school's money (approver), a
head who only looks (viewer) at another school, and a trust's finance officer
who looks after two academies (approver at both). Each is invited as the team
would be and chooses the demo password through the invitation, on the demo's
last day; the invitations wait in the outbox with the documents' emails.

The password is printed for anyone to read: the demo database is a sandbox
(billing.ledger), never a live ledger.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from billing.context import Context
from billing.db import transaction
from billing.portal_accounts import accept_invitation, invite
from billing.settings import DEFAULT_PORTAL_URL
from pricing.clock import FixedClock

if TYPE_CHECKING:
    from billing.demo import DemoState

PASSWORD = "hackney-demo-portal"
SIGN_IN_PATH = "/sign-in"
PORTAL_SECRET = "demo-only-secret"
"""The portal's signing key in the printed command: fine for a sandbox on 127.0.0.1, never for a real one."""


@dataclass(frozen=True)
class DemoPortalUser:
    kind: str
    """Whom the person signs in for: "school" (one school) or "trust" (several)."""
    name: str
    email: str
    roles: tuple[tuple[str, str], ...]
    """(URN, role) at each of the person's schools, in the order they were invited."""
    who: str
    """The person's post and access, in the summary."""


PEOPLE = (
    DemoPortalUser("school", "Grace Adeyemi", "grace.adeyemi@stokenewington.example", (("100279", "approver"),),
                   "business manager, approver at Stoke Newington School and Sixth Form"),
    DemoPortalUser("school", "Helen Clarke", "helen.clarke@urswick.example", (("100284", "viewer"),),
                   "head, viewer at The Urswick School"),
    DemoPortalUser("trust", "Sam Patel", "sam.patel@cityacademies.example",
                   (("135835", "approver"), ("143756", "approver")),
                   "finance officer, approver at The City Academy, Hackney and City of London Academy, Shoreditch Park"),
)


def run(state: DemoState) -> None:
    with transaction(state.engine) as session:
        ctx = Context(session=session, clock=FixedClock(state.year.end), actor="demo")
        for person in PEOPLE:
            (urn, role), *more = person.roles
            sent = invite(ctx, urn, person.email, role, person.name, portal_url=DEFAULT_PORTAL_URL, setup=state.mail)
            accept_invitation(ctx, sent.link.rsplit("/", 1)[1], PASSWORD)
            # With a password already chosen, each further school's invitation just says to sign in.
            for urn, role in more:
                invite(ctx, urn, person.email, role, portal_url=DEFAULT_PORTAL_URL, setup=state.mail)
    state.summary["portal_users"] = len(PEOPLE)


def how_to_sign_in(state: DemoState, traded: str) -> list[str]:
    """The summary's last lines: the command that serves the portal on the demo database, and who can sign in.

    ``traded`` is the command as the reader should type it, its global
    options (the database) included.
    """
    width = max(len(person.email) for person in PEOPLE)
    lines = ["The schools' portal: start it on the demo database with",
             f"  TRADED_PORTAL_SECRET_KEY={PORTAL_SECRET} {traded} --as-of {state.year.end.isoformat()} serve",
             f"then sign in at {DEFAULT_PORTAL_URL}{SIGN_IN_PATH} with the password {PASSWORD}:"]
    lines += [f"  as a {person.kind:<6} {person.email:<{width}}  {person.who}" for person in PEOPLE]
    return lines
