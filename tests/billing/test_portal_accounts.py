"""Portal accounts (issue 18): invitations, passwords, sign-in throttling, sessions and revocation."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine, select

from billing.mail_compose import MailSetup
from billing.models import AuditEntry
from billing.models.mail import MailMessage
from billing.models.portal import PortalSession, PortalSignIn, PortalToken, PortalUser
from billing.portal_accounts import (
    RESET_ANSWER,
    accept_invitation,
    invite,
    list_users,
    request_password_reset,
    reset_password,
    revoke,
)
from billing.portal_sign_in import NO_SCHOOL, WRONG, current_session, sign_in, sign_out
from billing.pricebooks import load_pricebook
from billing.schools import NewSchool, add_school
from pricing.errors import InvalidInput, NotFound, RuleViolation
from pricing.pricebook import sample_pricebook_text
from tests.support import service_context

URL = "https://portal.eastbury.example"
DAY = date(2026, 1, 5)
T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
PASSWORD = "blue kettle on the stairs"
ADDRESS = "203.0.113.7"


@pytest.fixture
def council(engine: Engine) -> Engine:
    with service_context(engine, date(2025, 7, 1)) as ctx:
        load_pricebook(ctx, sample_pricebook_text())
        add_school(ctx, NewSchool(urn="100001", name="Ash Primary", type="academy"))
        add_school(ctx, NewSchool(urn="100002", name="Beech Academy", type="academy"))
    return engine


def _at(minutes: float = 0) -> datetime:
    return T0 + timedelta(minutes=minutes)


def _invite(engine: Engine, urn: str = "100001", email: str = "Ann.Head@Ash.example", role: str = "viewer",
            minutes: float = 0) -> str:
    with service_context(engine, DAY, _at(minutes), actor="clerk") as ctx:
        return invite(ctx, urn, email, role, "Ann Head", portal_url=URL).link


def _token(link: str) -> str:
    return link.rsplit("/", 1)[1]


def _active(engine: Engine) -> None:
    link = _invite(engine)
    with service_context(engine, DAY, _at(1), actor="portal") as ctx:
        accept_invitation(ctx, _token(link), PASSWORD)


def _sign_in(engine: Engine, minutes: float, password: str = PASSWORD, address: str = ADDRESS,
             email: str = "ann.head@ash.example") -> tuple[str | None, str | None]:
    with service_context(engine, DAY, _at(minutes), actor="portal") as ctx:
        result = sign_in(ctx, email, password, address)
        return result.token, result.refusal


def test_invite_accept_sign_in_session_sign_out(council: Engine) -> None:
    link = _invite(council)
    assert re.fullmatch(rf"{URL}/invitation/[A-Za-z0-9_-]{{43}}", link)
    with service_context(council, DAY, _at(1), actor="portal") as ctx:
        user = accept_invitation(ctx, _token(link), PASSWORD)
        assert user.email == "ann.head@ash.example" and user.password_hash is not None
        assert user.password_hash.startswith("$argon2id$")
    token, refusal = _sign_in(council, 2)
    assert refusal is None and token is not None
    with service_context(council, DAY, _at(3)) as ctx:
        signed = current_session(ctx, token)
        assert signed is not None
        assert (signed.email, signed.name) == ("ann.head@ash.example", "Ann Head")
        assert [(s.urn, s.name, s.role) for s in signed.schools] == [("100001", "Ash Primary", "viewer")]
    with service_context(council, DAY, _at(4)) as ctx:
        assert sign_out(ctx, token) is True
        assert sign_out(ctx, token) is False
    with service_context(council, DAY, _at(5)) as ctx:
        assert current_session(ctx, token) is None
        assert ctx.session.scalars(select(PortalSession.status)).all() == ["revoked"]
        actions = ctx.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
        assert [a for a in actions if a.startswith("portal.")] == [
            "portal.invite", "portal.accept_invitation", "portal.sign_in", "portal.sign_out"]


def test_the_invitation_is_queued_to_the_person_with_the_link(council: Engine) -> None:
    link = _invite(council)
    with service_context(council, DAY, _at(1)) as ctx:
        message = ctx.session.scalars(select(MailMessage)).one()
        assert (message.kind, message.status, message.recipients) == (
            "portal_invitation", "queued", ["ann.head@ash.example"])
        assert message.school.urn == "100001"
        assert message.subject == "Your invitation to the Borough of Eastbury Council schools' portal for Ash Primary"
        assert link in message.text_body and f'href="{link}"' in message.html_body
        assert "expires at 2026-01-12 09:00 (UK time)" in message.text_body
        assert message.text_body.startswith("Dear Ann Head,\n")


def test_a_trust_officer_is_one_person_with_a_role_at_each_school(council: Engine) -> None:
    _active(council)
    with service_context(council, DAY, _at(2), actor="clerk") as ctx:
        second = invite(ctx, "100002", "ann.head@ash.example", "approver", portal_url=URL)
        assert second.link == f"{URL}/sign-in" and second.expires_at is None  # she has a password already
        message = ctx.session.get(MailMessage, second.message_id)
        assert message is not None and message.subject == (
            "Your Borough of Eastbury Council schools' portal account now includes Beech Academy")
    token, _ = _sign_in(council, 3)
    assert token is not None
    with service_context(council, DAY, _at(4)) as ctx:
        assert ctx.session.scalar(select(sa.func.count()).select_from(PortalUser)) == 1
        signed = current_session(ctx, token)
        assert signed is not None
        assert [(s.urn, s.role) for s in signed.schools] == [("100001", "viewer"), ("100002", "approver")]
        assert [u.as_json()["schools"] for u in list_users(ctx, "100002")] == [[
            {"urn": "100001", "school": "Ash Primary", "role": "viewer"},
            {"urn": "100002", "school": "Beech Academy", "role": "approver"}]]
    with service_context(council, DAY, _at(5), actor="clerk") as ctx, pytest.raises(RuleViolation) as again:
        invite(ctx, "100002", "ANN.HEAD@ash.example", "approver", portal_url=URL)
    assert str(again.value) == "ann.head@ash.example is already a portal approver for URN 100002"


def test_used_expired_replaced_and_unknown_links_are_refused(council: Engine) -> None:
    first = _invite(council)
    second = _invite(council, minutes=1)  # a fresh link replaces the first
    with service_context(council, DAY, _at(2)) as ctx, pytest.raises(RuleViolation) as replaced:
        accept_invitation(ctx, _token(first), PASSWORD)
    assert str(replaced.value) == "this invitation has expired: ask for a new one"
    with service_context(council, DAY, _at(3)) as ctx, pytest.raises(NotFound) as unknown:
        accept_invitation(ctx, "x" * 43, PASSWORD)
    assert str(unknown.value) == "this invitation is not valid: ask for a new one"
    late = _at(1) + timedelta(days=7)
    with service_context(council, DAY, late) as ctx, pytest.raises(RuleViolation) as expired:
        accept_invitation(ctx, _token(second), PASSWORD)
    assert expired.value.code == "portal_link_expired"
    with service_context(council, DAY, late - timedelta(seconds=1)) as ctx:
        accept_invitation(ctx, _token(second), PASSWORD)
    with service_context(council, DAY, _at(5)) as ctx, pytest.raises(RuleViolation) as used:
        accept_invitation(ctx, _token(second), PASSWORD)
    assert str(used.value) == "this invitation has already been used: sign in, or ask for a new one"


@pytest.mark.parametrize(("password", "message"), [
    ("short pass", "the password must be at least 12 characters long"),
    ("ann.head@ash.example", "the password must not be your email address"),
    ("Password1234", "that password is too easily guessed: choose another"),
    ("abababababab", "that password is too easily guessed: choose another"),
])
def test_the_password_policy(council: Engine, password: str, message: str) -> None:
    link = _invite(council)
    with service_context(council, DAY, _at(1)) as ctx, pytest.raises(InvalidInput) as weak:
        accept_invitation(ctx, _token(link), password)
    assert str(weak.value) == message


def test_throttled_by_account_even_with_the_right_password_until_the_window_passes(council: Engine) -> None:
    _active(council)
    for i in range(5):
        assert _sign_in(council, 2 + i, password="not my password") == (None, WRONG)
    token, refusal = _sign_in(council, 8)
    assert token is None
    assert refusal == "too many failed sign-ins: try again after 2026-01-05 09:17 (UK time)"
    assert _sign_in(council, 16.9)[0] is None  # 09:16:54: the first refusal (09:02) still counts
    token, refusal = _sign_in(council, 17.5)
    assert refusal is None and token is not None
    with service_context(council, DAY, _at(18)) as ctx:
        outcomes = ctx.session.scalars(select(PortalSignIn.outcome).order_by(PortalSignIn.id)).all()
        assert outcomes == ["refused"] * 5 + ["throttled", "throttled", "signed_in"]


def test_throttled_by_address_across_accounts(council: Engine) -> None:
    _active(council)
    for i in range(20):
        _sign_in(council, 2, password="guess", email=f"nobody{i}@ash.example")
    assert _sign_in(council, 3)[1] == "too many failed sign-ins: try again after 2026-01-05 09:17 (UK time)"
    assert _sign_in(council, 3, address="198.51.100.1")[0] is not None  # another address is not held up
    assert _sign_in(council, 17.5)[0] is not None


def test_a_session_expires_when_idle_and_at_its_absolute_end(council: Engine) -> None:
    _active(council)
    token, _ = _sign_in(council, 2)
    assert token is not None
    with service_context(council, DAY, _at(2 + 7 * 60)) as ctx:
        assert current_session(ctx, token) is not None  # used after 7 hours: still live, use noted
    with service_context(council, DAY, _at(2 + 15 * 60 - 1)) as ctx:
        assert current_session(ctx, token) is not None
    with service_context(council, DAY, _at(2 + 23 * 60 + 1)) as ctx:
        assert current_session(ctx, token) is None  # 8 hours unused
        assert ctx.session.scalars(select(PortalSession.status)).one() == "expired"
    busy, _ = _sign_in(council, 30)
    assert busy is not None
    for hours in range(7, 7 * 24, 7):
        with service_context(council, DAY, _at(30 + hours * 60)) as ctx:
            assert current_session(ctx, busy) is not None
    with service_context(council, DAY, _at(30) + timedelta(days=7)) as ctx:
        assert current_session(ctx, busy) is None


def test_revoke_ends_sessions_and_access(council: Engine) -> None:
    _active(council)
    with service_context(council, DAY, _at(2), actor="clerk") as ctx:
        invite(ctx, "100002", "ann.head@ash.example", "approver", portal_url=URL)
    token, _ = _sign_in(council, 3)
    assert token is not None
    with service_context(council, DAY, _at(4), actor="clerk") as ctx:
        done = revoke(ctx, "ann.head@ash.example", "100002")
        assert (done.sessions_ended, done.schools_removed, done.disabled) == (1, ["100002"], False)
    with service_context(council, DAY, _at(5)) as ctx:
        assert current_session(ctx, token) is None
    token, _ = _sign_in(council, 6)
    assert token is not None
    with service_context(council, DAY, _at(7), actor="clerk") as ctx:
        done = revoke(ctx, "ann.head@ash.example")
        assert (done.sessions_ended, done.schools_removed, done.disabled) == (1, ["100001"], True)
        assert [u.status for u in list_users(ctx)] == ["revoked"]
    assert _sign_in(council, 8) == (None, WRONG)
    with service_context(council, DAY, _at(9), actor="clerk") as ctx, pytest.raises(NotFound) as unknown:
        revoke(ctx, "who@ash.example")
    assert str(unknown.value) == "there is no portal user who@ash.example"


def test_a_person_with_no_school_left_is_told_so(council: Engine) -> None:
    _active(council)
    with service_context(council, DAY, _at(2), actor="clerk") as ctx:
        user = ctx.session.scalars(select(PortalUser)).one()
        user.links[0].removed_at = _at(2)  # as a link removed by hand would be, the account still enabled
    assert _sign_in(council, 3) == (None, NO_SCHOOL)


def test_password_reset_is_one_time_for_an_hour_and_answers_the_same_for_anyone(council: Engine) -> None:
    _active(council)
    token, _ = _sign_in(council, 2)
    with service_context(council, DAY, _at(3)) as ctx:
        assert request_password_reset(ctx, "nobody@ash.example", portal_url=URL) == RESET_ANSWER
        assert request_password_reset(ctx, "Ann.Head@ash.example", portal_url=URL,
                                      setup=MailSetup()) == RESET_ANSWER
        message = ctx.session.scalars(select(MailMessage).where(MailMessage.kind == "portal_sign_in")).one()
        assert message.recipients == ["ann.head@ash.example"]
        found = re.search(rf"{URL}/reset/(\S+)", message.text_body)
        assert found is not None and "expires at 2026-01-05 10:03 (UK time)" in message.text_body
    reset = found.group(1)
    with service_context(council, DAY, _at(3 + 60)) as ctx, pytest.raises(RuleViolation):
        reset_password(ctx, reset, "a new long passphrase")
    with service_context(council, DAY, _at(4)) as ctx:
        reset_password(ctx, reset, "a new long passphrase")
    with service_context(council, DAY, _at(5)) as ctx:
        assert token is not None and current_session(ctx, token) is None  # sessions ended by the reset
    assert _sign_in(council, 6) == (None, WRONG)
    assert _sign_in(council, 7, password="a new long passphrase")[0] is not None


def test_no_password_or_token_in_clear_in_the_audit_or_the_portal_tables(council: Engine) -> None:
    link = _invite(council)
    with service_context(council, DAY, _at(1)) as ctx:
        accept_invitation(ctx, _token(link), PASSWORD)
    token, _ = _sign_in(council, 2)
    _sign_in(council, 3, password="wrong password here")
    with service_context(council, DAY, _at(4)) as ctx:
        request_password_reset(ctx, "ann.head@ash.example", portal_url=URL)
    assert token is not None
    secrets = [PASSWORD, "wrong password here", _token(link), token]
    with council.connect() as conn:
        for table in ("audit_log", "portal_users", "portal_links", "portal_tokens", "portal_sessions",
                      "portal_sign_ins"):
            text = json.dumps([list(map(str, row)) for row in conn.execute(sa.text(f"SELECT * FROM {table}"))])
            for secret in secrets:
                assert secret not in text, table
        hashes = conn.execute(sa.text("SELECT password_hash FROM portal_users")).scalars().all()
        assert [h[:10] for h in hashes] == ["$argon2id$"]
    with service_context(council, DAY, _at(5)) as ctx:
        assert ctx.session.scalars(select(PortalToken.purpose).order_by(PortalToken.id)).all() == [
            "invitation", "password_reset"]
