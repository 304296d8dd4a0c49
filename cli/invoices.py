"""`traded invoice list|show|pdf|void|edit` and `traded credit-note add`."""

from __future__ import annotations

from pathlib import Path

import click

from cli.runtime import Runtime, makes_pay_links, pass_runtime
from pricing.text import REASON_HELP


@click.group()
def invoice() -> None:
    """List, show and print invoices.

    \b
    Example:
      traded invoice list --status overdue
      traded invoice pdf INV-000001 --out INV-000001.pdf
    """


@invoice.command("list")
@click.option("--urn", default=None, help="Only this school's invoices.")
@click.option("--status", default=None, metavar="issued|paid|overdue|credited")
@pass_runtime
def list_(rt: Runtime, urn: str | None, status: str | None) -> None:
    """List invoices with what is outstanding on each.

    \b
    Example:
      traded --as-of 2025-11-01 invoice list --urn 100279 --status overdue
    """
    from billing.documents import list_invoices

    rows = rt.run(lambda ctx: list_invoices(ctx, urn, status), read_only=True)

    def text() -> str:
        from cli.tables import table
        from pricing.money import format_money

        return table(["Number", "URN", "Issued", "Due", "Total £", "Outstanding £", "Status"],
                     [[r["number"], r["urn"], r["issued"], r["due"], format_money(r["total"]),  # type: ignore[arg-type]
                       format_money(r["outstanding"]), r["status"]] for r in rows],  # type: ignore[arg-type]
                     align="llllrrl", title=f"{len(rows)} invoices")

    rt.emit(rows, text)


def _document_text(data: dict[str, object]) -> str:
    from cli.tables import table
    from pricing.money import format_money

    label = "Credit note" if data["kind"] == "credit_note" else "Invoice"
    head = [f"{label} {data['number']} to {data['school']} (URN {data['urn']})",
            f"Issued {data['issued']}" + (f", due {data['due']}" if data.get("due") else "")]
    if data.get("corrects"):
        head.append(f"Corrects invoice {data['corrects']} dated {data['corrects_issued']}: {data['reason']}")
    if data.get("po_number"):
        head.append(f"Your order number: {data['po_number']}")
    lines = data["lines"]
    assert isinstance(lines, list)
    body = table(["Description", "Period", "Qty", "Unit £", "VAT", "Net £", "VAT £", "Total £"],
                 [[ln["description"],
                   f"{ln['period_start']} to {ln['period_end']}" if ln["period_start"] else "",
                   ln["quantity"], ln["unit_price"], f"{ln['vat_code']} {ln['vat_rate']}%",
                   format_money(ln["net"]), format_money(ln["vat"]), format_money(ln["total"])] for ln in lines],
                 align="llrrlrrr")
    foot = f"Net £{data['net']}  VAT £{data['vat']}  Total £{data['total']}"
    if "outstanding" in data:
        foot += f"  Outstanding £{data['outstanding']} ({data['status']})"
    return "\n".join([*head, body, foot])


@invoice.command("show")
@click.argument("number")
@pass_runtime
def show(rt: Runtime, number: str) -> None:
    """Show an invoice or credit note with its lines.

    \b
    Example:
      traded invoice show INV-000001
    """
    from billing.documents import show_invoice

    data = rt.run(lambda ctx: show_invoice(ctx, number), read_only=True)
    rt.emit(data, lambda: _document_text(data))


@invoice.command("pdf")
@click.argument("number")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the PDF.")
@click.option("--force", is_flag=True, help="Replace the output file if it exists (never the database).")
@pass_runtime
def pdf(rt: Runtime, number: str, out: Path, force: bool) -> None:
    """Write an invoice or credit note as an A4 PDF.

    \b
    Example:
      traded invoice pdf INV-000001 --out INV-000001.pdf
    """
    from billing.documents import print_invoice

    data = rt.run(lambda ctx: print_invoice(ctx, number, out, force), read_only=not makes_pay_links())
    rt.emit(data, f"Wrote {data['number']} to {data['pdf']}.")


@invoice.command("void")
@click.argument("number")
@pass_runtime
def void(rt: Runtime, number: str) -> None:
    """Always refused: an issued invoice cannot be voided; issue a credit note instead.

    The attempt is recorded in the audit trail.

    \b
    Example:
      traded credit-note add INV-000001 --amount 4500.00 --reason "Raised in error"
    """
    from billing.invoicing import refuse_alteration

    rt.run(lambda ctx: refuse_alteration(ctx, number, "void"))


@invoice.command("edit")
@click.argument("number")
@pass_runtime
def edit(rt: Runtime, number: str) -> None:
    """Always refused: an issued invoice never changes; correct it with a credit note.

    The attempt is recorded in the audit trail.

    \b
    Example:
      traded credit-note add INV-000001 --amount 540.00 --reason "One day charged twice"
    """
    from billing.invoicing import refuse_alteration

    rt.run(lambda ctx: refuse_alteration(ctx, number, "edit"))


@click.group("credit-note")
def credit_note() -> None:
    """Correct or refund an issued invoice with a credit note.

    \b
    Example:
      traded credit-note add INV-000001 --amount 540.00 --reason "One day charged twice"
    """


@credit_note.command("add")
@click.argument("invoice_number", metavar="INVOICE")
@click.option("--amount", required=True, metavar="AMOUNT", help="Gross (VAT inclusive), e.g. 540.00.")
@click.option("--reason", required=True, metavar="TEXT", help=f"Why the invoice is being credited. {REASON_HELP}")
@pass_runtime
def add(rt: Runtime, invoice_number: str, amount: str, reason: str) -> None:
    """Credit part or all of what is left on an invoice, VAT at the invoice's rates.

    \b
    Example:
      traded --as-of 2025-10-01 credit-note add INV-000001 --amount 540.00 --reason "One day charged twice"
    """
    from billing.invoicing import issue_credit_note
    from pricing.money import parse_money

    def service(ctx: object) -> dict[str, object]:
        note = issue_credit_note(ctx, invoice_number, parse_money(amount, "credit note amount"), reason)  # type: ignore[arg-type]
        assert note.corrects is not None
        return {"number": note.number, "invoice": note.corrects.number, "amount": note.total}

    data = rt.run(service)
    rt.emit(data, f"Issued credit note {data['number']} for £{data['amount']} against {data['invoice']}.")
