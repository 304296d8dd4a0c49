"""Delivering the outbox through SMTP, each message at most once (`traded mail send`, issue 17).

One sender runs at a time: it holds a lease that dies with its process
(PostgreSQL advisory lock, ``flock`` beside a SQLite file), and a second one
stops at once saying the other is running. Each message is

1. claimed: ``sending``, its attempt counted, the instant noted — and committed;
2. handed to the server over one reused connection;
3. recorded with the server's answer — and committed.

So a sender killed between 1 and 3 leaves the message ``sending``. It may or
may not have arrived, and traded cannot know: the next sender marks it
``uncertain``, reports it, and never sends it again on its own (a person
checks with the school and uses `traded mail resend`). Every other message is
sent once or not at all.

The server's answer decides what happens next: 2xx sent (the reply kept); 5xx
failed for good (the reply kept, the team sees it); 4xx tried again later, after
:data:`BACKOFF`, until :data:`MAX_ATTEMPTS` attempts, then failed. Addresses the
server refuses one by one are recorded with its reply; the message goes to the
others. A server that cannot be reached claims nothing: messages stay queued,
the report says why, and the command exits non-zero. A connection lost before
the message's data was sent returns it to the queue; lost while the data was
going, it is uncertain.
"""

from __future__ import annotations

import contextlib
import fcntl
import smtplib
import ssl
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import IO, TYPE_CHECKING

from sqlalchemy import Connection, Engine, select, text

from billing.balances import invoice_outstanding
from billing.context import Context
from billing.db import transaction
from billing.documents import to_document
from billing.mail_compose import Outgoing, email_message
from billing.models import Invoice
from billing.models.mail import MailMessage
from contracts.states import MailStatus, move
from invoices.documents import Document
from pricing.clock import Clock, format_london
from pricing.errors import RuleViolation, TradedError

if TYPE_CHECKING:
    from billing.gateway.pay_page import PayPage
    from billing.settings_model import Settings  # pydantic loads only where settings are validated

BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2),
           timedelta(hours=8))
"""How long a message refused for now (4xx) waits before its next attempt, by attempts made so far."""
MAX_ATTEMPTS = 6
"""Attempts before a message the server keeps refusing for now is marked failed."""
SMTP_TIMEOUT_S = 30.0
UNCERTAIN_REASON = ("the sender stopped while sending it: it may or may not have arrived; check with the school, "
                    "then `traded mail resend` if it did not")
_NAMESPACE = 7302  # advisory-lock namespace of the mail sender (bill runs use 7301)


class MailNotConfigured(TradedError):
    code = "mail_not_configured"


class SenderRunning(RuleViolation):
    code = "mail_sender_running"


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = 587
    starttls: bool = True
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: float = SMTP_TIMEOUT_S

    @classmethod
    def from_settings(cls, settings: Settings) -> SmtpSettings:
        """The mail server the settings name; refused in one line when there is none."""
        if not settings.smtp_host:
            raise MailNotConfigured("mail is not configured: set TRADED_SMTP_HOST (and TRADED_SMTP_PORT, "
                                    "TRADED_SMTP_USERNAME, TRADED_SMTP_PASSWORD as your mail server needs)")
        password = settings.smtp_password.get_secret_value() if settings.smtp_password is not None else None
        return cls(settings.smtp_host, settings.smtp_port, settings.smtp_starttls, settings.smtp_username, password)


@dataclass
class SendReport:
    """What one `traded mail send` did, message by message."""

    sent: list[int] = field(default_factory=list)
    failed: list[tuple[int, str]] = field(default_factory=list)
    retrying: list[tuple[int, str, datetime]] = field(default_factory=list)
    uncertain: list[int] = field(default_factory=list)
    """Messages a sender that died left half sent, marked uncertain now, plus any whose data went astray."""
    all_uncertain: list[int] = field(default_factory=list)
    """Every message uncertain when the run ended, new or old: each waits for a person (`mail resend`)."""
    refused: dict[int, dict[str, str]] = field(default_factory=dict)
    server_error: str | None = None
    """Why the server could not be reached (messages left queued); the command exits non-zero."""

    def as_json(self) -> dict[str, object]:
        return {
            "sent": self.sent, "sent_count": len(self.sent),
            "failed": [{"id": i, "reply": r} for i, r in self.failed],
            "retrying": [{"id": i, "reply": r, "next_attempt_at": when} for i, r, when in self.retrying],
            "uncertain": self.uncertain, "all_uncertain": self.all_uncertain,
            "refused": {str(i): r for i, r in self.refused.items()},
            "server_error": self.server_error,
        }


