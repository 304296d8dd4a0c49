"""`traded ledger export|batches|reconcile`: the council's general ledger (issue 20)."""

from __future__ import annotations

from typing import Any

import click

from cli.listing import FORCE_HELP, list_options
from cli.runtime import Runtime, pass_runtime


@click.group()
def ledger() -> None:
    """Journals for the council's general ledger: export numbered batches, list them, reconcile.

    \b
    Example:
      traded --as-of 2025-11-01 ledger export --from 2025-10-01 --to 2025-10-31 --out gl-2025-10.csv
      traded ledger reconcile
    """


@ledger.command("export")
@click.option("--from", "from_", required=True, metavar="DATE", help="First day of the range (YYYY-MM-DD).")
@click.option("--to", "to", required=True, metavar="DATE",
              help="Last day of the range, up to and including the as-of date (not after it): an event of that "
                   "day recorded after the export goes in the next batch, listed as late.")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False), metavar="FILE",
              help="Write the batch's journal as CSV to FILE.")
@click.option("--profile", default=None, metavar="NAME",
              help="A journal-import layout named in the price book ([council.ledger.profiles.NAME]).")
@click.option("--force", is_flag=True, help=FORCE_HELP)
@pass_runtime
def export(rt: Runtime, from_: str, to: str, out: str, profile: str | None, force: bool) -> None:
    """Export every money event not yet exported, dated up to --to, as one new numbered batch.

    Invoices and credit notes by issue date, payments by the day received, refunds by
    their day: each a balanced set of journal lines (docs/ledger-export.md). An event
    dated before --from that was never exported (recorded late) joins this batch and
    is listed apart; events after --to wait for a later export. Nothing new to export:
    no batch and no file.

    \b
    Example:
      traded --as-of 2025-11-01 ledger export --from 2025-10-01 --to 2025-10-31 --out gl-2025-10.csv
      traded ledger export --from 2025-10-01 --to 2025-10-31 --out gl.csv --profile ours --force
    \b
    JSON: {"from", "to", "batch": {"batch", "from", "to", "created_at", "actor", "profile", "events",
           "late", "lines", "debits", "credits"} | null, "late": [{"kind", "date", "document", "urn",
           "amount"}], "file"}
    """
    from pathlib import Path

    from billing.gl.batches import export_batch
    from pricing.clock import parse_date

    def service(ctx: Any) -> dict[str, object]:
        start, end = parse_date(from_), parse_date(to)
        return export_batch(ctx, start, end, Path(out), profile=profile, force=force,
                            database_url=rt.engine().url).as_json()

    data = rt.run(service)

    def text() -> str:
        from cli.formats import count, money
        from cli.tables import table

        batch: Any = data["batch"]
        if batch is None:
            return f"Nothing new to export up to {data['to']}: every money event is already in a batch. No file written."
        lines = [f"Batch {batch['batch']}: {count(batch['events'], 'money event')} from {data['from']} to "
                 f"{data['to']}, {count(batch['lines'], 'journal line')}, debits {money(batch['debits'])} = "
                 f"credits {money(batch['credits'])}.",
                 f"Written to {data['file']}."]
        late: Any = data["late"]
        if late:
            lines.insert(1, table(["Date", "Kind", "Document", "URN", "Amount"],
                                  [[e["date"], str(e["kind"]).replace("_", " "), e["document"], e["urn"],
                                    money(e["amount"])] for e in late],
                                  align="lllrr", title=f"{count(len(late), 'event')} dated before {data['from']}, "
                                                       "never exported until now"))
        return "\n".join(lines)

    rt.emit(data, text)


@ledger.command("batches")
@list_options
@pass_runtime
def batches(rt: Runtime) -> None:
    """List the batches exported: number, range, when and by whom, events, lines and totals.

    \b
    Example:
      traded ledger batches
    \b
    JSON: [{"batch", "from", "to", "created_at", "actor", "profile", "events", "late", "lines",
            "debits", "credits"}]
    """
    from billing.gl.batches import list_batches
    from cli.listing import emit_list

    rows = rt.run(lambda ctx: [b.as_json() for b in list_batches(ctx)], read_only=True)

    def text() -> str:
        from cli.formats import count, money
        from cli.tables import table

        return table(["Batch", "From", "To", "Events", "Late", "Lines", "Debits", "Credits", "By"],
                     [[r["batch"], r["from"], r["to"], r["events"], r["late"], r["lines"], money(r["debits"]),
                       money(r["credits"]), r["actor"]] for r in rows],
                     align="rllrrrrrl", title=count(len(rows), "batch", "batches"))

    emit_list(rt, rows, text)


@ledger.command("reconcile")
@pass_runtime
def reconcile(rt: Runtime) -> None:
    """The exported ledger's totals beside the engine's own, up to the as-of day, and any difference.

    Debtors control beside the schools' balances outstanding, income, VAT and cash
    beside the invoices, credit notes, payments and refunds recorded. Every
    difference is zero when everything is exported; otherwise the events not yet
    in any batch are listed as the reason.

    \b
    Example:
      traded ledger reconcile
      traded --as-of 2025-10-31 --json ledger reconcile
    \b
    JSON: {"as_of", "balanced": true|false, "figures": [{"figure", "ledger", "engine", "difference"}],
           "unexported": [{"kind", "date", "document", "urn", "amount"}]}
    """
    from billing.gl.reconcile import reconcile as reconcile_ledger

    data = rt.run(lambda ctx: reconcile_ledger(ctx).as_json(), read_only=True)

    def text() -> str:
        from cli.formats import count, money
        from cli.tables import table

        figures: Any = data["figures"]
        unexported: Any = data["unexported"]
        parts = [table(["Figure", "Ledger (exported)", "Engine", "Difference"],
                       [[f["figure"], money(f["ledger"]), money(f["engine"]), money(f["difference"])]
                        for f in figures], align="lrrr", wrap=("Figure",),
                       title=f"Ledger reconciliation at {data['as_of']}")]
        if unexported:
            parts.append(table(["Date", "Kind", "Document", "URN", "Amount"],
                               [[e["date"], str(e["kind"]).replace("_", " "), e["document"], e["urn"],
                                 money(e["amount"])] for e in unexported],
                               align="lllrr", title=f"{count(len(unexported), 'event')} not yet exported "
                                                    "(`traded ledger export`)"))
        parts.append("Balanced: the exported ledger agrees with the engine." if data["balanced"]
                     else "Not balanced: the differences above are the events not yet exported.")
        return "\n".join(parts)

    rt.emit(data, text)
