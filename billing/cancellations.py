"""Cancelling subscriptions and orders: twelve weeks' notice, accrual, settlement, refunds.

Rules: domain-rules.md §4 (and §7: an issued invoice never changes, so money
going back to a school is always a credit note naming the invoice).

What to do is decided by contracts.cancellation on plain values (the effective
end, the fee accrued to it, the instalments to withdraw, the settlement; for an
order, what the school pays). This module reads the rows, works out what was
invoiced (less credit notes already issued against those lines), asks it, and
carries out the answer: withdrawals, a "settlement" charge for a shortfall,
credit notes for an excess (newest invoice first), the audit entry.

Amounts on the ledger (charges, accrual, settlement) are net of VAT. A credit
note is issued for a gross amount, so a net excess is grossed up at the VAT
the credited invoice lines actually charged.

A school receives every credit note issued to it: given a :class:`MailSetup`,
each settlement credit note's email is queued with it (billing.outbox).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from billing.charges import NewCharge, is_invoiced, raise_charge, withdraw_charge
from billing.context import Context
from billing.invoicing import issue_credit_note
from billing.lookup import get_or_refuse
from billing.mail_compose import MailSetup
from billing.models import Charge, Invoice, InvoiceLine, Order, Session, Subscription
from billing.outbox import queue_document
from billing.subscriptions import (
    SUBSCRIPTION_SERVICE,
    SUBSCRIPTION_VAT_CODE,
    as_record,
    contract_fee_spans,
    format_day,
    get_subscription,
    subscription_charges,
)
from contracts.cancellation import (
    CancelledBy,
    Instalment,
    OrderCharge,
    OrderToCancel,
    Settlement,
    SubscriptionSettlement,
    plan_order_cancellation,
    plan_subscription_cancellation,
)
from contracts.charge_details import OrderDetail, SettlementDetail
from contracts.states import SessionStatus
from pricing.errors import InvalidInput, RuleViolation
from pricing.money import ZERO, money, to_pence

BY: tuple[str, ...] = ("school", "service")


def check_by(by: str) -> CancelledBy:
    if by not in BY:
        raise InvalidInput(f'a cancellation is made by the school or the service, not "{by}"', code="bad_party")
    return by  # type: ignore[return-value]


# --- invoice lines and the credits already issued against them --------------------------------


def invoice_line_of(ctx: Context, charge: Charge) -> InvoiceLine | None:
    return ctx.session.scalar(select(InvoiceLine).where(InvoiceLine.charge_id == charge.id))


def _credit_lines_against(ctx: Context, invoice: Invoice) -> list[InvoiceLine]:
    notes = ctx.session.scalars(
        select(Invoice).where(Invoice.kind == "credit_note", Invoice.corrects_id == invoice.id)
    ).all()
    return [line for note in notes for line in note.lines]


@dataclass
class _InvoiceShare:
    """Our lines on one invoice and what is still uncredited on them (net and gross)."""

    invoice: Invoice
    net: Decimal = ZERO
    total: Decimal = ZERO
    credited_net: Decimal = ZERO
    credited_gross: Decimal = ZERO
    line_ids: set[int] = field(default_factory=set)

    @property
    def remaining_net(self) -> Decimal:
        return max(ZERO, self.net - self.credited_net)


def _shares(ctx: Context, lines: Sequence[InvoiceLine]) -> list[_InvoiceShare]:
    """Group invoice lines by invoice, with credits already issued against them; newest invoice first.

    A credit-note line naming one of our lines counts against it; a credit-note line
    naming no line counts against ours only when the invoice holds nothing but ours.
    """
    by_invoice: dict[int, _InvoiceShare] = {}
    for line in lines:
        share = by_invoice.setdefault(line.invoice_id, _InvoiceShare(line.invoice))
        share.net += line.net
        share.total += line.total
        share.line_ids.add(line.id)
    for share in by_invoice.values():
        only_ours = {line.id for line in share.invoice.lines} == share.line_ids
        for credit in _credit_lines_against(ctx, share.invoice):
            if credit.corrects_line_id in share.line_ids or (credit.corrects_line_id is None and only_ours):
                share.credited_net += abs(credit.net)
                share.credited_gross += abs(credit.total)
    return sorted(by_invoice.values(), key=lambda s: (s.invoice.issued_on, s.invoice.id), reverse=True)


def _invoice_credit_left(ctx: Context, invoice: Invoice) -> Decimal:
    credited = sum((abs(line.total) for line in _credit_lines_against(ctx, invoice)), ZERO)
    return invoice.total - credited


@dataclass(frozen=True)
class PlannedCredit:
    """One credit note a settlement would issue: the invoice it names and its gross amount."""

    invoice: Invoice
    gross: Decimal


def plan_credits(ctx: Context, lines: Sequence[InvoiceLine], net: Decimal) -> tuple[list[PlannedCredit], Decimal]:
    """The credit notes that credit ``net`` back against ``lines``, and the part they cannot hold.

    Reads only: :func:`credit_net` issues exactly these, and a preview shows them.
    """
    left = money(net)
    planned: list[PlannedCredit] = []
    for share in _shares(ctx, lines):
        if left <= 0:
            break
        take = min(left, share.remaining_net)
        if take <= 0:
            continue
        if take == share.remaining_net:
            gross = share.total - share.credited_gross
        else:
            gross = to_pence(take * share.total / share.net) if share.net else take
        # Each planned note names a different invoice, so what is left on one is not moved by another.
        gross = min(gross, _invoice_credit_left(ctx, share.invoice))
        if gross <= 0:
            continue
        planned.append(PlannedCredit(share.invoice, gross))
        left -= take
    return planned, left


def _nothing_more_to_credit(net: Decimal, left: Decimal) -> RuleViolation:
    return RuleViolation(f"only {money(net) - left} of {money(net)} can be credited: the invoices hold no more",
                         code="nothing_to_credit")


def credit_net(ctx: Context, lines: Sequence[InvoiceLine], net: Decimal, reason: str,
               mail: MailSetup | None = None) -> list[Invoice]:
    """Credit ``net`` (excluding VAT) back against ``lines``, newest invoice first (§4, §7).

    Each credit note is for the gross equivalent at the VAT those lines charged and
    never more than is left uncredited on that invoice. Refuses when the lines hold
    less than ``net``. With ``mail`` each credit note's email is queued.
    """
    planned, left = plan_credits(ctx, lines, net)
    notes: list[Invoice] = []
    for credit in planned:
        notes.append(issue_credit_note(ctx, credit.invoice.number, credit.gross, reason))
        if mail is not None:
            queue_document(ctx, notes[-1], mail)
    if left > 0:
        raise _nothing_more_to_credit(net, left)
    return notes


# --- subscriptions ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SubscriptionCancellation:
    subscription: Subscription
    effective_end: date
    accrued: Decimal
    invoiced: Decimal  # net invoiced less net already credited, before this settlement
    settlement: Settlement
    withdrawn: list[Charge]
    settlement_charge: Charge | None
    credit_notes: list[Invoice]

    @property
    def withdrawn_total(self) -> Decimal:
        return sum((c.amount for c in self.withdrawn), ZERO)


@dataclass(frozen=True)
class CancellationPreview:
    """What cancelling a subscription on a notice would do, worked out without writing anything (§4).

    :func:`cancel_subscription` carries out exactly this, so a page showing the
    preview and the record made on confirming cannot disagree.
    """

    subscription: Subscription
    notice_on: date
    requested_end: date
    plan: SubscriptionSettlement
    withdraw: tuple[Charge, ...]  # due instalments not yet invoiced, in due order
    credits: tuple[PlannedCredit, ...]  # the credit notes an excess would issue, newest invoice first
    settlement_due: date | None  # when a shortfall's settlement charge falls due
    charges: tuple[Charge, ...]
    invoiced_lines: tuple[InvoiceLine, ...]

    @property
    def effective_end(self) -> date:
        return self.plan.effective_end

    @property
    def accrued(self) -> Decimal:
        return self.plan.accrued

    @property
    def invoiced(self) -> Decimal:
        return self.plan.invoiced

    @property
    def settlement(self) -> Settlement:
        return self.plan.settlement

    @property
    def withdrawn_total(self) -> Decimal:
        return sum((c.amount for c in self.withdraw), ZERO)

    @property
    def credited_total(self) -> Decimal:
        return sum((c.gross for c in self.credits), ZERO)


def preview_subscription_cancellation(ctx: Context, subscription_id: int, notice_on: date,
                                      requested_end: date) -> CancellationPreview:
    """The plan for cancelling on written notice (§4), read from the ledger, nothing written.

    Refuses what the cancellation would refuse: a subscription already cancelled, a
    notice outside the contract, a requested end before the notice, an excess the
    invoices cannot hold.
    """
    sub = get_subscription(ctx, subscription_id)
    charges = subscription_charges(ctx, sub)
    lines = {charge.id: invoice_line_of(ctx, charge) for charge in charges}
    invoiced_lines = [line for line in lines.values() if line is not None]
    invoiced_net = sum((s.net - s.credited_net for s in _shares(ctx, invoiced_lines)), ZERO)
    plan = plan_subscription_cancellation(
        as_record(sub), contract_fee_spans(ctx, sub), notice_on, requested_end,
        [Instalment(c.source_key, c.status, lines[c.id] is not None) for c in charges], invoiced_net, format_day)
    credits: list[PlannedCredit] = []
    if plan.settlement.kind == "credit_note":
        credits, left = plan_credits(ctx, invoiced_lines, plan.settlement.amount)
        if left > 0:
            raise _nothing_more_to_credit(plan.settlement.amount, left)
    return CancellationPreview(
        subscription=sub, notice_on=notice_on, requested_end=requested_end, plan=plan,
        withdraw=tuple(c for c in charges if c.source_key in plan.withdraw), credits=tuple(credits),
        settlement_due=max(notice_on, ctx.today) if plan.settlement.kind == "invoice" else None,
        charges=tuple(charges), invoiced_lines=tuple(invoiced_lines),
    )


def cancel_subscription(
    ctx: Context, subscription_id: int, notice_on: date, requested_end: date, by: str = "school",
    mail: MailSetup | None = None,
) -> SubscriptionCancellation:
    """Cancel on written notice: effective end, accrual, withdrawal and settlement (§4).

    The twelve-week rule applies whichever party gives notice ("either party may
    cancel by written notice"); a contract still ends on its own end date.
    With ``mail``, a settlement credit note's email is queued.
    What it does is :func:`preview_subscription_cancellation`'s plan.
    """
    party = check_by(by)
    preview = preview_subscription_cancellation(ctx, subscription_id, notice_on, requested_end)
    sub, plan, invoiced_net = preview.subscription, preview.plan, preview.invoiced
    end, settlement = plan.effective_end, plan.settlement

    reason = f"subscription {sub.id} cancelled by the {party}, effective end {end.isoformat()}"
    withdrawn = list(preview.withdraw)
    for charge in withdrawn:
        withdraw_charge(ctx, charge, reason)

    settlement_charge: Charge | None = None
    notes: list[Invoice] = []
    if settlement.kind == "invoice":
        assert preview.settlement_due is not None
        settlement_charge = raise_charge(ctx, NewCharge(
            school=sub.school,
            kind="settlement",
            source_key=f"settle/sub/{sub.id}",
            service_code=SUBSCRIPTION_SERVICE,
            description=plan.description,
            due_on=preview.settlement_due,
            amount=settlement.amount,
            item_vat_code=SUBSCRIPTION_VAT_CODE,
            period_start=sub.starts_on,
            period_end=end,
            subscription_id=sub.id,
            detail=SettlementDetail(accrued=plan.accrued, invoiced=invoiced_net, effective_end=end),
        ))
    elif settlement.kind == "credit_note":
        notes = credit_net(ctx, preview.invoiced_lines, settlement.amount, plan.credit_reason, mail)

    sub.status = plan.status
    sub.notice_on = notice_on
    sub.requested_end = requested_end
    sub.effective_end = end
    sub.cancelled_by = party
    ctx.audit("subscription.cancel", "subscription", sub.id, {
        "by": party, "notice_on": notice_on, "requested_end": requested_end, "effective_end": end,
        "accrued": plan.accrued, "invoiced": invoiced_net, "settlement": settlement.kind,
        "amount": settlement.amount, "withdrawn": [c.source_key for c in withdrawn],
        "credit_notes": [n.number for n in notes],
    }, reason=reason)
    return SubscriptionCancellation(sub, end, plan.accrued, invoiced_net, settlement, withdrawn,
                                    settlement_charge, notes)


# --- orders ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrderCancellation:
    order: Order
    charge: Decimal  # what the school pays for the order after cancelling (net)
    charge_record: Charge | None
    credit_notes: list[Invoice]


def get_order(ctx: Context, order_id: int) -> Order:
    return get_or_refuse(ctx.session, Order, f"no order with id {order_id}", "unknown_order", key=order_id)


def _work_recorded(ctx: Context, order: Order) -> bool:
    """Whether a session of the order was delivered or deemed delivered."""
    return ctx.session.scalar(select(Session.id).where(
        Session.order_id == order.id,
        Session.status.in_((SessionStatus.DELIVERED, SessionStatus.DEEMED_DELIVERED)))) is not None


def cancel_order(
    ctx: Context,
    order_id: int,
    notice_on: date,
    costs: Decimal | None = None,
    by: str = "school",
    delivered_units: int = 0,
    mail: MailSetup | None = None,
) -> OrderCancellation:
    """Cancel an order (§4; what the school pays: contracts.cancellation.plan_order_cancellation).

    A charge not yet invoiced is replaced (withdrawn and raised again as
    ``order/{id}/cancel``); an invoiced one is corrected by a credit note
    (its email queued, with ``mail``).
    """
    party = check_by(by)
    order = get_order(ctx, order_id)
    original = ctx.session.scalar(select(Charge).where(Charge.source_key == f"order/{order.id}"))
    plan = plan_order_cancellation(
        OrderToCancel(order.id, order.status, order.ordered_on, order.deliver_on, order.price, order.quantity),
        notice_on, party, costs, delivered_units, _work_recorded(ctx, order),
        None if original is None else OrderCharge(original.amount, original.status, is_invoiced(ctx, original),
                                                  original.description))
    new_amount = plan.charge

    reason = f"order {order.id} cancelled by the {party} on notice of {notice_on.isoformat()}"
    record: Charge | None = None
    notes: list[Invoice] = []
    if original is not None and plan.replace:
        withdraw_charge(ctx, original, reason)
        if new_amount > 0:
            record = raise_charge(ctx, NewCharge(
                school=order.school, kind="order", source_key=f"order/{order.id}/cancel",
                service_code=original.service_code,
                description=plan.description,
                due_on=max(notice_on, ctx.today), amount=new_amount,
                item_vat_code=_item_vat_code(ctx, original), quantity=Decimal(1), unit_price=new_amount,
                period_start=original.period_start, period_end=original.period_end,
                order_id=order.id, detail=OrderDetail(price=order.price, costs=plan.costs, by=party,
                                                     item_vat_code=_item_vat_code(ctx, original)),
            ))
    elif original is not None and plan.keep:
        line = invoice_line_of(ctx, original)
        assert line is not None
        if plan.credit:
            notes = credit_net(ctx, [line], plan.credit, plan.credit_reason, mail)
        record = original

    order.status = plan.status
    order.cancelled_by = party
    order.notice_on = notice_on
    order.costs_incurred = plan.costs
    ctx.audit("order.cancel", "order", order.id, {
        "by": party, "notice_on": notice_on, "costs": plan.costs, "price": order.price, "charge": new_amount,
        "delivered_units": delivered_units, "credit_notes": [n.number for n in notes],
    }, reason=reason)
    return OrderCancellation(order, new_amount, record, notes)


def _item_vat_code(ctx: Context, charge: Charge) -> str:
    # The replacement keeps the original item's external VAT code (S or E); O is decided per customer.
    if charge.detail and charge.detail.get("item_vat_code") in ("S", "E"):
        return str(charge.detail["item_vat_code"])
    return "E" if charge.vat_code == "E" else "S"
