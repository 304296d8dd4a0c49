"""The schools' portal's accounts: people, the schools each may see, one-time links, sessions, sign-in attempts.

Nothing here holds a password or a token as typed or sent: a password is kept
as its argon2id hash, a link's token and a session's id as their SHA-256, so a
copy of the database lets nobody sign in (billing.portal_secrets).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from billing.models.base import Base, one_of
from billing.models.schools import School
from billing.models.types import UTCDateTime
from contracts.states import PortalSessionStatus, PortalTokenStatus

PORTAL_ROLES = ("viewer", "approver")
"""viewer sees everything of a school; approver also orders, renews and gives notice."""
TOKEN_PURPOSES = ("invitation", "password_reset")
SIGN_IN_OUTCOMES = ("signed_in", "refused", "throttled")
"""refused: an unknown email, a wrong password or an account without access; throttled: not even checked."""


def _words(column: str, words: tuple[str, ...]) -> str:
    return f"{column} IN (" + ",".join(f"'{w}'" for w in words) + ")"


class PortalUser(Base):
    """A person who signs in to the portal: a head, a business manager, a trust's finance officer."""

    __tablename__ = "portal_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored in lower case, so the same person is one account however they type it.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str | None] = mapped_column(String(120))
    # None until the person accepts their invitation and chooses a password.
    password_hash: Mapped[str | None] = mapped_column(String(200))
    password_set_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Set when the team revokes every school the person had: no sign-in until invited again.
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    links: Mapped[list[PortalLink]] = relationship(back_populates="user", order_by="PortalLink.id")


class PortalLink(Base):
    """A person's access to one school, with their role there; removing it dates it rather than deleting it."""

    __tablename__ = "portal_links"
    __table_args__ = (
        UniqueConstraint("user_id", "school_id"),
        CheckConstraint(_words("role", PORTAL_ROLES), name="role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("portal_users.id"), index=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    role: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[PortalUser] = relationship(back_populates="links")
    school: Mapped[School] = relationship()


class PortalToken(Base):
    """A one-time link sent by email (an invitation or a password reset): only the token's hash is kept."""

    __tablename__ = "portal_tokens"
    __table_args__ = (
        CheckConstraint(_words("purpose", TOKEN_PURPOSES), name="purpose"),
        CheckConstraint(one_of("status", PortalTokenStatus), name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("portal_users.id"), index=True)
    # The school an invitation was for (None for a password reset).
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id"))
    purpose: Mapped[str] = mapped_column(String(20))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[PortalUser] = relationship()


class PortalSession(Base):
    """A signed-in browser, held in the database so any number of server processes share it."""

    __tablename__ = "portal_sessions"
    __table_args__ = (CheckConstraint(one_of("status", PortalSessionStatus), name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("portal_users.id"), index=True)
    id_hash: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(10))
    client_address: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())  # the absolute end, however busy
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[PortalUser] = relationship()


class PortalSignIn(Base):
    """One attempt to sign in, kept for throttling (per email typed and per client address) and for the team."""

    __tablename__ = "portal_sign_ins"
    __table_args__ = (
        CheckConstraint(_words("outcome", SIGN_IN_OUTCOMES), name="outcome"),
        Index("ix_portal_sign_ins_email_at", "email", "at"),
        Index("ix_portal_sign_ins_client_address_at", "client_address", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    email: Mapped[str] = mapped_column(String(254))  # as typed, lower case: throttles guesses at unknown ones too
    user_id: Mapped[int | None] = mapped_column(ForeignKey("portal_users.id"))
    client_address: Mapped[str] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(10))
