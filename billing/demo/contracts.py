"""Demo phase 2: the price book, subscriptions, a few orders and one cancellation.

Most of the sample schools subscribe from 1 September of the demo year, a mix
of premium and initial, annual and termly; one joins mid-year; two never
subscribe. A few schools buy extra whole-class support and training places,
and one gives notice in the spring term (settled under the twelve-week rule).

The demo council allows pay-as-you-go casework (§6): a school without a
subscription in force may refer, and its casework is charged at the day rate.
The shipped sample price book has it off, and then such referrals are refused.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import select

from billing.cancellations import cancel_subscription
from billing.context import Context
from billing.db import transaction
from billing.models import School
from billing.orders import add_order
from billing.pricebooks import load_pricebook
from billing.subscriptions import add_subscription
from pricing.clock import FixedClock
from pricing.pricebook import sample_pricebook_text

if TYPE_CHECKING:
    from billing.demo import DemoState

UNSUBSCRIBED = 2      # the last schools (by URN) never subscribe
PAY_AS_YOU_GO = ("pay_as_you_go_casework = false", "pay_as_you_go_casework = true")
MID_YEAR_JOIN = (1, 12)  # month, day of the mid-year joiner's start (in the demo year's spring)


@contextmanager
def _ctx(state: DemoState, day: date) -> Iterator[Context]:
    with transaction(state.engine) as session:
        yield Context(session=session, clock=FixedClock(day), actor="demo")


def demo_pricebook_text() -> str:
    """The sample price book with pay-as-you-go casework on, so the demo's referrals from
    schools without a subscription (and outside a subscription's dates) are charged by the day."""
    text = sample_pricebook_text()
    assert PAY_AS_YOU_GO[0] in text, "the sample price book no longer carries the pay-as-you-go setting"
    return text.replace(*PAY_AS_YOU_GO)


def _plan(index: int) -> tuple[str, str]:
    """A fixed mix: every third school premium, every other termly."""
    tier = "premium" if index % 3 == 0 else "initial"
    schedule = "termly" if index % 2 == 0 else "annual"
    return tier, schedule


def run(state: DemoState) -> None:
    start = state.year.start
    spring = date(state.year.start_year + 1, *MID_YEAR_JOIN)
    with _ctx(state, state.setup_day) as ctx:
        load_pricebook(ctx, demo_pricebook_text(), "sample price book, pay-as-you-go casework on")
        urns = list(ctx.session.scalars(select(School.urn).order_by(School.urn)))
        subscribers = urns[:len(urns) - UNSUBSCRIBED]
        joiner = subscribers.pop()  # subscribes in the spring instead
        subs = {}
        for i, urn in enumerate(subscribers):
            tier, schedule = _plan(i)
            subs[urn] = add_subscription(ctx, urn, tier, start, schedule, po_number=f"PO-{urn}").id
    with _ctx(state, spring) as ctx:
        add_subscription(ctx, joiner, "initial", spring, "termly")

    # Orders placed in the autumn: extra whole-class support and training places.
    autumn = date(state.year.start_year, 9, 15)
    order_plan = [
        (subscribers[0], "whole_class_block", 1, date(state.year.start_year, 11, 3)),   # premium: covered
        (subscribers[1], "whole_class_block", 2, date(state.year.start_year + 1, 2, 23)),  # initial: 1 beyond
        (subscribers[2], "cpd_place", 3, date(state.year.start_year, 10, 15)),
        (subscribers[4], "team_teach_place", 2, date(state.year.start_year + 1, 3, 10)),
        (urns[-1], "cpd_place", 2, date(state.year.start_year, 11, 20)),                 # no subscription
        (subscribers[5], "coaching_session", 2, date(state.year.start_year, 12, 2)),
    ]
    orders = 0
    with _ctx(state, autumn) as ctx:
        for urn, item, qty, deliver_on in order_plan:
            add_order(ctx, urn, item, qty, deliver_on)
            orders += 1

    # One school gives written notice in the spring term, asking to leave at Easter.
    leaver = subscribers[7]
    notice = date(state.year.start_year + 1, 2, 2)
    with _ctx(state, notice) as ctx:
        done = cancel_subscription(ctx, subs[leaver], notice, date(state.year.start_year + 1, 3, 31), "school",
                                   state.mail)

    state.summary["subscriptions"] = len(subscribers) + 1
    state.summary["unsubscribed_schools"] = UNSUBSCRIBED
    state.summary["pay_as_you_go_casework"] = True
    state.summary["orders"] = orders
    state.summary["cancellations"] = 1
    state.summary["cancellation"] = {
        "urn": leaver, "effective_end": done.effective_end.isoformat(),
        "settlement": done.settlement.kind, "amount": str(done.settlement.amount),
    }
