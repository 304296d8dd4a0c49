"""Raising, recomputing and waiving late-payment interest (domain-rules §8).

Interest is a function of an invoice's whole history. Each run recomputes, per
late invoice, the interest due from the day after its due date to the as-of
date over every movement dated on or before each day (billing.invoice_history:
payments by the day they were applied, money a credit note freed by the day
it was first applied, credit notes by their own date), fixed to the penny
once over the whole range (pricing.interest.interest_due). It then raises
only the difference against the interest already raised on that invoice:

- more: a new ``interest`` charge for the difference, billed by the next bill
  run on an interest-only invoice;
- less: interest not yet invoiced is withdrawn (newest first, with a
  replacement charge for any overshoot); interest already invoiced is reduced
  by a credit note against the interest invoice (an ``InterestReduction``),
  its email queued with it when the caller passes a ``MailSetup`` (issue 17).

Interest raised, net = interest charges not withdrawn (waived ones included:
waived interest stays waived and is never raised again) − reductions. So
running again raises nothing, a payment recorded late with an earlier date
reduces the interest at the next run, and however payments, credit notes and
runs are interleaved the net equals one recomputation over the final history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from billing.bulk import among, chunks
from billing.charges import NewCharge, is_invoiced, raise_charge_ids, withdraw_charge
from billing.context import Context
from billing.invoice_history import balance_changes
from billing.invoicing import issue_credit_note
from billing.mail_compose import MailSetup
from billing.models import Charge, InterestReduction, Invoice, InvoiceLine, School
from billing.outbox import queue_document
from billing.pricebooks import council
from contracts.charge_details import InterestDetail, InterestStretch, dump_detail
from contracts.states import ChargeStatus, move
from invoices.formats import doc_date, doc_pounds
from pricing.errors import InvalidInput, NotFound, RuleViolation
from pricing.interest import BalanceChange, InterestResult, interest_due
from pricing.money import ZERO
from pricing.text import clean_reason
from pricing.vat import INTEREST_VAT_CODE, customer_vat_class

INTEREST_SERVICE_CODE = "interest"
_DAY = timedelta(days=1)


@dataclass(frozen=True)
class InterestCharge:
    """One change a run made to an invoice's interest: ``amount`` > 0 raised, < 0 taken back."""

    invoice: str
    urn: str
    charge_id: int | None
    period_start: date
    period_end: date
    days: int
    amount: Decimal
    due_now: Decimal = ZERO
    raised_before: Decimal = ZERO
    how: str = "raised"  # raised, withdrawn, credit_note
    credit_notes: tuple[str, ...] = ()
    replaces: tuple[int, ...] = ()  # unbilled charges of the same invoice folded into this one


@dataclass(frozen=True)
class InterestRun:
    as_of: date
    charges: list[InterestCharge]
    dry_run: bool = False

    @property
    def total(self) -> Decimal:
        return sum((c.amount for c in self.charges), ZERO)

    def as_json(self) -> dict[str, object]:
        return {
            "as_of": self.as_of, "dry_run": self.dry_run,
            "charges": [{"invoice": c.invoice, "urn": c.urn, "id": c.charge_id, "from": c.period_start,
                         "to": c.period_end, "days": c.days, "amount": c.amount, "due_now": c.due_now,
                         "raised_before": c.raised_before, "how": c.how, "credit_notes": list(c.credit_notes),
                         "replaces": list(c.replaces)}
                        for c in self.charges],
            "raised": sum((c.amount for c in self.charges if c.amount > 0), ZERO),
            "reduced": -sum((c.amount for c in self.charges if c.amount < 0), ZERO),
            "total": self.total,
        }


@dataclass(frozen=True)
class _Raised:
    net: Decimal  # charges not withdrawn, less reductions
    through: date | None  # the last day any run covered
    count: int = 0  # interest charges ever raised on the invoice, withdrawn ones too


