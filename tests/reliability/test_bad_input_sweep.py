"""Bad-input sweep (issue 9, cli-contract.md): every command fed malformed values is refused cleanly.

For each (command, arguments) case the command must exit 1 with a one-line JSON
error on stderr (or 2 where click itself parses an int-typed argument or a
choice: a usage error), and every table's rows must be unchanged. The database
is seeded first with a realistic small state — price book, schools, staff, a
termly subscription, a case with sessions, a bill run and a payment — so the
"unknown id" and "a rule forbids it" paths are reached, not just the parsers.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine

from billing.bill_run import bill_run
from billing.cases import open_case
from billing.contacts import NewContact, add_contact
from billing.db import make_engine
from billing.orders import add_order
from billing.payments import record_payment
from billing.pricebooks import load_pricebook
from billing.schools import NewSchool, add_school, add_staff
from billing.sessions import add_session, deliver_session
from billing.subscriptions import add_subscription
from pricing.clock import parse_london
from pricing.pricebook import sample_pricebook_text
from pricing.text import escape_controls
from tests.support import service_context, table_dump

AS_OF = "2025-10-01"
OWN, ACADEMY, SPARE = "100279", "141234", "141235"
STAFF = "Sam Keyworker"
BIG = "x" * 10_000
BAD_DATES = ["2019-02-30", "2019/09/01", ""]
# An empty value of an *optional* date option means "not given" (click passes ""; the
# commands treat it as absent), so "" is swept only where the date is required.
BAD_OPTIONAL_DATES = ["2019-02-30", "2019/09/01"]
BAD_TIMES = ["2019-02-30 10:00", "2025-10-02 25:00", "tomorrow", ""]
BAD_HOURS = ["12.345", "-5", "abc", "1e309", "NaN", "1,000.00"]
# Money goes through pricing.money.parse_money: correctly grouped "1,000.00" is an amount,
# but a decimal comma, loose commas, exponents, signs, non-ASCII digits and amounts beyond
# NUMERIC(12,2) are not.
BAD_AMOUNTS = ["12.345", "-5", "abc", "1e309", "NaN", "", "12,50", "1,2,3", "1e3", "+12.00",
               "\uff11\uff12", "\u0661\u0662", "10000000000.00"]
BAD_URNS = ["12345", "ABCDEF", "1234567"]
# Control characters in typed text (issue 14): ANSI escape, newline, bell, delete, a C1
# control, a bidi override, and what an undecodable byte on the command line becomes.
CONTROL_TEXT = {"ansi": "Acme\x1b[31m", "newline": "Acme\nSchool", "bell": "Acme\x07", "del": "Acme\x7f",
                "c1": "Acme\x9b2J", "bidi": "Acme\u202e", "surrogate": "Acme\udcff"}
UNKNOWN_URN = "999999"
UNKNOWN = "999999"
REFUSED = {1}
USAGE = {2}
CLICK_PARSED = {1, 2}  # click parses the value (int or choice): a usage error is acceptable too


def _cases() -> Iterator[Any]:
    """(argv after the global options, allowed exit codes), each with a readable id."""
    def case(label: str, argv: list[str], codes: set[int] = REFUSED) -> Any:
        return pytest.param(argv, codes, id=label)

    for urn in BAD_URNS:
        yield case(f"school-add-urn-{urn}", ["school", "add", "--urn", urn, "--name", "X", "--type", "academy"])
        yield case(f"school-show-{urn}", ["school", "show", urn])
        yield case(f"subscription-add-urn-{urn}", ["subscription", "add", urn, "--tier", "premium",
                                                   "--start", "2025-09-01"])
        yield case(f"order-add-urn-{urn}", ["order", "add", urn, "--item", "cpd_place"])
        yield case(f"case-open-urn-{urn}", ["case", "open", urn, "--ref", "C25-9001", "--referred", "2025-09-10"])
        yield case(f"payment-add-urn-{urn}", ["payment", "add", urn, "--amount", "10.00", "--on", AS_OF,
                                              "--method", "bacs"])
        yield case(f"statement-urn-{urn}", ["statement", urn])
        yield case(f"entitlements-urn-{urn}", ["entitlements", urn])
        yield case(f"invoice-list-urn-{urn}", ["invoice", "list", "--urn", urn])
    for label, argv in [
        ("school-show", ["school", "show", UNKNOWN_URN]),
        ("subscription-add", ["subscription", "add", UNKNOWN_URN, "--tier", "premium", "--start", "2025-09-01"]),
        ("case-open", ["case", "open", UNKNOWN_URN, "--ref", "C25-9001", "--referred", "2025-09-10"]),
        ("payment-add", ["payment", "add", UNKNOWN_URN, "--amount", "10.00", "--on", AS_OF, "--method", "bacs"]),
        ("statement", ["statement", UNKNOWN_URN]),
        ("entitlements", ["entitlements", UNKNOWN_URN]),
        ("order-add", ["order", "add", UNKNOWN_URN, "--item", "cpd_place"]),
        ("subscription-cancel", ["subscription", "cancel", UNKNOWN, "--notice", AS_OF, "--end", "2026-08-31"]),
        ("subscription-show", ["subscription", "show", UNKNOWN]),
        ("subscription-renew", ["subscription", "renew", UNKNOWN]),
        ("order-cancel", ["order", "cancel", UNKNOWN, "--notice", AS_OF]),
        ("case-close", ["case", "close", UNKNOWN, "--on", AS_OF]),
        ("session-add", ["session", "add", UNKNOWN, "--start", "2025-10-10 10:00", "--hours", "2", "--staff", STAFF]),
        ("session-deliver", ["session", "deliver", UNKNOWN]),
        ("session-change", ["session", "change", UNKNOWN, "--notified", "2025-10-01 09:00"]),
        ("invoice-show", ["invoice", "show", "INV-999999"]),
        ("invoice-pdf", ["invoice", "pdf", "INV-999999", "--out", "{tmp}/x.pdf"]),
        ("credit-note-add", ["credit-note", "add", "INV-999999", "--amount", "10.00", "--reason", "x"]),
        ("payment-add-invoice", ["payment", "add", ACADEMY, "--amount", "10.00", "--on", AS_OF, "--method", "bacs",
                                 "--invoice", "INV-999999"]),
        ("interest-waive", ["interest", "waive", UNKNOWN, "--reason", "goodwill"]),
        ("session-add-staff", ["session", "add", "{case}", "--start", "2025-10-10 10:00", "--hours", "2",
                               "--staff", "Nobody Known"]),
        ("order-add-item", ["order", "add", ACADEMY, "--item", "no_such_item"]),
        ("pricebook-load-file", ["pricebook", "load", "{tmp}/missing.toml"]),
        ("payment-import-file", ["payment", "import", "{tmp}/missing.csv"]),
    ]:
        yield case(f"unknown-{label}", argv)
    for d in BAD_DATES:
        yield case(f"subscription-add-start-{d}", ["subscription", "add", SPARE, "--tier", "premium", "--start", d])
        yield case(f"subscription-cancel-notice-{d}", ["subscription", "cancel", "{sub}", "--notice", d,
                                                       "--end", "2026-08-31"])
        yield case(f"subscription-cancel-end-{d}", ["subscription", "cancel", "{sub}", "--notice", AS_OF, "--end", d])
        yield case(f"case-open-referred-{d}", ["case", "open", ACADEMY, "--ref", "C25-9002", "--referred", d])
        yield case(f"case-close-on-{d}", ["case", "close", "{case}", "--on", d])
        yield case(f"payment-add-on-{d}", ["payment", "add", ACADEMY, "--amount", "10.00", "--on", d,
                                           "--method", "bacs"])
    for d in BAD_OPTIONAL_DATES:
        yield case(f"order-add-deliver-{d}", ["order", "add", ACADEMY, "--item", "cpd_place", "--deliver-on", d])
        yield case(f"case-open-planning-{d}", ["case", "open", ACADEMY, "--ref", "C25-9003",
                                               "--referred", "2025-09-10", "--planning", d])
        yield case(f"statement-from-{d}", ["statement", ACADEMY, "--from", d])
        yield case(f"statement-to-{d}", ["statement", ACADEMY, "--to", d])
        yield case(f"staff-add-from-{d}", ["staff", "add", "--name", "New Person", "--role", "Keyworker",
                                           "--cost-per-hour", "30.00", "--from", d])
        yield case(f"as-of-{d}", ["--as-of", d, "bill", "run"], USAGE)
    for t in BAD_TIMES:
        yield case(f"session-add-start-{t}", ["session", "add", "{case}", "--start", t, "--hours", "2",
                                              "--staff", STAFF])
        yield case(f"session-change-notified-{t}", ["session", "change", "{session}", "--notified", t])
    for a in BAD_AMOUNTS:
        yield case(f"payment-add-amount-{a}", ["payment", "add", ACADEMY, "--amount", a, "--on", AS_OF,
                                               "--method", "bacs"])
        yield case(f"credit-note-amount-{a}", ["credit-note", "add", "{inv}", "--amount", a, "--reason", "x"])
        yield case(f"staff-add-cost-{a}", ["staff", "add", "--name", "New Person", "--role", "Keyworker",
                                           "--cost-per-hour", a])
        yield case(f"order-cancel-costs-{a}", ["order", "cancel", "{order}", "--notice", AS_OF, "--costs", a])
        yield case(f"budget-set-amount-{a}", ["budget", "set", "--fy", "FY2025/26", "--line", "Keyworker",
                                              "--kind", "cost", "--source", "DSG", "--amount", a])
        yield case(f"budget-cost-amount-{a}", ["budget", "cost", "--on", AS_OF, "--amount", a, "--source", "council",
                                               "--description", "Venue"])
        yield case(f"budget-staff-rate-{a}", ["budget", "staff-rate", STAFF, "--from", AS_OF, "--cost-per-hour", a])
    for h in BAD_HOURS:
        yield case(f"session-add-hours-{h}", ["session", "add", "{case}", "--start", "2025-10-10 10:00",
                                              "--hours", h, "--staff", STAFF])
        yield case(f"session-deliver-hours-{h}", ["session", "deliver", "{session}", "--hours", h])
    for kind, text in CONTROL_TEXT.items():
        for label, argv in [
            ("school-add-name", ["school", "add", "--urn", "100999", "--name", text, "--type", "academy"]),
            ("school-add-address", ["school", "add", "--urn", "100999", "--name", "X", "--type", "academy",
                                    "--address", text.replace("\n", "\t")]),  # an address may break lines
            ("school-add-email", ["school", "add", "--urn", "100999", "--name", "X", "--type", "academy",
                                  "--email", f"a{text}@example.org"]),
            ("school-add-postcode", ["school", "add", "--urn", "100999", "--name", "X", "--type", "academy",
                                     "--postcode", "EB1" + text[4:]]),
            ("school-add-laestab", ["school", "add", "--urn", "100999", "--name", "X", "--type", "academy",
                                    "--laestab", "2044310" + text[4:]]),
            ("staff-add-name", ["staff", "add", "--name", text, "--role", "Keyworker", "--cost-per-hour", "30.00"]),
            ("staff-add-role", ["staff", "add", "--name", "New Person", "--role", text, "--cost-per-hour", "30.00"]),
            ("subscription-add-po", ["subscription", "add", SPARE, "--tier", "premium", "--start", "2025-09-01",
                                     "--po", text]),
            ("order-add-po", ["order", "add", ACADEMY, "--item", "cpd_place", "--po", text]),
            ("case-open-ref", ["case", "open", ACADEMY, "--ref", "C25-9001" + text[4:], "--referred", "2025-09-10"]),
            ("credit-note-reason", ["credit-note", "add", "{inv}", "--amount", "1.00", "--reason", text]),
            ("payment-add-ref", ["payment", "add", ACADEMY, "--amount", "10.00", "--on", AS_OF, "--method", "bacs",
                                 "--ref", text]),
            ("payment-refund-reason", ["payment", "refund", ACADEMY, "--amount", "1.00", "--on", AS_OF,
                                       "--reason", text]),
            ("interest-waive-reason", ["interest", "waive", "{session}", "--reason", text]),
            ("budget-set-line", ["budget", "set", "--fy", "FY2025/26", "--line", text, "--kind", "cost",
                                 "--source", "DSG", "--amount", "10.00"]),
            ("budget-cost-description", ["budget", "cost", "--on", AS_OF, "--amount", "5.00", "--source", "council",
                                         "--description", text]),
        ]:
            # Undecodable bytes are refused by the parser, before any command: a usage error.
            yield case(f"control-{kind}-{label}", argv, USAGE if kind == "surrogate" else REFUSED)
    for label, argv, codes in [
        ("school-add-name", ["school", "add", "--urn", "100999", "--name", BIG, "--type", "academy"], REFUSED),
        ("school-add-address", ["school", "add", "--urn", "100999", "--name", "X", "--type", "academy",
                                "--address", BIG], REFUSED),
        ("school-add-email", ["school", "add", "--urn", "100999", "--name", "X", "--type", "academy",
                              "--email", BIG], REFUSED),
        ("staff-add-name", ["staff", "add", "--name", BIG, "--role", "Keyworker", "--cost-per-hour", "30.00"],
         REFUSED),
        ("case-open-ref", ["case", "open", ACADEMY, "--ref", BIG, "--referred", "2025-09-10"], REFUSED),
        ("credit-note-reason", ["credit-note", "add", "{inv}", "--amount", "1.00", "--reason", BIG], REFUSED),
        ("payment-add-ref", ["payment", "add", ACADEMY, "--amount", "10.00", "--on", AS_OF, "--method", "bacs",
                             "--ref", BIG], REFUSED),
        ("subscription-add-po", ["subscription", "add", SPARE, "--tier", "premium", "--start", "2025-09-01",
                                 "--po", BIG], REFUSED),
        ("invoice-show", ["invoice", "show", BIG], REFUSED),
        ("budget-set-line", ["budget", "set", "--fy", "FY2025/26", "--line", BIG, "--kind", "cost",
                             "--source", "DSG", "--amount", "10.00"], REFUSED),
        ("interest-waive-reason", ["interest", "waive", "{session}", "--reason", BIG], REFUSED),
        ("interest-waive-reason-501", ["interest", "waive", "{session}", "--reason", "x" * 501], REFUSED),
        ("credit-note-reason-501", ["credit-note", "add", "{inv}", "--amount", "1.00", "--reason", "x" * 501], REFUSED),
        ("payment-refund-reason", ["payment", "refund", ACADEMY, "--amount", "1.00", "--on", AS_OF,
                                   "--reason", BIG], REFUSED),
        ("school-add-postcode", ["school", "add", "--urn", "100999", "--name", "X", "--type", "academy",
                                 "--postcode", "EB1 1AA EB1 1AA"], REFUSED),
        ("school-add-roll", ["school", "add", "--urn", "100999", "--name", "X", "--type", "academy",
                             "--roll", "9" * 30], REFUSED),
        ("staff-add-role", ["staff", "add", "--name", "New Person", "--role", BIG, "--cost-per-hour", "30.00"],
         REFUSED),
        ("order-add-po", ["order", "add", ACADEMY, "--item", "cpd_place", "--po", BIG], REFUSED),
        ("budget-cost-description", ["budget", "cost", "--on", AS_OF, "--amount", "5.00", "--source", "council",
                                     "--description", BIG], REFUSED),
    ]:
        yield case(f"oversized-{label}", argv, codes)
    for label, argv, codes in [
        ("session-add-hours-two", ["session", "add", "{case}", "--start", "2025-10-10 10:00", "--hours", "two",
                                   "--staff", STAFF], REFUSED),
        ("session-deliver-id-two", ["session", "deliver", "two"], CLICK_PARSED),
        ("subscription-cancel-id-two", ["subscription", "cancel", "two", "--notice", AS_OF, "--end", "2026-08-31"],
         CLICK_PARSED),
        ("case-close-id-two", ["case", "close", "two", "--on", AS_OF], CLICK_PARSED),
        ("interest-waive-id-two", ["interest", "waive", "two", "--reason", "x"], CLICK_PARSED),
        ("order-add-qty-two", ["order", "add", ACADEMY, "--item", "cpd_place", "--qty", "two"], REFUSED),
        ("order-add-qty-neg", ["order", "add", ACADEMY, "--item", "cpd_place", "--qty", "-1"], REFUSED),
        ("case-open-no-subscription", ["case", "open", SPARE, "--ref", "C25-9002", "--referred", "2025-09-10"],
         REFUSED),
        ("school-add-roll-two", ["school", "add", "--urn", "100999", "--name", "X", "--type", "academy",
                                 "--roll", "two"], REFUSED),
        ("school-add-roll-superscript", ["school", "add", "--urn", "100999", "--name", "X", "--type", "academy",
                                         "--roll", "\u00b2"], REFUSED),
        ("school-add-urn-arabic-digits", ["school", "add", "--urn", "\u0661\u0660\u0660\u0669\u0669\u0669",
                                          "--name", "X", "--type", "academy"], REFUSED),
        ("case-open-ref-name", ["case", "open", ACADEMY, "--ref", "JAMIE-SMITH-2014", "--referred", "2025-09-10"],
         REFUSED),
        ("case-open-ref-other-prefix", ["case", "open", ACADEMY, "--ref", "R25-0001", "--referred", "2025-09-10"],
         REFUSED),
        ("school-add-type", ["school", "add", "--urn", "100999", "--name", "X", "--type", "castle"], REFUSED),
        ("school-add-duplicate", ["school", "add", "--urn", ACADEMY, "--name", "X", "--type", "academy"], REFUSED),
        ("subscription-add-tier", ["subscription", "add", SPARE, "--tier", "gold", "--start", "2025-09-01"],
         REFUSED),
        ("subscription-add-schedule", ["subscription", "add", SPARE, "--tier", "premium", "--start", "2025-09-01",
                                       "--schedule", "weekly"], REFUSED),
        ("subscription-add-overlap", ["subscription", "add", ACADEMY, "--tier", "premium",
                                      "--start", "2025-09-01"], REFUSED),
        ("subscription-cancel-by", ["subscription", "cancel", "{sub}", "--notice", AS_OF, "--end", "2026-08-31",
                                    "--by", "nobody"], REFUSED),
        ("payment-add-method", ["payment", "add", ACADEMY, "--amount", "10.00", "--on", AS_OF,
                                "--method", "gold"], REFUSED),
        ("payment-add-future", ["payment", "add", ACADEMY, "--amount", "10.00", "--on", "2030-01-01",
                                "--method", "bacs"], REFUSED),
        ("payment-add-other-school-invoice", ["payment", "add", OWN, "--amount", "10.00", "--on", AS_OF,
                                              "--method", "bacs", "--invoice", "{inv}"], REFUSED),
        ("credit-note-too-much", ["credit-note", "add", "{inv}", "--amount", "999999.00", "--reason", "x"], REFUSED),
        ("credit-note-no-reason", ["credit-note", "add", "{inv}", "--amount", "1.00", "--reason", ""], REFUSED),
        ("invoice-list-status", ["invoice", "list", "--status", "weird"], REFUSED),
        ("entitlements-year", ["entitlements", ACADEMY, "--year", "2025-26"], REFUSED),
        ("pricebook-show-year", ["pricebook", "show", "--year", "25/26"], REFUSED),
        ("report-budget-fy", ["report", "budget", "--fy", "2025/26"], REFUSED),
        ("report-case-costs-year", ["report", "case-costs", "--year", "twenty"], REFUSED),
        ("budget-set-fy", ["budget", "set", "--fy", "2025", "--line", "Keyworker", "--kind", "cost",
                           "--source", "DSG", "--amount", "10.00"], REFUSED),
        ("budget-set-kind", ["budget", "set", "--fy", "FY2025/26", "--line", "Keyworker", "--kind", "profit",
                             "--source", "DSG", "--amount", "10.00"], CLICK_PARSED),
        ("session-deliver-twice", ["session", "deliver", "{delivered}"], REFUSED),
        ("session-change-both", ["session", "change", "{session}", "--notified", "2025-10-01 09:00",
                                 "--no-notice"], REFUSED),
        ("case-close-before-referral", ["case", "close", "{case}", "--on", "2020-01-01"], REFUSED),
    ]:
        yield case(f"wrong-{label}", argv, codes)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def seeded(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A small realistic ledger, shared by every case of one backend (refusals write nothing)."""
    tmp = tmp_path_factory.mktemp("sweep")
    if request.param == "sqlite":
        target = tmp / "traded.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), target)
        url = f"sqlite:///{target}"
    else:
        from tests.conftest import _truncate_all

        url = request.getfixturevalue("pg_database")
        _truncate_all(url)
    engine = make_engine(url)
    ids = _seed(engine)
    yield {"url": url, "engine": engine, "tmp": str(tmp), **ids}
    engine.dispose()


