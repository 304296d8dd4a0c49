"""Extra casework at the day rate: exact pence, one charge per case per term, never twice (§2, §6)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import Engine, select

from billing.cases import close_case
from billing.casework import raise_casework_charges
from billing.models import Charge
from billing.sessions import add_session, change_session, deliver_session
from pricing.clock import parse_london
from tests.billing.test_cases import INITIAL, NONE, PREMIUM, STAFF, build_world, opened
from tests.support import service_context


@pytest.fixture
def world(engine: Engine) -> Engine:
    build_world(engine)
    return engine


@pytest.fixture
def payg_world(engine: Engine) -> Engine:
    """The price book allows pay-as-you-go casework, so NONE (no subscription) may refer (§6)."""
    build_world(engine, pay_as_you_go=True)
    return engine


def work(engine: Engine, urn: str, ref: str, referred: date, sessions: list[tuple[str, str]],
         no_show: str | None = None, close_on: date | None = None) -> int:
    """A case with sessions delivered (start, hours), an optional no-show, optionally closed."""
    with service_context(engine, referred) as ctx:
        case_id = opened(ctx, urn, ref, referred, referred).id
    for start, hours in sessions:
        with service_context(engine, parse_london(start).date()) as ctx:
            sid = add_session(ctx, case_id=case_id, starts_at=parse_london(start), hours=hours, staff=STAFF)
            deliver_session(ctx, sid.session.id)
    if no_show:
        with service_context(engine, parse_london(no_show).date()) as ctx:
            sid = add_session(ctx, case_id=case_id, starts_at=parse_london(no_show), hours="2", staff=STAFF)
            change_session(ctx, sid.session.id, None)
    if close_on:
        with service_context(engine, close_on) as ctx:
            close_case(ctx, case_id, close_on)
    return case_id


def charges(engine: Engine) -> list[tuple[str, Decimal, Decimal, Decimal, str, date]]:
    with service_context(engine, date(2021, 1, 1)) as ctx:
        return [(c.source_key, c.quantity, c.unit_price, c.amount, c.vat_code, c.due_on)
                for c in ctx.session.scalars(select(Charge).where(Charge.kind == "casework").order_by(Charge.id))]


def test_initial_schools_second_and_third_referrals_are_charged_premiums_are_not(world: Engine) -> None:
    autumn = [("2019-10-01 09:00", "2.5"), ("2019-10-08 09:00", "2.5"), ("2019-10-15 09:00", "2.5")]
    first = work(world, INITIAL, "C19-0001", date(2019, 9, 20), autumn, close_on=date(2019, 11, 1))
    second = work(world, INITIAL, "C19-0002", date(2019, 9, 21), autumn, close_on=date(2019, 11, 1))
    # 8 hours delivered plus a 2-hour no-show deemed delivered = 10 h = 1.67 days → 2 days.
    third = work(world, INITIAL, "C19-0003", date(2019, 9, 22),
                 [("2019-10-02 09:00", "4"), ("2019-10-09 09:00", "4")], no_show="2019-10-16 09:00",
                 close_on=date(2019, 11, 1))
    for n in range(3):
        work(world, PREMIUM, f"C19-100{n}", date(2019, 9, 20), autumn, close_on=date(2019, 11, 1))
    with service_context(world, date(2019, 11, 1)) as ctx:
        raised = raise_casework_charges(ctx, date(2019, 11, 1))
    assert first not in [c.case_id for c in raised]
    assert charges(world) == [
        # 7.5 h / 6 = 1.25 days → 1.5 days × £540.00; a maintained school of this council: VAT O.
        (f"case/{second}/2019-09-01", Decimal("1.50"), Decimal("540.00"), Decimal("810.00"), "O", date(2019, 11, 1)),
        (f"case/{third}/2019-09-01", Decimal("2.00"), Decimal("540.00"), Decimal("1080.00"), "O", date(2019, 11, 1)),
    ]


def test_with_pay_as_you_go_an_unsubscribed_academy_pays_every_case_at_the_day_rate(payg_world: Engine) -> None:
    work(payg_world, NONE, "C19-9001", date(2019, 9, 20), [("2019-10-01 09:00", "6")], close_on=date(2019, 10, 2))
    with service_context(payg_world, date(2019, 10, 2)) as ctx:
        raise_casework_charges(ctx, date(2019, 10, 2))
    # 6 hours = 1 day at the 2019/20 day rate, standard-rated for an academy.
    assert [c[1:5] for c in charges(payg_world)] == [(Decimal("1.00"), Decimal("540.00"), Decimal("540.00"), "S")]


def test_a_charge_waits_for_the_term_to_end_and_is_never_raised_twice(payg_world: Engine) -> None:
    case = work(payg_world, NONE, "C19-9001", date(2019, 9, 20), [("2019-12-20 09:00", "3")])
    with service_context(payg_world, date(2019, 12, 31)) as ctx:
        assert raise_casework_charges(ctx, date(2019, 12, 31)) == []
    with service_context(payg_world, date(2020, 1, 1)) as ctx:
        assert len(raise_casework_charges(ctx, date(2020, 1, 1))) == 1
    with service_context(payg_world, date(2020, 6, 1)) as ctx:
        assert raise_casework_charges(ctx, date(2020, 6, 1)) == []
    assert charges(payg_world) == [(f"case/{case}/2019-09-01", Decimal("0.50"), Decimal("540.00"),
                                    Decimal("270.00"), "S", date(2020, 1, 1))]


def test_a_case_over_two_terms_is_rounded_on_its_running_total(payg_world: Engine) -> None:
    # 4 h in autumn → 1 day; 4 h more in spring → 8 h = 1.5 days in all, so 0.5 more, not another 1.
    case = work(payg_world, NONE, "C19-9001", date(2019, 12, 2),
                [("2019-12-10 09:00", "4"), ("2020-01-14 09:00", "4")], close_on=date(2020, 1, 20))
    with service_context(payg_world, date(2020, 2, 1)) as ctx:
        raise_casework_charges(ctx, date(2020, 2, 1))
    assert charges(payg_world) == [
        (f"case/{case}/2019-09-01", Decimal("1.00"), Decimal("540.00"), Decimal("540.00"), "S", date(2020, 1, 1)),
        (f"case/{case}/2020-01-01", Decimal("0.50"), Decimal("540.00"), Decimal("270.00"), "S", date(2020, 1, 20)),
    ]


def test_the_price_book_of_the_cases_year_sets_the_day_rate(payg_world: Engine) -> None:
    work(payg_world, NONE, "C20-9001", date(2020, 9, 7), [("2020-09-14 09:00", "6")], close_on=date(2020, 9, 15))
    with service_context(payg_world, date(2020, 9, 15)) as ctx:
        raise_casework_charges(ctx, date(2020, 9, 15))
    assert [c[2:4] for c in charges(payg_world)] == [(Decimal("555.00"), Decimal("555.00"))]