def _raised(ctx: Context, invoice_ids: list[int]) -> dict[int, _Raised]:
    if not invoice_ids:
        return {}
    charged: dict[int, tuple[Decimal, date | None, int]] = {}
    for inv_id, kept, last, count in ctx.session.execute(
        select(Charge.late_invoice_id,
               func.sum(Charge.amount).filter(Charge.status != ChargeStatus.WITHDRAWN),
               func.max(Charge.period_end), func.count(Charge.id))
        .where(Charge.kind == "interest", among(ctx.session, Charge.late_invoice_id, invoice_ids))
        .group_by(Charge.late_invoice_id)
    ):
        assert inv_id is not None  # filtered to these invoices
        charged[inv_id] = (kept or ZERO, last, count)
    reduced = dict(ctx.session.execute(
        select(InterestReduction.late_invoice_id, func.sum(InterestReduction.amount))
        .where(among(ctx.session, InterestReduction.late_invoice_id, invoice_ids))
        .group_by(InterestReduction.late_invoice_id)
    ).all())
    return {inv_id: _Raised(kept - (reduced.get(inv_id) or ZERO), last, count)
            for inv_id, (kept, last, count) in charged.items()}


def interest_not_raised(ctx: Context, invoice: Invoice, upto: date) -> Decimal:
    """Interest the invoice's whole history earns up to ``upto`` beyond what runs have raised on it: what the
    next run to ``upto`` would raise, by the run's own arithmetic (nothing on an invoice that earns none)."""
    school = invoice.school
    if (invoice.kind != "invoice" or invoice.interest_only or invoice.due_on is None or invoice.due_on >= upto
            or not _chargeable(ctx, school.type, school.la_code)):
        return ZERO
    policy = council(ctx).interest
    before = _raised(ctx, [invoice.id]).get(invoice.id, _Raised(ZERO, None))
    whole = interest_due(invoice.total, invoice.due_on, balance_changes(ctx, [invoice.id]).get(invoice.id, []),
                         invoice.due_on + _DAY, upto, policy.annual_rate, policy.basis_days)
    return max(whole.amount - before.net, ZERO)


def _chargeable(ctx: Context, school_type: str, la_code: str | None) -> bool:
    policy = council(ctx)
    if policy.interest.charge_own_maintained:
        return True
    return customer_vat_class(school_type, la_code, policy.la_code) != "own_maintained"


CHUNK = 2000
"""Late invoices worked on at a time: memory stays flat however many there are."""


def run_interest(ctx: Context, as_of: date | None = None, dry_run: bool = False,
                 charged_days_only: bool = False, mail: MailSetup | None = None) -> InterestRun:
    """Bring every late invoice's interest to what its whole history earns up to ``as_of`` (§8).

    Skips interest-only invoices and the council's own maintained schools
    (unless the policy says otherwise). With ``dry_run`` it only reports what
    it would raise and take back. With ``charged_days_only`` (the repair,
    ``traded interest recompute``) it corrects only invoices already charged
    interest, over the days already charged, and charges no new days. With
    ``mail``, each credit note reducing invoiced interest has its email queued.
    Reads only the columns it needs, a chunk of invoices at a time.
    """
    through = as_of or ctx.today
    if through > ctx.today:
        raise RuleViolation(f"interest cannot be raised up to {through}, after today ({ctx.today})")
    policy = council(ctx).interest
    late = [
        (inv_id, number, total, due_on, school_id)
        for inv_id, number, total, due_on, school_id, school_type, la_code in ctx.session.execute(
            select(Invoice.id, Invoice.number, Invoice.total, Invoice.due_on, Invoice.school_id,
                   School.type, School.la_code)
            .join(School, School.id == Invoice.school_id)
            .where(Invoice.kind == "invoice", Invoice.interest_only.is_(False),
                   Invoice.due_on.is_not(None), Invoice.due_on < through)
            .order_by(Invoice.due_on, Invoice.number)
        )
        if due_on is not None and _chargeable(ctx, school_type, la_code)  # due_on: the query's own filter
    ]
    done: list[InterestCharge] = []
    for at in range(0, len(late), CHUNK):
        done.extend(_run_chunk(ctx, late[at:at + CHUNK], through, policy.annual_rate, policy.basis_days, dry_run,
                               charged_days_only, mail))
    if not dry_run:
        ctx.audit("interest.recompute" if charged_days_only else "interest.run", "interest_run",
                  through.isoformat(), {
            "charges": sum(1 for c in done if c.amount > 0),
            "raised": sum((c.amount for c in done if c.amount > 0), ZERO),
            "reduced": -sum((c.amount for c in done if c.amount < 0), ZERO),
        })
    return InterestRun(through, done, dry_run)


