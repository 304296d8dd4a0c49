"""The bill run: every charge due up to a date, invoiced exactly once (domain-rules §7).

A run gathers each charge with status ``due``, due on or before the run date
and on no invoice yet, and issues one invoice per school (late-payment
interest goes on a separate, interest-only invoice so it never earns interest
itself, §8). Exactly-once does not rest on this code alone:
``invoice_lines.charge_id`` is unique, so the database refuses to put a charge
on a second invoice.

Crash safety: :func:`run_bill_run` commits invoices in batches of up to
:data:`BATCH` whole invoices, each batch one transaction holding its invoices,
their lines and their numbers, so a run killed part-way leaves whole invoices
only, and running again picks up exactly what is left. Concurrency: each
batch's transaction locks the invoice number series *before* it reads the
charges, so two runs racing each other take turns, the second one sees what the
first invoiced, and the numbers stay gap-free.

Email (issue 17): given a :class:`MailSetup`, each invoice's email is queued
(billing.outbox) in the transaction that issues the invoice, so a run killed
part-way leaves exactly one message per invoice it committed; a dry run queues
nothing.

Failure injection (for crash tests): ``run_bill_run(..., fail_after=N)`` raises
:class:`BillRunInterrupted` after N invoices have been committed; the CLI reads
``TRADED_FAIL_AFTER_INVOICES`` to do the same from the command line.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, Engine, Select, exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload, sessionmaker

from billing import casework, run_lease
from billing.bulk import among, chunks
from billing.context import Context
from billing.db import transaction
from billing.invoicing import (
    BILLABLE_COLUMNS,
    CUSTOMER_COLUMNS,
    Billable,
    Customer,
    issue_invoice,
    issue_invoices,
    price_charges,
)
from billing.journals import RECHARGE, pays_admin_charge, raise_admin_charges, settles_by_journal
from billing.mail_compose import MailSetup
from billing.models import BillRun, Charge, Invoice, InvoiceLine, School
from billing.numbering import INVOICE_SERIES, lock_series
from billing.outbox import queue_document
from billing.payments import allocate_credit, schools_with_credit
from billing.pricebooks import council
from contracts.states import BillRunStatus, ChargeStatus, move
from invoices.documents import Line
from invoices.totals import document_totals
from pricing.clock import Clock, FixedClock
from pricing.money import ZERO

if TYPE_CHECKING:
    from billing.gateway.pay_page import PayPage

Progress = Callable[[int, int], None]
"""Called as ``progress(done, total)`` after each school's invoice."""

INTEREST_KIND = "interest"


class BillRunInterrupted(RuntimeError):
    """The injected failure of a crash test: the run stopped after some invoices were committed."""


@dataclass(frozen=True)
class RunInvoice:
    """One invoice a run issued (or, in a dry run, would issue: ``number`` is None)."""

    number: str | None
    urn: str
    school: str
    net: Decimal
    vat: Decimal
    total: Decimal
    lines: int
    interest_only: bool
    items: tuple[Line, ...] = ()
    """The priced lines (a dry run's preview only: an issued invoice's lines are on the invoice)."""
    recharge: bool = False
    """A maintained school's internal recharge settled by journal (billing.journals), not an invoice."""

    def as_json(self, lines: bool = False) -> dict[str, object]:
        data: dict[str, object] = {"number": self.number, "urn": self.urn, "total": self.total}
        if lines:
            data.update({"school": self.school, "interest_only": self.interest_only, "net": self.net,
                         "vat": self.vat, "lines": [_line_json(line) for line in self.items]})
        return data


RATE_PLACES = Decimal("0.01")
"""A VAT rate as an issued line stores it (percent, two places: "20.00")."""


def _line_json(line: Line) -> dict[str, object]:
    """A previewed line in the shape of `invoice show`'s lines."""
    return {"description": line.description, "period_start": line.period_start, "period_end": line.period_end,
            "quantity": line.quantity, "unit_price": line.unit_price, "net": line.net, "vat_code": line.vat_code,
            "vat_rate": line.vat_rate.quantize(RATE_PLACES), "vat": line.vat, "total": line.total}


