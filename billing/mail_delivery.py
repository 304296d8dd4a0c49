"""Delivering the outbox through SMTP, each message at most once (`traded mail send`, issue 17).

One sender runs at a time: it holds a lease that dies with its process
(PostgreSQL advisory lock, ``flock`` beside a SQLite file), and a second one
stops at once saying the other is running. Each message is

1. claimed: ``sending``, its attempt counted, the instant noted — and committed
   (in the same commit as step 3 of the message before it);
2. handed to the server over one reused connection, its data only once the
   claim is committed (the envelope, which delivers nothing, may go while the
   commit waits for the disk);
3. recorded with the server's answer — committed with the next claim, or on
   its own after the last message.

So a sender killed between 1 and 3 leaves the message ``sending``. It may or
may not have arrived, and traded cannot know: the next sender marks it
``uncertain``, reports it, and never sends it again on its own (a person
checks with the school and uses `traded mail resend`). Only one message is
ever claimed and unrecorded at once, so a kill leaves at most one uncertain.
Every other message is sent once or not at all.

The messages are read from the outbox in batches with their invoices (lines,
what is owed) and, when there are many, composed ahead by worker processes
(billing.mail_workers: the PDF rendered, the MIME written). The PDF attached
is the one `traded invoice pdf` prints when the message is claimed: if a
payment or credit since the batch was read changed whether an invoice is owed
(and so whether its PDF carries the pay link), it is composed again then.

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
from collections import deque
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import IO, TYPE_CHECKING

from sqlalchemy import Connection, Engine, Update, bindparam, select, text, update
from sqlalchemy.orm import Session, selectinload

from billing.balances import invoice_outstanding
from billing.context import Context
from billing.db import transaction
from billing.documents import to_document, with_pay_link
from billing.mail_mime import Outgoing, Prepared
from billing.mail_workers import ComposeJob, ComposePool, Renderer, compose
from billing.models import Invoice
from billing.models.mail import LINK_FORGOTTEN, ONE_TIME_LINK_KINDS, MailMessage
from contracts.states import MailStatus, move
from invoices.documents import Document
from invoices.pdf import render_document
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
WORKERS = 2
"""Worker processes composing messages (rendering their PDFs) ahead of the sender."""
POOL_FROM = 64
"""Messages due before workers are started: below this, starting them costs more than they save."""
BATCH = 50
"""Messages read from the outbox, with their documents, in one go."""
AHEAD = 16
"""Messages being composed while one is sent."""


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


# --- reading what leaves ----------------------------------------------------------------------

@dataclass(frozen=True)
class _Due:
    """A queued message as read from the outbox, ready to be claimed: what it is made from, or why it cannot be."""

    id: int
    attempts: int
    job: ComposeJob
    problem: str | None
    """Why it cannot be made (an attached document not in the ledger): it fails when claimed, unsent."""
    bases: tuple[tuple[str, Document, int | None], ...]
    """Attached documents as printed without a pay link, with the id of each invoice a link may go on."""
    owing: frozenset[int]
    """The invoices among them still owing when read: their PDFs carry the pay link."""


def _documents(bases: tuple[tuple[str, Document, int | None], ...], owing: frozenset[int],
               pay_page: PayPage | None) -> tuple[tuple[str, Document], ...]:
    """Each attached document as `traded invoice pdf` prints it: the pay link on an invoice still owing."""
    found: list[tuple[str, Document]] = []
    for name, document, invoice_id in bases:
        link = pay_page.url(document.number) if pay_page is not None and invoice_id in owing else None
        found.append((name, replace(document, payment=with_pay_link(document.payment, link)) if link else document))
    return tuple(found)


def _owing(session: Session, invoice_ids: list[int]) -> frozenset[int]:
    return frozenset(i for i, amount in invoice_outstanding(session, invoice_ids).items() if amount > 0)


def _read(engine: Engine, ids: list[int], pay_page: PayPage | None) -> list[_Due]:
    """The messages among ``ids`` still queued, with their invoices and credit notes, in a few queries."""
    with transaction(engine, read_only=True) as session:
        messages = list(session.scalars(select(MailMessage).where(
            MailMessage.id.in_(ids), MailMessage.status == MailStatus.QUEUED).order_by(MailMessage.id)))
        numbers = sorted({number for message in messages for number in message.attachments})
        invoices = {invoice.number: invoice for invoice in session.scalars(
            select(Invoice).where(Invoice.number.in_(numbers))
            .options(selectinload(Invoice.lines), selectinload(Invoice.corrects)))} if numbers else {}
        printed = {number: to_document(invoice) for number, invoice in invoices.items()}
        owing = _owing(session, [i.id for i in invoices.values() if i.kind == "invoice"]) if pay_page else frozenset()
        found: list[_Due] = []
        for message in messages:
            missing = [number for number in message.attachments if number not in invoices]
            bases = tuple((f"{number}.pdf", printed[number],
                           invoices[number].id if invoices[number].kind == "invoice" else None)
                          for number in message.attachments if number in invoices)
            mine = frozenset(i for _, _, i in bases if i is not None) & owing
            stored = ((message.pdf_name, message.pdf),) if message.pdf is not None and message.pdf_name else ()
            job = ComposeJob(sender=message.sender, reply_to=message.reply_to, recipients=tuple(message.recipients),
                             subject=message.subject, text=message.text_body, html=message.html_body,
                             message_id=message.message_id, documents=_documents(bases, mine, pay_page),
                             stored=stored)
            problem = f"attached document {', '.join(missing)} is not in the ledger" if missing else None
            found.append(_Due(message.id, message.attempts, job, problem, bases, mine))
        return found


def _composed(engine: Engine, ids: list[int], pay_page: PayPage | None, render: Renderer,
              pool: ComposePool | None) -> Iterator[tuple[_Due, Prepared | None]]:
    """Each due message, read in batches, with its bytes (None when it cannot be made), in order.

    With a pool, up to :data:`AHEAD` messages are being composed by the workers
    while the caller sends the one it was given.
    """
    batches = iter([ids[at:at + BATCH] for at in range(0, len(ids), BATCH)])
    read: deque[_Due] = deque()
    started: deque[_Due] = deque()

    def keep_busy() -> None:
        while len(started) < (AHEAD if pool is not None else 1):
            if not read:
                batch = next(batches, None)
                if batch is None:
                    return
                read.extend(_read(engine, batch, pay_page))
                continue
            due = read.popleft()
            if pool is not None and due.problem is None:
                pool.submit(due.job)
            started.append(due)

    keep_busy()
    while started:
        due = started.popleft()
        keep_busy()
        if due.problem is not None:
            yield due, None
        elif pool is not None:
            yield due, pool.take()
        else:
            yield due, compose(due.job, render)


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


def _envelope(client: smtplib.SMTP, sender: str, recipients: tuple[str, ...]) -> tuple[_Outcome | None, dict[str, str]]:
    """MAIL and RCPT: (None, the addresses refused) when the data may follow, else what stopped it (envelope reset).

    Nothing is delivered by an envelope alone, so it may be opened before the message is claimed.
    """
    try:
        code, text_ = client.mail(sender)
        if code != 250:
            client.rset()
            return _answer(code, _reply(code, text_), {}), {}
        refused: dict[str, str] = {}
        temporary = False
        for address in recipients:
            code, text_ = client.rcpt(address)
            if code not in (250, 251):
                refused[address] = _reply(code, text_)
                temporary = temporary or 400 <= code < 500
        if len(refused) == len(recipients):
            client.rset()
            worst = "; ".join(f"{a}: {r}" for a, r in refused.items())
            return _Outcome(MailStatus.QUEUED if temporary else MailStatus.FAILED, worst, refused), refused
    except (smtplib.SMTPServerDisconnected, OSError) as exc:
        return _Outcome(MailStatus.QUEUED, f"connection lost before sending: {exc}", {}, retry_now=True), {}
    return None, refused


def _data(client: smtplib.SMTP, data: bytes, refused: dict[str, str]) -> _Outcome:
    """The message's data through an open envelope: from here on it may have arrived."""
    try:
        code, text_ = client.data(data)
    except smtplib.SMTPDataError as exc:
        return _answer(exc.smtp_code, _reply(exc.smtp_code, exc.smtp_error), refused)
    except (smtplib.SMTPException, OSError) as exc:
        return _Outcome(MailStatus.UNCERTAIN, f"connection lost while the message was being sent ({exc}): "
                                              "it may or may not have arrived", refused)
    return _answer(code, _reply(code, text_), refused)