def _run_chunk(ctx: Context, late: list[tuple[int, str, Decimal, date, int]], through: date,
               annual_rate: Decimal, basis_days: int, dry_run: bool, charged_days_only: bool,
               mail: MailSetup | None) -> list[InterestCharge]:
    ids = [inv_id for inv_id, *_ in late]
    changes = balance_changes(ctx, ids)
    raised = _raised(ctx, ids)
    more: list[tuple[int, str, date, int, date, date, Decimal, Decimal, InterestResult, int]] = []
    less: list[tuple[int, str, int, date, Decimal, Decimal, int]] = []
    for inv_id, number, total, due_on, school_id in late:
        before = raised.get(inv_id, _Raised(ZERO, None))
        if charged_days_only and before.through is None:
            continue
        # A run for an earlier day never takes back days a later run already charged.
        upto = max(through, before.through) if before.through else through
        if charged_days_only and before.through is not None:
            upto = before.through
        whole = interest_due(total, due_on, changes.get(inv_id, []), due_on + _DAY, upto, annual_rate, basis_days)
        difference = whole.amount - before.net
        if difference > 0:
            start = max(due_on, before.through or due_on) + _DAY
            new_days = interest_due(total, due_on, changes.get(inv_id, []), start, upto, annual_rate, basis_days)
            more.append((inv_id, number, due_on, school_id, min(start, upto), upto, difference, before.net, new_days,
                         before.count))
        elif difference < 0:
            less.append((inv_id, number, school_id, upto, whole.amount, before.net, before.count))
    if not more and not less:
        return []
    school_ids = sorted({row[3] for row in more} | {row[2] for row in less})
    schools = {s.id: s for s in ctx.session.scalars(select(School).where(among(ctx.session, School.id, school_ids)))}
    out: list[InterestCharge] = []
    if more:
        totals = {inv_id: total for inv_id, _, total, _, _ in late}
        out.extend(_raise_more(ctx, more, schools, totals, annual_rate, basis_days, changes, dry_run))
    for inv_id, number, school_id, upto, due_now, raised_net, count in less:
        out.extend(_reduce(ctx, inv_id, number, schools[school_id], upto, due_now, raised_net, count, dry_run, mail))
    return out


def _unbilled(ctx: Context, invoice_ids: list[int]) -> dict[int, list[Charge]]:
    """Per late invoice: its interest charges due and on no invoice yet, oldest first."""
    found: dict[int, list[Charge]] = {}
    for part in chunks(invoice_ids):
        for charge in ctx.session.scalars(
            select(Charge).outerjoin(InvoiceLine, InvoiceLine.charge_id == Charge.id)
            .where(Charge.kind == "interest", Charge.status == ChargeStatus.DUE, InvoiceLine.id.is_(None),
                   among(ctx.session, Charge.late_invoice_id, part))
            .order_by(Charge.id)
        ):
            assert charge.late_invoice_id is not None
            found.setdefault(charge.late_invoice_id, []).append(charge)
    return found