# --- the lease ------------------------------------------------------------------------------

def _lease_file(engine: Engine) -> Path:
    database = Path(str(engine.url.database)).expanduser().resolve()
    return database.with_name(f"{database.name}.mail-sender.lease")


@contextlib.contextmanager
def sender_lease(engine: Engine) -> Iterator[None]:
    """Hold the one sender's lease for the block; refused at once (SenderRunning) while another holds it."""
    busy = SenderRunning("another `traded mail send` is running (or `traded serve` is sending mail): "
                         "it sends every queued message; try again when it has finished", code="mail_sender_running")
    if engine.dialect.name == "postgresql":
        conn: Connection = engine.connect()
        try:
            got = conn.execute(text("SELECT pg_try_advisory_lock(:ns, 0)"), {"ns": _NAMESPACE}).scalar()
            conn.commit()
            if not got:
                raise busy
            try:
                yield
            finally:
                with contextlib.suppress(Exception):
                    conn.execute(text("SELECT pg_advisory_unlock(:ns, 0)"), {"ns": _NAMESPACE})
                    conn.commit()
        finally:
            conn.close()
        return
    path = _lease_file(engine)
    handle: IO[bytes] = path.open("ab")
    try:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise busy from None
        yield
    finally:
        handle.close()  # the file stays: unlinking it could let a third sender lock a different inode


# --- composing what leaves ------------------------------------------------------------------

Renderer = Callable[[Document], bytes]


def _render_pdf(document: Document) -> bytes:
    from invoices.pdf import render_document  # fpdf2 loads only when a message carries an invoice

    return render_document(document)


def attachment_pdfs(ctx: Context, message: MailMessage, render: Renderer = _render_pdf) -> list[tuple[str, bytes]]:
    """Each attached document's PDF, the bytes `traded invoice pdf` prints for it now; then any stored PDF."""
    found: list[tuple[str, bytes]] = []
    if message.attachments:
        documents = {inv.number: inv for inv in ctx.session.scalars(
            select(Invoice).where(Invoice.number.in_(message.attachments)))}
        missing = [n for n in message.attachments if n not in documents]
        if missing:
            raise RuleViolation(f"attached document {', '.join(missing)} is not in the ledger",
                                code="attachment_missing")
        owing = invoice_outstanding(ctx.session, [d.id for d in documents.values() if d.kind == "invoice"])
        for number in message.attachments:
            document = documents[number]
            pay_link = (ctx.pay_page.url(number) if ctx.pay_page is not None
                        and owing.get(document.id, Decimal(0)) > 0 else None)
            found.append((f"{number}.pdf", render(to_document(document, pay_link))))
    if message.pdf is not None and message.pdf_name:
        found.append((message.pdf_name, message.pdf))
    return found


def outgoing(ctx: Context, message: MailMessage, sent_at: datetime, render: Renderer = _render_pdf) -> Outgoing:
    return email_message(sender_header=message.sender, reply_to=message.reply_to,
                         recipients=list(message.recipients), subject=message.subject, text=message.text_body,
                         html=message.html_body, message_id=message.message_id, sent_at=sent_at,
                         attachments=attachment_pdfs(ctx, message, render))


# --- talking to the server ------------------------------------------------------------------

@dataclass(frozen=True)
class _Outcome:
    status: MailStatus  # SENT, FAILED, QUEUED (try later) or UNCERTAIN
    reply: str
    refused: dict[str, str]
    retry_now: bool = False  # the connection dropped before anything was sent: reconnect and try again


def _reply(code: int, message: bytes | str) -> str:
    words = message.decode("utf-8", "replace") if isinstance(message, bytes) else message
    return " ".join(f"{code} {words}".split())


