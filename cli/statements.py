"""`traded statement URN`."""

from __future__ import annotations

import click

from cli.mail_options import mail_setup
from cli.runtime import Runtime, pass_runtime

_KIND_WORDS = {"credit_note": "credit note", "write_off": "write-off"}
"""A statement line's kind as the Document column says it beside its number; other kinds are one word."""


@click.command()
@click.argument("urn")
@click.option("--from", "start", default=None, metavar="DATE", help="First day (default: start of the academic year).")
@click.option("--to", "end", default=None, metavar="DATE", help="Last day (default: the as-of date).")
@click.option("--pdf", "--out", "pdf", default=None, type=click.Path(dir_okay=False), metavar="FILE",
              help="Also write the statement as a PDF (--out is the same option).")
@click.option("--force", is_flag=True, help="Replace the output file if it exists (never the database).")
@click.option("--email", is_flag=True,
              help="Also queue the statement, as a PDF, to the school's finance contacts (`traded mail send`).")
@pass_runtime
def statement(rt: Runtime, urn: str, start: str | None, end: str | None, pdf: str | None, force: bool,
              email: bool) -> None:
    """A school's statement: opening balance, every transaction, closing balance, overdue by age.

    With --email the statement is queued to be emailed to the school (once
    per period a day); `traded mail send` delivers it.

    \b
    Example:
      traded statement 100279 --from 2019-09-01 --to 2020-08-31 --pdf statement.pdf
      traded statement 100279 --email
    """
    from pathlib import Path

    from billing.statements import email_statement, school_statement, write_statement_pdf
    from pricing.clock import parse_date

    mail = mail_setup(rt, no_email=not email)

    def service(ctx: object) -> dict[str, object]:
        st = school_statement(ctx, urn, parse_date(start) if start else None,  # type: ignore[arg-type]
                              parse_date(end) if end else None,
                              with_entitlements=rt.as_json or bool(pdf or mail))  # the screen's table does not show them
        data = st.as_json()
        if pdf:
            data["pdf"] = str(write_statement_pdf(ctx, st, Path(pdf), force))  # type: ignore[arg-type]
        if mail is not None:
            message = email_statement(ctx, st, mail)  # type: ignore[arg-type]
            data["email"] = {"id": message.id, "status": message.status, "recipients": list(message.recipients),
                             "reply": message.reply}
        return data

    data = rt.run(service, read_only=mail is None, prints=bool(pdf or mail))

    def text() -> str:
        from cli.formats import money
        from cli.tables import paragraph, table

        # The kind of document beside its number ("invoice INV-000003"): one column fewer, so the
        # statement stays a table on an 80-column terminal.
        rows = [["", "Opening balance", "", "", "", money(data["opening_balance"])]]
        rows += [[ln["date"], f"{_KIND_WORDS.get(ln['kind'], ln['kind'])} {ln['reference']}", ln["description"],
                  money(ln["debit"] or None), money(ln["credit"] or None), money(ln["balance"])]
                 for ln in data["lines"]]  # type: ignore[attr-defined]
        rows.append(["", "Closing balance", "", "", "", money(data["closing_balance"])])
        out = [table(["Date", "Document", "Description", "Debit", "Credit", "Balance"], rows,
                     align="lllrrr", wrap=("Document", "Description"),
                     title=f"Statement for {data['name']} ({data['urn']}), {data['from']} to {data['to']}")]
        overdue = data["overdue"]
        out.append(paragraph("Overdue: " + ", ".join(f"{k} days {money(v)}" for k, v in overdue.items())))  # type: ignore[attr-defined]
        if data.get("pdf"):
            out.append(f"PDF written to {data['pdf']}")
        if data.get("email"):
            out.append(_emailed(data["email"]))  # type: ignore[arg-type]
        return "\n".join(out)

    rt.emit(data, text)


def _emailed(message: dict[str, object]) -> str:
    recipients = message["recipients"]
    assert isinstance(recipients, list)
    if message["status"] == "failed":
        return (f"Not emailed: {message['reply']} (message {message['id']}; add one with `traded school contact "
                "add`, then `traded mail resend`).")
    return f"Statement queued to email to {', '.join(recipients)} (message {message['id']}): `traded mail send`."
