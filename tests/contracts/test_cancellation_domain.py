"""Cancellation plans on plain values, no database (domain-rules.md §4): the worked examples in exact pence."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from contracts.cancellation import (
    AlreadyCancelled,
    Instalment,
    OrderCharge,
    OrderToCancel,
    delivery_started,
    plan_order_cancellation,
    plan_subscription_cancellation,
)
from contracts.states import IllegalTransition, OrderStatus, SubscriptionStatus
from contracts.subscription import SubscriptionRecord
from pricing.errors import InvalidInput, RuleViolation
from pricing.fees import FeeSpan

D = Decimal


def iso(day: date) -> str:
    return day.isoformat()


PREMIUM = SubscriptionRecord(id=7, tier="premium", schedule="termly", starts_on=date(2019, 9, 1),
                             ends_on=date(2021, 8, 31))
# 2019/20 at 9000.00, 2020/21 at 9300.00: each year's fee accrues over its own days.
SPANS = [FeeSpan(date(2019, 9, 1), date(2020, 8, 31), D("9000.00")),
         FeeSpan(date(2020, 9, 1), date(2021, 8, 31), D("9300.00"))]
KEYS = ["sub/7/2019/1", "sub/7/2019/2", "sub/7/2019/3", "sub/7/2020/1", "sub/7/2020/2", "sub/7/2020/3"]


def instalments(invoiced: int = 0, statuses: dict[str, str] | None = None) -> list[Instalment]:
    """The six termly instalments, the first ``invoiced`` of them on an invoice."""
    statuses = statuses or {}
    return [Instalment(key, statuses.get(key, "due"), n < invoiced) for n, key in enumerate(KEYS)]


# --- subscriptions ------------------------------------------------------------------------------


def test_worked_example_nothing_invoiced_withdraws_every_instalment_and_invoices_the_accrued_fee() -> None:
    plan = plan_subscription_cancellation(PREMIUM, SPANS, date(2020, 1, 6), date(2020, 2, 28), instalments(),
                                          D("0.00"), iso)
    # Notice 2020-01-06 + 84 days = 2020-03-30, later than the 2020-02-28 asked for.
    assert plan.effective_end == date(2020, 3, 30)
    # 9000.00 x 212 days (2019-09-01 to 2020-03-30) / 366 = 5213.114... -> 5213.11
    assert plan.accrued == D("5213.11")
    assert (plan.settlement.kind, plan.settlement.amount) == ("invoice", D("5213.11"))
    assert plan.withdraw == tuple(KEYS)
    assert plan.status is SubscriptionStatus.CANCELLED
    assert plan.description == (
        "Premium subscription fee, 2019-09-01 to 2020-03-30 (cancelled: the fee to its effective end)")


def test_worked_example_after_the_autumn_invoice_the_shortfall_is_invoiced() -> None:
    plan = plan_subscription_cancellation(PREMIUM, SPANS, date(2020, 1, 6), date(2020, 2, 28), instalments(1),
                                          D("3000.00"), iso)
    assert plan.withdraw == tuple(KEYS[1:])
    # 5213.11 accrued less 3000.00 invoiced.
    assert (plan.settlement.kind, plan.settlement.amount) == ("invoice", D("2213.11"))
    assert plan.description == (
        "Premium subscription fee, 2019-09-01 to 2020-03-30 (cancelled: £5,213.11 accrued to its effective "
        "end, less £3,000.00 already invoiced)")


def test_worked_example_more_than_twelve_weeks_notice_credits_the_excess() -> None:
    annual = SubscriptionRecord(id=8, tier="premium", schedule="annual", starts_on=date(2019, 9, 1),
                                ends_on=date(2021, 8, 31))
    spans = [FeeSpan(date(2019, 9, 1), date(2020, 8, 31), D("10500.00")),
             FeeSpan(date(2020, 9, 1), date(2021, 8, 31), D("10800.00"))]
    plan = plan_subscription_cancellation(
        annual, spans, date(2020, 1, 6), date(2020, 6, 30),
        [Instalment("sub/8/2019/1", "due", True), Instalment("sub/8/2020/1", "due", False)], D("10500.00"), iso)
    assert plan.effective_end == date(2020, 6, 30)  # asked for, and more than twelve weeks away
    # 10500.00 x 304 days / 366 = 8721.311... -> 8721.31; 10500.00 invoiced, so 1778.69 goes back.
    assert plan.accrued == D("8721.31")
    assert (plan.settlement.kind, plan.settlement.amount) == ("credit_note", D("1778.69"))
    assert plan.withdraw == ("sub/8/2020/1",)  # the instalment after the end is never raised
    assert plan.credit_reason == "Subscription cancelled: fee invoiced beyond the effective end 2020-06-30"


def test_worked_example_two_terms_invoiced_credits_the_excess_net() -> None:
    plan = plan_subscription_cancellation(PREMIUM, SPANS, date(2020, 1, 6), date(2020, 2, 28), instalments(2),
                                          D("6000.00"), iso)
    assert (plan.settlement.kind, plan.settlement.amount) == ("credit_note", D("786.89"))  # 6000.00 - 5213.11
    assert plan.withdraw == tuple(KEYS[2:])


def test_notice_on_day_two_asking_to_end_at_once_runs_twelve_weeks() -> None:
    initial = SubscriptionRecord(id=9, tier="initial", schedule="termly", starts_on=date(2019, 9, 1),
                                 ends_on=date(2021, 8, 31))
    spans = [FeeSpan(date(2019, 9, 1), date(2020, 8, 31), D("3800.00"))]
    plan = plan_subscription_cancellation(initial, spans, date(2019, 9, 2), date(2019, 9, 2), [], D("2533.32"), iso)
    assert plan.effective_end == date(2019, 11, 25)
    assert plan.accrued == D("892.90")  # 3800.00 x 86 / 366 = 892.896...
    assert (plan.settlement.kind, plan.settlement.amount) == ("credit_note", D("1640.42"))


def test_the_effective_end_never_runs_past_the_contract_so_the_whole_contract_accrues() -> None:
    spans = [FeeSpan(date(2019, 9, 1), date(2020, 8, 31), D("3200.00")),
             FeeSpan(date(2020, 9, 1), date(2021, 8, 31), D("3350.00"))]
    plan = plan_subscription_cancellation(PREMIUM, spans, date(2021, 7, 1), date(2021, 7, 31), [], D("6550.00"), iso)
    assert plan.effective_end == date(2021, 8, 31)
    assert plan.cancellation.capped_at_contract_end
    assert plan.accrued == D("6550.00")
    assert (plan.settlement.kind, plan.settlement.amount) == ("none", D("0.00"))


def test_only_instalments_still_due_and_not_invoiced_are_withdrawn() -> None:
    given = instalments(1, {KEYS[1]: "withdrawn", KEYS[2]: "waived"})
    plan = plan_subscription_cancellation(PREMIUM, SPANS, date(2020, 1, 6), date(2020, 2, 28), given,
                                          D("3000.00"), iso)
    assert plan.withdraw == tuple(KEYS[3:])


def test_a_cancelled_subscription_cannot_be_cancelled_again() -> None:
    cancelled = SubscriptionRecord(id=7, tier="premium", schedule="termly", starts_on=date(2019, 9, 1),
                                   ends_on=date(2021, 8, 31), status=SubscriptionStatus.CANCELLED,
                                   effective_end=date(2020, 3, 30))
    with pytest.raises(AlreadyCancelled) as refused:
        plan_subscription_cancellation(cancelled, SPANS, date(2020, 1, 7), date(2020, 2, 28), [], D("0"), iso)
    assert refused.value.code == "already_cancelled"
    assert refused.value.message == "subscription 7 was already cancelled (effective end 2020-03-30)"
    assert isinstance(refused.value, RuleViolation)


def test_bad_notices_are_refused() -> None:
    with pytest.raises(RuleViolation, match="before the contract starts"):
        plan_subscription_cancellation(PREMIUM, SPANS, date(2019, 8, 31), date(2019, 12, 31), [], D("0"), iso)
    with pytest.raises(InvalidInput, match="before the notice"):
        plan_subscription_cancellation(PREMIUM, SPANS, date(2019, 10, 1), date(2019, 9, 30), [], D("0"), iso)


# --- orders -------------------------------------------------------------------------------------

# Three whole-class sessions at 1200.00, ordered 2019-09-02 for delivery on 2020-03-30.
BLOCK = OrderToCancel(id=4, status="open", ordered_on=date(2019, 9, 2), deliver_on=date(2020, 3, 30),
                      price=D("1200.00"), quantity=3)
RAISED = OrderCharge(D("1200.00"), "due", False, "Whole-class block x3")
INVOICED = OrderCharge(D("1200.00"), "due", True, "Whole-class block x3")


def test_twelve_weeks_notice_before_delivery_costs_the_school_nothing() -> None:
    # 2020-01-06 is exactly 84 days before 2020-03-30: in time.
    plan = plan_order_cancellation(BLOCK, date(2020, 1, 6), "school", None, 0, False, RAISED)
    assert (plan.charge, plan.replace, plan.keep, plan.credit) == (D("0.00"), True, False, D("0.00"))
    assert plan.status is OrderStatus.CANCELLED


def test_a_day_short_of_twelve_weeks_charges_in_full_as_a_replacement_charge() -> None:
    plan = plan_order_cancellation(BLOCK, date(2020, 1, 7), "school", None, 0, False, RAISED)
    assert (plan.charge, plan.replace) == (D("1200.00"), True)
    assert plan.description == "Cancelled: Whole-class block x3"


def test_late_with_recorded_costs_charges_the_costs_capped_at_the_price() -> None:
    assert plan_order_cancellation(BLOCK, date(2020, 3, 1), "school", D("350.00"), 0, False, RAISED).charge == \
        D("350.00")
    assert plan_order_cancellation(BLOCK, date(2020, 3, 1), "school", D("5000.00"), 0, False, RAISED).charge == \
        D("1200.00")


def test_part_way_through_delivery_charges_in_full_whatever_the_notice() -> None:
    assert delivery_started(date(2019, 10, 1), date(2020, 3, 30), work_recorded=True)
    assert delivery_started(date(2020, 3, 31), date(2020, 3, 30), work_recorded=False)
    assert not delivery_started(date(2020, 3, 30), date(2020, 3, 30), work_recorded=False)
    plan = plan_order_cancellation(BLOCK, date(2019, 10, 1), "school", None, 0, True, RAISED)
    assert plan.charge == D("1200.00")


def test_an_invoiced_order_is_kept_and_the_difference_credited() -> None:
    plan = plan_order_cancellation(BLOCK, date(2020, 3, 1), "school", D("350.00"), 0, False, INVOICED)
    assert (plan.charge, plan.replace, plan.keep, plan.credit) == (D("350.00"), False, True, D("850.00"))
    assert plan.credit_reason == "Order cancelled: charged at the costs actually incurred"


def test_cancelled_by_the_service_the_school_pays_for_what_was_delivered() -> None:
    plan = plan_order_cancellation(BLOCK, date(2020, 3, 1), "service", None, 1, True, INVOICED)
    # 1200.00 x 2 of 3 undelivered = 800.00 refunded; the school pays 400.00.
    assert (plan.charge, plan.credit) == (D("400.00"), D("800.00"))
    assert plan.credit_reason == "Order cancelled by the service: refund of the part not delivered"


def test_a_withdrawn_charge_is_neither_replaced_nor_credited() -> None:
    plan = plan_order_cancellation(BLOCK, date(2020, 3, 1), "school", None, 0, False,
                                   OrderCharge(D("1200.00"), "withdrawn", False, "x"))
    assert (plan.replace, plan.keep, plan.credit) == (False, False, D("0.00"))


def test_an_order_is_cancelled_once_and_a_delivered_one_not_at_all() -> None:
    cancelled = OrderToCancel(4, "cancelled", date(2019, 9, 2), date(2020, 3, 30), D("1200.00"), 3)
    with pytest.raises(AlreadyCancelled, match="order 4 was already cancelled") as refused:
        plan_order_cancellation(cancelled, date(2020, 1, 7), "school", None, 0, False, RAISED)
    assert refused.value.code == "already_cancelled"
    delivered = OrderToCancel(4, "delivered", date(2019, 9, 2), date(2020, 3, 30), D("1200.00"), 3)
    with pytest.raises(IllegalTransition):
        plan_order_cancellation(delivered, date(2020, 1, 7), "school", None, 0, False, RAISED)


@pytest.mark.parametrize("notice, by, costs, units, exc, match", [
    (date(2019, 9, 1), "school", None, 0, RuleViolation, "comes before order 4 was placed"),
    (date(2020, 1, 7), "school", D("-1.00"), 0, InvalidInput, "must not be negative"),
    (date(2020, 1, 7), "service", D("5.00"), 0, InvalidInput, "only when the school cancels"),
    (date(2020, 1, 7), "service", None, 4, InvalidInput, "from 0 to the 3 ordered"),
    (date(2020, 1, 7), "school", None, 1, InvalidInput, "only when the service cancels"),
])
def test_bad_order_cancellations_are_refused(notice: date, by: str, costs: Decimal | None, units: int,
                                             exc: type[Exception], match: str) -> None:
    with pytest.raises(exc, match=match):
        plan_order_cancellation(BLOCK, notice, by, costs, units, False, RAISED)  # type: ignore[arg-type]
