"""`traded subscription add|cancel|renew|show|list`."""

from __future__ import annotations

import click

from cli.listing import list_options
from cli.params import RECORD_ID
from cli.runtime import Runtime, pass_runtime


def _term_text(data: dict[str, object]) -> str:
    """``2025-09-01 to 2027-08-31``; cancelled: the effective end, then the contract's original end."""
    if data.get("effective_end") is not None and data.get("status") == "cancelled":
        return f"{data['start']} to {data['effective_end']} (cancelled; contract end {data['end']})"
    return f"{data['start']} to {data['end']}"


def _charges_text(data: dict[str, object]) -> str:
    from cli.formats import money
    from cli.tables import table

    rows = [[c["date"], c["description"], money(c["amount"]), c["status"]] for c in data["charges"]]  # type: ignore[attr-defined]
    return table(["Due", "Description", "Amount", "Status"], rows, align="llrl", wrap=("Description",),
                 title=f"Subscription {data['id']}: {data['tier']} for URN {data['urn']}, "
                       f"{_term_text(data)}, {data['schedule']}")


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
@click.option("--schedule", default="annual", show_default=True, metavar="annual|termly")
@click.option("--po", "po_number", default=None, metavar="TEXT", help="The school's purchase-order number.")
@pass_runtime
def add(rt: Runtime, urn: str, tier: str, start: str, schedule: str, po_number: str | None) -> None:
    """Start a subscription running to 31 August of the following academic year.

    Raises one dated charge per instalment (the first year pro rata for a mid-year start).

    \b
    Example:
      traded subscription add 100279 --tier premium --start 2025-09-01 --schedule termly
    """
    from billing.subscriptions import add_subscription, subscription_json
    from pricing.clock import parse_date

    def service(ctx: object) -> dict[str, object]:
        sub = add_subscription(ctx, urn, tier, parse_date(start), schedule, po_number)  # type: ignore[arg-type]
        return subscription_json(ctx, sub)  # type: ignore[arg-type]

    data = rt.run(service)
    rt.emit(data, lambda: _charges_text(data))


@subscription.command("cancel")
@click.argument("subscription_id", metavar="ID", type=RECORD_ID)
@click.option("--notice", required=True, metavar="DATE", help="The day written notice was given.")
@click.option("--end", "end", required=True, metavar="DATE", help="The end date asked for.")
@click.option("--by", "by", default="school", show_default=True, metavar="school|service")
@pass_runtime
def cancel(rt: Runtime, subscription_id: int, notice: str, end: str, by: str) -> None:
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

    def service(ctx: object) -> dict[str, object]:
        done = cancel_subscription(ctx, subscription_id, parse_date(notice), parse_date(end), by)  # type: ignore[arg-type]
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
    from billing.subscriptions import renew_subscription, subscription_json

    data = rt.run(lambda ctx: subscription_json(ctx, renew_subscription(ctx, subscription_id)))
    rt.emit(data, lambda: _charges_text(data))


@subscription.command("show")
@click.argument("subscription_id", metavar="ID", type=RECORD_ID)
@pass_runtime
def show(rt: Runtime, subscription_id: int) -> None:
    """Show a subscription and its charges.

    \b
    Example:
      traded subscription show 1
    """
    from billing.subscriptions import get_subscription, subscription_json

    data = rt.run(lambda ctx: subscription_json(ctx, get_subscription(ctx, subscription_id)))
    rt.emit(data, lambda: _charges_text(data))


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
    from billing.subscriptions import list_subscriptions
    from cli.listing import emit_list

    def service(ctx: object) -> list[dict[str, object]]:
        return [
            {"id": s.id, "urn": s.school.urn, "tier": s.tier, "start": s.starts_on, "end": s.ends_on,
             "schedule": s.schedule, "status": s.status, "effective_end": s.effective_end}
            for s in list_subscriptions(ctx, urn)  # type: ignore[arg-type]
        ]

    rows = rt.run(service, read_only=True)

    def text() -> str:
        from cli.formats import count
        from cli.tables import table

        return table(["ID", "URN", "Tier", "Start", "End", "Schedule", "Status"],
                     [[r["id"], r["urn"], r["tier"], r["start"], r["effective_end"] or r["end"], r["schedule"],
                       r["status"]] for r in rows], align="r", title=count(len(rows), "subscription"))

    emit_list(rt, rows, text)
