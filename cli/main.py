"""The `traded` command: global options and a lazily loaded command tree.

Command modules are imported only when their command runs, so `traded --help`
starts fast and a broken optional module cannot stop the rest working.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from typing import Any

import click

from cli.runtime import Runtime

# name -> (module:attribute, one-line help shown by `traded --help`)
COMMANDS: dict[str, tuple[str, str]] = {
    "db": ("cli.db_cmd:db", "Create or migrate the database schema."),
    "demo": ("cli.demo_cmd:demo", "Build a demo database with a year of sample activity."),
    "pricebook": ("cli.pricebook:pricebook", "Load, show or print the price book."),
    "school": ("cli.schools:school", "Register and look up schools."),
    "staff": ("cli.staff:staff", "Members of the team and their hourly cost."),
    "subscription": ("cli.subscriptions:subscription", "Two-year subscriptions and cancellations."),
    "order": ("cli.orders:order", "Buy or cancel catalogue items."),
    "case": ("cli.cases:case", "Open and close casework referrals."),
    "session": ("cli.sessions:session", "Schedule, deliver or change sessions (48-hour rule)."),
    "entitlements": ("cli.entitlements:entitlements", "What a school's subscription includes and has used."),
    "bill": ("cli.bills:bill", "Raise everything due as invoices (bill run)."),
    "invoice": ("cli.invoices:invoice", "List, show and print invoices."),
    "credit-note": ("cli.invoices:credit_note", "Correct or refund an issued invoice."),
    "payment": ("cli.payments:payment", "Record, import and allocate payments."),
    "receipts": ("cli.receipts:receipts", "The worklist of bank lines: match, reject, rematch."),
    "interest": ("cli.interest:interest", "Raise or waive late-payment interest."),
    "statement": ("cli.statements:statement", "A school's account statement."),
    "reminders": ("cli.reminders:reminders", "Overdue reminders at 7, 30 and 60 days."),
    "report": ("cli.reports:report", "Manager's reports: case costs, budget, aged debt."),
    "budget": ("cli.reports:budget", "Set budget lines per financial year."),
    "stripe": ("cli.stripe_cmd:stripe", "Card and bank-transfer payments through Stripe."),
    "serve": ("cli.serve:serve", "Serve the webhook endpoint (and later the schools' portal)."),
}


def _available(name: str) -> bool:
    module = COMMANDS[name][0].split(":")[0]
    return importlib.util.find_spec(module) is not None


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(name for name in COMMANDS if _available(name))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS or not _available(cmd_name):
            return None
        module_name, attr = COMMANDS[cmd_name][0].split(":")
        command = getattr(importlib.import_module(module_name), attr)
        assert isinstance(command, click.Command)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, COMMANDS[name][1]) for name in self.list_commands(ctx)]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--db", "db_url", envvar="TRADED_DATABASE_URL", metavar="URL",
              help="SQLAlchemy URL (default: SQLite file traded.db here). "
                   "PostgreSQL: postgresql+psycopg://user@host/name")
@click.option("--as-of", "as_of", envvar="TRADED_AS_OF", metavar="DATE",
              help="The day to treat as today (YYYY-MM-DD; default: today in Europe/London).")
@click.option("--allow-future", "allow_future", is_flag=True,
              help="Let a writing command use an --as-of after today on a live ledger (a sandbox always may).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable JSON on stdout.")
@click.version_option(package_name="traded")
@click.pass_context
def cli(ctx: click.Context, db_url: str | None, as_of: str | None, allow_future: bool, as_json: bool) -> None:
    """Billing for a council's traded services to schools.

    \b
    Example:
      traded --as-of 2019-09-01 bill run
      traded --json school list
    """
    ctx.obj = Runtime(db_url=db_url, as_of_text=as_of, as_json=as_json, allow_future=allow_future)


def main(argv: list[str] | None = None) -> Any:
    return cli.main(args=argv, prog_name="traded")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