def _hand_over(client: smtplib.SMTP, message: Outgoing) -> _Outcome:
    """One message through an open connection: envelope, each recipient, then the data."""
    stopped, refused = _envelope(client, message.envelope_from, message.recipients)
    return stopped or _data(client, message.data, refused)


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


# Built once: the sender runs them for every message (bound by name, so each compiles once).
_CLAIM = update(MailMessage).where(
    MailMessage.id == bindparam("message"), MailMessage.status == MailStatus.QUEUED,
    MailMessage.attempts == bindparam("seen"),
).values(status=MailStatus.SENDING, attempts=MailMessage.attempts + 1, claimed_at=bindparam("at"))


@lru_cache(maxsize=8)
def _recording(columns: tuple[str, ...]) -> Update:
    """The UPDATE writing ``columns`` of a message still ``sending`` (one per kind of outcome)."""
    return update(MailMessage).where(
        MailMessage.id == bindparam("message"), MailMessage.status == MailStatus.SENDING,
    ).values({column: bindparam(f"new_{column}") for column in columns})


_FORGET_LINK = update(MailMessage).where(
    MailMessage.id == bindparam("message"), MailMessage.kind.in_(ONE_TIME_LINK_KINDS),
).values(text_body=LINK_FORGOTTEN, html_body=f"<p>{LINK_FORGOTTEN}</p>")