@dataclass(frozen=True)
class BillRunResult:
    run_on: date
    dry_run: bool
    invoices: tuple[RunInvoice, ...]
    bill_run_id: int | None = None

    @property
    def count(self) -> int:
        return len(self.invoices)

    @property
    def recharges(self) -> int:
        """How many of :attr:`count` are recharges settled by journal, not invoices."""
        return sum(inv.recharge for inv in self.invoices)

    @property
    def total(self) -> Decimal:
        return sum((inv.total for inv in self.invoices), ZERO)

    def as_json(self, lines: bool = False) -> dict[str, object]:
        """The `bill run` JSON of cli-contract.md; with ``lines`` each invoice's school, net, VAT and lines too."""
        return {"invoices": [inv.as_json(lines) for inv in self.invoices], "count": self.count, "total": self.total}


# A group is one invoice: (school id, interest only).
Group = tuple[int, bool]


def _due_charges(today: date) -> Select[Charge]:
    return select(Charge).where(*_due_on(today))


def _due_on(today: date) -> tuple[ColumnElement[bool], ...]:
    """A charge is due for invoicing: status due, due by ``today``, on no invoice yet."""
    invoiced = exists().where(InvoiceLine.charge_id == Charge.id)
    return Charge.status == ChargeStatus.DUE, Charge.due_on <= today, ~invoiced


def raise_casework_first(ctx: Context) -> None:
    """Raise the extra casework delivered up to today (§6), so the run invoices it too."""
    casework.raise_casework_charges(ctx, through=ctx.today, collect=False)


def pending_groups(ctx: Context) -> list[Group]:
    """The invoices a run would issue today, in order of school URN (interest invoices after)."""
    due = _due_charges(ctx.today).subquery()
    rows = ctx.session.execute(
        select(due.c.school_id, due.c.kind == INTEREST_KIND, School.urn)
        .join(School, School.id == due.c.school_id)
        .distinct()
    ).all()
    groups = {(school_id, bool(interest), urn) for school_id, interest, urn in rows}
    return [(school_id, interest) for school_id, interest, _ in sorted(groups, key=lambda g: (g[2], g[1]))]


LINE_ORDER = (Charge.late_invoice_id, Charge.due_on, Charge.period_start, Charge.id)
"""The order of an invoice's lines: by date; on an interest invoice, each late invoice's lines together."""


def charges_for(ctx: Context, group: Group) -> list[Charge]:
    """The school's uninvoiced due charges for one invoice, in date order."""
    school_id, interest_only = group
    kind_rule = Charge.kind == INTEREST_KIND if interest_only else Charge.kind != INTEREST_KIND
    stmt = (_due_charges(ctx.today).where(Charge.school_id == school_id, kind_rule)
            .order_by(*LINE_ORDER))
    return list(ctx.session.scalars(stmt))


def _with_admin_charges(ctx: Context, batch: list[tuple[Customer, list[Billable], bool]]) -> None:
    """Add the admin charge to each invoice of an opted-out maintained school (billing.journals), in place.

    Raised in the caller's transaction with the invoice it goes on (a dry run's is rolled back with it).
    """
    c = council(ctx)
    wanted = [(school.id, charges[0].id) for school, charges, interest_only in batch
              if charges and not interest_only and pays_admin_charge(c, school)]
    raised = raise_admin_charges(ctx, c, wanted)
    if not raised:
        return
    rows = {row.school_id: row for row in ctx.session.execute(
        select(*BILLABLE_COLUMNS).where(Charge.id.in_(list(raised.values()))))}
    for school, charges, interest_only in batch:
        if not interest_only and school.id in rows:
            charges.append(rows[school.id])


def _preview(ctx: Context, group: Group) -> RunInvoice | None:
    charges: list[Billable] = list(charges_for(ctx, group))
    if not charges:
        return None
    school = ctx.session.get(School, group[0])
    assert school is not None
    _with_admin_charges(ctx, [(school, charges, group[1])])
    priced = price_charges(ctx, charges, ctx.today)
    net, vat, total = document_totals(priced)
    return RunInvoice(None, school.urn, school.name, net, vat, total, len(charges), group[1], tuple(priced),
                      recharge=settles_by_journal(council(ctx), school))


