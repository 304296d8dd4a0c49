"""`traded portal …`: who may sign in to the schools' portal (issue 18)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from cli.listing import list_options
from cli.runtime import Runtime, pass_runtime

if TYPE_CHECKING:
    from billing.context import Context

ROLES = ("viewer", "approver")


@click.group()
def portal() -> None:
    """People who sign in to the schools' portal, and the schools each may see.

    A viewer sees everything of a school; an approver also orders, renews and
    gives notice. A trust's finance officer is one person invited to each of
    the trust's schools.

    \b
    Example:
      traded portal invite 100279 --email bursar@stokenewington.example --role approver --name "Ann Smith"
      traded portal users --urn 100279
    """


@portal.command("invite")
@click.argument("urn")
@click.option("--email", required=True, metavar="EMAIL", help="The person's own address: the link is sent there.")
@click.option("--role", required=True, type=click.Choice(ROLES), metavar="viewer|approver",
              help="viewer sees the school's account; approver also orders, renews and gives notice.")
@click.option("--name", default=None, metavar="NAME", help="The person's name, used in the emails.")
@pass_runtime
def invite(rt: Runtime, urn: str, email: str, role: str, name: str | None) -> None:
    """Give a person access to a school and email them a link to choose a password; audited.

    The link works once, for 7 days, and is queued in the outbox (`traded mail
    send` delivers it). A person who already has a password is told of the new
    school instead. Inviting someone again changes their role.

    \b
    Example:
      traded portal invite 100279 --email bursar@stokenewington.example --role approver --name "Ann Smith"
    \b
    JSON: {"email", "urn", "role", "link", "expires_at", "mail_message"}
    """
    from billing.mail_compose import MailSetup
    from billing.portal_accounts import invite as invite_person

    settings = rt.settings
    done = rt.run(lambda ctx: invite_person(ctx, urn, email, role, name, portal_url=settings.portal_url,
                                            setup=MailSetup.from_settings(settings)))
    data = {"email": done.email, "urn": done.urn, "role": done.role, "link": done.link,
            "expires_at": done.expires_at, "mail_message": done.message_id}

    def text() -> str:
        from pricing.clock import format_london

        until = f", valid until {format_london(done.expires_at)}" if done.expires_at is not None else ""
        return (f"Invited {done.email} to URN {done.urn} as {done.role}: email queued "
                f"(mail message {done.message_id}){until}.\nLink: {done.link}")

    rt.emit(data, text)


@portal.command("users")
@click.option("--urn", default=None, metavar="URN", help="Only the people who may see this school.")
@list_options
@pass_runtime
def users(rt: Runtime, urn: str | None) -> None:
    """List the portal's users: their status (invited, active, revoked), schools and roles, live sessions.

    \b
    Example:
      traded portal users
      traded portal users --urn 100279 --json
    \b
    JSON: [{"email", "name", "status", "schools": [{"urn", "school", "role"}], "live_sessions", "created_at"}]
    """
    from billing.portal_accounts import list_users
    from cli.listing import emit_list

    found = rt.run(lambda ctx: list_users(ctx, urn), read_only=True)
    rows = [u.as_json() for u in found]
    shown = ["; ".join(f"{school_urn} {role}" for school_urn, _, role in u.schools) for u in found]
    records = [{**row, "schools": schools} for row, schools in zip(rows, shown, strict=True)]

    def text() -> str:
        from cli.formats import count

        lines = [f"{u.email}  {u.status}  {schools or '-'}  sessions: {u.live_sessions}"
                 for u, schools in zip(found, shown, strict=True)]
        return "\n".join([*lines, count(len(rows), "portal user")])

    emit_list(rt, rows, text, records=records)


@portal.command("revoke")
@click.argument("email")
@click.option("--school", "urn", default=None, metavar="URN", help="Only this school's access (others are kept).")
@click.option("--sessions-only", is_flag=True, help="Sign the person out everywhere but keep their schools.")
@pass_runtime
def revoke(rt: Runtime, email: str, urn: str | None, sessions_only: bool) -> None:
    """End a person's sessions and take away their access to every school (or one); audited.

    \b
    Example:
      traded portal revoke bursar@stokenewington.example
      traded portal revoke bursar@stokenewington.example --school 100279
    \b
    JSON: {"email", "sessions_ended", "schools_removed", "disabled"}
    """
    from billing.portal_accounts import Revocation
    from billing.portal_accounts import revoke as revoke_person

    def service(ctx: Context) -> Revocation:
        return revoke_person(ctx, email, urn, sessions_only=sessions_only)

    done = rt.run(service)
    data: dict[str, Any] = {"email": done.email, "sessions_ended": done.sessions_ended,
                            "schools_removed": done.schools_removed, "disabled": done.disabled}
    schools = ", ".join(f"URN {u}" for u in done.schools_removed) or "none"
    rt.emit(data, f"Revoked {done.email}: {done.sessions_ended} session(s) ended; access removed: {schools}"
                  f"{'; no school left, cannot sign in' if done.disabled else ''}.")
