"""`traded mail send|list|resend`: the outbox of documents emailed to schools (issue 17)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from cli.listing import list_options
from cli.params import RECORD_ID, WholeNumber
from cli.runtime import Runtime, pass_runtime

if TYPE_CHECKING:
    from billing.context import Context
    from billing.mail_delivery import SendReport

STATUSES = ("queued", "sending", "sent", "failed", "bounced", "uncertain")
KINDS = ("invoice", "credit_note", "reminder", "statement", "portal_invitation", "portal_sign_in")


@click.group()
def mail() -> None:
    """Documents emailed to schools: the outbox, and sending it.

    Issuing an invoice, a credit note or a reminder letter records its email
    here; `traded mail send` delivers what is queued through the mail server
    named by TRADED_SMTP_HOST (TRADED_SMTP_PORT, TRADED_SMTP_STARTTLS,
    TRADED_SMTP_USERNAME, TRADED_SMTP_PASSWORD). A message is never sent twice:
    one that was being sent when its sender stopped is marked uncertain and
    waits for a person. A message that bounces back later to the council's
    mailbox is recorded with `traded mail bounced`.

    \b
    Example:
      traded mail send
      traded mail list --status failed
      traded mail bounced 12 --reason "550 mailbox unavailable"
      traded mail resend 12 --reason "Finance contact corrected"
    """


@mail.command("send")
@click.option("--limit", type=WholeNumber("count", 1, 1_000_000), default=None, metavar="N",
              help="Send at most N messages (default: every message due).")
@pass_runtime
def send_(rt: Runtime, limit: int | None) -> None:
    """Send the queued messages that are due, each at most once.

    One sender runs at a time. Each message is marked sending before the
    server is asked, and sent, failed (the server refused it for good: its
    reply is kept) or queued again after a wait (refused for now: tried again
    after 1, 5 and 30 minutes, 2 and 8 hours, then failed) once it answers.
    Messages a sender that was stopped left half sent are marked uncertain and
    listed: check with the school, then `traded mail resend ID`. A server that
    cannot be reached leaves every message queued and exits 1. Instants are
    the real time, whatever --as-of says.

    \b
    Example:
      traded mail send
      traded mail send --limit 100
    """
    from billing.mail_delivery import SmtpSettings, send_queued
    from pricing.clock import SystemClock

    def call() -> SendReport:
        return send_queued(rt.engine(), SmtpSettings.from_settings(rt.settings), SystemClock(), rt.actor,
                           limit=limit, pay_page=rt.pay_page())

    report = rt.drive(call)
    data = report.as_json()

    def text() -> str:
        from cli.formats import count, when

        lines = [f"{count(len(report.sent), 'message')} sent."]
        lines += [f"Message {i} failed: {reply}" for i, reply in report.failed]
        lines += [f"Message {i} will be tried again at {when(at)}: {reply}" for i, reply, at in report.retrying]
        lines += [f"Message {i}: not delivered to {address}: {reply}"
                  for i, refused in report.refused.items() for address, reply in refused.items()]
        if report.all_uncertain:
            lines.append(f"{count(len(report.all_uncertain), 'message')} may or may not have arrived (uncertain: "
                         f"{', '.join(str(i) for i in report.all_uncertain)}): check with the school, then "
                         "`traded mail resend ID --reason ...` if it did not.")
        return "\n".join(lines)

    rt.emit(data, text)
    if report.server_error is not None:
        rt.refuse("mail_server_unreachable", f"{report.server_error}; the messages stay queued")


@mail.command("list")
@click.option("--status", type=click.Choice(STATUSES), default=None, metavar="|".join(STATUSES),
              help="Only messages in this state.")
@click.option("--urn", default=None, metavar="URN", help="Only this school's messages.")
@click.option("--document", default=None, metavar="NUMBER", help="Only messages about this invoice or credit note.")
@click.option("--kind", type=click.Choice(KINDS), default=None, metavar="|".join(KINDS),
              help="Only messages of this kind.")
@list_options
@pass_runtime
def list_(rt: Runtime, status: str | None, urn: str | None, document: str | None, kind: str | None) -> None:
    """List the outbox: each message, who it went to, and what became of it.

    \b
    Example:
      traded mail list
      traded mail list --status uncertain
      traded --json mail list --urn 100279 --document INV-000123
      traded mail list --status failed --csv failed-mail.csv
    """
    from billing.outbox import list_messages, message_json
    from cli.listing import emit_list

    def service(ctx: Context) -> list[dict[str, Any]]:
        return [message_json(m) for m in list_messages(ctx, status=status, urn=urn, document=document, kind=kind)]

    rows = rt.run(service, read_only=True)

    def text() -> str:
        from cli.formats import count, when
        from cli.tables import table

        if not rows:
            return "No messages."
        shown: list[list[Any]] = [
            [r["id"], r["kind"], r["urn"], ", ".join(r["recipients"]) or "(none)", r["subject"], r["status"],
             when(r["sent_at"] or r["created_at"]), r["reply"] or ""]
            for r in rows]
        return table(["Id", "Kind", "URN", "To", "Subject", "Status", "When", "Reply"], shown,
                     align="rllllll", wrap=("To", "Subject", "Reply"), title=count(len(rows), "message"))

    emit_list(rt, rows, text)


@mail.command("resend")
@click.argument("message_id", metavar="ID", type=RECORD_ID)
@click.option("--reason", required=True, metavar="TEXT", help="Why it is sent again (kept in the audit trail).")
@pass_runtime
def resend_(rt: Runtime, message_id: int, reason: str) -> None:
    """Queue a message again on purpose: one that failed, bounced or is uncertain.

    It goes to the school's contacts as they are now, in the roles the price
    book names for the document (finance unless it says otherwise; add or
    correct one first with `traded school contact add`), with the next
    `traded mail send`. A message already queued is refused.

    \b
    Example:
      traded mail resend 12 --reason "Finance contact corrected"
    """
    from billing.outbox import message_json, resend

    def service(ctx: Context) -> dict[str, Any]:
        return message_json(resend(ctx, message_id, reason))

    data = rt.run(service)
    rt.emit(data, f"Message {data['id']} queued again for {', '.join(data['recipients'])}.")


@mail.command("bounced")
@click.argument("message_id", metavar="ID", type=RECORD_ID)
@click.option("--reason", required=True, metavar="TEXT",
              help="What came back, e.g. the bounce's status line (shown in `mail list`, kept in the audit trail).")
@pass_runtime
def bounced_(rt: Runtime, message_id: int, reason: str) -> None:
    """Record that a sent message bounced: the school's server sent it back later.

    A bounce arrives as a reply in the council's mailbox, after `traded mail
    send` recorded the message sent. Only a sent message can be marked
    bounced; it then shows as bounced in `traded mail list`, with the reason,
    until it is put right and sent again with `traded mail resend ID`.

    \b
    Example:
      traded mail bounced 12 --reason "550 5.1.1 finance@school.example: mailbox unavailable"
      traded mail list --status bounced
    """
    from billing.outbox import mark_bounced, message_json

    def service(ctx: Context) -> dict[str, Any]:
        return message_json(mark_bounced(ctx, message_id, reason))

    data = rt.run(service)
    rt.emit(data, f"Message {data['id']} to {', '.join(data['recipients'])} recorded bounced: {data['reply']}")