def _issue(ctx: Context, group: Group, run_id: int | None, mail: MailSetup | None) -> RunInvoice | None:
    # Lock the series before reading: a concurrent run's invoices are then visible.
    lock_series(ctx, INVOICE_SERIES)
    charges: list[Billable] = list(charges_for(ctx, group))
    if not charges:
        return None
    school = ctx.session.get(School, group[0])
    assert school is not None
    _with_admin_charges(ctx, [(school, charges, group[1])])
    inv = issue_invoice(ctx, school, charges, interest_only=group[1], bill_run_id=run_id)
    apply_account_credit(ctx, {school.id})
    if mail is not None:
        queue_document(ctx, inv, mail)
    return RunInvoice(inv.number, school.urn, school.name, inv.net, inv.vat, inv.total, len(charges), group[1],
                      recharge=inv.purpose == RECHARGE)


BATCH = 500
"""Invoices committed together by :func:`run_bill_run` (and issued together by :func:`bill_run`)."""


def _issue_batch(ctx: Context, groups: list[Group], run_id: int | None,
                 mail: MailSetup | None) -> list[RunInvoice]:
    """Issue the invoices of several groups at once: one lock, one read of their charges, batched writes."""
    lock_series(ctx, INVOICE_SERIES)  # before reading, as in _issue
    school_ids = sorted({school_id for school_id, _ in groups})
    found: dict[Group, list[Billable]] = {group: [] for group in groups}
    schools: dict[int, Customer] = {}
    # Plain rows of the columns issuing reads, not ORM objects: a national run issues
    # tens of thousands of invoices, and building mapped objects was a fifth of its time.
    for part in chunks(school_ids):
        schools.update((s.id, s) for s in ctx.session.execute(
            select(*CUSTOMER_COLUMNS).where(among(ctx.session, School.id, part))))
        stmt = (select(*BILLABLE_COLUMNS).where(*_due_on(ctx.today), among(ctx.session, Charge.school_id, part))
                .order_by(Charge.school_id, *LINE_ORDER))
        for charge in ctx.session.execute(stmt):
            key = (charge.school_id, charge.kind == INTEREST_KIND)
            if key in found:
                found[key].append(charge)
    batch = [(schools[group[0]], found[group], group[1]) for group in groups if found[group]]
    _with_admin_charges(ctx, batch)
    issued = issue_invoices(ctx, batch, bill_run_id=run_id)
    # In the batch's own transaction: a run stopped after this commit leaves no credit unapplied.
    apply_account_credit(ctx, {school.id for school, _, _ in batch})
    if mail is not None:
        queue_invoices(ctx, [inv.id for inv in issued], mail)
    return [RunInvoice(inv.number, school.urn, school.name, inv.net, inv.vat, inv.total, len(charges), interest,
                       recharge=inv.purpose == RECHARGE)
            for inv, (school, charges, interest) in zip(issued, batch, strict=True)]


def queue_invoices(ctx: Context, invoice_ids: list[int], mail: MailSetup) -> int:
    """Queue the email of each invoice just issued, in number order, in the caller's transaction."""
    invoices: list[Invoice] = []
    for part in chunks(invoice_ids):
        invoices.extend(ctx.session.scalars(select(Invoice).where(among(ctx.session, Invoice.id, part))
                                            .options(selectinload(Invoice.school))))
    for invoice in sorted(invoices, key=lambda inv: inv.seq):
        queue_document(ctx, invoice, mail)
    return len(invoices)


def _start(ctx: Context) -> BillRun:
    council(ctx)  # refuse before anything is written when no price book is loaded
    run = BillRun(run_on=ctx.today, started_at=ctx.now, status=BillRunStatus.RUNNING, invoice_count=0, total=ZERO,
                  actor=ctx.actor)
    ctx.session.add(run)
    ctx.session.flush()
    ctx.audit("bill_run.start", "bill_run", run.id, {"run_on": ctx.today})
    return run


