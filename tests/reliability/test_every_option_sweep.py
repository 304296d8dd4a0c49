"""Every option of every command, fed the hostile values of issue 14, is refused cleanly.

The command tree is walked from the CLI itself, so a new command or option is
swept as soon as it exists (and a command with no base invocation here fails
the test until one is written). Each case takes a valid invocation and replaces
one value with a hostile one: extreme and impossible dates, huge and malformed
amounts, control characters and oversized text, and output paths naming the
database. The command must exit 1 (a refusal, one JSON line) or 2 (a usage
error from click), print no traceback, and leave every table as it was. A
read-only command may also answer 0 to a hostile *filter* (finding nothing).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import click
import pytest
from click.testing import CliRunner

from pricing.text import escape_controls
from tests.reliability.test_bad_input_sweep import ACADEMY, AS_OF, SPARE, STAFF, seeded  # noqa: F401
from tests.support import table_dump

DATES = ["9999-12-31", "0001-01-01", "2025-02-29", "2019/09/01", "1e3"]
TIMES = ["9999-12-31 09:00", "0001-01-01 00:00", "2025-02-29 10:00"]
AMOUNTS = ["100000000000000000", "1e17", "12,50", "1,2,3", "\uff11\uff12", "NaN", "+12.00"]
HOURS = ["1e309", "100000000000000000", "NaN", "-2"]
NUMBERS = ["99999999999999999999", "-1", "0x10", "\u0661"]
TEXT = ["Acme\x1b[31m", "Acme\x07", "Acme\u202eX", "Acme\udcff", "x" * 10_000]
FORMULAS = ['=HYPERLINK("http://x","y")', "@SUM(A1)"]

# A valid invocation of each command: positional arguments, then options. Placeholders in
# braces are the seeded ledger's ids. "writes" says whether the command changes the ledger.
BASE: dict[str, tuple[list[str], dict[str, str], bool]] = {
    "bill run": ([], {}, True),
    "bill list": ([], {"--csv": "{tmp}/runs.csv"}, False),
    "bill show": (["1"], {}, False),
    "budget cost": ([], {"--on": AS_OF, "--amount": "5.00", "--source": "council", "--description": "Venue"}, True),
    "budget list": ([], {"--fy": "FY2025/26"}, False),
    "budget set": ([], {"--fy": "FY2025/26", "--line": "Keyworker", "--kind": "cost", "--source": "DSG",
                        "--amount": "10.00", "--fte": "1"}, True),
    "budget staff-rate": ([STAFF], {"--from": AS_OF, "--cost-per-hour": "30.00"}, True),
    "case ack": (["{case}"], {"--at": "2025-09-11 10:00"}, True),
    "case close": (["{case}"], {"--on": AS_OF}, True),
    "case late-acks": ([], {"--year": "2025/26"}, False),
    "case list": ([], {"--urn": ACADEMY, "--year": "2025/26", "--csv": "{tmp}/cases.csv"}, False),
    "case show": (["{case}"], {}, False),
    "case open": ([ACADEMY], {"--ref": "C25-0777", "--referred": "2025-09-12", "--planning": "2025-09-19"}, True),
    "credit-note add": (["{inv}"], {"--amount": "1.00", "--reason": "Session not delivered"}, True),
    "credit-note list": ([], {"--urn": ACADEMY, "--invoice": "{inv}", "--csv": "{tmp}/notes.csv"}, False),
    "credit-note show": (["{inv}"], {}, False),
    "db upgrade": ([], {}, True),
    "demo": ([], {"--out": "{tmp}/demo"}, True),
    "entitlements": ([ACADEMY], {"--year": "2025/26"}, False),
    "establishment post add": ([], {"--title": "Keyworker post", "--fte": "1", "--annual-cost": "30000.00", "--on-costs": "25", "--from": AS_OF, "--to": "2026-08-31", "--funding": "council 50%; traded 50%", "--grade": "G7", "--contract": "fixed term"}, True),
    "establishment post list": ([], {"--on": AS_OF, "--csv": "{tmp}/posts.csv"}, False),
    "establishment assign": (["Keyworker post"], {"--person": STAFF, "--fte": "1", "--from": AS_OF, "--to": "2026-03-31", "--staff": STAFF}, True),
    "establishment end": (["Keyworker post"], {"--person": STAFF, "--on": AS_OF, "--reason": "Left the council"}, True),
    "establishment vacancies": ([], {"--on": AS_OF, "--csv": "{tmp}/vacancies.csv"}, False),
    "establishment budget set": ([], {"--source": "schools-forum", "--description": "HNB reserves", "--amount": "497300.00", "--from": "2025-04-01", "--to": "2026-08-31"}, True),
    "establishment budget list": ([], {"--csv": "{tmp}/funding-budgets.csv"}, False),
    "establishment import": (["{tmp}/missing-posts.csv"], {"--people": "{tmp}/missing-people.csv", "--budgets": "{tmp}/missing-budgets.csv"}, True),
    "establishment export": ([], {"--posts": "{tmp}/posts-out.csv", "--people": "{tmp}/people-out.csv", "--budgets": "{tmp}/budgets-out.csv"}, True),  # writes files: every hostile path refused
    "interest recompute": ([], {}, True),
    "interest run": ([], {}, True),
    "interest waive": (["{session}"], {"--reason": "Goodwill"}, True),
    "interest list": ([], {"--urn": ACADEMY, "--invoice": "{inv}", "--status": "due", "--csv": "{tmp}/i.csv"}, False),
    "interest show": (["{session}"], {}, False),
    "invoice edit": (["{inv}"], {}, True),
    "invoice list": ([], {"--urn": ACADEMY, "--status": "issued"}, False),
    "invoice pdf": (["{inv}"], {"--out": "{tmp}/invoice.pdf"}, False),
    "invoice show": (["{inv}"], {}, False),
    "invoice void": (["{inv}"], {}, True),
    "invoice write-off": (["{inv}"], {"--amount": "1.00", "--reason": "School closed",
                                      "--approved-by": "Head of Finance"}, True),
    "invoice write-offs": ([], {"--urn": ACADEMY, "--from": AS_OF, "--to": AS_OF, "--csv": "{tmp}/wo.csv"}, False),
    "ledger export": ([], {"--from": "2025-08-01", "--to": "2025-08-31", "--out": "{tmp}/gl.csv"}, False),
    "ledger batches": ([], {"--csv": "{tmp}/batches.csv"}, False),
    "ledger reconcile": ([], {}, False),
    "mail bounced": (["1"], {"--reason": "550 mailbox unavailable"}, True),
    "mail list": ([], {"--status": "failed", "--urn": ACADEMY, "--document": "{inv}", "--kind": "invoice",
                   "--csv": "{tmp}/mail.csv"}, False),
    "mail resend": (["1"], {"--reason": "Finance contact corrected"}, True),
    "mail send": ([], {"--limit": "10"}, True),
    "order add": ([ACADEMY], {"--item": "cpd_place", "--qty": "1", "--deliver-on": "2025-12-01", "--po": "PO-1"}, True),
    "order cancel": (["{order}"], {"--notice": AS_OF, "--costs": "10.00", "--by": "school", "--delivered": "0"}, True),
    "order list": ([], {"--urn": ACADEMY}, False),
    "order show": (["{order}"], {}, False),
    "payment add": ([ACADEMY], {"--amount": "10.00", "--on": AS_OF, "--method": "bacs", "--invoice": "{inv}",
                                "--ref": "BACS 1"}, True),
    "payment allocate": ([ACADEMY], {}, True),
    "payment import": (["{tmp}/missing.csv"], {"--profile": "lloyds", "--column": "date=Date"}, True),
    "payment refund": ([ACADEMY], {"--amount": "1.00", "--on": AS_OF, "--reason": "Overpaid"}, True),
    "portal invite": ([ACADEMY], {"--email": "bursar@eastbury.example", "--role": "approver", "--name": "Ann Smith"},
                      True),
    "portal revoke": (["bursar@eastbury.example"], {"--school": ACADEMY}, True),
    "portal users": ([], {"--urn": ACADEMY, "--csv": "{tmp}/portal-users.csv"}, False),
    "pricebook load": (["{tmp}/missing.toml"], {}, True),
    "pricebook sample": ([], {}, False),
    "pricebook show": ([], {"--year": "2025/26"}, False),
    "receipts list": ([], {"--status": "waiting", "--file": "statement.csv"}, False),
    "receipts match": (["1"], {"--urn": ACADEMY, "--invoice": "{inv}"}, True),
    "receipts reject": (["1"], {"--reason": "Not ours"}, True),
    "receipts rematch": ([], {}, True),
    "reminders run": ([], {"--out": "{tmp}/letters"}, True),
    "reminders list": ([], {"--urn": ACADEMY, "--invoice": "{inv}", "--from": "2025-09-01", "--to": AS_OF,
                        "--csv": "{tmp}/reminders.csv"}, False),
    "report aged-debt": ([], {}, False),
    "report budget": ([], {"--fy": "FY2025/26", "--csv": "{tmp}/budget.csv", "--pdf": "{tmp}/budget.pdf"}, False),
    "report case-costs": ([], {"--year": "2025/26", "--csv": "{tmp}/cases.csv"}, False),
    "report pack": ([], {"--fy": "FY2025/26", "--pdf": "{tmp}/pack.pdf", "--csv": "{tmp}/headlines.csv"}, False),
    "report school": ([], {"--year": "2025/26", "--csv": "{tmp}/schools.csv"}, False),
    "report utilisation": ([], {"--from": "2025-09-01", "--to": AS_OF, "--csv": "{tmp}/utilisation.csv"}, False),
    "report funding": ([], {"--fy": "FY2025/26", "--csv": "{tmp}/funding.csv"}, False),
    "report forecast": ([], {"--fy": "FY2025/26", "--csv": "{tmp}/forecast.csv"}, False),
    "report staff-cost": ([], {"--fy": "FY2025/26", "--csv": "{tmp}/pay.csv"}, False),
    "school add": ([], {"--urn": "100999", "--name": "New School", "--type": "academy", "--roll": "100",
                        "--email": "office@example.org", "--address": "1 Road", "--postcode": "EB1 1AA",
                        "--laestab": "2044999"}, True),
    "school contact add": ([ACADEMY], {"--name": "Lee Head", "--role": "head", "--email": "head@eastbury.example",
                                       "--phone": "020 7946 0000"}, True),
    "school contact list": ([ACADEMY], {"--role": "finance", "--csv": "{tmp}/contacts.csv"}, False),
    "school contact remove": (["{contact}"], {"--reason": "Left the school"}, True),
    "school list": ([], {}, False),
    "school show": ([ACADEMY], {}, False),
    "school edit": ([ACADEMY], {"--name": "Renamed Academy", "--address": "1 Road", "--postcode": "EB1 1AA",
                         "--email": "office@example.org", "--roll": "100", "--la-code": "204",
                         "--laestab": "2044999", "--type": "academy", "--on": AS_OF, "--new-urn": "100998",
                         "--reason": "Letter from the trust"}, True),
    "session add": (["{case}"], {"--start": "2025-10-10 10:00", "--hours": "2", "--staff": STAFF}, True),
    "session change": (["{session}"], {"--notified": "2025-10-01 09:00", "--moved-to": "2025-10-27 10:00"}, True),
    "session deliver": (["{session}"], {"--hours": "2"}, True),
    "session list": ([], {"--case": "{case}", "--urn": ACADEMY, "--from": "2025-09-01", "--to": AS_OF,
                      "--csv": "{tmp}/sessions.csv"}, False),
    "session show": (["{session}"], {}, False),
    "staff add": ([], {"--name": "New Person", "--role": "Keyworker", "--cost-per-hour": "30.00",
                       "--from": AS_OF}, True),
    "staff list": ([], {"--csv": "{tmp}/staff.csv"}, False),
    "staff show": ([STAFF], {}, False),
    "statement": ([ACADEMY], {"--from": "2025-09-01", "--to": AS_OF, "--pdf": "{tmp}/statement.pdf"}, False),
    "stripe bank-details": ([ACADEMY], {}, True),
    "stripe events": ([], {"--status": "parked", "--limit": "10"}, False),
    "stripe pay-link": (["{inv}"], {}, True),
    "stripe retry": (["evt_1"], {}, True),
    "subscription add": ([SPARE], {"--tier": "premium", "--start": "2025-09-01", "--schedule": "termly",
                                   "--po": "PO-2"}, True),
    "subscription cancel": (["{sub}"], {"--notice": AS_OF, "--end": "2026-08-31", "--by": "school"}, True),
    "subscription list": ([], {"--urn": ACADEMY}, False),
    "subscription renew": (["{sub}"], {}, True),
    "subscription show": (["{sub}"], {}, False),
}
# Commands that run a server or only print: nothing to sweep.
NOT_SWEPT = {"serve"}
OUTPUT_OPTIONS = {"--out", "--pdf", "--csv"}
INPUT_FILES = {"pricebook load", "payment import"}


def _commands() -> Iterator[tuple[str, click.Command]]:
    from cli.main import cli

    ctx = click.Context(cli)

    def walk(command: click.Command, path: list[str]) -> Iterator[tuple[str, click.Command]]:
        if isinstance(command, click.Group):
            for name in command.list_commands(ctx):
                sub = command.get_command(ctx, name)
                if sub is not None:
                    yield from walk(sub, [*path, name])
        else:
            yield " ".join(path), command

    yield from walk(cli, [])


def _kind(name: str, param: click.Parameter) -> str:
    metavar = (getattr(param, "metavar", None) or "").upper()
    if isinstance(param.type, click.Choice):
        return "choice"
    if metavar == "DATE":
        return "date"
    if metavar == "TIME":
        return "time"
    if metavar == "AMOUNT":
        return "amount"
    if metavar == "H":
        return "hours"
    if isinstance(param.type, (click.types.IntParamType, click.IntRange)) or metavar in ("N", "ID"):
        return "number"
    return "text"


def _values(kind: str) -> list[str]:
    return {"date": DATES, "time": TIMES, "amount": AMOUNTS, "hours": HOURS, "number": NUMBERS,
            "choice": ["\x1b[31mbacs", "premium\n"], "text": TEXT}[kind]


def _cases() -> Iterator[Any]:
    for path, command in _commands():
        if path in NOT_SWEPT:
            continue
        positionals, options, writes = BASE.get(path, ([], {}, True))
        if path not in BASE:
            yield pytest.param(path, [], True, "missing", id=f"{path}-has-no-base-invocation")
            continue
        arguments = [p for p in command.params if isinstance(p, click.Argument)]
        for param in command.params:
            if isinstance(param, click.Option) and (param.is_flag or param.name == "help"):
                continue
            if isinstance(param, click.Argument):
                index = arguments.index(param)
                flag = None
            else:
                index, flag = -1, max(param.opts, key=len)
            kind = _kind(param.name or "", param)
            values = list(_values(kind))
            if flag in OUTPUT_OPTIONS or (isinstance(param, click.Argument) and path in INPUT_FILES):
                values = ["{database}", "{database}-wal"]
            elif kind == "text" and not writes:
                values = [*values, *FORMULAS]
            for n, value in enumerate(values):
                args = list(positionals)
                opts = dict(options)
                if flag is None:
                    while len(args) <= index:
                        args.append("x")
                    args[index] = value
                else:
                    opts[flag] = value
                argv = [*path.split(), *args, *[x for pair in opts.items() for x in pair]]
                yield pytest.param(path, argv, writes, kind, id=f"{path}-{flag or param.name}-{kind}-{n}")


@pytest.mark.parametrize(("path", "argv", "writes", "kind"), list(_cases()))
def test_every_option_refuses_hostile_values(seeded: dict[str, Any], path: str,  # noqa: F811
                                             argv: list[str], writes: bool, kind: str) -> None:
    from cli.main import cli

    assert kind != "missing", f"`traded {path}` has no base invocation in BASE: add one so it is swept"
    fill = {**seeded, "database": seeded["url"].removeprefix("sqlite:///")
            if seeded["url"].startswith("sqlite") else "{tmp}/not-a-file.db"}
    args = [a.format(**fill) if "{" in a and len(a) < 200 and "HYPERLINK" not in a else a for a in argv]
    args = [a.format(**fill) if "{tmp}" in a else a for a in args]
    before = table_dump(seeded["engine"])
    result = CliRunner().invoke(cli, ["--db", seeded["url"], "--json", "--as-of", AS_OF, *args],
                                catch_exceptions=True)
    shown = f"exit {result.exit_code}: {result.output[-500:]}"
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"traceback: {type(result.exception).__name__}: {result.exception}")
    assert "Traceback" not in result.output, shown
    if result.exit_code == 0:
        assert not writes and kind == "text", f"a hostile {kind} value was accepted: {shown}"
    else:
        assert result.exit_code in (1, 2), shown
        if result.exit_code == 1:
            error = json.loads(result.stderr.strip().splitlines()[-1])["error"]
            assert error["code"] and "\n" not in error["message"], error
            assert escape_controls(error["message"]) == error["message"], "a control character echoed raw"
    assert table_dump(seeded["engine"]) == before, f"the database changed: {shown}"
