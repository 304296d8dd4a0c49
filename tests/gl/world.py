"""A small council for the ledger export tests: real subscriptions, an order, bill runs, money in and out."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import Engine

from billing.bill_run import bill_run
from billing.invoicing import issue_credit_note
from billing.orders import add_order
from billing.payments import record_payment, refund_credit
from billing.pricebooks import load_pricebook
from billing.schools import NewSchool, add_school
from billing.subscriptions import add_subscription
from pricing.pricebook import sample_pricebook_text
from tests.support import service_context

D = Decimal
ACADEMY = "141234"  # premium, roll 500: 10,500.00 + 20% VAT
MAINTAINED = "100279"  # the council's own (LA 204, LAESTAB 2044321: its cost centre), initial, roll 500: 4,100.00, VAT O
BUYER = "141999"  # an academy with no subscription buying two CPD places (exempt): 220.00
SEP1 = date(2025, 9, 1)
SEP10 = date(2025, 9, 10)
OCT1 = date(2025, 10, 1)
OCT15 = date(2025, 10, 15)


def council(engine: Engine) -> None:
    with service_context(engine, date(2025, 7, 15)) as ctx:
        load_pricebook(ctx, sample_pricebook_text())
        add_school(ctx, NewSchool(urn=ACADEMY, name="Mossbourne Community Academy", type="academy",
                                  number_on_roll=500, address="1 Downs Park Road\nLondon", postcode="E5 8JY"))
        add_school(ctx, NewSchool(urn=MAINTAINED, name="Stoke Newington School", type="maintained",
                                  number_on_roll=500, address="Clissold Road\nLondon", postcode="N16 9EX",
                                  laestab="2044321"))
        add_school(ctx, NewSchool(urn=BUYER, name="Hackney Free Academy", type="academy", number_on_roll=300,
                                  address="1 High Street\nLondon", postcode="E8 1AA"))
        add_subscription(ctx, ACADEMY, "premium", SEP1, "annual")
        add_subscription(ctx, MAINTAINED, "initial", SEP1, "annual")
        add_order(ctx, BUYER, "cpd_place", 2, deliver_on=SEP10)


def september(engine: Engine) -> None:
    """1 September: recharge JNL-000001 (maintained, 4,100.00, settled by journal: payment 1) and INV-000001
    (academy, 12,600.00); the 10th: INV-000002 (220.00)."""
    with service_context(engine, SEP1) as ctx:
        bill_run(ctx)
    with service_context(engine, SEP10) as ctx:
        bill_run(ctx)


def october(engine: Engine) -> None:
    """A credit of 1,200.00 to the academy, its payment of the rest and 100.00 over (payment 2), and that 100.00
    refunded (refund 1)."""
    with service_context(engine, OCT1) as ctx:
        issue_credit_note(ctx, "INV-000001", D("1200.00"), "Two sessions not delivered")
        record_payment(ctx, ACADEMY, D("11500.00"), OCT1, "bacs")
    with service_context(engine, OCT15) as ctx:
        refund_credit(ctx, ACADEMY, D("100.00"), OCT15, "Overpaid")
