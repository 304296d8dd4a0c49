"""`traded subscription add|cancel|renew|show|list`."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from cli.listing import list_options
from cli.mail_options import mail_setup, no_email_option
from cli.params import RECORD_ID
from cli.runtime import Runtime, pass_runtime

if TYPE_CHECKING:
    from billing.views.subscriptions import SubscriptionDetail, SubscriptionRow


def _term_text(sub: SubscriptionRow) -> str:
    """``2025-09-01 to 2027-08-31``; cancelled: the effective end, then the contract's original end."""
    if sub.effective_end is not None and sub.status == "cancelled":
        return f"{sub.start} to {sub.effective_end} (cancelled; contract end {sub.end})"
    return f"{sub.start} to {sub.end}"


def _charges_text(detail: SubscriptionDetail) -> str:
    from cli.formats import money
    from cli.tables import table

    sub = detail.subscription
    rows = [[c.date, c.description, money(c.amount), c.status] for c in detail.charges]
    return table(["Due", "Description", "Amount", "Status"], rows, align="llrl", wrap=("Description",),
                 title=f"Subscription {sub.id}: {sub.tier} for URN {sub.urn}, "
                       f"{_term_text(sub)}, {sub.schedule}")


@click.group()
def subscription() -> None:
    """Two-year subscriptions, renewals and cancellations.

    Rules: docs/rules.md §3 (subscriptions) and §4 (twelve weeks' notice).

    \b
    Example:
      traded subscription add 100279 --tier premium --start 2025-09-01 --schedule termly
      traded subscription cancel 1 --notice 2026-01-06 --end 2026-02-28
    """


@subscription.command("add")
@click.argument("urn")
@click.option("--tier", required=True, metavar="premium|initial")
@click.option("--start", required=True, metavar="DATE", help="First day of the two-academic-year term.")
@click.option("--schedule", default=None, metavar="annual|termly|fy-split",
              help="How each year's fee is billed; fy-split: two parts, to 31 March and from 1 April. "
                   "Default annual, or for the council's own maintained schools the price book's "
                   "maintained_schedule when it names one.")
@click.option("--po", "po_number", default=None, metavar="TEXT", help="The school's purchase-order number.")
@pass_runtime
def add(rt: Runtime, urn: str, tier: str, start: str, schedule: str | None, po_number: str | None) -> None:
    """Start a subscription running to 31 August of the following academic year.

    Raises one dated charge per instalment (the first year pro rata for a mid-year start).

    \b
    Example:
      traded subscription add 100279 --tier premium --start 2025-09-01 --schedule termly
      traded subscription add 100280 --tier initial --start 2025-10-15 --schedule fy-split
    """
    from billing.subscriptions import add_subscription
    from billing.views.subscriptions import subscription_detail
    from pricing.clock import parse_date

    detail = rt.run(lambda ctx: subscription_detail(
        ctx, add_subscription(ctx, urn, tier, parse_date(start), schedule, po_number)))
    rt.emit(detail.as_json(), lambda: _charges_text(detail))


@subscription.command("cancel")
@click.argument("subscription_id", metavar="ID", type=RECORD_ID)
@click.option("--notice", required=True, metavar="DATE", help="The day written notice was given.")
@click.option("--end", "end", required=True, metavar="DATE", help="The end date asked for.")
@click.option("--by", "by", default="school", show_default=True, metavar="school|service")
@no_email_option("a settlement credit note")
@pass_runtime
def cancel(rt: Runtime, subscription_id: int, notice: str, end: str, by: str, no_email: bool) -> None:
    """Cancel on twelve weeks' notice and settle the fee accrued to the effective end.

    The effective end is the later of the requested end and notice + 84 days. Instalments
    not yet invoiced are withdrawn; a shortfall becomes a settlement charge for the next
    bill run, an excess a credit note.

    \b
    Example:
      traded subscription cancel 1 --notice 2020-01-06 --end 2020-02-28
    """
    from billing.cancellations import cancel_subscription
    from pricing.clock import parse_date

    mail = mail_setup(rt, no_email)

    def service(ctx: object) -> dict[str, object]:
        done = cancel_subscription(ctx, subscription_id, parse_date(notice), parse_date(end), by,  # type: ignore[arg-type]
                                   mail)
        return {
            "id": done.subscription.id,
            "effective_end": done.effective_end,
            "settlement": {"kind": done.settlement.kind, "amount": done.settlement.amount},
            "accrued": done.accrued,
            "invoiced": done.invoiced,
            "withdrawn": [{"key": c.source_key, "amount": c.amount} for c in done.withdrawn],
            "charge": done.settlement_charge.source_key if done.settlement_charge else None,
            "credit_notes": [{"number": n.number, "amount": n.total} for n in done.credit_notes],
        }

    data = rt.run(service)

    def text() -> str:
        from cli.formats import money

        settlement: dict[str, object] = data["settlement"]  # type: ignore[assignment]
        kind = str(settlement["kind"]).replace("_", " ")
        owed = "nothing to settle" if kind == "none" else f"settlement {kind} {money(settlement['amount'])}"
        return f"Subscription {data['id']} ends on {data['effective_end']}; {owed}."

    rt.emit(data, text)


@subscription.command("renew")
@click.argument("subscription_id", metavar="ID", type=RECORD_ID)
@pass_runtime
def renew(rt: Runtime, subscription_id: int) -> None:
    """Renew for the next two-academic-year term, from the day after this one ends.

    \b
    Example:
      traded subscription renew 1
    """
    from billing.subscriptions import renew_subscription
    from billing.views.subscriptions import subscription_detail

    detail = rt.run(lambda ctx: subscription_detail(ctx, renew_subscription(ctx, subscription_id)))
    rt.emit(detail.as_json(), lambda: _charges_text(detail))


@subscription.command("show")
@click.argument("subscription_id", metavar="ID", type=RECORD_ID)
@pass_runtime
def show(rt: Runtime, subscription_id: int) -> None:
    """Show a subscription and its charges.

    \b
    Example:
      traded subscription show 1
    """
    from billing.views.subscriptions import show_subscription

    detail = rt.run(lambda ctx: show_subscription(ctx, subscription_id))
    rt.emit(detail.as_json(), lambda: _charges_text(detail))


@subscription.command("list")
@click.option("--urn", default=None, metavar="URN", help="Only this school's subscriptions.")
@list_options
@pass_runtime
def list_(rt: Runtime, urn: str | None) -> None:
    """List subscriptions (End: the effective end of a cancelled one).

    \b
    Example:
      traded subscription list --urn 100279
      traded subscription list --csv subscriptions.csv
    """
    from billing.views.subscriptions import subscription_rows
    from cli.listing import emit_list

    subs = rt.run(lambda ctx: subscription_rows(ctx, urn), read_only=True)
    rows = [s.as_json() for s in subs]

    def text() -> str:
        from cli.formats import count
        from cli.tables import table

        return table(["ID", "URN", "Tier", "Start", "End", "Schedule", "Status"],
                     [[s.id, s.urn, s.tier, s.start, s.term_end, s.schedule, s.status] for s in subs],
                     align="r", title=count(len(rows), "subscription"))

    emit_list(rt, rows, text)
