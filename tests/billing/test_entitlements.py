"""Entitlements per school and year: included / used / beyond that agree with the charges (§2, §3, §6)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import Engine, select

from billing.casework import raise_casework_charges
from billing.entitlements import entitlements
from billing.models import Charge
from billing.sessions import add_session, change_session
from pricing.calendars import AcademicYear
from pricing.clock import parse_london
from tests.billing.test_cases import INITIAL, NONE, PREMIUM, STAFF, build_world, opened
from tests.billing.test_casework import work
from tests.support import service_context


@pytest.fixture
def world(engine: Engine) -> Engine:
    build_world(engine)
    return engine


def by_service(data: dict) -> dict[str, tuple]:
    return {i["service"]: (i["included"], i["used"], i["beyond"], i["hours"], i["charged"]) for i in data["items"]}


def test_initial_school_entitlements_agree_with_the_casework_charges(world: Engine) -> None:
    sessions = [("2019-10-01 09:00", "2.5"), ("2019-10-08 09:00", "2.5"), ("2019-10-15 09:00", "2.5")]
    for n in range(3):
        work(world, INITIAL, f"C19-000{n}", date(2019, 9, 20), sessions, close_on=date(2019, 11, 1))
    with service_context(world, date(2019, 11, 1)) as ctx:
        raise_casework_charges(ctx, date(2019, 11, 1))
        data = entitlements(ctx, INITIAL, AcademicYear(2019))
        total = sum(c.amount for c in ctx.session.scalars(select(Charge).where(Charge.kind == "casework")))
    assert (data["year"], data["tier"]) == ("2019/20", "initial")
    rows = by_service(data)
    assert rows["casework"] == (1, 3, 2, "22.50", "1620.00")
    assert Decimal(rows["casework"][4]) == total == Decimal("1620.00")
    assert rows["whole_class"] == (1, 0, 0, "0", "0.00")
    assert rows["training"] == (1, 0, 0, "0", "0.00")
    assert rows["team_teach"] == (0, 0, 0, "0", "0.00")
    assert [i["service"] for i in data["items"]] == sorted(rows)


def test_premium_has_no_cap_and_nothing_beyond(world: Engine) -> None:
    for n in range(4):
        work(world, PREMIUM, f"C19-100{n}", date(2019, 9, 20), [("2019-10-01 09:00", "3")])
    with service_context(world, date(2019, 11, 1)) as ctx:
        rows = by_service(entitlements(ctx, PREMIUM, AcademicYear(2019)))
    assert rows["casework"] == (None, 4, 0, "12.00", "0.00")
    assert rows["whole_class"][0] == 3


def test_deemed_delivered_work_counts_as_used_hours(world: Engine) -> None:
    with service_context(world, date(2019, 10, 1)) as ctx:
        case = opened(ctx, PREMIUM, "C19-1001", date(2019, 9, 20))
        sid = add_session(ctx, case_id=case.id, starts_at=parse_london("2019-10-01 09:00"), hours="2.5",
                          staff=STAFF).session.id
        change_session(ctx, sid, parse_london("2019-09-30 12:00"))
        rows = by_service(entitlements(ctx, PREMIUM, AcademicYear(2019)))
    assert rows["casework"][3] == "2.50"


def test_counts_reset_each_academic_year_and_no_subscription_includes_nothing(engine: Engine) -> None:
    build_world(engine, pay_as_you_go=True)  # so that NONE, with no subscription, can refer (§6)
    world = engine
    work(world, INITIAL, "C19-0001", date(2020, 8, 20), [])
    work(world, INITIAL, "C20-0001", date(2020, 9, 1), [])
    work(world, NONE, "C20-9001", date(2020, 9, 1), [])
    with service_context(world, date(2020, 9, 2)) as ctx:
        assert by_service(entitlements(ctx, INITIAL, AcademicYear(2019)))["casework"][:3] == (1, 1, 0)
        assert by_service(entitlements(ctx, INITIAL, AcademicYear(2020)))["casework"][:3] == (1, 1, 0)
        none = entitlements(ctx, NONE, AcademicYear(2020))
    assert none["tier"] is None
    assert by_service(none)["casework"][:3] == (0, 1, 1)