def _claim(conn: Connection, due: _Due, now: datetime) -> bool:
    """Mark the message ``sending``, its attempt counted; False if it is no longer the queued message read."""
    move(MailStatus.QUEUED, MailStatus.SENDING, f"mail message {due.id}")
    return conn.execute(_CLAIM, {"message": due.id, "seen": due.attempts, "at": now}).rowcount == 1


def _record(conn: Connection, due: _Due, outcome: _Outcome, at: datetime, report: SendReport) -> None:
    """Write what became of a claimed message (``at``: when the server answered) and add it to the report."""
    attempts = due.attempts + 1
    what = f"mail message {due.id}"
    values: dict[str, object] = {"reply": outcome.reply, "refused": outcome.refused or None}
    if outcome.refused:
        report.refused[due.id] = outcome.refused
    if outcome.status == MailStatus.SENT:
        values.update(status=move(MailStatus.SENDING, MailStatus.SENT, what), sent_at=at)
        report.sent.append(due.id)
        conn.execute(_FORGET_LINK, {"message": due.id})
    elif outcome.status == MailStatus.UNCERTAIN:
        values.update(status=move(MailStatus.SENDING, MailStatus.UNCERTAIN, what))
        report.uncertain.append(due.id)
    elif outcome.status == MailStatus.QUEUED and outcome.retry_now:
        # nothing reached the server: not an attempt
        values.update(status=move(MailStatus.SENDING, MailStatus.QUEUED, what), attempts=due.attempts)
    elif outcome.status == MailStatus.QUEUED and attempts < MAX_ATTEMPTS:
        retry_at = at + BACKOFF[min(attempts, len(BACKOFF)) - 1]
        values.update(status=move(MailStatus.SENDING, MailStatus.QUEUED, what), next_attempt_at=retry_at)
        report.retrying.append((due.id, outcome.reply, retry_at))
    else:
        reply = (f"{outcome.reply} (gave up after {attempts} attempts)" if outcome.status == MailStatus.QUEUED
                 else outcome.reply)
        values.update(status=move(MailStatus.SENDING, MailStatus.FAILED, what), reply=reply)
        report.failed.append((due.id, reply))
    statement = _recording(tuple(sorted(values)))
    written = conn.execute(statement, {"message": due.id, **{f"new_{k}": v for k, v in values.items()}})
    if written.rowcount != 1:
        raise RuntimeError(f"{what} changed while this sender held the lease: its outcome was {outcome.reply!r}")


def send_queued(engine: Engine, smtp: SmtpSettings, clock: Clock, actor: str, *, limit: int | None = None,
                pay_page: PayPage | None = None, render: Renderer = render_document) -> SendReport:
    """Deliver the messages due now (at most ``limit``), one sender at a time; see the module's rules.

    ``clock`` gives real instants (claims, backoff, Date headers), never an as-of day.
    """
    report = SendReport()
    with sender_lease(engine):
        report.uncertain.extend(mark_uncertain(engine, clock, actor))
        try:
            due = _due(engine, clock.now(), limit)
            if due:
                _Sender(engine, smtp, clock, pay_page, render, report).run(due)
        finally:
            report.all_uncertain = _uncertain(engine)
    return report


def _uncertain(engine: Engine) -> list[int]:
    with transaction(engine, read_only=True) as session:
        return list(session.scalars(select(MailMessage.id).where(MailMessage.status == MailStatus.UNCERTAIN)
                                    .order_by(MailMessage.id)))