def _seed(engine: Engine) -> dict[str, str]:
    with service_context(engine, date(2025, 7, 1)) as ctx:
        load_pricebook(ctx, sample_pricebook_text())
        add_school(ctx, NewSchool(urn=OWN, name="Own Maintained School", type="maintained", la_code="204"))
        add_school(ctx, NewSchool(urn=ACADEMY, name="Eastbury Academy", type="academy", number_on_roll=900))
        add_school(ctx, NewSchool(urn=SPARE, name="Spare Academy", type="academy"))
        add_staff(ctx, STAFF, "Keyworker", "31.50", date(2025, 7, 1))
        contact = add_contact(ctx, NewContact(urn=ACADEMY, name="Pat Jones", role="finance",
                                              email="finance@eastbury.example"))
        sub = add_subscription(ctx, ACADEMY, "premium", date(2025, 9, 1), "termly")
    with service_context(engine, date(2025, 9, 1)) as ctx:
        invoice = bill_run(ctx).invoices[0].number
    with service_context(engine, date(2025, 9, 10)) as ctx:
        case = open_case(ctx, ACADEMY, "C25-0001", date(2025, 9, 10)).case
        delivered = add_session(ctx, starts_at=parse_london("2025-09-15 10:00"), hours="2", staff=STAFF,
                                case_id=case.id).session
        scheduled = add_session(ctx, starts_at=parse_london("2025-10-20 10:00"), hours="3", staff=STAFF,
                                case_id=case.id).session
    with service_context(engine, date(2025, 9, 16)) as ctx:
        deliver_session(ctx, delivered.id)
    with service_context(engine, date(2025, 9, 20)) as ctx:
        record_payment(ctx, ACADEMY, money_half(ctx, invoice), date(2025, 9, 20), "bacs", [invoice])
    with service_context(engine, date(2025, 9, 21)) as ctx:
        order = add_order(ctx, SPARE, "cpd_place", 2, date(2025, 11, 5))
    return {"order": str(order.id), "sub": str(sub.id), "inv": invoice, "case": str(case.id), "session": str(scheduled.id),
            "delivered": str(delivered.id), "contact": str(contact.id)}


