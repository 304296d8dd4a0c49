"""The receipts worklist: bank lines that are not (yet) payments, and what people decide about them (§8).

Every imported bank line is kept (billing.bank_import) with a status:
``matched``, ``unmatched``, ``future`` or ``rejected``. Lines ``unmatched``
and ``future`` are *waiting*. From here a person can

- list lines by status (:func:`list_lines`);
- match a waiting line to a school, and optionally name invoices
  (:func:`match_by_hand`): the payment is recorded through
  billing.payments.record_payment with the line's own date, amount and
  reference, so it is allocated like any other payment;
- reject a line with a reason (:func:`reject_line`): money that is not a
  school's payment (a refund from a supplier, a transfer between accounts);
- match waiting lines again automatically (:func:`rematch_waiting`): a
  future-dated line once its date has come (by the as-of date), an unmatched one
  once its reference finds one school (the school registered, the invoice issued).

A line is matched to a school only when its reference finds invoice numbers of
one school (invoices.numbering.find_numbers) or the URN of one registered
school; anything else waits for a person, never guessed. A line's payment is
keyed ``bank:<fingerprint>``, so it can be recorded once only, whoever or
whatever matches it. Every change of status is audited (``bank_line.*``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import cast

from sqlalchemy import Engine, func, select

from billing.bulk import among, chunks
from billing.context import Context
from billing.db import transaction
from billing.models import BankLine, Invoice, Payment, School
from billing.payments import record_payment
from billing.pricebooks import council
from contracts.states import BankLineStatus, move, values
from invoices.numbering import find_numbers
from pricing.clock import Clock, FixedClock
from pricing.errors import InvalidInput, NotFound, RuleViolation
from pricing.money import ZERO

STATUSES = values(BankLineStatus)
WAITING = (BankLineStatus.UNMATCHED, BankLineStatus.FUTURE)
CHUNK = 500
_URN = re.compile(r"(?<!\d)(\d{6})(?!\d)")
_LOCK_KEY = 7_352_012_530_424_101_965
"""PostgreSQL advisory lock taken by every change to bank lines, so imports and worklist commands take turns."""


def lock_receipts(ctx: Context) -> None:
    """Serialise changes to bank lines for the rest of the transaction (SQLite's write lock already does)."""
    if ctx.session.get_bind().dialect.name == "postgresql":
        ctx.session.execute(select(func.pg_advisory_xact_lock(_LOCK_KEY)))


# --- matching -----------------------------------------------------------------------------


def match_line(ctx: Context, reference: str) -> tuple[School | None, list[str], str]:
    """(school, invoice numbers, how) for a reference; school None when it cannot be told for sure."""
    numbers = find_numbers(reference, council(ctx).invoice_prefix)
    if numbers:
        found = list(ctx.session.execute(
            select(Invoice.number, Invoice.school_id).where(Invoice.number.in_(numbers), Invoice.kind == "invoice")
        ))
        school_ids = {sid for _, sid in found}
        if len(school_ids) == 1:
            school = ctx.session.get(School, school_ids.pop())
            return school, [n for n in numbers if n in {num for num, _ in found}], "invoice"
        if len(school_ids) > 1:
            return None, [], "invoices of more than one school"
    urns = set(_URN.findall(reference))
    if urns:
        schools = list(ctx.session.scalars(select(School).where(School.urn.in_(urns))))
        if len(schools) == 1:
            return schools[0], [], "urn"
        if len(schools) > 1:
            return None, [], "more than one school's URN"
    return None, [], "no invoice number or URN found"


def _record(ctx: Context, line: BankLine, urn: str, invoices: Sequence[str], how: str) -> dict[str, object]:
    """Record the line's payment (its own date, amount and reference) and mark it matched."""
    paid = record_payment(ctx, urn, line.amount, line.posted_on, "bacs", invoices,
                          reference=line.reference[:140] or None, source="import",
                          external_key=f"bank:{line.fingerprint}")
    line.payment_id = paid.id
    line.status = move(line.status, BankLineStatus.MATCHED, f"bank line {line.id}")
    line.reason = {"invoice": "invoice number in the reference", "urn": "URN in the reference"}.get(how, how)
    line.decided_at, line.decided_by = ctx.now, ctx.actor
    ctx.session.flush()
    return {"urn": paid.urn, "payment": paid.id, "matched_by": how,
            "allocations": [{"invoice": a.invoice, "amount": a.amount} for a in paid.allocations],
            "unallocated": paid.unallocated}


def try_match(ctx: Context, line: BankLine, reference: str | None = None) -> dict[str, object] | None:
    """Match a line dated today or earlier by its reference; None (and the reason on the line) when it cannot."""
    school, numbers, how = match_line(ctx, line.reference if reference is None else reference)
    if school is None:
        line.reason = how
        return None
    return _record(ctx, line, school.urn, numbers, how)


# --- the worklist -------------------------------------------------------------------------


def _line_json(line: BankLine, urn: str | None) -> dict[str, object]:
    return {"id": line.id, "date": line.posted_on, "amount": line.amount, "currency": line.currency,
            "reference": line.reference, "status": line.status, "reason": line.reason,
            "file": line.source_file, "line_no": line.line_no, "payment": line.payment_id, "urn": urn,
            "imported_at": line.imported_at, "decided_by": line.decided_by, "decided_at": line.decided_at}


def list_lines(ctx: Context, statuses: Sequence[str] = WAITING, source_file: str | None = None) -> list[dict[str, object]]:
    """Bank lines with any of ``statuses`` (default: the waiting ones), oldest first."""
    unknown = [s for s in statuses if s not in STATUSES]
    if unknown:
        raise InvalidInput(f"bank line status {unknown[0]!r} must be one of {', '.join(STATUSES)}")
    query = (select(BankLine, School.urn)
             .outerjoin(Payment, Payment.id == BankLine.payment_id)
             .outerjoin(School, School.id == Payment.school_id)
             .where(BankLine.status.in_(list(statuses)))
             .order_by(BankLine.posted_on, BankLine.id))
    if source_file is not None:
        query = query.where(BankLine.source_file == source_file)
    return [_line_json(line, urn) for line, urn in ctx.session.execute(query)]


def _line(ctx: Context, line_id: int) -> BankLine:
    line = ctx.session.get(BankLine, line_id)
    if line is None:
        raise NotFound(f"no bank line {line_id}", code="unknown_bank_line")
    return line


def _urn_of(ctx: Context, line: BankLine) -> str | None:
    if line.payment_id is None:
        return None
    return ctx.session.scalar(select(School.urn).join(Payment, Payment.school_id == School.id)
                              .where(Payment.id == line.payment_id))


def match_by_hand(ctx: Context, line_id: int, urn: str, invoices: Sequence[str] = ()) -> dict[str, object]:
    """Match a line to a school (and optionally its invoices): its payment is recorded and allocated (§8).

    Refused for a line already matched, a debit or a line not in pounds, and a
    line dated after today. A line someone rejected can be matched, and the
    audit trail keeps that it was.
    """
    lock_receipts(ctx)
    line = _line(ctx, line_id)
    if line.status == BankLineStatus.MATCHED:
        raise RuleViolation(f"bank line {line.id} is already matched to payment {line.payment_id} "
                            f"of school {_urn_of(ctx, line)}", code="already_matched")
    if line.currency != "GBP" or line.amount <= 0:
        what = f"in {line.currency}" if line.currency != "GBP" else "not money received"
        raise RuleViolation(f"bank line {line.id} ({line.amount} {line.currency}) is {what}: it cannot be a payment",
                            code="not_a_payment")
    if line.posted_on > ctx.today:
        raise RuleViolation(f"bank line {line.id} is dated {line.posted_on}, after today ({ctx.today}): "
                            "it can be matched from that day", code="future_line")
    was, before = line.status, line.reason
    paid = _record(ctx, line, urn, invoices, "hand")
    line.reason = "matched by hand"
    ctx.audit("bank_line.match", "bank_line", line.id,
              {"from": was, "was_because": before, "by": "hand", "urn": paid["urn"], "payment": paid["payment"],
               "invoices": list(invoices), "amount": line.amount, "date": line.posted_on})
    return {**_line_json(line, str(paid["urn"])), **paid}


def reject_line(ctx: Context, line_id: int, reason: str) -> dict[str, object]:
    """Take a waiting line off the worklist with a recorded reason: it is not a school's payment (§8)."""
    why = " ".join((reason or "").split())
    if not why:
        raise InvalidInput("rejecting a bank line needs a reason")
    if len(why) > 500:
        raise InvalidInput("the reason for rejecting a bank line is longer than 500 characters")
    lock_receipts(ctx)
    line = _line(ctx, line_id)
    if line.status == BankLineStatus.MATCHED:
        raise RuleViolation(f"bank line {line.id} is matched to payment {line.payment_id} "
                            f"of school {_urn_of(ctx, line)}: it cannot be rejected", code="already_matched")
    if line.status == BankLineStatus.REJECTED:
        raise RuleViolation(f"bank line {line.id} is already rejected ({line.reason})", code="already_rejected")
    was = line.status
    line.status, line.reason = move(was, BankLineStatus.REJECTED, f"bank line {line.id}"), why
    line.decided_at, line.decided_by = ctx.now, ctx.actor
    ctx.session.flush()
    ctx.audit("bank_line.reject", "bank_line", line.id,
              {"from": was, "amount": line.amount, "date": line.posted_on, "reference": line.reference},
              reason=why)
    return _line_json(line, None)


# --- matching again -----------------------------------------------------------------------


@dataclass
class RematchResult:
    """Waiting lines matched now, and how many still wait (unmatched, or dated after today)."""

    matched: list[dict[str, object]] = field(default_factory=list)
    unmatched: int = 0
    future: int = 0

    def as_json(self) -> dict[str, object]:
        return {"matched": self.matched, "count": len(self.matched),
                "total": sum((cast(Decimal, m["amount"]) for m in self.matched), ZERO),
                "still_unmatched": self.unmatched, "still_future": self.future}


def waiting_ids(ctx: Context, up_to: int | None = None) -> list[int]:
    """Ids of waiting lines, oldest first (``up_to``: only lines with an id up to that one)."""
    query = select(BankLine.id).where(BankLine.status.in_(WAITING)).order_by(BankLine.id)
    if up_to is not None:
        query = query.where(BankLine.id <= up_to)
    return list(ctx.session.scalars(query))


def rematch_waiting(ctx: Context, ids: Sequence[int] | None = None,
                    result: RematchResult | None = None) -> RematchResult:
    """Try the automatic match again on waiting lines (all, or those of ``ids``) (§8).

    A future-dated line whose date has come (by the as-of date) is matched, or
    joins the unmatched; one still ahead of today stays as it is.
    """
    result = result if result is not None else RematchResult()
    lock_receipts(ctx)
    wanted = waiting_ids(ctx) if ids is None else list(ids)
    for part in chunks(wanted):
        lines = list(ctx.session.scalars(
            select(BankLine).where(among(ctx.session, BankLine.id, part), BankLine.status.in_(WAITING))
            .order_by(BankLine.id)))
        for line in lines:
            if line.posted_on > ctx.today:
                result.future += 1
                continue
            was = line.status
            paid = try_match(ctx, line)
            if paid is not None:
                ctx.audit("bank_line.match", "bank_line", line.id,
                          {"from": was, "by": paid["matched_by"], "urn": paid["urn"], "payment": paid["payment"]})
                result.matched.append({"id": line.id, "date": line.posted_on, "amount": line.amount,
                                       "reference": line.reference, **paid})
                continue
            result.unmatched += 1
            if was == BankLineStatus.FUTURE:
                line.status = move(was, BankLineStatus.UNMATCHED, f"bank line {line.id}")
                line.decided_at, line.decided_by = ctx.now, ctx.actor
                ctx.audit("bank_line.due", "bank_line", line.id,
                          {"from": BankLineStatus.FUTURE, "to": BankLineStatus.UNMATCHED},
                          reason=line.reason)
        ctx.session.flush()
    return result


def committed_units(engine: Engine, clock: Clock, actor: str) -> Callable[[], AbstractContextManager[Context]]:
    """Transactions that each commit on their own, every one on the same day and instant (read once)."""
    fixed = FixedClock(clock.today(), instant=clock.now())

    @contextmanager
    def unit() -> Iterator[Context]:
        with transaction(engine) as session:
            yield Context(session=session, clock=fixed, actor=actor)

    return unit


def run_rematch(engine: Engine, clock: Clock, actor: str, chunk_size: int = CHUNK) -> RematchResult:
    """Match waiting lines again as the command line runs it: committed every ``chunk_size`` lines."""
    unit = committed_units(engine, clock, actor)
    with unit() as ctx:
        council(ctx)  # refused before anything is written when no price book is loaded
        ids = waiting_ids(ctx)
    result = RematchResult()
    size = max(1, chunk_size)
    for at in range(0, len(ids), size):
        with unit() as ctx:
            rematch_waiting(ctx, ids[at:at + size], result)
    return result

