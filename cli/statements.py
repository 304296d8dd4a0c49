"""`traded statement URN`."""

from __future__ import annotations

import click

from cli.runtime import Runtime, makes_pay_links, pass_runtime


@click.command()
@click.argument("urn")
@click.option("--from", "start", default=None, metavar="DATE", help="First day (default: start of the academic year).")
@click.option("--to", "end", default=None, metavar="DATE", help="Last day (default: the as-of date).")
@click.option("--pdf", "pdf", default=None, type=click.Path(dir_okay=False), metavar="FILE",
              help="Also write the statement as a PDF.")
@click.option("--force", is_flag=True, help="Replace the output file if it exists (never the database).")
@pass_runtime
def statement(rt: Runtime, urn: str, start: str | None, end: str | None, pdf: str | None, force: bool) -> None:
    """A school's statement: opening balance, every transaction, closing balance, overdue by age.

    \b
    Example:
      traded statement 100279 --from 2019-09-01 --to 2020-08-31 --pdf statement.pdf
    """
    from pathlib import Path

    from billing.statements import school_statement, write_statement_pdf
    from pricing.clock import parse_date

    def service(ctx: object) -> dict[str, object]:
        st = school_statement(ctx, urn, parse_date(start) if start else None,  # type: ignore[arg-type]
                              parse_date(end) if end else None)
        data = st.as_json()
        if pdf:
            data["pdf"] = str(write_statement_pdf(ctx, st, Path(pdf), force))  # type: ignore[arg-type]
        return data

    data = rt.run(service, read_only=not makes_pay_links())

    def text() -> str:
        from cli.tables import table

        rows = [["", "", "Opening balance", "", "", "", data["opening_balance"]]]
        rows += [[ln["date"], ln["kind"].replace("_", " "), ln["reference"], ln["description"],
                  ln["debit"] or "", ln["credit"] or "", ln["balance"]] for ln in data["lines"]]  # type: ignore[attr-defined]
        rows.append(["", "", "Closing balance", "", "", "", data["closing_balance"]])
        out = [table(["Date", "Type", "Reference", "Description", "Debit", "Credit", "Balance"], rows,
                     align="llllrrr", title=f"Statement for {data['name']} ({data['urn']}), "
                                            f"{data['from']} to {data['to']}")]
        overdue = data["overdue"]
        out.append("Overdue: " + ", ".join(f"{k} days {v}" for k, v in overdue.items()))  # type: ignore[attr-defined]
        if data.get("pdf"):
            out.append(f"PDF written to {data['pdf']}")
        return "\n".join(out)

    rt.emit(data, text)