def _finish(ctx: Context, run_id: int, issued: list[RunInvoice]) -> None:
    run = ctx.session.get(BillRun, run_id)
    assert run is not None
    run.status = move(run.status, BillRunStatus.DONE, f"bill run {run.id}")
    run.finished_at = ctx.now
    run.invoice_count = len(issued)
    run.total = sum((inv.total for inv in issued), ZERO)
    ctx.audit("bill_run.finish", "bill_run", run_id,
              {"run_on": run.run_on, "invoices": [inv.number for inv in issued], "total": run.total})


def _tick(progress: Progress | None, done: int, total: int) -> None:
    if progress is not None:
        progress(done, total)


def _dry_run(ctx: Context, progress: Progress | None = None,
             on_plan: Callable[[int], None] | None = None) -> BillRunResult:
    """Work out exactly what a run would issue today, without numbers; the caller rolls back."""
    raise_casework_first(ctx)
    council(ctx)
    groups = pending_groups(ctx)
    if on_plan is not None:
        on_plan(len(groups))
    previews: list[RunInvoice] = []
    for i, group in enumerate(groups, start=1):
        found = _preview(ctx, group)
        if found is not None:
            previews.append(found)
        _tick(progress, i, len(groups))
    return BillRunResult(ctx.today, True, tuple(previews))


def bill_run(ctx: Context, dry_run: bool = False, progress: Progress | None = None,
             mail: MailSetup | None = None) -> BillRunResult:
    """Invoice everything due up to ``ctx.today`` inside the caller's transaction (§7).

    For use inside one unit of work (tests, the demo's single transaction); the
    command line uses :func:`run_bill_run`, which commits in batches of whole invoices. A
    dry run works out exactly what would be issued (without numbers) and
    leaves the transaction as it found it. With ``mail`` each invoice's email is queued.
    """
    if dry_run:
        savepoint = ctx.session.begin_nested()
        try:
            return _dry_run(ctx, progress)
        finally:
            savepoint.rollback()
    raise_casework_first(ctx)
    run = _start(ctx)
    groups = pending_groups(ctx)
    issued: list[RunInvoice] = []
    for at in range(0, len(groups), BATCH):
        issued.extend(_issue_batch(ctx, groups[at:at + BATCH], run.id, mail))
        for i in range(at + 1, min(at + BATCH, len(groups)) + 1):
            _tick(progress, i, len(groups))
    _finish(ctx, run.id, issued)
    return BillRunResult(ctx.today, False, tuple(issued), run.id)


@contextmanager
def _rolled_back(engine: Engine) -> Iterator[Session]:
    session = sessionmaker(engine, expire_on_commit=False, autoflush=True)()
    try:
        yield session
    finally:
        session.rollback()
        session.close()


def run_bill_run(
    engine: Engine,
    clock: Clock,
    actor: str,
    dry_run: bool = False,
    progress: Progress | None = None,
    fail_after: int | None = None,
    on_plan: Callable[[int], None] | None = None,
    batch_size: int = BATCH,
    mail: MailSetup | None = None,
    pay_page: PayPage | None = None,
) -> BillRunResult:
    """The bill run as the command line runs it: batches of whole invoices, each batch committed (§7).

    A run killed part-way leaves whole invoices only; running it again issues
    the rest and nothing twice. ``fail_after=N`` raises
    :class:`BillRunInterrupted` once N invoices are committed (crash tests).
    ``on_plan(n)`` is told how many invoices are planned before issuing starts
    (to size a progress bar). With ``mail``, each invoice's email is queued in
    its batch's transaction (with a card-payment link when ``pay_page`` is
    given). A dry run writes nothing at all.
    """
    if dry_run:
        with _rolled_back(engine) as session:
            ctx = Context(session=session, clock=clock, actor=actor)
            lock_series(ctx, INVOICE_SERIES)  # as below: wait for a run in progress rather than collide with it
            return _dry_run(ctx, progress, on_plan)

    # Read the clock once: every invoice of the run carries the same date and instant.
    clock = FixedClock(clock.today(), instant=clock.now())
    with transaction(engine) as session:
        ctx = Context(session=session, clock=clock, actor=actor)
        # Runs racing each other raise the term's casework one after another: the second
        # finds the first's charges instead of colliding with them on their unique keys.
        lock_series(ctx, INVOICE_SERIES)
        mark_interrupted(ctx, engine)
        raise_casework_first(ctx)
        run_id = _start(ctx).id
        groups = pending_groups(ctx)
        # Held before the run's row is committed, so no other run ever sees it "running" without it.
        lease = run_lease.take(engine, run_id)
    try:
        return _issue_all(engine, clock, actor, run_id, groups, progress, fail_after, on_plan, batch_size,
                          _Mailing(mail, pay_page))
    finally:
        lease.release()