class _Sender:
    """One run through the due messages over one reused connection.

    Each message costs one commit: it writes the outcome of the message before
    and claims this one. While that commit waits for the disk, a helper thread
    opens the message's envelope (MAIL, RCPT: nothing is delivered yet); the
    data goes only once the claim is committed.
    """

    def __init__(self, engine: Engine, smtp: SmtpSettings, clock: Clock, pay_page: PayPage | None,
                 render: Renderer, report: SendReport) -> None:
        self.engine, self.smtp, self.clock, self.pay_page, self.render = engine, smtp, clock, pay_page, render
        self.report = report
        self.client: smtplib.SMTP | None = None
        self.answered: tuple[_Due, _Outcome, datetime] | None = None  # handed over, its outcome not yet written

    def _connected(self) -> smtplib.SMTP | None:
        if self.client is None:
            try:
                self.client = _connect(self.smtp)
            except (smtplib.SMTPException, OSError) as exc:
                self.report.server_error = f"cannot reach the mail server {self.smtp.host}:{self.smtp.port}: {exc}"
        return self.client

    def _drop(self) -> None:
        if self.client is not None:
            with contextlib.suppress(Exception):
                self.client.close()
        self.client = None

    def run(self, due: list[int]) -> None:
        if self._connected() is None:
            return  # nothing claimed: every message stays queued
        # Workers pay for themselves only over many messages, and compose only with the usual renderer.
        workers = ComposePool(WORKERS) if len(due) >= POOL_FROM and self.render is render_document else None
        try:
            with self.engine.connect() as conn, ThreadPoolExecutor(1, "mail-envelope") as helper:
                try:
                    for message, prepared in _composed(self.engine, due, self.pay_page, self.render, workers):
                        if not self._deliver(conn, helper, message, prepared):
                            return
                finally:
                    if self.answered is not None:
                        with conn.begin():
                            self._write_answered(conn)
        finally:
            if workers is not None:
                workers.close()
            if self.client is not None:
                with contextlib.suppress(smtplib.SMTPException, OSError):
                    self.client.quit()

    def _write_answered(self, conn: Connection) -> None:
        if self.answered is not None:
            message, outcome, at = self.answered
            self.answered = None
            _record(conn, message, outcome, at, self.report)

    def _deliver(self, conn: Connection, helper: ThreadPoolExecutor, message: _Due, prepared: Prepared | None) -> bool:
        """Claim, hand over and (with the next claim) record one message; False when the server cannot be reached."""
        for _ in range(2):  # a connection found closed before anything was sent: once more, afresh
            client = self._connected()
            if client is None:
                return False
            opening = (helper.submit(_envelope, client, prepared.envelope_from, prepared.recipients)
                       if prepared is not None else None)
            try:
                with conn.begin():  # one commit: the last message's outcome, and this claim
                    self._write_answered(conn)
                    now = self.clock.now()
                    claimed = _claim(conn, message, now)
                    if claimed and prepared is None:
                        _record(conn, message, _Outcome(MailStatus.FAILED, message.problem or "", {}), now,
                                self.report)
                        return True
                    if claimed and prepared is not None:
                        prepared = _as_owed_now(conn, message, prepared, self.pay_page, self.render)
            finally:
                opened = opening.result() if opening is not None else None
            if not claimed:  # no longer the queued message read: left alone
                if opened is not None and opened[0] is None:
                    try:
                        client.rset()
                    except (smtplib.SMTPException, OSError):
                        self._drop()
                return True
            assert prepared is not None and opened is not None
            stopped, refused = opened
            outcome = stopped or _data(client, prepared.at(now).data, refused)
            self.answered = (message, outcome, self.clock.now())
            if not outcome.retry_now:
                return True
            self._drop()
        return True


def _as_owed_now(conn: Connection, due: _Due, prepared: Prepared, pay_page: PayPage | None,
                 render: Renderer) -> Prepared:
    """The message again, if a payment or credit since it was read changed which of its PDFs carry the pay link."""
    invoice_ids = [i for _, _, i in due.bases if i is not None]
    if pay_page is None or not invoice_ids:
        return prepared
    with Session(bind=conn) as session:
        owing = _owing(session, invoice_ids)
    if owing == due.owing:
        return prepared
    return compose(replace(due.job, documents=_documents(due.bases, owing, pay_page)), render)
