"""`traded order add|cancel|list|show`."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from cli.listing import list_options
from cli.mail_options import mail_setup, no_email_option
from cli.params import RECORD_ID
from cli.runtime import Runtime, pass_runtime

if TYPE_CHECKING:
    from billing.context import Context


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
    from billing.orders import add_order
    from billing.views.orders import OrderView, order_view
    from pricing.clock import parse_date
    from pricing.errors import InvalidInput

    def service(ctx: Context) -> OrderView:
        if not (qty.strip().isascii() and qty.strip().isdigit()) or len(qty.strip()) > 6:
            raise InvalidInput(f"quantity {qty!r} must be a whole number of at least 1", code="bad_quantity")
        return order_view(add_order(ctx, urn, item, int(qty), parse_date(deliver_on) if deliver_on else None,
                                    po_number))

    placed = rt.run(service)
    rt.emit(placed.as_json(), lambda: f"Order {placed.id}: {placed.quantity} × {placed.item} — "
                                      + ("covered by the subscription." if placed.covered
                                         else f"charged {_money(placed.price)}."))


def _money(value: object) -> str:
    from cli.formats import money

    return money(value)


@order.command("cancel")
@click.argument("order_id", metavar="ID", type=RECORD_ID)
@click.option("--notice", required=True, metavar="DATE", help="The day notice of cancellation was given.")
@click.option("--costs", default=None, metavar="AMOUNT", help="Costs actually incurred (charged, capped at the price).")
@click.option("--by", "by", default="school", show_default=True, metavar="school|service")
@click.option("--delivered", default="0", show_default=True, metavar="N",
              help="Units already delivered when the service cancels (the rest is refunded).")
@no_email_option("a refund's credit note")
@pass_runtime
def cancel(rt: Runtime, order_id: int, notice: str, costs: str | None, by: str, delivered: str,
           no_email: bool) -> None:
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

    mail = mail_setup(rt, no_email)

    def service(ctx: object) -> dict[str, object]:
        if not (delivered.strip().isascii() and delivered.strip().isdigit()) or len(delivered.strip()) > 6:
            raise InvalidInput(f"delivered units {delivered!r} must be a whole number")
        incurred = parse_money(costs, "costs incurred") if costs is not None else None
        done = cancel_order(ctx, order_id, parse_date(notice), incurred,  # type: ignore[arg-type]
                            by, int(delivered), mail)
        return {
            "id": done.order.id,
            "charge": done.charge,
            "key": done.charge_record.source_key if done.charge_record else None,
            "credit_notes": [{"number": n.number, "amount": n.total} for n in done.credit_notes],
        }

    data = rt.run(service)
    rt.emit(data, lambda: f"Order {data['id']} cancelled; the school pays {_money(data['charge'])} (net of VAT).")


@order.command("list")
@click.option("--urn", default=None, metavar="URN", help="Only this school's orders.")
@click.option("--year", default=None, metavar="YEAR", help="Only orders for this academic year, e.g. 2025/26.")
@click.option("--status", default=None, metavar="open|delivered|cancelled")
@list_options
@pass_runtime
def list_(rt: Runtime, urn: str | None, year: str | None, status: str | None) -> None:
    """List orders by id: item, quantity, delivery date, whether covered, price and status.

    \b
    Example:
      traded order list --urn 100279
      traded order list --year 2025/26 --status open
    \b
    JSON: [{"id", "urn", "item", "quantity", "covered", "covered_quantity", "price": "1350.00",
            "unit_price", "year", "deliver_on", "status"}]
    """
    from billing.views.orders import order_views
    from cli.listing import emit_list
    from pricing.calendars import AcademicYear

    rows = [o.as_json() for o in rt.run(lambda ctx: order_views(ctx, urn, AcademicYear.parse(year) if year else None,
                                                                 status), read_only=True)]

    def text() -> str:
        from cli.formats import count, money
        from cli.tables import table

        return table(["ID", "URN", "Item", "Qty", "Deliver", "Covered", "Price", "Status"],
                     [[r["id"], r["urn"], r["item"], r["quantity"], r["deliver_on"], r["covered"], money(r["price"]),
                       r["status"]] for r in rows], align="rllrllrl", title=count(len(rows), "order"))

    emit_list(rt, rows, text)


@order.command("show")
@click.argument("order_id", metavar="ID", type=RECORD_ID)
@pass_runtime
def show(rt: Runtime, order_id: int) -> None:
    """Show an order with its sessions and the charges raised on it (and the invoices they are on).

    \b
    Example:
      traded order show 4
    \b
    JSON: {"id", "urn", "item", ... as in order list, "ordered", "po_number", "cancelled_by",
           "notice", "costs_incurred", "sessions": [...as in session list],
           "charges": [{"id", "description", "period_start", "period_end", "due", "amount", "status", "invoice"}]}
    """
    from billing.views.orders import show_order

    data = rt.run(lambda ctx: show_order(ctx, order_id), read_only=True).as_json()

    def text() -> str:
        from cli.details import details, sessions_and_charges
        from cli.formats import money

        parts = [details([
            ("Order", data["id"]), ("URN", data["urn"]), ("Item", data["item"]), ("Quantity", data["quantity"]),
            ("Covered", f"{data['covered_quantity']} of {data['quantity']}"),
            ("Price", money(data["price"])), ("Year", data["year"]), ("Ordered", data["ordered"]),
            ("Deliver on", data["deliver_on"]), ("Status", data["status"]), ("PO number", data["po_number"]),
            ("Cancelled by", data["cancelled_by"]), ("Notice", data["notice"]),
            ("Costs incurred", money(data["costs_incurred"])),
        ])]
        parts += sessions_and_charges(data)
        return "\n".join(parts)

    rt.emit(data, text)
