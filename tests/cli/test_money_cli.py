"""Every CLI amount option reads through pricing.money.parse_money; a refusal writes nothing (issue 13, item 4)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import Engine, select

from billing.models import StaffRate
from tests.billing.test_payments import make_invoice, setup_ledger
from tests.support import cli_json, cli_refused, run_cli, service_context, table_dump

URN, OTHER = "100001", "100002"
COMMA = ("has a comma out of place: pence follow a point (12.50) "
         "and commas only separate groups of three digits (1,234.50)")


@pytest.fixture
def books(engine: Engine) -> Engine:
    with service_context(engine, date(2019, 10, 1)) as ctx:
        setup_ledger(ctx, (URN, "academy"), (OTHER, "academy"))
        make_invoice(ctx, URN, "4500.00", date(2019, 10, 1), date(2019, 10, 31))  # INV-000001
    return engine


def test_payment_add_with_a_decimal_comma_is_refused_in_one_line_and_writes_nothing(
        db_url: str, books: Engine) -> None:
    before = table_dump(books)
    result = run_cli(db_url, "payment", "add", URN, "--amount", "12,50", "--on", "2019-12-15", "--method", "bacs",
                     as_of="2019-12-16", as_json=False)
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [f"traded: payment amount '12,50' {COMMA}"]
    assert not result.stdout.strip()
    assert table_dump(books) == before


@pytest.mark.parametrize(("command", "message"), [
    (["payment", "add", URN, "--amount", "1e3", "--on", "2019-12-15", "--method", "bacs"],
     "payment amount '1e3' has an exponent: write the amount out, like 1000.00"),
    (["payment", "add", URN, "--amount", "+12.00", "--on", "2019-12-15", "--method", "bacs"],
     "payment amount '+12.00' must not have a sign: give an amount like 1234.50"),
    (["payment", "add", URN, "--amount", "\uff11\uff12", "--on", "2019-12-15", "--method", "bacs"],
     "payment amount '\uff11\uff12' has digits other than 0-9"),
    (["payment", "add", URN, "--amount", "10000000000.00", "--on", "2019-12-15", "--method", "bacs"],
     "payment amount '10000000000.00' is more than the largest amount the ledger holds (9,999,999,999.99)"),
    (["payment", "add", URN, "--amount", "1" + "0" * 17, "--on", "2019-12-15", "--method", "bacs"],
     f"payment amount '1{'0' * 17}' is more than the largest amount the ledger holds (9,999,999,999.99)"),
    (["payment", "refund", URN, "--amount", "1,2,3", "--on", "2019-12-15", "--reason", "x"],
     f"refund amount '1,2,3' {COMMA}"),
    (["credit-note", "add", "INV-000001", "--amount", "\u0661\u0662", "--reason", "x"],
     "credit note amount '\u0661\u0662' has digits other than 0-9"),
    (["staff", "add", "--name", "Sam", "--role", "Keyworker", "--cost-per-hour", "38,50"],
     f"cost per hour '38,50' {COMMA}"),
    (["budget", "set", "--fy", "FY2019/20", "--line", "Keyworker", "--kind", "cost", "--source", "council",
      "--amount", "1234,567.00"], f"budget line \"Keyworker\" amount '1234,567.00' {COMMA}"),
    (["budget", "cost", "--on", "2019-12-15", "--amount", "NaN", "--source", "council", "--description", "Venue"],
     "cost 'NaN' is not a number"),
    (["budget", "set", "--fy", "FY2019/20", "--line", "Keyworker", "--kind", "cost", "--source", "council",
      "--amount", "12.345"], "budget line \"Keyworker\" amount '12.345' has more than two decimal places"),
])
def test_every_amount_option_refuses_what_the_parser_refuses(db_url: str, books: Engine, command: list[str],
                                                             message: str) -> None:
    before = table_dump(books)
    error = cli_refused(db_url, *command, as_of="2019-12-16")
    assert error == {"code": "invalid_input", "message": message}
    assert table_dump(books) == before


def test_grouped_amounts_and_a_pound_sign_are_read(db_url: str, books: Engine) -> None:
    out = cli_json(db_url, "payment", "add", URN, "--amount", "£4,500.00", "--on", "2019-12-15",
                   "--method", "bacs", as_of="2019-12-16")
    assert out["allocations"] == [{"invoice": "INV-000001", "amount": "4500.00"}]
    assert out["unallocated"] == "0.00"
    staff = cli_json(db_url, "staff", "add", "--name", "Sam", "--role", "Keyworker", "--cost-per-hour", "£1,038.50",
                     as_of="2019-12-16")
    with books.connect() as conn:
        assert conn.scalar(select(StaffRate.cost_per_hour).where(StaffRate.staff_id == staff["id"])) == \
            Decimal("1038.50")


def test_order_cancel_costs_go_through_the_parser(db_url: str, books: Engine) -> None:
    before = table_dump(books)
    error = cli_refused(db_url, "order", "cancel", "1", "--notice", "2019-12-16", "--costs", "12,50",
                        as_of="2019-12-16")
    assert error == {"code": "invalid_input", "message": f"costs incurred '12,50' {COMMA}"}
    assert table_dump(books) == before