def _connect(smtp: SmtpSettings) -> smtplib.SMTP:
    client = smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout)
    try:
        client.ehlo()
        if smtp.starttls:
            client.starttls(context=ssl.create_default_context())
            client.ehlo()
        if smtp.username:
            client.login(smtp.username, smtp.password or "")
    except BaseException:
        with contextlib.suppress(Exception):
            client.close()
        raise
    return client


def _answer(code: int, reply: str, refused: dict[str, str]) -> _Outcome:
    if 200 <= code < 300:
        return _Outcome(MailStatus.SENT, reply, refused)
    if 400 <= code < 500:
        return _Outcome(MailStatus.QUEUED, reply, refused)
    return _Outcome(MailStatus.FAILED, reply, refused)


def _hand_over(client: smtplib.SMTP, message: Outgoing) -> _Outcome:
    """One message through an open connection: envelope, each recipient, then the data."""
    try:
        code, text_ = client.mail(message.envelope_from)
        if code != 250:
            client.rset()
            return _answer(code, _reply(code, text_), {})
        refused: dict[str, str] = {}
        temporary = False
        for address in message.recipients:
            code, text_ = client.rcpt(address)
            if code not in (250, 251):
                refused[address] = _reply(code, text_)
                temporary = temporary or 400 <= code < 500
        if len(refused) == len(message.recipients):
            client.rset()
            worst = "; ".join(f"{a}: {r}" for a, r in refused.items())
            return _Outcome(MailStatus.QUEUED if temporary else MailStatus.FAILED, worst, refused)
    except (smtplib.SMTPServerDisconnected, OSError) as exc:
        return _Outcome(MailStatus.QUEUED, f"connection lost before sending: {exc}", {}, retry_now=True)
    try:
        code, text_ = client.data(message.data)
    except smtplib.SMTPDataError as exc:
        return _answer(exc.smtp_code, _reply(exc.smtp_code, exc.smtp_error), refused)
    except (smtplib.SMTPException, OSError) as exc:
        return _Outcome(MailStatus.UNCERTAIN, f"connection lost while the message was being sent ({exc}): "
                                              "it may or may not have arrived", refused)
    return _answer(code, _reply(code, text_), refused)


# --- the run --------------------------------------------------------------------------------

def mark_uncertain(engine: Engine, clock: Clock, actor: str) -> list[int]:
    """Messages a dead sender left ``sending`` become ``uncertain`` (call only while holding the lease)."""
    with transaction(engine) as session:
        ctx = Context(session=session, clock=clock, actor=actor)
        stuck = list(session.scalars(select(MailMessage).where(MailMessage.status == MailStatus.SENDING)
                                     .order_by(MailMessage.id)))
        for message in stuck:
            message.status = move(message.status, MailStatus.UNCERTAIN, f"mail message {message.id}")
            claimed = format_london(message.claimed_at) if message.claimed_at else "?"
            message.reply = f"{UNCERTAIN_REASON} (claimed {claimed})"
            ctx.audit("mail.uncertain", "mail_message", message.id, {"key": message.key, "claimed_at": claimed})
        return [m.id for m in stuck]


def _due(engine: Engine, now: datetime, limit: int | None) -> list[int]:
    with transaction(engine, read_only=True) as session:
        query = select(MailMessage.id).where(
            MailMessage.status == MailStatus.QUEUED,
            (MailMessage.next_attempt_at.is_(None)) | (MailMessage.next_attempt_at <= now),
        ).order_by(MailMessage.id)
        if limit is not None:
            query = query.limit(limit)
        return list(session.scalars(query))


