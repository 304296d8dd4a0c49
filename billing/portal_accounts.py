"""Who may use the schools' portal: invitations, passwords, resets, revocation, and the list of users (issue 18).

A portal user is a person (one email, case-blind) linked to one or more schools
with a role at each: ``viewer`` sees everything of that school, ``approver``
also orders, renews and gives notice. A trust's finance officer is one person
linked to several schools. The team invites a person to a school (`traded
portal invite`); the invitation is a one-time link, sent through the outbox,
where the person chooses a password. A person who already has a password and
is invited to another school is told so, with a link to sign in.

Links (invitation: 7 days, password reset: 1 hour) are one-time; a newer link
of the same purpose replaces the older ones. Only their hashes are stored, and
the password only as its argon2id hash (billing.portal_secrets). Every
invitation, password set, reset and revocation is audited without the password
or the token. Times come from the Context's clock and are stored in UTC.
Signing in and sessions are billing.portal_sign_in's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from billing.context import Context
from billing.mail_compose import MailSetup
from billing.models import School
from billing.models.portal import PORTAL_ROLES, PortalLink, PortalSession, PortalToken, PortalUser
from billing.portal_mail import queue_portal_mail
from billing.portal_secrets import check_password, hash_password, new_token, token_hash
from billing.schools import get_school
from contracts.states import PortalSessionStatus, PortalTokenStatus, move
from pricing.clock import format_london
from pricing.errors import InvalidInput, NotFound, RuleViolation
from pricing.text import clean_email, clean_line, clean_optional_line

INVITATION_LIFETIME = timedelta(days=7)
RESET_LIFETIME = timedelta(hours=1)
SESSION_IDLE = timedelta(hours=8)
SESSION_LIFETIME = timedelta(days=7)
"""A session ends after 8 hours unused, and after 7 days however busy (billing.portal_sign_in)."""
NAME_MAX = 120
INVITATION = "invitation"
PASSWORD_RESET = "password_reset"
RESET_ANSWER = "if that email has a portal account, a link to choose a new password is on its way"
"""The same answer whether or not the email is known, so asking reveals nothing."""


def check_role(text: str) -> str:
    role = clean_line(text, "role", 20).lower()
    if role not in PORTAL_ROLES:
        raise InvalidInput(f"role {role!r} must be one of {', '.join(PORTAL_ROLES)}", code="bad_role")
    return role


def normal_email(text: str) -> str:
    """An email as the account is keyed: one plain address, in lower case."""
    return clean_email(text, "email").lower()


def find_user(ctx: Context, email: str) -> PortalUser | None:
    return ctx.session.scalar(select(PortalUser).where(PortalUser.email == normal_email(email)))


def get_user(ctx: Context, email: str) -> PortalUser:
    user = find_user(ctx, email)
    if user is None:
        raise NotFound(f"there is no portal user {normal_email(email)}", code="unknown_portal_user")
    return user


def current_links(user: PortalUser) -> list[PortalLink]:
    return [link for link in user.links if link.removed_at is None]


@dataclass(frozen=True)
class Invitation:
    """What `portal invite` did: the person, the school and role, and the link sent (also in the outbox)."""

    email: str
    urn: str
    role: str
    link: str
    expires_at: datetime | None
    """None when the person already had a password: the link is the sign-in page, not a one-time link."""
    message_id: int


def _expire_issued(ctx: Context, user: PortalUser, purpose: str) -> None:
    # A newer link replaces the older ones: only the last one sent works.
    for token in ctx.session.scalars(select(PortalToken).where(
            PortalToken.user_id == user.id, PortalToken.purpose == purpose,
            PortalToken.status == PortalTokenStatus.ISSUED)):
        token.status = move(token.status, PortalTokenStatus.EXPIRED, f"portal link {token.id}")


def _issue(ctx: Context, user: PortalUser, purpose: str, lifetime: timedelta,
           school: School | None = None) -> tuple[PortalToken, str]:
    _expire_issued(ctx, user, purpose)
    token = new_token()
    row = PortalToken(user_id=user.id, school_id=school.id if school is not None else None, purpose=purpose,
                      token_hash=token_hash(token), status=PortalTokenStatus.ISSUED, created_at=ctx.now,
                      expires_at=ctx.now + lifetime)
    ctx.session.add(row)
    ctx.session.flush()
    return row, token


def invite(ctx: Context, urn: str, email: str, role: str, name: str | None = None, *, portal_url: str,
           setup: MailSetup | None = None) -> Invitation:
    """Give a person access to a school with a role and email them a link; the person is made if new.

    Inviting someone already linked to the school changes their role (or, for
    a person who has not yet chosen a password, sends a fresh link); a person
    whose access was revoked is given it back. The same role again for a
    person who has a password is refused: there is nothing to do.
    """
    school = get_school(ctx, urn)
    address = normal_email(email)
    role = check_role(role)
    given_name = clean_optional_line(name, "name", NAME_MAX)
    user = find_user(ctx, address)
    if user is None:
        user = PortalUser(email=address, name=given_name, created_at=ctx.now)
        ctx.session.add(user)
        ctx.session.flush()
    elif given_name is not None:
        user.name = given_name
    link = next((lk for lk in user.links if lk.school_id == school.id), None)
    before = None if link is None or link.removed_at is not None else link.role
    if before == role and user.password_hash is not None and user.disabled_at is None:
        raise RuleViolation(f"{address} is already a portal {role} for URN {school.urn}", code="already_invited")
    if link is None:
        link = PortalLink(user_id=user.id, school_id=school.id, role=role, created_at=ctx.now)
        ctx.session.add(link)
        user.links.append(link)
    else:
        link.role, link.removed_at = role, None
    user.disabled_at = None
    ctx.session.flush()
    base = portal_url.rstrip("/")
    if user.password_hash is None:
        row, token = _issue(ctx, user, INVITATION, INVITATION_LIFETIME, school)
        url, expires, key = f"{base}/invitation/{token}", row.expires_at, f"portal_invitation/{row.id}"
    else:
        url, expires = f"{base}/sign-in", None
        key = f"portal_invitation/{user.id}/{school.urn}/{ctx.now.strftime('%Y%m%dT%H%M%S.%f')}"
    message = queue_portal_mail(ctx, "portal_invitation", key, user, school, {"invitation": {
        "link": url, "role": role, "has_password": user.password_hash is not None,
        "expires": format_london(expires) if expires is not None else ""}}, setup)
    ctx.audit("portal.invite", "portal_user", user.id,
              {"email": address, "urn": school.urn, "role": {"before": before, "after": role},
               "link_expires_at": expires, "mail_message": message.id})
    return Invitation(email=address, urn=school.urn, role=role, link=url, expires_at=expires,
                      message_id=message.id)


def usable_link(ctx: Context, token: str, purpose: str) -> PortalToken:
    """The issued, unexpired link of ``purpose`` this token names, read without using it; else refused in one line."""
    row = ctx.session.scalar(select(PortalToken).where(PortalToken.token_hash == token_hash(token),
                                                       PortalToken.purpose == purpose))
    what = "invitation" if purpose == INVITATION else "password reset link"
    if row is None:
        raise NotFound(f"this {what} is not valid: ask for a new one", code="unknown_portal_link")
    if row.status == PortalTokenStatus.USED:
        raise RuleViolation(f"this {what} has already been used: sign in, or ask for a new one",
                            code="portal_link_used")
    if row.status == PortalTokenStatus.EXPIRED or row.expires_at <= ctx.now:
        raise RuleViolation(f"this {what} has expired: ask for a new one", code="portal_link_expired")
    if row.user.disabled_at is not None:
        raise RuleViolation(f"this {what} is no longer valid: your portal access was withdrawn",
                            code="portal_user_disabled")
    return row


def _redeem(ctx: Context, token: str, purpose: str) -> PortalToken:
    """The link ``usable_link`` finds, now used."""
    row = usable_link(ctx, token, purpose)
    row.status = move(row.status, PortalTokenStatus.USED, f"portal link {row.id}")
    row.used_at = ctx.now
    return row


def _set_password(ctx: Context, user: PortalUser, password: str) -> None:
    user.password_hash = hash_password(check_password(password, user.email))
    user.password_set_at = ctx.now


def accept_invitation(ctx: Context, token: str, password: str) -> PortalUser:
    """The person behind an invitation link chooses their password (the link is then used up)."""
    row = _redeem(ctx, token, INVITATION)
    user = row.user
    _set_password(ctx, user, password)
    ctx.session.flush()
    ctx.audit("portal.accept_invitation", "portal_user", user.id, {"email": user.email, "link": row.id})
    return user


def request_password_reset(ctx: Context, email: str, *, portal_url: str, setup: MailSetup | None = None) -> str:
    """Email a one-time link (valid an hour) to choose a new password; the same answer for any email.

    Only a person who may sign in (not revoked, linked to a school) is sent
    one; an address that is not even an email is refused, as any form would.
    """
    address = normal_email(email)
    user = find_user(ctx, address)
    links = current_links(user) if user is not None else []
    if user is None or user.disabled_at is not None or not links:
        ctx.audit("portal.reset_unknown", "portal_user", address, {"email": address})
        return RESET_ANSWER
    row, token = _issue(ctx, user, PASSWORD_RESET, RESET_LIFETIME)
    message = queue_portal_mail(ctx, "portal_sign_in", f"portal_sign_in/{row.id}", user, links[0].school,
                                {"reset": {"link": f"{portal_url.rstrip('/')}/reset/{token}",
                                           "expires": format_london(row.expires_at)}}, setup)
    ctx.audit("portal.reset_request", "portal_user", user.id,
              {"email": address, "link": row.id, "link_expires_at": row.expires_at, "mail_message": message.id})
    return RESET_ANSWER


def reset_password(ctx: Context, token: str, password: str) -> PortalUser:
    """Choose a new password through a reset link; every session the person had is ended."""
    row = _redeem(ctx, token, PASSWORD_RESET)
    user = row.user
    _set_password(ctx, user, password)
    ended = _end_sessions(ctx, user)
    ctx.session.flush()
    ctx.audit("portal.reset_password", "portal_user", user.id,
              {"email": user.email, "link": row.id, "sessions_ended": ended})
    return user


def _end_sessions(ctx: Context, user: PortalUser) -> int:
    live = list(ctx.session.scalars(select(PortalSession).where(
        PortalSession.user_id == user.id, PortalSession.status == PortalSessionStatus.LIVE)))
    for session in live:
        session.status = move(session.status, PortalSessionStatus.REVOKED, f"portal session {session.id}")
        session.ended_at = ctx.now
    return len(live)


@dataclass(frozen=True)
class Revocation:
    email: str
    sessions_ended: int
    schools_removed: list[str]
    disabled: bool


def revoke(ctx: Context, email: str, urn: str | None = None, *, sessions_only: bool = False) -> Revocation:
    """End every session of a person and take away their access: to every school, or to ``urn`` alone.

    With ``sessions_only`` (a lost laptop) the person keeps their schools and
    signs in again. A person left with no school cannot sign in until invited
    again; their unused links stop working too.
    """
    user = get_user(ctx, email)
    if sessions_only and urn is not None:
        raise InvalidInput("give either a school or sessions only, not both", code="bad_revoke")
    links = current_links(user)
    if urn is not None:
        school = get_school(ctx, urn)
        links = [link for link in links if link.school_id == school.id]
        if not links:
            raise RuleViolation(f"{user.email} has no portal access to URN {school.urn}", code="not_linked")
    removed: list[str] = []
    if not sessions_only:
        for link in links:
            link.removed_at = ctx.now
            removed.append(link.school.urn)
    disabled = not sessions_only and not current_links(user)
    if disabled:
        user.disabled_at = ctx.now
        ctx.session.execute(update(PortalToken).where(
            PortalToken.user_id == user.id, PortalToken.status == PortalTokenStatus.ISSUED)
            .values(status=PortalTokenStatus.EXPIRED))
    ended = _end_sessions(ctx, user)
    ctx.session.flush()
    ctx.audit("portal.revoke", "portal_user", user.id,
              {"email": user.email, "sessions_ended": ended, "schools_removed": removed, "disabled": disabled})
    return Revocation(email=user.email, sessions_ended=ended, schools_removed=removed, disabled=disabled)


@dataclass(frozen=True)
class PortalUserView:
    """A portal user as `traded portal users` shows them."""

    email: str
    name: str | None
    status: str
    """invited (no password yet), active, or revoked (no school left)."""
    schools: list[tuple[str, str, str]]
    """(URN, school name, role) for each school the person may see."""
    live_sessions: int
    created_at: datetime

    def as_json(self) -> dict[str, object]:
        return {"email": self.email, "name": self.name, "status": self.status,
                "schools": [{"urn": urn, "school": name, "role": role} for urn, name, role in self.schools],
                "live_sessions": self.live_sessions, "created_at": self.created_at}


def list_users(ctx: Context, urn: str | None = None) -> list[PortalUserView]:
    """Every portal user (or those who may see ``urn``), by email; a live session is one not yet past its end."""
    query = select(PortalUser).options(selectinload(PortalUser.links).joinedload(PortalLink.school))
    if urn is not None:
        school = get_school(ctx, urn)
        query = query.where(PortalUser.links.any((PortalLink.school_id == school.id)
                                                 & PortalLink.removed_at.is_(None)))
    users = list(ctx.session.scalars(query.order_by(PortalUser.email)))
    live: dict[int, int] = {}
    for session in ctx.session.scalars(select(PortalSession).where(
            PortalSession.status == PortalSessionStatus.LIVE, PortalSession.expires_at > ctx.now,
            PortalSession.last_seen_at > ctx.now - SESSION_IDLE)):
        live[session.user_id] = live.get(session.user_id, 0) + 1
    return [PortalUserView(
        email=user.email, name=user.name,
        status="revoked" if user.disabled_at is not None else "invited" if user.password_hash is None else "active",
        schools=[(link.school.urn, link.school.name, link.role) for link in current_links(user)],
        live_sessions=live.get(user.id, 0), created_at=user.created_at) for user in users]