def mark_interrupted(ctx: Context, engine: Engine) -> list[int]:
    """Mark "running" bill runs whose process is gone (killed, machine lost) as ``interrupted``.

    Their committed invoices stand (whole invoices only); this run issues the rest.
    """
    stale = [run for run in ctx.session.scalars(select(BillRun).where(BillRun.status == BillRunStatus.RUNNING))
             if not run_lease.is_alive(engine, run.id)]
    for run in stale:
        run.status = move(run.status, BillRunStatus.INTERRUPTED, f"bill run {run.id}")
        run.finished_at = ctx.now
        ctx.audit("bill_run.interrupted", "bill_run", run.id, {"run_on": run.run_on},
                  reason="its process stopped before it finished; a later run issues what it left")
    ctx.session.flush()
    return [run.id for run in stale]


@dataclass(frozen=True)
class _Mailing:
    setup: MailSetup | None
    pay_page: PayPage | None


def _issue_all(engine: Engine, clock: Clock, actor: str, run_id: int, groups: list[Group],
               progress: Progress | None, fail_after: int | None, on_plan: Callable[[int], None] | None,
               batch_size: int, mailing: _Mailing) -> BillRunResult:
    def context(session: Session) -> Context:
        return Context(session=session, clock=clock, actor=actor, pay_page=mailing.pay_page)

    if on_plan is not None:
        on_plan(len(groups))
    issued: list[RunInvoice] = []
    done = 0
    while done < len(groups):
        if fail_after is not None and len(issued) >= fail_after:
            raise BillRunInterrupted(f"bill run {run_id} stopped (injected failure) after {len(issued)} invoices")
        # A batch never crosses the injected failure point, so exactly fail_after invoices are committed.
        size = batch_size if fail_after is None else max(1, min(batch_size, fail_after - len(issued)))
        part = groups[done:done + size]
        try:
            with transaction(engine) as session:
                issued.extend(_issue_batch(context(session), part, run_id, mailing.setup))
        except IntegrityError:
            # Another run put some of these charges on its invoices first: the batch
            # (with its numbers) was rolled back whole; issue it school by school.
            for group in part:
                if fail_after is not None and len(issued) >= fail_after:
                    raise BillRunInterrupted(
                        f"bill run {run_id} stopped (injected failure) after {len(issued)} invoices") from None
                try:
                    with transaction(engine) as session:
                        found = _issue(context(session), group, run_id, mailing.setup)
                except IntegrityError:
                    found = None
                if found is not None:
                    issued.append(found)
        for i in range(done + 1, done + len(part) + 1):
            _tick(progress, i, len(groups))
        done += len(part)
    with transaction(engine) as session:
        _finish(Context(session=session, clock=clock, actor=actor), run_id, issued)
    return BillRunResult(clock.today(), False, tuple(issued), run_id)


def apply_account_credit(ctx: Context, school_ids: set[int]) -> int:
    """Settle new invoices from money a school already paid us (an overpayment is account credit, §8)."""
    if not school_ids:
        return 0
    return sum(bool(allocate_credit(ctx, urn).allocations) for urn in schools_with_credit(ctx, school_ids))