def _record(ctx: Context, message: MailMessage, outcome: _Outcome, report: SendReport) -> None:
    now = ctx.now
    what = f"mail message {message.id}"
    message.reply = outcome.reply
    message.refused = outcome.refused or None
    if outcome.refused:
        report.refused[message.id] = outcome.refused
    if outcome.status == MailStatus.SENT:
        message.status = move(message.status, MailStatus.SENT, what)
        message.sent_at = now
        report.sent.append(message.id)
    elif outcome.status == MailStatus.UNCERTAIN:
        message.status = move(message.status, MailStatus.UNCERTAIN, what)
        report.uncertain.append(message.id)
    elif outcome.status == MailStatus.QUEUED and outcome.retry_now:
        message.status = move(message.status, MailStatus.QUEUED, what)
        message.attempts -= 1  # nothing reached the server: not an attempt
    elif outcome.status == MailStatus.QUEUED and message.attempts < MAX_ATTEMPTS:
        message.status = move(message.status, MailStatus.QUEUED, what)
        message.next_attempt_at = now + BACKOFF[min(message.attempts, len(BACKOFF)) - 1]
        report.retrying.append((message.id, outcome.reply, message.next_attempt_at))
    else:
        message.status = move(message.status, MailStatus.FAILED, what)
        if outcome.status == MailStatus.QUEUED:
            message.reply = f"{outcome.reply} (gave up after {message.attempts} attempts)"
        report.failed.append((message.id, message.reply))


def send_queued(engine: Engine, smtp: SmtpSettings, clock: Clock, actor: str, *, limit: int | None = None,
                pay_page: PayPage | None = None, render: Renderer = _render_pdf) -> SendReport:
    """Deliver the messages due now (at most ``limit``), one sender at a time; see the module's rules.

    ``clock`` gives real instants (claims, backoff, Date headers), never an as-of day.
    """
    report = SendReport()
    with sender_lease(engine):
        report.uncertain.extend(mark_uncertain(engine, clock, actor))
        try:
            _deliver(engine, smtp, clock, actor, limit, pay_page, render, report)
        finally:
            report.all_uncertain = _uncertain(engine)
    return report


def _uncertain(engine: Engine) -> list[int]:
    with transaction(engine, read_only=True) as session:
        return list(session.scalars(select(MailMessage.id).where(MailMessage.status == MailStatus.UNCERTAIN)
                                    .order_by(MailMessage.id)))


def _deliver(engine: Engine, smtp: SmtpSettings, clock: Clock, actor: str, limit: int | None,
             pay_page: PayPage | None, render: Renderer, report: SendReport) -> None:
    due = _due(engine, clock.now(), limit)
    if due:
        client: smtplib.SMTP | None = None
        try:
            for message_id in due:
                for _ in range(2):  # a connection found closed before anything was sent: once more, afresh
                    if client is None:
                        try:
                            client = _connect(smtp)
                        except (smtplib.SMTPException, OSError) as exc:
                            report.server_error = f"cannot reach the mail server {smtp.host}:{smtp.port}: {exc}"
                            return
                    outcome = _send_one(engine, clock, actor, pay_page, render, client, message_id, report)
                    if outcome is None or not outcome.retry_now:
                        break
                    with contextlib.suppress(Exception):
                        client.close()
                    client = None
        finally:
            if client is not None:
                with contextlib.suppress(smtplib.SMTPException, OSError):
                    client.quit()


def _send_one(engine: Engine, clock: Clock, actor: str, pay_page: PayPage | None, render: Renderer,
              client: smtplib.SMTP, message_id: int, report: SendReport) -> _Outcome | None:
    """Claim, hand over and record one message (None: it was no longer queued, or could not be composed)."""
    with transaction(engine) as session:
        ctx = Context(session=session, clock=clock, actor=actor, pay_page=pay_page)
        message = session.get(MailMessage, message_id, with_for_update=True)
        if message is None or message.status != MailStatus.QUEUED:
            return None
        message.status = move(message.status, MailStatus.SENDING, f"mail message {message.id}")
        message.attempts += 1
        message.claimed_at = ctx.now
        try:
            leaving = outgoing(ctx, message, ctx.now, render)
        except TradedError as exc:
            _record(ctx, message, _Outcome(MailStatus.FAILED, exc.message, {}), report)
            return None
    outcome = _hand_over(client, leaving)
    with transaction(engine) as session:
        ctx = Context(session=session, clock=clock, actor=actor)
        message = session.get(MailMessage, message_id, with_for_update=True)
        assert message is not None
        _record(ctx, message, outcome, report)
    return outcome

