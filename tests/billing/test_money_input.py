"""Bank files, gateway amounts and money columns hold to the parser's bound (issue 13, item 4)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.dialects import postgresql, sqlite

from billing.bank_import import read_csv
from billing.gateway.port import GatewayNotice
from billing.gateway.webhooks import apply_notice
from billing.models import GatewayEvent, Payment
from billing.models.types import Money
from pricing.errors import InvalidInput
from pricing.money import MAX_AMOUNT
from tests.billing.test_payments import setup_ledger
from tests.support import service_context

URN = "100001"
COMMA = ("has a comma out of place: pence follow a point (12.50) "
         "and commas only separate groups of three digits (1,234.50)")


@pytest.mark.parametrize(("amount", "message"), [
    ("12,50", f"bank.csv line 2: amount '12,50' {COMMA}"),
    ("1,2,3", f"bank.csv line 2: amount '1,2,3' {COMMA}"),
    ("1e3", "bank.csv line 2: amount '1e3' has an exponent: write the amount out, like 1000.00"),
    ("+12.00", "bank.csv line 2: amount '+12.00' must not have a sign: give an amount like 1234.50"),
    ("\uff11\uff12.00", "bank.csv line 2: amount '\uff11\uff12.00' has digits other than 0-9"),
    ("1" + "0" * 15, f"bank.csv line 2: amount '1{'0' * 15}' is more than the largest amount the ledger holds "
                     "(9,999,999,999.99)"),
])
def test_a_bank_file_amount_the_parser_refuses_names_its_line(amount: str, message: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        read_csv(f'date,amount,reference\n15/12/2019,"{amount}",INV-000001\n', source="bank.csv")
    assert caught.value.message == message


def test_a_bank_file_reads_grouped_amounts_and_debits() -> None:
    entries = read_csv('date,amount,reference\n15/12/2019,"£1,234.50",INV-000001\n16/12/2019,"-1,000.00",FEE\n',
                       source="bank.csv")
    assert [str(e.amount) for e in entries] == ["1234.50", "-1000.00"]


@pytest.mark.parametrize("pence", [10**12, 10**17, 10**19])
def test_a_gateway_amount_beyond_the_ledger_is_refused_and_kept_for_a_person(engine: Engine, pence: int) -> None:
    with service_context(engine, date(2019, 10, 1)) as ctx:
        setup_ledger(ctx, (URN, "academy"))
    notice = GatewayNotice("evt_huge", "payment_intent.succeeded", "payment", datetime(2019, 11, 1, 10, tzinfo=UTC),
                           amount_pence=pence, external_key="pi_huge", urn=URN)
    with service_context(engine, date(2019, 11, 2)) as ctx:
        outcome = apply_notice(ctx, notice)
    assert outcome.status == "unallocated"
    assert outcome.note == (f"payment amount {pence // 100}.00 is more than the largest amount the ledger holds "
                            "(9,999,999,999.99)")
    with service_context(engine, date(2019, 11, 2)) as ctx:
        assert list(ctx.session.scalars(select(Payment))) == []
        assert ctx.session.scalar(select(GatewayEvent.status)) == "unallocated"


@pytest.mark.parametrize("dialect", [sqlite.dialect(), postgresql.dialect()], ids=["sqlite", "postgresql"])
def test_a_money_column_holds_the_same_range_on_both_backends(dialect: object) -> None:
    column = Money()
    assert column.process_bind_param(MAX_AMOUNT, dialect) is not None  # type: ignore[arg-type]
    assert column.process_bind_param(-MAX_AMOUNT, dialect) is not None  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"does not fit NUMERIC\(12,2\)"):
        column.process_bind_param(MAX_AMOUNT + Decimal("0.01"), dialect)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"does not fit NUMERIC\(12,2\)"):
        column.process_bind_param(Decimal(10) ** 17, dialect)  # type: ignore[arg-type]
