"""`traded invoice list|show|pdf|void|edit|write-off|write-offs` and `traded credit-note add`."""

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
@click.option("--status", default=None, metavar="issued|paid|overdue|credited|written_off|settled_by_journal",
              help="Only invoices in this state (settled_by_journal: a maintained school's recharge).")
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
                       money(r["outstanding"]), _status_words(r["status"])] for r in rows],
                     align="llllrrl", title=count(len(rows), "invoice"))

    emit_list(rt, rows, text)


def _status_words(status: object) -> str:
    """A status as people say it on screen ("written off"); --json and --csv keep the value itself."""
    return str(status).replace("_", " ")


def _document_text(data: dict[str, object]) -> str:
    from cli.formats import money
    from cli.tables import paragraph, table

    write_off = data.get("purpose") == "write_off"
    if write_off:
        title = f"Write-off {data['number']} of {data['corrects']}"
    elif data["kind"] == "credit_note":
        title = f"Credit note {data['number']}"
    elif data.get("purpose") == "recharge":
        title = f"Recharge {data['number']}"
    else:
        title = f"Invoice {data['number']}"
    head = [f"{title} to {data['school']} (URN {data['urn']})",
            f"Issued {data['issued']}" + (f", due {data['due']}" if data.get("due") else "")]
    if write_off:
        head.append(f"Writes off a bad debt on invoice {data['corrects']} dated {data['corrects_issued']}: {data['reason']}")
    elif data.get("corrects"):
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
        foot += f"  Outstanding {money(data['outstanding'])} ({_status_words(data['status'])})"
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


@invoice.command("write-off")
@click.argument("number")
@click.option("--amount", default=None, metavar="AMOUNT",
              help="Gross to write off, e.g. 540.00 (default: all that is outstanding on the invoice).")
@click.option("--reason", required=True, metavar="TEXT", help=f"Why the debt is written off. {REASON_HELP}")
@click.option("--approved-by", "approved_by", required=True, metavar="NAME",
              help="Who approved it: someone other than the person recording it.")
@pass_runtime
def write_off(rt: Runtime, number: str, amount: str | None, reason: str, approved_by: str) -> None:
    """Write off a bad debt: a write-off document (WO- series) against the invoice.

    It lowers the invoice's and the school's balance from today, as a credit note
    does, so the debt leaves aged debt and stops earning interest; the school's
    statement shows it as written off with the reason. Refused on an internal
    recharge, on an invoice with nothing outstanding, above what is outstanding,
    or when the approver is the person recording it. Rules: docs/rules.md §7.

    Interest the invoice earned up to the write-off is still owed: it says how much
    is on no invoice yet (and how much of that the next interest run will raise), to
    waive with a reason by `traded interest waive` if it is to go too.

    \b
    Example:
      traded --as-of 2026-02-01 invoice write-off INV-000001 --reason "School closed" --approved-by "J Smith"
      traded invoice write-off INV-000002 --amount 120.00 --reason "Disputed day" --approved-by "J Smith"
    \b
    JSON: {"number": "WO-000001", "invoice", "urn", "date", "amount": "1000.00", "vat",
           "reason", "approved_by", "interest_not_invoiced": "82.53", "interest_not_raised": "20.38"}
           (interest_not_invoiced: interest on the invoice to the write-off date on no invoice yet;
            interest_not_raised: the part of it the next interest run raises)
    """
    from billing.write_offs import write_off_debt
    from pricing.money import parse_money

    def service(ctx: object) -> dict[str, object]:
        gross = None if amount is None else parse_money(amount, "write-off amount", positive=True)
        return write_off_debt(ctx, number, reason, approved_by, gross).as_json()  # type: ignore[arg-type]

    data = rt.run(service)
    rt.emit(data, lambda: _written_off_text(data))


def _written_off_text(data: dict[str, object]) -> str:
    from decimal import Decimal

    from cli.formats import money

    said = (f"Wrote off {money(data['amount'])} of {data['invoice']} as {data['number']} "
            f"(approved by {data['approved_by']}).")
    interest = Decimal(str(data["interest_not_invoiced"]))
    if not interest:
        return said
    not_raised = Decimal(str(data["interest_not_raised"]))
    raised = interest - not_raised
    parts = ([f"{money(raised)} raised and not yet invoiced"] if raised else []) + (
        [f"{money(not_raised)} the next interest run will raise"] if not_raised else [])
    first = "traded interest run, then " if not_raised else ""
    return "\n".join([
        said,
        f"Interest of {money(interest)} on {data['invoice']} up to {data['date']} is still to be billed "
        f"({' and '.join(parts)}).",
        f"To waive it with a reason: {first}traded interest list --invoice {data['invoice']} and "
        f'traded interest waive ID --reason "…".'])


@invoice.command("write-offs")
@click.option("--urn", default=None, metavar="URN", help="Only this school's write-offs.")
@click.option("--from", "from_", default=None, metavar="DATE", help="Only write-offs on or after this day.")
@click.option("--to", "to", default=None, metavar="DATE", help="Only write-offs on or before this day.")
@list_options
@pass_runtime
def write_offs(rt: Runtime, urn: str | None, from_: str | None, to: str | None) -> None:
    """List bad debts written off: when, the invoice, how much, why, who approved and who recorded it.

    \b
    Example:
      traded invoice write-offs --from 2025-04-01 --to 2026-03-31
      traded invoice write-offs --urn 100279 --csv write-offs.csv
    \b
    JSON: [{"number", "date", "invoice", "invoice_issued", "urn", "school", "amount": "1000.00",
            "vat": "166.67", "reason", "approved_by", "recorded_by", "recorded_at"}]
            (vat: the VAT within the amount, for a bad-debt relief claim)
    """
    from billing.views.write_offs import list_write_offs
    from cli.listing import emit_list
    from pricing.clock import parse_date

    def service(ctx: object) -> list[dict[str, object]]:
        return [r.as_json() for r in list_write_offs(ctx, urn,  # type: ignore[arg-type]
                                                     parse_date(from_) if from_ else None,
                                                     parse_date(to) if to else None)]

    rows = rt.run(service, read_only=True)

    def text() -> str:
        from decimal import Decimal

        from cli.formats import count, money
        from cli.tables import table

        total = sum((Decimal(str(r["amount"])) for r in rows), Decimal("0.00"))
        return table(["Number", "Date", "Invoice", "School", "Amount", "Reason", "Approved by", "Recorded by"],
                     [[r["number"], r["date"], r["invoice"], f"{r['school']} ({r['urn']})", money(r["amount"]),
                       r["reason"], r["approved_by"], r["recorded_by"]] for r in rows],
                     align="llllrlll", wrap=("School", "Reason"),
                     title=f"{count(len(rows), 'write-off')}, {money(total)} in all")

    emit_list(rt, rows, text)


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
    JSON: [{"number", "purpose": "standard|write_off", "invoice", "urn", "school", "issued", "net": "100.00",
            "vat": "20.00", "amount": "120.00", "reason"}]   (amount: the gross credited)
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
    JSON: as `invoice show`: {"number", "kind": "credit_note", "purpose": "standard|write_off", "corrects", "corrects_issued",
           "reason", "net", "vat", "total", "lines": [...]}
    """
    from billing.views.documents import show_credit_note

    data = rt.run(lambda ctx: show_credit_note(ctx, number), read_only=True).as_json()
    rt.emit(data, lambda: _document_text(data))
