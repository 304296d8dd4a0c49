"""Sessions and the 48-hour rule through the service (§5), on elapsed real time."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from billing.casework import raise_casework_charges
from billing.sessions import add_session, change_session, deliver_session, get_session, parse_hours
from pricing.clock import parse_london
from pricing.errors import InvalidInput, NotFound, RuleViolation
from tests.billing.test_cases import INITIAL, PREMIUM, STAFF, build_world, opened
from tests.support import service_context


@pytest.fixture
def world(engine: Engine) -> Engine:
    build_world(engine)
    return engine


def schedule(engine: Engine, start: str, urn: str = INITIAL, n_cases: int = 2, hours: str = "3") -> int:
    """A session on the school's n-th case of 2019/20 (the first covered, the second not, for INITIAL)."""
    with service_context(engine, date(2019, 9, 2)) as ctx:
        case = None
        for n in range(n_cases):
            case = opened(ctx, urn, f"C19-{urn[-1]}{n:03d}", date(2019, 9, 2), date(2019, 9, 2))
        assert case is not None
        return add_session(ctx, case_id=case.id, starts_at=parse_london(start), hours=hours, staff=STAFF).session.id


def change(engine: Engine, session_id: int, notified: str | None, moved_to: str | None = None,
           as_of: date = date(2019, 10, 28)):  # noqa: ANN201
    with service_context(engine, as_of) as ctx:
        done = change_session(ctx, session_id, parse_london(notified) if notified else None,
                              parse_london(moved_to) if moved_to else None)
        return done.outcome.value, done.charged, done.session.delivered_hours


@pytest.mark.parametrize(
    "notified, moved_to, expected",
    [
        ("2019-11-18 09:00", "2019-11-25 10:00", ("moved", False, None)),   # 49 hours before
        ("2019-11-18 10:00", None, ("dropped", False, None)),               # exactly 48 hours
        ("2019-11-18 11:00", None, ("deemed_delivered", True, Decimal("3.00"))),  # 47 hours
        (None, None, ("deemed_delivered", True, Decimal("3.00"))),          # no notice at all
    ],
)
def test_the_48_hour_rule_on_an_uncovered_case(world: Engine, notified, moved_to, expected) -> None:  # noqa: ANN001
    sid = schedule(world, "2019-11-20 10:00")
    assert change(world, sid, notified, moved_to, as_of=date(2019, 11, 20)) == expected


def test_late_notice_on_a_covered_case_is_deemed_delivered_but_not_charged(world: Engine) -> None:
    sid = schedule(world, "2019-11-20 10:00", n_cases=1)
    assert change(world, sid, "2019-11-18 11:00", as_of=date(2019, 11, 20)) == ("deemed_delivered", False,
                                                                                  Decimal("3.00"))


def test_october_clock_change_deadline_is_10_bst_on_saturday(world: Engine) -> None:
    # 09:00 GMT Mon 28 Oct 2019; the clocks went back on the 27th, so 48 h earlier is 10:00 BST Sat 26 Oct.
    a = schedule(world, "2019-10-28 09:00")
    with service_context(world, date(2019, 9, 2)) as ctx:
        case_id = get_session(ctx, a).case_id
        b = add_session(ctx, case_id=case_id, starts_at=parse_london("2019-10-28 09:00"), hours="3",
                        staff=STAFF).session.id
    assert change(world, a, "2019-10-26 10:00")[0] == "dropped"
    assert change(world, b, "2019-10-26 10:01")[0] == "deemed_delivered"


def test_march_clock_change_deadline_is_08_gmt_on_saturday(world: Engine) -> None:
    # 09:00 BST Mon 30 Mar 2020; the clocks went forward on the 29th, so 48 h earlier is 08:00 GMT Sat 28 Mar.
    a = schedule(world, "2020-03-30 09:00")
    with service_context(world, date(2019, 9, 2)) as ctx:
        case_id = get_session(ctx, a).case_id
        b = add_session(ctx, case_id=case_id, starts_at=parse_london("2020-03-30 09:00"), hours="3",
                        staff=STAFF).session.id
    assert change(world, a, "2020-03-28 08:00", as_of=date(2020, 3, 30))[0] == "dropped"
    assert change(world, b, "2020-03-28 08:01", as_of=date(2020, 3, 30))[0] == "deemed_delivered"


