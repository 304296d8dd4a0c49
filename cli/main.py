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
    "school": ("cli.schools:school", "Register, correct and look up schools, and their contacts."),
    "staff": ("cli.staff:staff", "Members of the team and their hourly cost."),
    "establishment": ("cli.establishment:establishment", "Posts, who fills them, vacancies, funding budgets."),
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
    "mail": ("cli.mail:mail", "Email documents to schools: send, list and resend the outbox."),
    "ledger": ("cli.ledger:ledger", "Export journals to the council's general ledger and reconcile."),
    "report": ("cli.reports:report", "Manager's reports: case costs, budget, aged debt."),
    "budget": ("cli.reports:budget", "Set budget lines per financial year."),
    "stripe": ("cli.stripe_cmd:stripe", "Card and bank-transfer payments through Stripe."),
    "portal": ("cli.portal:portal", "Who may sign in to the schools' portal: invite, list, revoke."),
    "serve": ("cli.serve:serve", "Serve the webhook endpoint and the schools' portal."),
}


def _available(name: str) -> bool:
    module = COMMANDS[name][0].split(":")[0]
    return importlib.util.find_spec(module) is not None


class LazyGroup(click.Group):
    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        # Bytes on the command line that are not UTF-8 arrive as lone surrogates: refuse them
        # here, once, rather than let them reach a database driver or a file name.
        for arg in args:
            if any("\udc80" <= ch <= "\udcff" for ch in arg):
                shown = arg.encode("utf-8", "backslashreplace").decode("ascii", "backslashreplace")
                raise click.UsageError(f"{shown[:60]!r} is not valid UTF-8 text", ctx)
        return super().parse_args(ctx, lift_global_options(self, ctx, args))

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


GLOBAL_VALUE_OPTIONS = ("--db", "--as-of")
GLOBAL_FLAGS = ("--json", "--allow-future")
_EXAMPLE_VALUE = {"--db": "sqlite:///traded.db", "--as-of": "2026-01-01"}


def lift_global_options(root: click.Group, ctx: click.Context, args: list[str]) -> list[str]:
    """Move global options written after the command to before it: `traded bill run --as-of 2026-01-01`.

    The command's own options are read from its definition, so a value that happens to
    look like a global option (``--reason --json``) stays where it is, and a command that
    defines an option of the same name keeps it. Anything unrecognised is left for
    click to report.
    """
    lifted: list[str] = []
    rest = list(args)
    i = _command_start(root, rest)
    if i is None:
        return args
    command: click.Command | None = root
    while isinstance(command, click.Group) and i < len(rest):
        token = rest[i]
        taken = _take_global(rest, i, set())
        if taken:
            lifted += taken
            continue
        if token.startswith("-"):
            return args if not lifted else _joined(rest, lifted, root)
        command = command.get_command(ctx, token)
        i += 1
    if command is None or isinstance(command, click.Group):
        return _joined(rest, lifted, root)
    own = {name: (not getattr(p, "is_flag", False) and not getattr(p, "count", False), p.nargs)
           for p in command.params if isinstance(p, click.Option) for name in p.opts + p.secondary_opts}
    while i < len(rest):
        token = rest[i]
        if token == "--":
            break
        name = token.split("=", 1)[0]
        if name in own:
            takes_value, nargs = own[name]
            i += 1 + (nargs if takes_value and "=" not in token else 0)
            continue
        taken = _take_global(rest, i, set(own))
        if taken:
            lifted += taken
            continue
        i += 1
    return _joined(rest, lifted, root)


def _command_start(root: click.Group, args: list[str]) -> int | None:
    """Where the command name starts, after the global options written before it."""
    values = {name for p in root.params if isinstance(p, click.Option) and not p.is_flag for name in p.opts}
    i = 0
    while i < len(args):
        token = args[i]
        if token == "--":
            return i + 1 if i + 1 < len(args) else None
        if not token.startswith("-"):
            return i
        i += 2 if token in values else 1
    return None


def _take_global(args: list[str], i: int, shadowed: set[str]) -> list[str]:
    """Remove a global option (and its value) at ``args[i]``; return what was removed."""
    token = args[i]
    name = token.split("=", 1)[0]
    if name in shadowed:
        return []
    if token in GLOBAL_FLAGS or (name in GLOBAL_VALUE_OPTIONS and "=" in token):
        return [args.pop(i)]
    if token in GLOBAL_VALUE_OPTIONS:
        if i + 1 >= len(args):
            raise click.UsageError(f"{token} needs a value; it is a global option, best put before the command, "
                                   f"e.g. traded {token} {_EXAMPLE_VALUE[token]} bill run")
        return [args.pop(i), args.pop(i)]
    return []


def _joined(rest: list[str], lifted: list[str], root: click.Group) -> list[str]:
    """The global options found after the command, put just before it (so they win over earlier ones)."""
    if not lifted:
        return rest
    start = _command_start(root, rest)
    assert start is not None
    return [*rest[:start], *lifted, *rest[start:]]


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

    The options above are global: they go before the command, and are also
    accepted after it (traded bill run --as-of 2019-09-01).

    The rules it follows, in plain words with worked examples: docs/rules.md
    (help texts cite its sections, e.g. docs/rules.md §8 for interest).

    \b
    Example:
      traded --as-of 2019-09-01 bill run
      traded --json school list
    """
    ctx.obj = Runtime(db_url=db_url, as_of_text=as_of, as_json=as_json, allow_future=allow_future)
    # A process exits and closes its connections; a command run in-process (tests, the portal's tools)
    # must hand them back itself, or each run leaves a pool of them open on a shared server.
    ctx.call_on_close(ctx.obj.close)


def main(argv: list[str] | None = None) -> Any:
    return cli.main(args=argv, prog_name="traded")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
