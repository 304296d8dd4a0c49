"""Demo phase 5: money coming in after the bill runs (domain-rules §8, §9).

The council's own maintained schools' recharges are settled by journal on issue (issue 20): they
take their turn of the random draws (so every other school's payments fall as they did before
recharges) but nothing is recorded for them. Most invoices are paid on time by BACS, some late (BACS or cheque), a few only
in part, one school overpays; a batch of payments arrives as a CSV bank
statement (with a line nobody can match and a bank charge). Interest runs and
reminder runs happen at every month end, and every school gets a statement PDF.
Everything is replayed day by day with the clock on the day it happened.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from billing.bank_import import import_bank_file
from billing.context import Context
from billing.db import transaction
from billing.interest_run import run_interest
from billing.models import Invoice, School
from billing.payments import record_payment
from billing.reminders import run_reminders
from billing.reports.csv_export import csv_text
from billing.statements import school_statement, write_statement_pdf
from pricing.clock import FixedClock
from pricing.money import to_pence

if TYPE_CHECKING:
    from billing.demo import DemoState

ACTOR = "demo"
Event = tuple[date, int, Callable[[Context], Any]]


def _in(state: DemoState, on: date, work: Callable[[Context], Any]) -> Any:
    with transaction(state.engine) as session:
        return work(Context(session=session, clock=FixedClock(on), actor=ACTOR))


def _month_ends(start: date, end: date) -> list[date]:
    days: list[date] = []
    y, m = start.year, start.month
    while True:
        last = date(y, m, calendar.monthrange(y, m)[1])
        if last > end:
            return days
        days.append(last)
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)


def _TERMS(issued_on: date) -> date:  # noqa: N802 - a recharge's draws as if it were due 30 days after issue
    return issued_on + timedelta(days=30)


def _payment(urn: str, amount: Decimal, on: date, method: str, number: str) -> Callable[[Context], Any]:
    return lambda ctx: record_payment(ctx, urn, amount, on, method, [number], reference=number)


def run(state: DemoState) -> None:
    final = date(state.year.start_year + 1, 8, 31)
    rng = state.rng
    with transaction(state.engine) as session:
        invoices = [(inv.number, inv.issued_on, inv.due_on or _TERMS(inv.issued_on), inv.total, urn,
                     inv.purpose == "recharge")
                    for inv, urn in session.execute(
            select(Invoice, School.urn).join(School, School.id == Invoice.school_id)
            .where(Invoice.kind == "invoice", Invoice.interest_only.is_(False),
                   Invoice.due_on.is_not(None) | (Invoice.purpose == "recharge"))
            .order_by(Invoice.id))]
    events: list[Event] = []
    csv_lines: list[tuple[date, Decimal, str]] = []
    counts = {"on_time": 0, "late": 0, "part_paid": 0, "unpaid": 0, "overpaid": 0, "by_bank_file": 0,
              "by_journal": 0}
    overpaid = overpay_owed = False
    csv_slots = 0
    csv_days: list[date] = []
    for number, issued_on, due_on, total, urn, recharge in invoices:
        roll = rng.random()
        on: date
        if roll < 0.68:
            on, amount, method, kind = max(issued_on, due_on - timedelta(days=rng.randint(0, 12))), total, "bacs", "on_time"
        elif roll < 0.82:
            on, amount, method, kind = due_on + timedelta(days=rng.randint(8, 75)), total, rng.choice(["bacs", "cheque"]), "late"
        elif roll < 0.90:
            on, amount, method, kind = due_on, to_pence(total * Decimal("0.5")), "bacs", "part_paid"
        else:
            counts["by_journal" if recharge else "unpaid"] += 1
            continue
        if on > final:
            counts["by_journal" if recharge else "unpaid"] += 1
            continue
        if kind == "on_time" and not overpaid and total > 100:
            amount, kind, overpaid = total + Decimal("150.00"), "overpaid", True
            overpay_owed = recharge  # a recharge cannot be overpaid: the next invoice paid by BACS is
        by_bank = kind == "on_time" and method == "bacs" and csv_slots < 8 and rng.random() < 0.3
        csv_slots += by_bank
        if recharge:  # settled by journal on issue: nothing is paid; its bank line's day still sets the import's
            counts["by_journal"] += 1
            csv_days.extend([on] if by_bank else [])
            continue
        if overpay_owed and kind == "on_time" and not by_bank and total > 100:
            amount, kind, overpay_owed = total + Decimal("150.00"), "overpaid", False
        counts[kind] += 1
        if by_bank:
            # Paid through the bank: the school typed the invoice number its own way.
            csv_lines.append((on, amount, f"{urn} {number.replace('-', ' ').lower()} thank you"))
            counts["by_bank_file"] += 1
            continue
        events.append((on, 1, _payment(urn, amount, on, method, number)))
    import_day = max([d for d, _, _ in csv_lines] + csv_days, default=final)
    bank_file = state.out_dir / "bank-statement.csv"
    rows: list[list[object]] = [[d.strftime("%d/%m/%Y"), a, r] for d, a, r in sorted(csv_lines)]
    rows += [[import_day.strftime("%d/%m/%Y"), Decimal("45.00"), "CAKE SALE FUNDS"],
             [import_day.isoformat(), Decimal("-12.50"), "BANK CHARGE"]]
    bank_file.write_text(csv_text(["date", "amount", "reference"], rows), encoding="utf-8", newline="")
    imported: dict[str, Any] = {}
    events.append((import_day, 2, lambda ctx: imported.update(import_bank_file(ctx, bank_file).as_json())))
    reminder_dir = state.out_dir / "reminders"
    start = min((i[1] for i in invoices), default=final)
    interest: dict[str, Any] = {"charges": 0, "total": Decimal("0.00")}
    reminders: list[int] = []

    def month_end(ctx: Context) -> None:
        result = run_interest(ctx)
        interest["charges"] += len(result.charges)
        interest["total"] += result.total
        sent = run_reminders(ctx, reminder_dir, mail=state.mail)
        reminders.append(len(sent.reminders))
        state.pdfs.extend(sent.letters)

    events += [(d, 3, month_end) for d in _month_ends(start, final)]
    for on, _, work in sorted(events, key=lambda e: (e[0], e[1])):
        _in(state, on, work)

    statements_dir = state.out_dir / "statements"

    def statements(ctx: Context) -> int:
        urns = list(ctx.session.scalars(select(School.urn).order_by(School.urn)))
        for urn in urns:
            st = school_statement(ctx, urn, state.year.start, final)
            state.pdfs.append(write_statement_pdf(ctx, st, statements_dir / f"statement-{urn}.pdf"))
        return len(urns)

    written = _in(state, final, statements)
    state.summary["payments"] = {**counts, "bank_import_matched": imported.get("matched", 0),
                                 "bank_import_unmatched": len(imported.get("unmatched", []))}
    state.summary["interest_charges"] = interest["charges"]
    state.summary["interest_total"] = str(interest["total"])
    state.summary["reminders"] = sum(reminders)
    state.summary["statements"] = written
