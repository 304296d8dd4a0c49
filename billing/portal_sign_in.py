"""Signing in to the schools' portal, throttled, and the sessions it opens (issue 18).

Every attempt is kept (``portal_sign_ins``) and audited. After
``ACCOUNT_LIMIT`` refusals for one email in ``WINDOW``, or ``ADDRESS_LIMIT``
from one client address, sign-in is refused without checking the password,
even the right one, until the oldest of those refusals leaves the window; the
answer says when. Throttled attempts are not counted, so waiting is enough.

The answer is returned, never raised, because the attempt must be recorded
whatever it was: the caller commits the transaction either way. A refusal
says the same for an unknown email and a wrong password.

A session is a random token the browser keeps (its cookie); the database holds
only its hash, so any number of server processes share sessions and a copy of
the database opens none. A session ends after ``SESSION_IDLE`` unused, after
``SESSION_LIFETIME`` in all, when the person signs out, or when the team
revokes it. Times come from the Context's clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute

from billing.context import Context
from billing.models.portal import PortalSession, PortalSignIn, PortalUser
from billing.portal_accounts import SESSION_IDLE, SESSION_LIFETIME, current_links, find_user
from billing.portal_secrets import PASSWORD_MAX, new_token, password_matches, token_hash
from contracts.states import PortalSessionStatus, move
from pricing.clock import format_london
from pricing.text import clean_line

WINDOW = timedelta(minutes=15)
ACCOUNT_LIMIT = 5
ADDRESS_LIMIT = 20
TOUCH_EVERY = timedelta(minutes=1)
"""A session's last use is written at most once a minute, so reading pages is not a write each time."""
WRONG = "the email address or password is not right"
NO_SCHOOL = "your portal account has no school at present: ask the council's traded services team"


@dataclass(frozen=True)
class SignIn:
    """The outcome of one attempt: a session token to set as the cookie, or why not and until when."""

    token: str | None
    refusal: str | None = None
    retry_after: datetime | None = None
    session_expires_at: datetime | None = None

    @property
    def ok(self) -> bool:
        return self.token is not None


@dataclass(frozen=True)
class SchoolAccess:
    urn: str
    name: str
    role: str


@dataclass(frozen=True)
class SignedIn:
    """Who a live session belongs to, and the schools they may see now."""

    user_id: int
    email: str
    name: str | None
    schools: list[SchoolAccess]
    expires_at: datetime


def _typed_email(email: str) -> str:
    # Kept as typed (lower case, bounded): a guess at an unknown address is throttled like any other.
    return clean_line(email, "email", 254).lower()


def _refusals_since(ctx: Context, column: InstrumentedAttribute[str], value: str, since: datetime) -> list[datetime]:
    return list(ctx.session.scalars(select(PortalSignIn.at).where(
        column == value, PortalSignIn.outcome == "refused", PortalSignIn.at > since)
        .order_by(PortalSignIn.at)))


def throttled_until(ctx: Context, email: str, client_address: str) -> datetime | None:
    """When sign-in for this email from this address is allowed again, or None if it is allowed now."""
    since = ctx.now - WINDOW
    until: list[datetime] = []
    for column, value, limit in ((PortalSignIn.email, email, ACCOUNT_LIMIT),
                                 (PortalSignIn.client_address, client_address, ADDRESS_LIMIT)):
        refusals = _refusals_since(ctx, column, value, since)
        if len(refusals) >= limit:
            # Allowed again once enough of them have left the window to fall below the limit.
            until.append(refusals[len(refusals) - limit] + WINDOW)
    return max(until, default=None)


def _record(ctx: Context, email: str, user: PortalUser | None, client_address: str, outcome: str) -> PortalSignIn:
    attempt = PortalSignIn(at=ctx.now, email=email, user_id=user.id if user is not None else None,
                           client_address=client_address, outcome=outcome)
    ctx.session.add(attempt)
    ctx.session.flush()
    return attempt


def sign_in(ctx: Context, email: str, password: str, client_address: str) -> SignIn:
    """Check an email and password and open a session; refused (and recorded) when throttled or wrong."""
    typed = _typed_email(email)
    address = clean_line(client_address, "client address", 64)
    user = find_user(ctx, typed) if "@" in typed else None
    detail: dict[str, object] = {"email": typed, "client_address": address}
    until = throttled_until(ctx, typed, address)
    if until is not None:
        attempt = _record(ctx, typed, user, address, "throttled")
        ctx.audit("portal.sign_in_throttled", "portal_sign_in", attempt.id, {**detail, "until": until})
        return SignIn(token=None, refusal=f"too many failed sign-ins: try again after {format_london(until)} "
                                          "(UK time)", retry_after=until)
    right = len(password) <= PASSWORD_MAX and password_matches(user.password_hash if user else None, password)
    if not right or user is None or user.disabled_at is not None:
        attempt = _record(ctx, typed, user, address, "refused")
        ctx.audit("portal.sign_in_failed", "portal_sign_in", attempt.id, detail)
        return SignIn(token=None, refusal=WRONG)
    if not current_links(user):
        attempt = _record(ctx, typed, user, address, "refused")
        ctx.audit("portal.sign_in_failed", "portal_sign_in", attempt.id, {**detail, "why": "no school"})
        return SignIn(token=None, refusal=NO_SCHOOL)
    token = new_token()
    session = PortalSession(user_id=user.id, id_hash=token_hash(token), status=PortalSessionStatus.LIVE,
                            client_address=address, created_at=ctx.now, last_seen_at=ctx.now,
                            expires_at=ctx.now + SESSION_LIFETIME)
    ctx.session.add(session)
    attempt = _record(ctx, typed, user, address, "signed_in")
    ctx.audit("portal.sign_in", "portal_user", user.id, {**detail, "session": session.id, "attempt": attempt.id})
    return SignIn(token=token, session_expires_at=session.expires_at)


def _find(ctx: Context, token: str) -> PortalSession | None:
    if not token or len(token) > 100:
        return None
    return ctx.session.scalar(select(PortalSession).where(PortalSession.id_hash == token_hash(token)))


def current_session(ctx: Context, token: str) -> SignedIn | None:
    """Who the session this cookie names belongs to, if it is still live; an ended one answers None.

    A session past its idle or absolute end is recorded expired here (the
    caller commits), and its use is noted at most once a minute.
    """
    session = _find(ctx, token)
    if session is None or session.status != PortalSessionStatus.LIVE:
        return None
    now = ctx.now
    if session.expires_at <= now or session.last_seen_at + SESSION_IDLE <= now:
        session.status = move(session.status, PortalSessionStatus.EXPIRED, f"portal session {session.id}")
        session.ended_at = now
        return None
    user = session.user
    if user.disabled_at is not None:
        return None
    if now - session.last_seen_at >= TOUCH_EVERY:
        session.last_seen_at = now
    schools = [SchoolAccess(link.school.urn, link.school.name, link.role) for link in current_links(user)]
    return SignedIn(user_id=user.id, email=user.email, name=user.name, schools=schools,
                    expires_at=min(session.expires_at, session.last_seen_at + SESSION_IDLE))


def sign_out(ctx: Context, token: str) -> bool:
    """End the session this cookie names; False when there was no live one (signing out twice is harmless)."""
    session = _find(ctx, token)
    if session is None or session.status != PortalSessionStatus.LIVE:
        return False
    session.status = move(session.status, PortalSessionStatus.REVOKED, f"portal session {session.id}")
    session.ended_at = ctx.now
    ctx.session.flush()
    ctx.audit("portal.sign_out", "portal_user", session.user_id, {"session": session.id})
    return True