def _raise_more(ctx: Context, more: list[tuple[int, str, date, int, date, date, Decimal, Decimal, InterestResult, int]],
                schools: dict[int, School], totals: dict[int, Decimal], annual_rate: Decimal, basis_days: int,
                changes: dict[int, list[BalanceChange]], dry_run: bool) -> list[InterestCharge]:
    """Raise the interest due beyond what was raised, one charge per late invoice awaiting billing.

    A late invoice whose earlier interest is not billed yet gets one charge for all of
    it: the earlier charges are withdrawn into it, so the next interest invoice carries
    one line per late invoice, its days, balances and rate covering the whole stretch.
    """
    waiting = _unbilled(ctx, [row[0] for row in more])
    news: list[NewCharge] = []
    shown: list[tuple[str, int, date, date, int, Decimal, Decimal, list[int]]] = []
    for inv_id, number, due_on, school_id, start, upto, amount, before, new_days, count in more:
        earlier = waiting.get(inv_id, [])
        if earlier:
            folded = sum((c.amount for c in earlier), ZERO)
            start = min(c.period_start or start for c in earlier)
            span = interest_due(totals[inv_id], due_on, changes.get(inv_id, []), start, upto, annual_rate, basis_days)
            new = _new_charge(schools[school_id], inv_id, number, due_on, start, upto, folded + amount,
                              before - folded, span, count, annual_rate=annual_rate, folded=True)
            if not dry_run:
                for charge in earlier:
                    withdraw_charge(ctx, charge, f"folded into one interest charge for {number} to {upto}")
            shown.append((number, school_id, start, upto, new_days.days, amount, before, [c.id for c in earlier]))
        else:
            new = _new_charge(schools[school_id], inv_id, number, due_on, start, upto, amount, before, new_days,
                              count, annual_rate=annual_rate)
            shown.append((number, school_id, start, upto, new_days.days, amount, before, []))
        news.append(new)
    charge_ids: list[int | None] = [None] * len(news)
    if not dry_run:
        charge_ids = list(raise_charge_ids(ctx, news))
    return [InterestCharge(number, schools[school_id].urn, charge_id, start, upto, days, amount,
                           due_now=before + amount, raised_before=before, replaces=tuple(replaced))
            for charge_id, (number, school_id, start, upto, days, amount, before, replaced)
            in zip(charge_ids, shown, strict=True)]


def _new_charge(school: School, inv_id: int, number: str, due_on: date, start: date, upto: date,
                amount: Decimal, before: Decimal, new_days: InterestResult, count: int, *,
                annual_rate: Decimal, folded: bool = False) -> NewCharge:
    if folded:
        # Earlier charges folded into this one may have used the plain key of some of its days.
        key = f"interest/{number}/{start.isoformat()}/{upto.isoformat()}/{count + 1}"
    elif new_days.days:
        key = f"interest/{number}/{start.isoformat()}/{upto.isoformat()}"
    else:
        # No new days: the history up to ``upto`` changed, or a withdrawn charge is replaced in part.
        # The charge's place in the invoice's series keeps its key unique.
        key = f"interest/{number}/{upto.isoformat()}/{count + 1}"
    # Quantity 1 at the amount: the printed arithmetic (1 × unit = net) is true to the penny,
    # and the description carries the days, balances and rate that make the amount.
    return NewCharge(
        school=school, kind="interest", source_key=key, service_code=INTEREST_SERVICE_CODE,
        description=interest_description(number, due_on, upto, amount, before, new_days, annual_rate),
        due_on=upto, amount=amount, item_vat_code=INTEREST_VAT_CODE,
        quantity=Decimal(1), unit_price=amount,
        period_start=start, period_end=upto, late_invoice_id=inv_id,
        detail=InterestDetail(days=new_days.days, raised_before=before, due_now=before + amount, late_invoice=number,
                              annual_rate=annual_rate,
                              stretches=tuple(InterestStretch(start=s.start, end=s.end, days=s.days, balance=s.balance)
                                              for s in new_days.stretches)),
    )


