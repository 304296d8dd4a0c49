"""`traded portal invite|users|revoke` (issue 18): one transaction each, one-line refusals, JSON."""

from __future__ import annotations

import csv
import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from billing.models import AuditEntry
from billing.models.mail import MailMessage
from billing.portal_accounts import accept_invitation
from billing.portal_sign_in import current_session, sign_in
from billing.pricebooks import load_pricebook
from billing.schools import NewSchool, add_school
from pricing.pricebook import sample_pricebook_text
from tests.support import cli_json, cli_refused, run_cli, service_context, table_dump

URN, OTHER = "100279", "138522"


@pytest.fixture(autouse=True)
def _settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRADED_USER", "finance.officer")
    monkeypatch.setenv("TRADED_PORTAL_URL", "https://portal.eastbury.example/")


@pytest.fixture
def schools(engine: Engine, db_url: str) -> str:
    with service_context(engine, date(2025, 7, 1)) as ctx:
        load_pricebook(ctx, sample_pricebook_text())
        add_school(ctx, NewSchool(urn=URN, name="Stoke Newington School", type="maintained"))
        add_school(ctx, NewSchool(urn=OTHER, name="Clapton Girls' Academy", type="academy"))
    return db_url


def _invite(db: str, urn: str = URN, role: str = "approver") -> dict[str, object]:
    return cli_json(db, "portal", "invite", urn, "--email", "Bursar@Trust.example", "--role", role,
                    "--name", "Ann Smith")


def test_invite_queues_the_link_and_users_lists_the_person(schools: str, engine: Engine) -> None:
    first = _invite(schools)
    assert set(first) == {"email", "urn", "role", "link", "expires_at", "mail_message"}
    assert (first["email"], first["urn"], first["role"], first["mail_message"]) == (
        "bursar@trust.example", URN, "approver", 1)
    link = str(first["link"])
    assert re.fullmatch(r"https://portal\.eastbury\.example/invitation/[A-Za-z0-9_-]{43}", link)
    second = _invite(schools, OTHER, "viewer")  # a trust's officer: the same person, another school
    assert second["email"] == "bursar@trust.example" and second["mail_message"] == 2
    assert cli_json(schools, "portal", "users") == [{
        "email": "bursar@trust.example", "name": "Ann Smith", "status": "invited",
        "schools": [{"urn": URN, "school": "Stoke Newington School", "role": "approver"},
                    {"urn": OTHER, "school": "Clapton Girls' Academy", "role": "viewer"}],
        "live_sessions": 0, "created_at": cli_json(schools, "portal", "users")[0]["created_at"]}]
    with service_context(engine, date.today()) as ctx:
        messages = ctx.session.scalars(select(MailMessage).order_by(MailMessage.id)).all()
        assert [(m.kind, m.recipients, m.school.urn) for m in messages] == [
            ("portal_invitation", ["bursar@trust.example"], URN),
            ("portal_invitation", ["bursar@trust.example"], OTHER)]
        assert str(second["link"]) in messages[1].text_body
        assert link not in messages[1].text_body  # the second link replaced the first
        audit = ctx.session.scalars(select(AuditEntry).where(AuditEntry.action == "portal.invite")).all()
        assert [(a.actor, a.entity_id) for a in audit] == [("finance.officer", "1")] * 2
        assert all(link.rsplit("/", 1)[1] not in str(a.detail) for a in audit)


def test_users_on_screen_and_as_csv(schools: str, tmp_path: Path) -> None:
    _invite(schools)
    shown = run_cli(schools, "portal", "users", "--urn", URN, as_json=False)
    assert shown.exit_code == 0
    assert shown.stdout == f"bursar@trust.example  invited  {URN} approver  sessions: 0\n1 portal user\n"
    assert cli_json(schools, "portal", "users", "--urn", OTHER) == []
    out = tmp_path / "users.csv"
    run_cli(schools, "portal", "users", "--csv", str(out), as_json=False)
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [(r["email"], r["schools"], r["status"]) for r in rows] == [
        ("bursar@trust.example", f"{URN} approver", "invited")]


def test_revoke_ends_the_sessions_and_the_access(schools: str, engine: Engine) -> None:
    _invite(schools)
    token = str(_invite(schools, OTHER, "viewer")["link"]).rsplit("/", 1)[1]  # the latest link is the one that works
    now = datetime.now(UTC)
    with service_context(engine, now.date(), now) as ctx:
        accept_invitation(ctx, token, "a long enough passphrase")
        session = sign_in(ctx, "bursar@trust.example", "a long enough passphrase", "192.0.2.1").token
    assert session is not None
    assert cli_json(schools, "portal", "revoke", "BURSAR@trust.example", "--school", OTHER) == {
        "email": "bursar@trust.example", "sessions_ended": 1, "schools_removed": [OTHER], "disabled": False}
    assert cli_json(schools, "portal", "revoke", "bursar@trust.example") == {
        "email": "bursar@trust.example", "sessions_ended": 0, "schools_removed": [URN], "disabled": True}
    with service_context(engine, now.date(), now) as ctx:
        assert current_session(ctx, session) is None
    assert cli_json(schools, "portal", "users")[0]["status"] == "revoked"
    shown = run_cli(schools, "portal", "invite", URN, "--email", "bursar@trust.example", "--role", "viewer",
                    as_json=False)
    assert shown.exit_code == 0
    assert shown.stdout.splitlines()[0] == (f"Invited bursar@trust.example to URN {URN} as viewer: email queued "
                                            "(mail message 3).")
    assert shown.stdout.splitlines()[1] == "Link: https://portal.eastbury.example/sign-in"


@pytest.mark.parametrize(("args", "code", "message"), [
    (["invite", "999999", "--email", "a@b.example", "--role", "viewer"], "unknown_school",
     "no school with URN 999999"),
    (["invite", URN, "--email", "not an email", "--role", "viewer"], "bad_email", None),
    (["revoke", "nobody@trust.example"], "unknown_portal_user", "there is no portal user nobody@trust.example"),
    (["revoke", "bursar@trust.example", "--school", OTHER], "not_linked",
     f"bursar@trust.example has no portal access to URN {OTHER}"),
    (["revoke", "bursar@trust.example", "--school", OTHER, "--sessions-only"], "bad_revoke",
     "give either a school or sessions only, not both"),
    (["users", "--urn", "999999"], "unknown_school", "no school with URN 999999"),
])
def test_refusals_are_one_line_and_write_nothing(schools: str, engine: Engine, args: list[str], code: str,
                                                 message: str | None) -> None:
    _invite(schools)
    before = table_dump(engine)
    error = cli_refused(schools, "portal", *args)
    assert error["code"] == code
    if message is not None:
        assert error["message"] == message
    assert table_dump(engine) == before
