"""Orders as values, no database: entitlement cover, catalogue prices, uses counted (domain-rules.md §2, §3, §4, §6).

Prices and entitlements are the sample price book's 2019/20 version: a CPD place
95.00, a whole-class block 1350.00, a casework day
540.00; the initial tier includes one training place, one whole-class block and
one casework referral a year, the premium tier three blocks and casework without a cap.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contracts.entitlements import CASEWORK, Use, case_use, reference_day, tally
from contracts.orders import (
    Cover,
    Entitlement,
    OrderRecord,
    check_quantity,
    cover,
    covered_units,
    entitlement_uses,
    order_use,
    still_uses_entitlement,
)
from contracts.states import OrderStatus
from pricing.calendars import AcademicYear
from pricing.errors import InvalidInput

D = Decimal
CPD, BLOCK, CASEWORK_DAY = D("95.00"), D("1350.00"), D("540.00")
FREE = D("0.00")


def iso(day: date) -> str:
    return day.isoformat()


def order(service: str | None = "training", quantity: int = 1, covered: bool = True, unit_price: Decimal = CPD,
          price: Decimal = FREE, *, status: OrderStatus = OrderStatus.OPEN, deliver_on: date | None = None,
          cancelled_by: str | None = None, notice_on: date | None = None) -> OrderRecord:
    return OrderRecord(service, quantity, covered, unit_price, price, status, deliver_on, cancelled_by, notice_on)


def test_units_beyond_the_entitlement_are_charged_at_catalogue_prices() -> None:
    # Initial tier, one training place included: two places ordered, one covered, one charged.
    first = cover("training", 2, CPD, Entitlement(included=1, used=0))
    assert (first.free, first.charged, first.price, first.covered) == (1, 1, D("95.00"), False)
    assert first.description("CPD / training session place", date(2019, 11, 12), iso) == (
        "CPD / training session place × 1 (1 covered by the subscription), delivery 2019-11-12")
    # The first order used the year's place: the next is charged whole.
    used = entitlement_uses([order(quantity=2, covered=False, price=D("95.00"))], "training")
    assert used == 1
    second = cover("training", 1, CPD, Entitlement(included=1, used=used))
    assert (second.free, second.price) == (0, D("95.00"))
    assert second.description("CPD / training session place", None, iso) == "CPD / training session place × 1"


def test_entitlements_reset_each_academic_year() -> None:
    # The next year's orders are a new list: nothing used yet, so the place is covered.
    assert entitlement_uses([], "training") == 0
    third = cover("training", 1, CPD, Entitlement(included=1, used=0))
    assert (third.covered, third.price) == (True, D("0.00"))


def test_premium_covers_three_whole_class_blocks_and_charges_the_fourth() -> None:
    three = cover("whole_class", 3, BLOCK, Entitlement(included=3, used=0))
    assert (three.covered, three.price) == (True, D("0"))
    used = entitlement_uses([order("whole_class", 3, True, BLOCK)], "whole_class")
    fourth = cover("whole_class", 1, BLOCK, Entitlement(included=3, used=used))
    assert (fourth.covered, fourth.price) == (False, D("1350.00"))


def test_without_a_subscription_everything_is_charged() -> None:
    bought = cover("team_teach", 2, D("185.00"), None)  # 2020/21 price
    assert (bought.free, bought.charged, bought.price, bought.covered) == (0, 2, D("370.00"), False)


def test_no_cap_covers_every_unit() -> None:
    assert cover("training", 40, CPD, Entitlement(included=None, used=1000)) == Cover(40, 0, CPD)


def test_casework_is_covered_whole_or_charged_whole() -> None:
    # Initial: one referral a year. Nothing used yet: an order of two days is one covered referral.
    assert cover(CASEWORK, 2, CASEWORK_DAY, Entitlement(included=1, used=0)) == Cover(2, 0, CASEWORK_DAY)
    # A covered case already used the referral: the order's two days are charged, 1080.00.
    used = entitlement_uses([], CASEWORK, covered_cases=1)
    charged = cover(CASEWORK, 2, CASEWORK_DAY, Entitlement(included=1, used=used))
    assert (charged.free, charged.charged, charged.price) == (0, 2, D("1080.00"))
    assert cover(CASEWORK, 5, CASEWORK_DAY, Entitlement(included=None, used=40)).covered


def test_casework_counts_referrals_not_days() -> None:
    orders = [order(CASEWORK, 3, True, CASEWORK_DAY), order(CASEWORK, 2, False, CASEWORK_DAY, D("1080.00"))]
    assert entitlement_uses(orders, CASEWORK, covered_cases=2) == 3
    assert entitlement_uses(orders, "training", covered_cases=2) == 0  # cases count towards casework only


def test_uses_count_only_the_services_own_orders() -> None:
    orders = [order("training", 2), order("whole_class", 1, True, BLOCK), order(None, 4)]
    assert entitlement_uses(orders, "training") == 2
    assert entitlement_uses(orders, "whole_class") == 1


def test_covered_units_are_the_units_not_priced() -> None:
    assert covered_units(order(quantity=3, covered=True)) == 3
    assert covered_units(order(quantity=3, covered=False, price=D("95.00"))) == 2
    assert covered_units(order(quantity=3, covered=False, price=D("285.00"))) == 0
    assert covered_units(order(quantity=3, covered=False, unit_price=D("0.00"))) == 0


# A whole-class block for delivery on 2 Mar 2020: twelve weeks before is 9 Dec 2019 (§4).
def block(status: OrderStatus = OrderStatus.OPEN, cancelled_by: str | None = None,
          notice_on: date | None = None) -> OrderRecord:
    return order("whole_class", 1, True, BLOCK, status=status, deliver_on=date(2020, 3, 2),
                 cancelled_by=cancelled_by, notice_on=notice_on)


def test_an_order_cancelled_on_twelve_weeks_notice_gives_its_entitlement_back() -> None:
    cancelled = block(status=OrderStatus.CANCELLED, cancelled_by="school", notice_on=date(2019, 12, 9))
    assert not still_uses_entitlement(cancelled)
    assert entitlement_uses([cancelled], "whole_class") == 0


def test_an_order_the_school_cancels_late_still_uses_its_entitlement() -> None:
    late = block(status=OrderStatus.CANCELLED, cancelled_by="school", notice_on=date(2019, 12, 10))
    assert still_uses_entitlement(late)
    assert entitlement_uses([late], "whole_class") == 1
    undated = order("whole_class", 1, True, BLOCK, status=OrderStatus.CANCELLED, cancelled_by="school",
                    notice_on=date(2019, 12, 1))
    assert still_uses_entitlement(undated)


def test_an_order_the_service_cancels_never_uses_the_entitlement() -> None:
    assert not still_uses_entitlement(block(status=OrderStatus.CANCELLED, cancelled_by="service",
                                            notice_on=date(2020, 3, 1)))
    assert not still_uses_entitlement(block(status=OrderStatus.CANCELLED))


@pytest.mark.parametrize("status", [OrderStatus.OPEN, OrderStatus.DELIVERED])
def test_open_and_delivered_orders_use_the_entitlement(status: OrderStatus) -> None:
    assert still_uses_entitlement(block(status=status))


@pytest.mark.parametrize("qty", [0, -1, True, 1.0, "2"])
def test_a_quantity_must_be_a_whole_number_of_at_least_one(qty: object) -> None:
    with pytest.raises(InvalidInput) as err:
        check_quantity(qty)
    assert err.value.code == "bad_quantity"
    with pytest.raises(InvalidInput):
        cover("training", qty, CPD, None)  # type: ignore[arg-type]


def test_the_years_figures_count_cases_and_orders() -> None:
    uses = [case_use(True), case_use(False),
            order_use(order(CASEWORK, 3, False, CASEWORK_DAY, D("1620.00"))),
            order_use(order("training", 3, False, CPD, D("190.00"))),
            order_use(order("whole_class", 1, True, BLOCK))]
    assert uses[2] == Use(CASEWORK, 1, 1)
    used, beyond = tally(uses)
    assert dict(used) == {CASEWORK: 3, "training": 3, "whole_class": 1}
    assert dict(beyond) == {CASEWORK: 2, "training": 2, "whole_class": 0}


def test_an_orders_use_needs_its_service() -> None:
    with pytest.raises(InvalidInput):
        order_use(order(None))


def test_entitlements_are_read_on_today_within_the_year_else_its_nearest_end() -> None:
    year = AcademicYear(2019)
    assert reference_day(year, date(2020, 1, 6)) == date(2020, 1, 6)
    assert reference_day(year, date(2019, 7, 1)) == date(2019, 9, 1)
    assert reference_day(year, date(2021, 1, 1)) == date(2020, 8, 31)


@given(included=st.none() | st.integers(0, 20), used=st.integers(0, 40), qty=st.integers(1, 30))
def test_free_and_charged_units_make_the_order(included: int | None, used: int, qty: int) -> None:
    decided = cover("training", qty, CPD, Entitlement(included, used))
    assert decided.free + decided.charged == qty
    assert decided.price == CPD * decided.charged
    if included is not None:
        assert decided.free <= max(0, included - used)