def interest_description(number: str, due_on: date, upto: date, amount: Decimal, before: Decimal,
                         new_days: InterestResult, annual_rate: Decimal) -> str:
    """What an interest line says, so that the amount can be checked from the line alone (§8).

    New days: each stretch's days and balance at the yearly rate, e.g. "Late-payment interest
    on INV-000012 (due 2025-10-01): 59 days on £4,920.00 at 24% a year". When the charge is not
    exactly that (the whole history was recomputed, or rounding once over the whole range moved
    a penny), the line also gives the interest now due and what was charged before, whose
    difference is the amount. No new days: only that recomputation.
    """
    head = f"Late-payment interest on {number} (due {doc_date(due_on)})"
    rate = f"{format(annual_rate.normalize(), 'f')}% a year"
    owed = f"interest to {doc_date(upto)} {doc_pounds(before + amount)} less {doc_pounds(before)} charged before"
    if not new_days.days:
        return f"{head}: recomputed over its whole history: {owed}"
    stretches = " then ".join(f"{s.days} day{'s' if s.days != 1 else ''} on {doc_pounds(s.balance)}"
                              for s in new_days.stretches)
    text = f"{head}: {stretches} at {rate}"
    if len(text) > 200:  # many part payments: each stretch stays in the charge's detail
        text = f"{head}: {new_days.days} days on the balance outstanding each day at {rate}"
    if amount != new_days.amount:
        text += f"; {owed}"
    return text


def interest_detail(charge: Charge) -> InterestDetail:
    """An interest charge's typed detail; an empty one for a charge raised before details were kept."""
    detail = charge.details
    return detail if isinstance(detail, InterestDetail) else InterestDetail()


def _standing(ctx: Context, charge: Charge) -> Decimal:
    """What of an invoiced interest charge can still be taken back: less reductions, nothing once waived."""
    if interest_detail(charge).waived_by:
        return ZERO
    reduced = ctx.session.scalar(
        select(func.sum(InterestReduction.amount)).where(InterestReduction.charge_id == charge.id)) or ZERO
    return charge.amount - reduced


def _reduce(ctx: Context, inv_id: int, number: str, school: School, upto: date, due_now: Decimal,
            before: Decimal, count: int, dry_run: bool, mail: MailSetup | None) -> list[InterestCharge]:
    """Take back ``before − due_now`` of the interest raised on one invoice, newest charges first."""
    need = before - due_now
    why = (f"Interest on {number} recomputed over its whole history to {upto.isoformat()}: "
           f"{due_now} is due, {before} was raised")
    charges = list(ctx.session.scalars(
        select(Charge).where(Charge.kind == "interest", Charge.late_invoice_id == inv_id, Charge.status == ChargeStatus.DUE)
        .order_by(Charge.id.desc())))
    out: list[InterestCharge] = []
    for charge in [c for c in charges if not is_invoiced(ctx, c)]:
        if need <= 0:
            break
        if not dry_run:
            withdraw_charge(ctx, charge, why)
        out.append(InterestCharge(number, school.urn, charge.id, charge.period_start or upto,
                                  charge.period_end or upto, 0, -charge.amount, due_now, before, "withdrawn"))
        need -= charge.amount
    if need < 0:  # withdrew more than was needed: the rest is raised again, as one charge
        replacement = _new_charge(school, inv_id, number, _due_on(ctx, inv_id), upto, upto, -need,
                                  due_now + need, InterestResult(0, -need, []), count,
                                  annual_rate=council(ctx).interest.annual_rate)
        new_id = None if dry_run else raise_charge_ids(ctx, [replacement])[0]
        out.append(InterestCharge(number, school.urn, new_id, upto, upto, 0, -need, due_now, before, "raised"))
        return out

    for charge in [c for c in charges if is_invoiced(ctx, c)]:
        if need <= 0:
            break
        take = min(need, _standing(ctx, charge))
        if take <= 0:
            continue
        billed = ctx.session.scalar(select(Invoice).join(InvoiceLine, InvoiceLine.invoice_id == Invoice.id)
                                    .where(InvoiceLine.charge_id == charge.id))
        assert billed is not None
        notes: tuple[str, ...] = ()
        if not dry_run:
            note = issue_credit_note(ctx, billed.number, take, why)
            if mail is not None:
                queue_document(ctx, note, mail)
            ctx.session.add(InterestReduction(late_invoice_id=inv_id, charge_id=charge.id, credit_note_id=note.id,
                                              amount=take, reduced_on=ctx.today, created_at=ctx.now, actor=ctx.actor))
            ctx.audit("interest.reduce", "charge", charge.id,
                      {"invoice": number, "interest_invoice": billed.number, "credit_note": note.number,
                       "amount": take, "due_now": due_now, "raised_before": before}, reason=why)
            notes = (note.number,)
        out.append(InterestCharge(number, school.urn, charge.id, charge.period_start or upto,
                                  charge.period_end or upto, 0, -take, due_now, before, "credit_note", notes))
        need -= take
    # Whatever is left was waived: waived interest stays waived, and nothing is owed back.
    return out