def money_half(ctx: Any, number: str) -> Decimal:
    from billing.invoicing import get_invoice

    return (get_invoice(ctx, number).total / 2).quantize(Decimal("0.01"))


@pytest.mark.parametrize(("argv", "codes"), list(_cases()))
def test_bad_input_is_refused_and_writes_nothing(seeded: dict[str, Any], argv: list[str], codes: set[int]) -> None:
    from cli.main import cli

    args = [a.format(**seeded) if "{" in a and len(a) < 200 else a for a in argv]
    before = table_dump(seeded["engine"])
    global_opts = ["--db", seeded["url"], "--json"]
    if args[0] != "--as-of":
        global_opts += ["--as-of", AS_OF]
    result = CliRunner().invoke(cli, [*global_opts, *args], catch_exceptions=False)
    assert result.exit_code in codes, f"exit {result.exit_code} (wanted {codes}): {result.output[-600:]}"
    err = result.stderr.strip()
    assert err, "refused without saying why on stderr"
    if result.exit_code == 1:
        last = err.splitlines()[-1]
        error = json.loads(last)["error"]
        assert error["code"] and error["message"], error
        assert "\n" not in error["message"], error["message"][:300]
        assert escape_controls(error["message"]) == error["message"], "a control character echoed raw"
        assert not result.stdout.strip(), f"refusal printed on stdout: {result.stdout[:300]}"
    assert table_dump(seeded["engine"]) == before, "a refused command changed the database"