def test_a_move_books_the_new_session_and_a_late_move_still_counts_the_old_one(world: Engine) -> None:
    a = schedule(world, "2019-11-20 10:00")
    with service_context(world, date(2019, 11, 20)) as ctx:
        case_id = get_session(ctx, a).case_id
        b = add_session(ctx, case_id=case_id, starts_at=parse_london("2019-11-21 10:00"), hours="2",
                        staff=STAFF).session.id
        moved = change_session(ctx, a, parse_london("2019-11-15 09:00"), parse_london("2019-11-27 10:00"))
        late = change_session(ctx, b, parse_london("2019-11-20 09:00"), parse_london("2019-11-28 10:00"))
        assert (moved.outcome.value, late.outcome.value) == ("moved", "deemed_delivered")
        assert moved.replacement is not None and late.replacement is not None
        assert moved.session.replaced_by_id == moved.replacement.id
        assert moved.replacement.status == late.replacement.status == "scheduled"
        assert late.session.delivered_hours == Decimal("2.00")


def test_settled_sessions_cannot_be_changed(world: Engine) -> None:
    sid = schedule(world, "2019-11-20 10:00")
    with service_context(world, date(2019, 11, 20)) as ctx:
        deliver_session(ctx, sid, "2.5")
    with pytest.raises(RuleViolation), service_context(world, date(2019, 11, 21)) as ctx:
        change_session(ctx, sid, parse_london("2019-11-20 12:00"), None)
    with pytest.raises(RuleViolation), service_context(world, date(2019, 11, 21)) as ctx:
        deliver_session(ctx, sid)


def test_notice_after_the_start_is_refused(world: Engine) -> None:
    sid = schedule(world, "2019-11-20 10:00")
    with pytest.raises(RuleViolation), service_context(world, date(2019, 11, 21)) as ctx:
        change_session(ctx, sid, parse_london("2019-11-20 10:01"), None)


def test_a_session_cannot_be_delivered_before_its_day(world: Engine) -> None:
    sid = schedule(world, "2019-11-20 10:00")
    with pytest.raises(RuleViolation), service_context(world, date(2019, 11, 19)) as ctx:
        deliver_session(ctx, sid)


def test_unknown_staff_and_bad_hours_are_refused(world: Engine) -> None:
    schedule(world, "2019-11-20 10:00")
    for hours, staff, error in [("2", "Nobody Here", NotFound), ("-1", STAFF, InvalidInput),
                                ("0", STAFF, InvalidInput), ("2.555", STAFF, InvalidInput),
                                ("13", STAFF, InvalidInput), ("two", STAFF, InvalidInput)]:
        with pytest.raises(error), service_context(world, date(2019, 9, 2)) as ctx:
            add_session(ctx, case_id=1, starts_at=parse_london("2019-11-21 10:00"), hours=hours, staff=staff)


def test_beyond_the_eight_week_plan_is_a_warning_not_a_refusal(world: Engine) -> None:
    with service_context(world, date(2019, 9, 2)) as ctx:
        case = opened(ctx, PREMIUM, "C19-5001", date(2019, 9, 2), date(2019, 9, 9))
        last_day = add_session(ctx, case_id=case.id, starts_at=parse_london("2019-11-04 09:00"), hours="2",
                               staff=STAFF)
        after = add_session(ctx, case_id=case.id, starts_at=parse_london("2019-11-05 09:00"), hours="2",
                            staff=STAFF)
    assert last_day.warning is None
    assert after.warning is not None and "2019-11-04" in after.warning


def test_dropped_and_moved_sessions_are_never_billed(world: Engine) -> None:
    sid = schedule(world, "2019-11-20 10:00")
    change(world, sid, "2019-11-18 10:00", as_of=date(2019, 11, 20))
    with service_context(world, date(2020, 1, 1)) as ctx:
        assert raise_casework_charges(ctx, date(2020, 1, 1)) == []


@settings(max_examples=60, deadline=None)
@given(st.decimals(min_value=Decimal("0.01"), max_value=Decimal("12"), places=2))
def test_any_positive_hours_to_the_hundredth_up_to_twelve_parse_exactly(hours: Decimal) -> None:
    assert parse_hours(str(hours)) == hours