def _due_on(ctx: Context, invoice_id: int) -> date:
    due = ctx.session.scalar(select(Invoice.due_on).where(Invoice.id == invoice_id))
    assert due is not None
    return due


@dataclass(frozen=True)
class Waiver:
    charge_id: int
    invoice: str
    amount: Decimal
    outcome: str  # "waived" (not yet invoiced) or "credit_note"
    credit_note: str | None = None

    def as_json(self) -> dict[str, object]:
        return {"id": self.charge_id, "invoice": self.invoice, "amount": self.amount,
                "outcome": self.outcome, "credit_note": self.credit_note}


def waive_interest(ctx: Context, charge_id: int, reason: str, mail: MailSetup | None = None) -> Waiver:
    """Waive an interest charge, with a recorded reason (§8).

    Not yet invoiced: the charge is marked waived and never billed. Already
    invoiced: a credit note for what is left of it (after any reduction) is
    issued against that invoice, its email queued with ``mail``.
    """
    if not (reason or "").strip():
        raise InvalidInput("waiving interest needs a reason")
    reason = clean_reason(reason, "waiver reason")  # a credit note quotes it to the school
    charge = ctx.session.get(Charge, charge_id)
    if charge is None or charge.kind != "interest":
        raise NotFound(f"no interest charge {charge_id}", code="unknown_interest")
    late = ctx.session.get(Invoice, charge.late_invoice_id) if charge.late_invoice_id else None
    late_number = late.number if late else ""
    if charge.status == ChargeStatus.WAIVED or interest_detail(charge).waived_by:
        raise RuleViolation(f"interest charge {charge_id} is already waived", code="already_waived")
    if charge.status == ChargeStatus.WITHDRAWN:
        raise RuleViolation(f"interest charge {charge_id} was withdrawn", code="withdrawn")
    if not is_invoiced(ctx, charge):
        charge.status = move(charge.status, ChargeStatus.WAIVED, f"interest charge {charge.id}")
        ctx.audit("interest.waive", "charge", charge.id, {"amount": charge.amount, "invoice": late_number},
                  reason=reason)
        return Waiver(charge.id, late_number, charge.amount, "waived")

    left = _standing(ctx, charge)
    if left <= 0:
        raise RuleViolation(f"interest charge {charge_id} was taken back in full by a recomputation",
                            code="nothing_to_waive")
    billed = ctx.session.scalar(
        select(Invoice).join(InvoiceLine, InvoiceLine.invoice_id == Invoice.id)
        .where(InvoiceLine.charge_id == charge.id)
    )
    assert billed is not None
    note = issue_credit_note(ctx, billed.number, left, reason)
    if mail is not None:
        queue_document(ctx, note, mail)
    # Kept "due" (it was billed); the detail records the waiver so it is not waived twice.
    charge.detail = dump_detail(interest_detail(charge).model_copy(update={"waived_by": note.number}))
    ctx.audit("interest.waive", "charge", charge.id,
              {"amount": left, "invoice": late_number, "credit_note": note.number}, reason=reason)
    return Waiver(charge.id, late_number, left, "credit_note", note.number)
