"""`traded invoice list|show|pdf|void|edit` and `traded credit-note add`."""

from __future__ import annotations

from pathlib import Path

import click

from cli.listing import list_options
from cli.mail_options import mail_setup, no_email_option
from cli.runtime import Runtime, pass_runtime
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
@click.option("--urn", default=None, metavar="URN", help="Only this school's invoices.")
@click.option("--status", default=None, metavar="issued|paid|overdue|credited")
@list_options
@pass_runtime
def list_(rt: Runtime, urn: str | None, status: str | None) -> None:
    """List invoices with what is outstanding on each.

    \b
    Example:
      traded --as-of 2025-11-01 invoice list --urn 100279 --status overdue
      traded invoice list --csv invoices.csv
    """
    from billing.views.invoices import list_invoices
    from cli.listing import emit_list

    rows = [row.as_json() for row in rt.run(lambda ctx: list_invoices(ctx, urn, status), read_only=True)]

    def text() -> str:
        from cli.formats import count, money
        from cli.tables import table

        return table(["Number", "URN", "Issued", "Due", "Total", "Outstanding", "Status"],
                     [[r["number"], r["urn"], r["issued"], r["due"], money(r["total"]),
                       money(r["outstanding"]), r["status"]] for r in rows],
                     align="llllrrl", title=count(len(rows), "invoice"))

    emit_list(rt, rows, text)


def _document_text(data: dict[str, object]) -> str:
    from cli.formats import money
    from cli.tables import paragraph, table

    label = "Credit note" if data["kind"] == "credit_note" else "Invoice"
    head = [f"{label} {data['number']} to {data['school']} (URN {data['urn']})",
            f"Issued {data['issued']}" + (f", due {data['due']}" if data.get("due") else "")]
    if data.get("corrects"):
        head.append(f"Corrects invoice {data['corrects']} dated {data['corrects_issued']}: {data['reason']}")
    if data.get("po_number"):
        head.append(f"Your order number: {data['po_number']}")
    lines = data["lines"]
    assert isinstance(lines, list)
    # The period goes under the description, so the figures keep their room on an 80-column terminal.
    body = table(["Description", "Qty", "Unit price", "VAT rate", "Net", "VAT", "Total"],
                 [[ln["description"] + (f"\n{ln['period_start']} to {ln['period_end']}" if ln["period_start"] else ""),
                   ln["quantity"], money(ln["unit_price"]), f"{ln['vat_code']} {_rate(ln['vat_rate'])}%",
                   money(ln["net"]), money(ln["vat"]), money(ln["total"])] for ln in lines],
                 align="lrrlrrr", wrap=("Description",))
    foot = f"Net {money(data['net'])}  VAT {money(data['vat'])}  Total {money(data['total'])}"
    if "outstanding" in data:
        foot += f"  Outstanding {money(data['outstanding'])} ({data['status']})"
    return "\n".join([*(paragraph(line) for line in head), body, paragraph(foot)])


@invoice.command("show")
@click.argument("number")
@pass_runtime
def show(rt: Runtime, number: str) -> None:
    """Show an invoice or credit note with its lines.

    \b
    Example:
      traded invoice show INV-000001
    """
    from billing.views.invoices import show_invoice

    data = rt.run(lambda ctx: show_invoice(ctx, number), read_only=True).as_json()
    rt.emit(data, lambda: _document_text(data))


@invoice.command("pdf")
@click.argument("number")
@click.option("--out", "--pdf", "out", required=True, type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help="Where to write the PDF (--pdf is the same option).")
@click.option("--force", is_flag=True, help="Replace the output file if it exists (never the database).")
@pass_runtime
def pdf(rt: Runtime, number: str, out: Path, force: bool) -> None:
    """Write an invoice or credit note as an A4 PDF.

    \b
    Example:
      traded invoice pdf INV-000001 --out INV-000001.pdf
    """
    from billing.documents import print_invoice

    data = rt.run(lambda ctx: print_invoice(ctx, number, out, force), read_only=True, prints=True).as_json()
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
@no_email_option("the credit note")
@pass_runtime
def add(rt: Runtime, invoice_number: str, amount: str, reason: str, no_email: bool) -> None:
    """Credit part or all of what is left on an invoice, VAT at the invoice's rates.

    The credit note's email to the school's finance contacts is queued with it
    (`traded mail send` delivers it) unless --no-email.

    \b
    Example:
      traded --as-of 2025-10-01 credit-note add INV-000001 --amount 540.00 --reason "One day charged twice"
    """
    from billing.invoicing import issue_credit_note
    from billing.outbox import queue_document
    from cli.formats import money
    from pricing.money import parse_money

    mail = mail_setup(rt, no_email)

    def service(ctx: object) -> dict[str, object]:
        note = issue_credit_note(ctx, invoice_number, parse_money(amount, "credit note amount", positive=True), reason)  # type: ignore[arg-type]
        assert note.corrects is not None
        if mail is not None:
            queue_document(ctx, note, mail)  # type: ignore[arg-type]
        return {"number": note.number, "invoice": note.corrects.number, "amount": note.total}

    data = rt.run(service)
    rt.emit(data, lambda: f"Issued credit note {data['number']} for {money(data['amount'])} against {data['invoice']}.")


def _rate(value: object) -> str:
    """A VAT rate without trailing zeros: 20, 0, 17.5."""
    from decimal import Decimal

    rate = value if isinstance(value, Decimal) else Decimal(str(value))
    return f"{rate.normalize():f}"


@credit_note.command("list")
@click.option("--urn", default=None, metavar="URN", help="Only this school's credit notes.")
@click.option("--invoice", "invoice_number", default=None, metavar="NUMBER",
              help="Only the credit notes correcting this invoice.")
@list_options
@pass_runtime
def credit_note_list(rt: Runtime, urn: str | None, invoice_number: str | None) -> None:
    """List credit notes in number order, each with the invoice it corrects, its amount and reason.

    \b
    Example:
      traded credit-note list --urn 100279
      traded --json credit-note list --invoice INV-000012
    \b
    JSON: [{"number", "invoice", "urn", "school", "issued", "net": "100.00", "vat": "20.00",
            "amount": "120.00", "reason"}]   (amount: the gross credited)
    """
    from billing.views.documents import list_credit_notes
    from cli.listing import emit_list

    rows = rt.run(lambda ctx: [n.as_json() for n in list_credit_notes(ctx, urn, invoice_number)], read_only=True)

    def text() -> str:
        from cli.formats import count, money
        from cli.tables import table

        return table(["Number", "Invoice", "School", "Issued", "Net", "VAT", "Amount", "Reason"],
                     [[r["number"], r["invoice"], f"{r['school']} ({r['urn']})", r["issued"], money(r["net"]),
                       money(r["vat"]), money(r["amount"]), r["reason"]] for r in rows],
                     align="llllrrrl", wrap=("School", "Reason"), title=count(len(rows), "credit note"))

    emit_list(rt, rows, text)


@credit_note.command("show")
@click.argument("number")
@pass_runtime
def credit_note_show(rt: Runtime, number: str) -> None:
    """Show a credit note with its lines and the invoice it corrects (`invoice show` for invoices).

    \b
    Example:
      traded credit-note show CN-000001
    \b
    JSON: as `invoice show`: {"number", "kind": "credit_note", "corrects", "corrects_issued",
           "reason", "net", "vat", "total", "lines": [...]}
    """
    from billing.views.documents import show_credit_note

    data = rt.run(lambda ctx: show_credit_note(ctx, number), read_only=True).as_json()
    rt.emit(data, lambda: _document_text(data))
