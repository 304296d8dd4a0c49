"""Payment reminders driven by the letters actually sent: one letter per school per run (§9).

A school's letters step through three stages, a first reminder, a second
reminder and a final notice (kept as levels 7, 30 and 60, the days past due
each stage waits for). The stage of a school's next letter follows the last
letter it was actually sent about debt it still owes, never the age of the
debt alone: the first letter about a debt is always the first reminder (however
late the debt was found), then the second reminder, then the final notice.

A run sends a school at most one letter, listing every invoice of it at least
7 days overdue (newly overdue ones join the letter of the school's stage), when

- its oldest overdue invoice is as many days past due as the stage waits for
  (7, 30, 60), and
- at least :data:`LETTER_GAP_DAYS` days have passed since its last letter, so the
  school has had time to pay or reply.

Debt a school has paid closes its chase: once every invoice an earlier letter
named is paid, the next overdue invoice starts again at a first reminder. After
a final notice nothing more is sent about the same invoices (the debt is for
the team to pursue); an invoice falling overdue since is added by a further
final notice. Each invoice a letter lists is recorded once per stage
(``reminders``: invoice, level, day).

Given a :class:`MailSetup`, each letter is also queued as an email to the
school's finance contacts, the letter attached, in the run's transaction
(billing.outbox).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select

from billing.balances import invoice_outstanding
from billing.context import Context
from billing.documents import interest_clause, payment_details
from billing.invoicing import charges_interest_to, customer_snapshot, supplier_snapshot
from billing.mail_compose import MailSetup
from billing.models import Invoice, Reminder, School
from billing.outbox import ReminderItem, queue_reminder
from billing.outputs import write_outputs
from billing.pricebooks import council
from invoices.documents import REMINDER_LEVELS, OverdueInvoice, ReminderLetter
from pricing.errors import InvalidInput
from pricing.money import ZERO

FIRST, SECOND, FINAL = REMINDER_LEVELS
LETTER_GAP_DAYS = 14
"""The fewest days between two letters to a school: time to pay after the last, or to reply."""


@dataclass(frozen=True)
class ReminderSent:
    urn: str
    invoice: str
    level: int
    days_overdue: int
    outstanding: Decimal


@dataclass(frozen=True)
class ReminderRun:
    as_of: date
    reminders: list[ReminderSent]
    letters: list[Path]

    def as_json(self) -> dict[str, object]:
        return {
            "as_of": self.as_of,
            "reminders": [{"urn": r.urn, "invoice": r.invoice, "level": r.level, "days_overdue": r.days_overdue,
                           "outstanding": r.outstanding} for r in self.reminders],
            "count": len(self.reminders),
            "letters": [str(p) for p in self.letters],
        }


def level_due(days_overdue: int) -> int | None:
    """The highest stage (7, 30, 60) the age of a debt this many days past due allows."""
    reached = [level for level in REMINDER_LEVELS if days_overdue >= level]
    return reached[-1] if reached else None


def next_stage(previous: int | None) -> int:
    """The stage after the last letter sent: first reminder, second reminder, final notice (and final again)."""
    if previous is None:
        return FIRST
    return REMINDER_LEVELS[min(REMINDER_LEVELS.index(previous) + 1, len(REMINDER_LEVELS) - 1)]


@dataclass(frozen=True)
class _Due:
    """One overdue invoice of a school: how late, what is owed, and the letters already sent about it."""

    invoice: Invoice
    due_on: date
    days: int
    outstanding: Decimal
    sent: tuple[tuple[int, date], ...]  # (stage, day) of each earlier letter naming it


@dataclass(frozen=True)
class _Letter:
    school: School
    stage: int
    items: tuple[_Due, ...]


def _letter_for(school: School, owed: list[_Due], today: date) -> _Letter | None:
    """The one letter a school is due today, if any (see the module's rules)."""
    listed = tuple(d for d in owed if d.days >= FIRST)
    if not listed:
        return None
    history = [sent for d in owed for sent in d.sent]
    previous = max((stage for stage, _ in history), default=None)
    stage = next_stage(previous)
    if max(d.days for d in listed) < stage:
        return None  # the debt is not yet old enough for the next stage
    if history and (today - max(day for _, day in history)).days < LETTER_GAP_DAYS:
        return None  # too soon after the last letter (a second run the same day sends nothing)
    if previous == FINAL and all(any(s == FINAL for s, _ in d.sent) for d in listed):
        return None  # the final notice has been sent about all of it: the team takes it from here
    return _Letter(school, stage, listed)


def run_reminders(ctx: Context, out_dir: Path | None = None, force: bool = False,
                  mail: MailSetup | None = None) -> ReminderRun:
    """Record (and with ``out_dir``, write PDF letters for) the letters due today: at most one per school (§9).

    A letter file that exists already is replaced only with ``force``. With
    ``mail``, each letter's email is queued, the letter attached.
    """
    today = ctx.today
    outstanding = {i: v for i, v in invoice_outstanding(ctx.session).items() if v > 0}
    if not outstanding:
        return ReminderRun(today, [], [])
    rows = ctx.session.execute(
        select(Invoice, School).join(School, School.id == Invoice.school_id)
        .where(Invoice.id.in_(list(outstanding)), Invoice.due_on.is_not(None), Invoice.due_on < today)
        .order_by(School.urn, Invoice.due_on, Invoice.number)
    ).all()
    sent_before: dict[int, list[tuple[int, date]]] = defaultdict(list)
    for invoice_id, level, sent_on in ctx.session.execute(
        select(Reminder.invoice_id, Reminder.level, Reminder.sent_on)
        .where(Reminder.invoice_id.in_([invoice.id for invoice, _ in rows]))
    ):
        sent_before[invoice_id].append((level, sent_on))
    owed: dict[int, list[_Due]] = defaultdict(list)
    schools: dict[int, School] = {}
    for invoice, school in rows:
        assert invoice.due_on is not None
        schools[school.id] = school
        owed[school.id].append(_Due(invoice, invoice.due_on, (today - invoice.due_on).days, outstanding[invoice.id],
                                    tuple(sorted(sent_before[invoice.id], key=lambda s: s[1]))))
    letters = [letter for school_id, items in owed.items()
               if (letter := _letter_for(schools[school_id], items, today)) is not None]
    sent: list[ReminderSent] = []
    for letter in letters:
        for item in letter.items:
            if any(stage == letter.stage for stage, _ in item.sent):
                continue  # named in an earlier final notice: recorded once per stage
            ctx.session.add(Reminder(invoice_id=item.invoice.id, level=letter.stage, sent_on=today,
                                     outstanding=item.outstanding, created_at=ctx.now))
        sent.extend(ReminderSent(letter.school.urn, item.invoice.number, letter.stage, item.days, item.outstanding)
                    for item in letter.items)
    ctx.session.flush()
    if sent:
        ctx.audit("reminders.run", "reminder_run", today.isoformat(),
                  {"letters": [{"school": letter.school.urn, "stage": letter.stage,
                                "invoices": [item.invoice.number for item in letter.items]} for letter in letters]})
    if out_dir is None and mail is None:
        return ReminderRun(today, sent, [])
    # Every letter is rendered and every path checked before any is written, so a
    # letter that cannot be made leaves no files behind; each file is written whole.
    letters = sorted(letters, key=lambda lt: lt.school.urn)
    pdfs = [render_letter(ctx, letter.school, letter.stage, letter.items) for letter in letters]
    if mail is not None:
        for letter, pdf in zip(letters, pdfs, strict=True):
            queue_reminder(ctx, letter.school, letter.stage,
                           [ReminderItem(item.invoice.number, item.due_on, item.outstanding) for item in letter.items],
                           pdf, mail)
    if out_dir is None:
        return ReminderRun(today, sent, [])
    rendered = [(out_dir / f"reminder-{letter.school.urn}-{letter.stage}d-{today.isoformat()}.pdf", pdf)
                for letter, pdf in zip(letters, pdfs, strict=True)]

    if out_dir.exists() and not out_dir.is_dir():
        raise InvalidInput(f"cannot write the reminder letters to {out_dir}: it is a file, not a folder",
                           code="output_is_file")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InvalidInput(f"cannot write the reminder letters to {out_dir}: {exc.strerror or exc}") from None
    written = write_outputs(rendered, force=force, database_url=ctx.session.get_bind().engine.url)
    return ReminderRun(today, sent, written)


def render_letter(ctx: Context, school: School, stage: int, items: tuple[_Due, ...]) -> bytes:
    """One reminder letter at ``stage`` listing ``items``, as PDF bytes."""
    from invoices.letters import render_reminder  # noqa: PLC0415 - fpdf2 loads only when a letter is printed

    policy = council(ctx)
    supplier = supplier_snapshot(policy)
    invoices = tuple(OverdueInvoice(d.invoice.number, d.invoice.issued_on, d.due_on, d.invoice.total,
                                    d.outstanding, d.days, d.sent[-1][1] if d.sent else None) for d in items)
    charged = charges_interest_to(policy, school.type, school.la_code)
    earns = charged and any(not d.invoice.interest_only for d in items)
    letter = ReminderLetter(
        supplier=supplier.party(),
        customer=customer_snapshot(school).party(),
        sent_on=ctx.today, level_days=stage,  # type: ignore[arg-type]
        invoices=invoices, total_outstanding=sum((i.outstanding for i in invoices), ZERO),
        interest_note=interest_clause(supplier) if earns else None,
        payment=payment_details(supplier, charged),
        earlier=tuple(sorted({day for d in items for _, day in d.sent})),
    )
    return render_reminder(letter)
