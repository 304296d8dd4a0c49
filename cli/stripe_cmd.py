"""`traded stripe pay-link|bank-details|events|retry`: card and bank-transfer payments through Stripe."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click

from cli.listing import list_options
from cli.params import WholeNumber
from cli.runtime import Runtime, pass_runtime, runtime

if TYPE_CHECKING:
    from billing.context import Context
    from billing.gateway.port import PaymentGateway


def _stripe_gateway() -> PaymentGateway:
    return runtime(click.get_current_context()).stripe_gateway()


# Tests swap this for a gateway over a fake transport; the real one is built from the command's settings.
gateway_factory: Callable[[], PaymentGateway] = _stripe_gateway


def _gateway(ctx: Context) -> PaymentGateway:
    assert ctx.gateway is not None, "run with gateway=gateway_factory"
    return ctx.gateway


@click.group()
def stripe() -> None:
    """Card and bank-transfer payments through Stripe.

    Needs STRIPE_API_KEY (a sk_test_ key unless TRADED_ALLOW_LIVE_STRIPE=1).
    Payments reach the ledger through the webhook served by `traded serve`;
    an event it could not apply waits in `traded stripe events` until
    `traded stripe retry` applies it.

    \b
    Example:
      traded stripe pay-link INV000123
      traded stripe bank-details 100279
      traded stripe events
      traded stripe retry evt_1QhXz2Lk9
    """


@stripe.command("pay-link")
@click.argument("invoice")
@pass_runtime
def pay_link_(rt: Runtime, invoice: str) -> None:
    """Print a card-payment link for what is outstanding on INVOICE.

    \b
    Example:
      traded stripe pay-link INV000123
    """
    from billing.gateway.service import pay_link
    from pricing.money import format_money, from_pence

    def service(ctx: Context) -> dict[str, object]:
        link = pay_link(ctx, _gateway(ctx), invoice)
        return {"invoice": link.invoice_number, "amount": format_money(from_pence(link.amount_pence)),
                "url": link.url}

    data = rt.run(service, gateway=gateway_factory)
    rt.emit(data, str(data["url"]))


@stripe.command("bank-details")
@click.argument("urn")
@pass_runtime
def bank_details_(rt: Runtime, urn: str) -> None:
    """Print the bank account school URN pays into by BACS (its own account at Stripe).

    Ask the school to quote the invoice number as the payment reference.

    \b
    Example:
      traded stripe bank-details 100279
    """
    from billing.gateway.service import bank_details

    def service(ctx: Context) -> dict[str, object]:
        details = bank_details(ctx, _gateway(ctx), urn)
        return {"urn": urn.strip(), "account_holder_name": details.account_holder_name,
                "sort_code": details.sort_code, "account_number": details.account_number}

    data = rt.run(service, gateway=gateway_factory)
    rt.emit(data, lambda: "\n".join([
        f"Account name:   {data['account_holder_name']}",
        f"Sort code:      {data['sort_code']}",
        f"Account number: {data['account_number']}",
        "Reference:      the invoice number",
    ]))


EVENT_STATUSES = ("waiting", "parked", "unallocated", "review", "processed", "ignored", "all")


@stripe.command("events")
@click.option("--status", "statuses", multiple=True, type=click.Choice(EVENT_STATUSES), metavar="STATUS",
              help="waiting (the default: parked, unallocated and review), parked, unallocated, review, "
                   "processed, ignored or all; repeatable.")
@click.option("--limit", type=WholeNumber("count", 1, 100_000), default=None, metavar="N", help="At most N events.")
@list_options
@pass_runtime
def events_(rt: Runtime, statuses: tuple[str, ...], limit: int | None) -> None:
    """List the Stripe webhook events received, by default those waiting for a person.

    parked: verified, but the engine could not read or apply it (the reason is
    shown); unallocated: money the ledger could not place (an unknown invoice or
    school, an amount beyond the ledger); review: recorded, but check it by hand.
    Fix the cause, then `traded stripe retry EVENT_ID` (or --all-parked).

    \b
    Example:
      traded stripe events
      traded --json stripe events --status parked
      traded stripe events --status all --csv stripe-events.csv
    """
    from billing.gateway.inbox import NEEDS_A_PERSON, list_events
    from cli.listing import emit_list

    wanted: list[str] = []
    for status in statuses or ("waiting",):
        names = NEEDS_A_PERSON if status == "waiting" else EVENT_STATUSES[1:-1] if status == "all" else (status,)
        wanted.extend(n for n in names if n not in wanted)

    def service(ctx: Context) -> dict[str, object]:
        rows = [row.as_dict() for row in list_events(ctx, tuple(wanted), limit)]
        return {"statuses": wanted, "events": rows, "count": len(rows)}

    data = rt.run(service, read_only=True)

    def text() -> str:
        from cli.formats import count
        from cli.tables import table
        from pricing.clock import format_london

        rows: list[dict[str, Any]] = data["events"]  # type: ignore[assignment]
        if not rows:
            return f"No Stripe events {'/'.join(wanted)}."
        return table(["Event", "Type", "Status", "Received", "Why"],
                     [[r["event"], r["type"], r["status"], format_london(r["received_at"]), r["note"] or ""]
                      for r in rows], wrap=("Why",),
                     title=f"{count(len(rows), 'Stripe event')} {'/'.join(wanted)}")

    emit_list(rt, data, text, records=data["events"])  # type: ignore[arg-type]


@stripe.command("retry")
@click.argument("event_ids", nargs=-1, metavar="[EVENT_ID]...")
@click.option("--all-parked", is_flag=True, help="Retry every parked event, oldest first.")
@click.option("--all-unallocated", is_flag=True, help="Retry every unallocated event, oldest first.")
@pass_runtime
def retry_(rt: Runtime, event_ids: tuple[str, ...], all_parked: bool, all_unallocated: bool) -> None:
    """Apply parked or unallocated Stripe events again, once their cause is fixed.

    Each event is applied as if it had just arrived: its payment or refund is
    recorded once (a payment already in the ledger is not recorded twice), or
    it stays waiting with the reason it still cannot be applied. Every change
    is in the audit trail.

    \b
    Example:
      traded stripe retry evt_1QhXz2Lk9
      traded stripe retry --all-parked --all-unallocated
    """
    from billing.gateway.inbox import retry_event, retryable_ids

    if not event_ids and not all_parked and not all_unallocated:
        rt.fail_usage("name the events to retry, or give --all-parked or --all-unallocated")

    def service(ctx: Context) -> dict[str, object]:
        ids = list(dict.fromkeys(e.strip() for e in event_ids))
        chosen = (("parked",) if all_parked else ()) + (("unallocated",) if all_unallocated else ())
        if chosen:
            ids += [i for i in retryable_ids(ctx, chosen) if i not in ids]
        done = [retry_event(ctx, ident).as_dict() for ident in ids]
        still = sum(1 for d in done if d["status"] in ("parked", "unallocated"))
        return {"retried": done, "count": len(done), "still_waiting": still}

    data = rt.run(service)

    def text() -> str:
        done: list[dict[str, Any]] = data["retried"]  # type: ignore[assignment]
        if not done:
            return "No Stripe events to retry."
        lines = []
        for d in done:
            money = (f" (payment {d['payment_id']})" if d["payment_id"] is not None
                     else f" (refund {d['refund_id']})" if d["refund_id"] is not None else "")
            why = f": {d['note']}" if d["note"] else ""
            verb = "still" if d["status"] == d["was"] else f"{d['was']} →"
            lines.append(f"{d['event']}: {verb} {d['status']}{money}{why}")
        return "\n".join(lines)

    rt.emit(data, text)
