"""Payment reminders at 7, 30 and 60 days past due, each level sent once per invoice (§9).

An invoice first found more than one level late gets only the latest level it
has reached (a school is not sent a "first reminder" and a "final notice" on
the same day); lower levels are never sent after a higher one. One letter per
school and level lists every invoice reaching that level that day.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from sqlalchemy import func, select

from billing.balances import invoice_outstanding
from billing.context import Context
from billing.models import Invoice, Reminder, School
from invoices.documents import REMINDER_LEVELS, OverdueInvoice
from pricing.errors import InvalidInput
from pricing.money import ZERO


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
    """The highest reminder level (7, 30, 60) an invoice this many days past due has reached."""
    reached = [level for level in REMINDER_LEVELS if days_overdue >= level]
    return reached[-1] if reached else None


def run_reminders(ctx: Context, out_dir: Path | None = None, force: bool = False) -> ReminderRun:
    """Record (and with ``out_dir``, write PDF letters for) reminders due today, once per level (§9).

    A letter file that exists already is replaced only with ``force``.
    """
    today = ctx.today
    outstanding = {i: v for i, v in invoice_outstanding(ctx.session).items() if v > 0}
    if not outstanding:
        return ReminderRun(today, [], [])
    sent_levels = dict(ctx.session.execute(
        select(Reminder.invoice_id, func.max(Reminder.level))
        .where(Reminder.invoice_id.in_(list(outstanding))).group_by(Reminder.invoice_id)
    ).all())
    rows = ctx.session.execute(
        select(Invoice, School).join(School, School.id == Invoice.school_id)
        .where(Invoice.id.in_(list(outstanding)), Invoice.due_on.is_not(None), Invoice.due_on < today)
        .order_by(School.urn, Invoice.due_on, Invoice.number)
    ).all()
    sent: list[ReminderSent] = []
    letters: dict[tuple[int, int], list[tuple[Invoice, int]]] = defaultdict(list)
    schools: dict[int, School] = {}
    for invoice, school in rows:
        assert invoice.due_on is not None
        days = (today - invoice.due_on).days
        level = level_due(days)
        if level is None or level <= sent_levels.get(invoice.id, 0):
            continue
        ctx.session.add(Reminder(invoice_id=invoice.id, level=level, sent_on=today,
                                 outstanding=outstanding[invoice.id], created_at=ctx.now))
        sent.append(ReminderSent(school.urn, invoice.number, level, days, outstanding[invoice.id]))
        letters[(school.id, level)].append((invoice, days))
        schools[school.id] = school
    ctx.session.flush()
    if sent:
        ctx.audit("reminders.run", "reminder_run", today.isoformat(),
                  {"reminders": [{"invoice": r.invoice, "level": r.level} for r in sent]})
    if out_dir is None:
        return ReminderRun(today, sent, [])
    # Every letter is rendered and every path checked before any is written, so a
    # letter that cannot be made leaves no files behind; each file is written whole.
    rendered = [(out_dir / f"reminder-{schools[school_id].urn}-{level}d-{today.isoformat()}.pdf",
                 render_letter(ctx, schools[school_id], level, items, outstanding))
                for (school_id, level), items in sorted(letters.items(),
                                                        key=lambda kv: (schools[kv[0][0]].urn, kv[0][1]))]
    from billing.outputs import write_outputs

    if out_dir.exists() and not out_dir.is_dir():
        raise InvalidInput(f"cannot write the reminder letters to {out_dir}: it is a file, not a folder",
                           code="output_is_file")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InvalidInput(f"cannot write the reminder letters to {out_dir}: {exc.strerror or exc}") from None
    written = write_outputs(rendered, force=force, database_url=ctx.session.get_bind().engine.url)
    return ReminderRun(today, sent, written)


def render_letter(ctx: Context, school: School, level: int, items: list[tuple[Invoice, int]],
                  outstanding: dict[int, Decimal]) -> bytes:
    """One reminder letter listing ``items`` (invoice, days overdue), as PDF bytes."""
    from billing.documents import payment_details
    from billing.invoicing import customer_snapshot, supplier_snapshot
    from billing.pricebooks import council
    from invoices.documents import Party, ReminderLetter
    from invoices.letters import render_reminder

    supplier = supplier_snapshot(council(ctx))
    customer = customer_snapshot(school)
    invoices = tuple(OverdueInvoice(inv.number, inv.issued_on, inv.due_on, inv.total, outstanding[inv.id], days)
                     for inv, days in items)
    letter = ReminderLetter(
        supplier=Party(name=str(supplier["name"]), address=str(supplier["address"]),
                       vat_number=str(supplier["vat_number"]), email=str(supplier["email"]),
                       phone=str(supplier["phone"])),
        customer=Party(name=str(customer["name"]), address=str(customer["address"]), urn=school.urn,
                       email=school.email),
        sent_on=ctx.today, level_days=level,  # type: ignore[arg-type]
        invoices=invoices, total_outstanding=sum((i.outstanding for i in invoices), ZERO),
        payment=payment_details(supplier),
    )
    return render_reminder(letter)
