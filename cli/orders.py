"""`traded order add|cancel|list`."""

from __future__ import annotations

import click

from cli.runtime import Runtime, pass_runtime


@click.group()
def order() -> None:
    """Buy or cancel catalogue items (covered by the subscription or charged).

    \b
    Example:
      traded order add 100279 --item cpd_place --qty 3 --deliver-on 2025-11-12
      traded order cancel 4 --notice 2025-10-20 --costs 150.00
    """


@order.command("add")
@click.argument("urn")
@click.option("--item", "item", required=True, metavar="CODE", help="A catalogue item code, e.g. cpd_place.")
@click.option("--qty", default="1", show_default=True, metavar="N")
@click.option("--deliver-on", default=None, metavar="DATE")
@click.option("--po", "po_number", default=None, metavar="TEXT", help="The school's purchase-order number.")
@pass_runtime
def add(rt: Runtime, urn: str, item: str, qty: str, deliver_on: str | None, po_number: str | None) -> None:
    """Buy a catalogue item; the subscription's entitlement covers it if any is left.

    \b
    Example:
      traded order add 100279 --item whole_class_block --deliver-on 2026-02-23
    """
    from billing.orders import add_order, order_json
    from pricing.clock import parse_date
    from pricing.errors import InvalidInput

    def service(ctx: object) -> dict[str, object]:
        if not qty.strip().isdigit():
            raise InvalidInput(f"quantity {qty!r} must be a whole number of at least 1", code="bad_quantity")
        placed = add_order(ctx, urn, item, int(qty), parse_date(deliver_on) if deliver_on else None,  # type: ignore[arg-type]
                           po_number)
        return order_json(placed)

    data = rt.run(service)
    rt.emit(data, f"Order {data['id']}: {data['quantity']} × {data['item']} — "
                  + ("covered by the subscription." if data["covered"] else f"charged {data['price']}."))


@order.command("cancel")
@click.argument("order_id", metavar="ID", type=int)
@click.option("--notice", required=True, metavar="DATE", help="The day notice of cancellation was given.")
@click.option("--costs", default=None, metavar="AMOUNT", help="Costs actually incurred (charged, capped at the price).")
@click.option("--by", "by", default="school", show_default=True, metavar="school|service")
@click.option("--delivered", default="0", show_default=True, metavar="N",
              help="Units already delivered when the service cancels (the rest is refunded).")
@pass_runtime
def cancel(rt: Runtime, order_id: int, notice: str, costs: str | None, by: str, delivered: str) -> None:
    """Cancel an order: late school cancellations are charged in full or at recorded costs.

    With less than twelve weeks' notice before delivery (or part-way through) the school pays
    the price, or --costs if lower. Cancelled by the service, the undelivered part is refunded
    by credit note.

    \b
    Example:
      traded order cancel 4 --notice 2025-10-20 --costs 150.00
      traded order cancel 5 --notice 2026-03-02 --by service --delivered 2
    """
    from billing.cancellations import cancel_order
    from pricing.clock import parse_date
    from pricing.errors import InvalidInput
    from pricing.money import parse_money

    def service(ctx: object) -> dict[str, object]:
        if not delivered.strip().isdigit():
            raise InvalidInput(f"delivered units {delivered!r} must be a whole number")
        incurred = parse_money(costs, "costs incurred") if costs is not None else None
        done = cancel_order(ctx, order_id, parse_date(notice), incurred,  # type: ignore[arg-type]
                            by, int(delivered))
        return {
            "id": done.order.id,
            "charge": done.charge,
            "key": done.charge_record.source_key if done.charge_record else None,
            "credit_notes": [{"number": n.number, "amount": n.total} for n in done.credit_notes],
        }

    data = rt.run(service)
    rt.emit(data, f"Order {data['id']} cancelled; the school pays {data['charge']}.")


@order.command("list")
@click.option("--urn", default=None, help="Only this school's orders.")
@pass_runtime
def list_(rt: Runtime, urn: str | None) -> None:
    """List orders.

    \b
    Example:
      traded order list --urn 100279
    """
    from billing.orders import list_orders, order_json

    rows = rt.run(lambda ctx: [order_json(o) for o in list_orders(ctx, urn)], read_only=True)

    def text() -> str:
        from cli.tables import table

        return table(["ID", "URN", "Item", "Qty", "Deliver", "Covered", "Price", "Status"],
                     [[r["id"], r["urn"], r["item"], r["quantity"], r["deliver_on"], r["covered"], r["price"],
                       r["status"]] for r in rows], align="lllrllrl", title=f"{len(rows)} orders")

    rt.emit(rows, text)
