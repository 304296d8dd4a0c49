"""Demo phase 3: a year of delivery — cases, 8-week plans, late-notice changes and training.

About fifty referrals across the year, each with a planning meeting and an
eight-week plan of twelve half-day sessions (3.5–4 hours, about 45 hours a
case, staff from the demo team).
Some sessions are moved in good time, some changed too late (deemed delivered)
and a few missed without notice. Most referrals are acknowledged within 48
hours, a few later. Sessions are also put on the whole-class, training and
coaching orders. Everything goes through the engine's services with explicit
dates; each case is one transaction whose as-of day is its closure (or the
end of the summer term for cases still open).
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select

from billing.cases import acknowledge_case, close_case, live_subscription_on, open_case
from billing.context import Context
from billing.db import transaction
from billing.models import Order, School, Staff
from billing.pricebooks import version_for
from billing.sessions import add_session, change_session, deliver_session
from contracts.states import OrderStatus
from pricing.calendars import AcademicYear, is_working_day
from pricing.clock import FixedClock, london_to_utc

if TYPE_CHECKING:
    from billing.demo import DemoState

CASES = 50
# Twelve half-day visits in the eight-week plan: about 45 hours, the service's typical
# case (£4,000–£4,500 at the day rate).
SESSIONS_PER_PLAN = 12
CASEWORK_ROLES = ("Senior inclusion worker", "Inclusion worker", "CAMHS clinician")
SLOTS = (time(9, 0), time(10, 30), time(13, 30))
HOURS = ("3.5", "3.5", "4", "4")
# Per order-item code: sessions per unit ordered, and hours per session.
ORDER_SESSIONS = {"whole_class_block": (6, "1.5"), "cpd_place": (0, "2"), "team_teach_place": (0, "6"),
                  "coaching_session": (1, "1.5")}


def _working_day_on_or_after(day: date) -> date:
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def _at(day: date, slot: time) -> datetime:
    return london_to_utc(datetime.combine(day, slot))


def _ctx(session: object, day: date) -> Context:
    return Context(session=session, clock=FixedClock(day), actor="demo")  # type: ignore[arg-type]


def run(state: DemoState) -> None:
    rng = state.rng
    year: AcademicYear = state.year
    cutoff = date(year.start_year + 1, 7, 17)  # end of the summer term: the demo's view of the year
    stats: Counter[str] = Counter()

    with transaction(state.engine) as session:
        ctx = _ctx(session, year.start)
        schools = list(session.scalars(select(School).order_by(School.urn)))
        workers = [s.name for s in session.scalars(select(Staff).order_by(Staff.id)) if s.role in CASEWORK_ROLES]
        trainers = [s.name for s in session.scalars(select(Staff).order_by(Staff.id))
                    if s.role != "CAMHS clinician"]
        subscribed = [s.urn for s in schools if live_subscription_on(ctx, s, date(year.start_year, 10, 1))]
        unsubscribed = [s.urn for s in schools if s.urn not in subscribed]
    if not workers or not schools:
        return

    # Referrals through the year, busiest in the autumn; a couple from schools without a subscription.
    referrals: list[tuple[date, str]] = []
    for n in range(CASES):
        offset = int(rng.triangular(7, 300, 60))
        day = _working_day_on_or_after(year.start + timedelta(days=offset))
        pool = unsubscribed if (unsubscribed and n % 24 == 23) else (subscribed or unsubscribed)
        referrals.append((day, rng.choice(pool)))
    referrals.sort()

    for referred, urn in referrals:
        planning = _working_day_on_or_after(referred + timedelta(days=rng.randint(3, 8)))
        first = _working_day_on_or_after(planning + timedelta(days=rng.randint(2, 5)))
        starts = [_working_day_on_or_after(first + timedelta(days=k * 48 // SESSIONS_PER_PLAN))
                  for k in range(SESSIONS_PER_PLAN)]
        slot, worker = rng.choice(SLOTS), rng.choice(workers)
        closes = starts[-1] + timedelta(days=rng.randint(1, 7))
        as_of = min(closes, cutoff)
        if as_of < planning:
            continue
        with transaction(state.engine) as session:
            ctx = _ctx(session, as_of)
            # No reference typed: the engine assigns the next one of the year (C25-0001, ...).
            case = open_case(ctx, urn, None, referred, planning).case
            stats["cases"] += 1
            stats["covered" if case.covered else "charged_cases"] += 1
            late_ack = rng.random() < 0.1
            ack_day = referred + timedelta(days=rng.randint(3, 6) if late_ack else rng.randint(0, 1))
            if ack_day <= as_of:
                acknowledge_case(ctx, case.id, _at(ack_day, time(rng.choice((9, 11, 15)), 15)))
                stats["acknowledged_late" if late_ack else "acknowledged_in_time"] += 1
            pending = [(day, rng.choice(HOURS)) for day in starts]
            while pending:
                day, hours = pending.pop(0)
                done = add_session(ctx, case_id=case.id, starts_at=_at(day, slot), hours=hours, staff=worker)
                stats["sessions"] += 1
                stats["plan_warnings"] += done.warning is not None
                if day > as_of:
                    continue  # still in the diary when the year's view ends
                roll = rng.random()
                sid = done.session.id
                new_day = _working_day_on_or_after(day + timedelta(days=7))
                if roll < 0.07 and new_day <= as_of:  # moved in good time, to a week later
                    moved = change_session(ctx, sid, _at(day - timedelta(days=rng.randint(3, 6)), time(16, 0)),
                                           _at(new_day, slot))
                    stats["moved"] += 1
                    assert moved.replacement is not None
                    deliver_session(ctx, moved.replacement.id)
                    stats["delivered"] += 1
                elif roll < 0.13:  # cancelled the day before: too late, deemed delivered
                    change_session(ctx, sid, _at(day - timedelta(days=1), time(15, 45)))
                    stats["deemed_delivered"] += 1
                elif roll < 0.15:  # nobody there and no word from the school
                    change_session(ctx, sid, None)
                    stats["no_notice"] += 1
                else:
                    actual = hours if rng.random() < 0.8 else str(rng.choice(HOURS))
                    deliver_session(ctx, sid, actual)
                    stats["delivered"] += 1
            if closes <= cutoff:
                close_case(ctx, case.id, closes)
                stats["closed"] += 1

    _order_sessions(state, trainers, cutoff, stats)
    state.summary["delivery"] = dict(sorted(stats.items()))
    state.summary["cases"] = stats["cases"]


def _order_sessions(state: DemoState, trainers: list[str], cutoff: date, stats: Counter[str]) -> None:
    """Sessions on the training, whole-class and coaching orders; one whole-class visit cancelled late."""
    rng = state.rng
    with transaction(state.engine) as session:
        orders = list(session.scalars(select(Order).where(Order.status != OrderStatus.CANCELLED).order_by(Order.id)))
        late_done = False
        for order in orders:
            ctx = _ctx(session, cutoff)
            if order.item_code not in ORDER_SESSIONS or not trainers:
                continue
            per_unit, hours = ORDER_SESSIONS[order.item_code]
            # A training course is one session for all the places bought; blocks and coaching are per unit.
            count = per_unit * order.quantity if per_unit else 1
            item = version_for(ctx, AcademicYear(order.academic_year)).item(order.item_code)
            first = _working_day_on_or_after(order.deliver_on or order.ordered_on)
            slot = time(15, 45) if item.service == "training" else time(9, 30)
            trainer = rng.choice(trainers)
            for k in range(count):
                day = _working_day_on_or_after(first + timedelta(weeks=k))
                done = add_session(ctx, order_id=order.id, starts_at=_at(day, slot), hours=hours, staff=trainer)
                stats["order_sessions"] += 1
                if day > cutoff:
                    continue
                if item.service == "whole_class" and not late_done and k == 2:
                    change_session(ctx, done.session.id, _at(day - timedelta(days=1), time(8, 30)))
                    stats["order_deemed_delivered"] += 1
                    late_done = True
                else:
                    deliver_session(ctx, done.session.id)
                    stats["order_delivered"] += 1
