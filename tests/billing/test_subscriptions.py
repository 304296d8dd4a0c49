"""Subscriptions on the database: two-year terms, pro-rata, schedules, price rises (domain-rules §3)."""

from __future__ import annotations

import itertools
import shutil
import tempfile
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select

from billing.context import Context
from billing.db import make_engine
from billing.models import AuditEntry, Charge, School
from billing.pricebooks import load_pricebook
from billing.schools import NewSchool, add_school
from billing.subscriptions import (
    add_subscription,
    contract_value,
    live_subscription,
    renew_subscription,
    subscription_charges,
)
from pricing.calendars import AcademicYear
from pricing.errors import InvalidInput, NotFound, RuleViolation
from pricing.fees import prorate
from pricing.pricebook import sample_pricebook_text
from tests.support import service_context, table_dump

ACADEMY = "100279"      # roll 500: the smallest band, external (VAT S)
MAINTAINED = "100282"   # roll 700: the middle band, the council's own (VAT O)
SETUP = date(2019, 7, 15)


def setup_book(engine: Engine, as_of: date = SETUP) -> None:
    """The sample price book and two schools: an academy (roll 500) and an own maintained school (roll 700)."""
    with service_context(engine, as_of) as ctx:
        load_pricebook(ctx, sample_pricebook_text(), "sample")
        add_school(ctx, NewSchool(urn=ACADEMY, name="Academy School", type="academy", number_on_roll=500))
        add_school(ctx, NewSchool(urn=MAINTAINED, name="Maintained School", type="maintained",
                                  number_on_roll=700, laestab="2044641"))


def dues(ctx: Context, sub_id: int) -> list[tuple[date, str, str]]:
    from billing.subscriptions import get_subscription

    return [(c.due_on, str(c.amount), c.status) for c in subscription_charges(ctx, get_subscription(ctx, sub_id))]


def test_full_year_annual_start_charges_each_years_fee_on_1_september(engine: Engine) -> None:
    setup_book(engine)
    with service_context(engine, SETUP) as ctx:
        sub = add_subscription(ctx, ACADEMY, "premium", date(2019, 9, 1))
        assert (sub.starts_on, sub.ends_on, sub.schedule, sub.status) == (
            date(2019, 9, 1), date(2021, 8, 31), "annual", "live")
        charges = subscription_charges(ctx, sub)
        # 2019/20 and 2020/21 premium fees, band up to 600 pupils: the price rise shows in year two.
        assert [(c.source_key, c.due_on, c.amount, c.vat_code, c.period_start, c.period_end) for c in charges] == [
            (f"sub/{sub.id}/2019/1", date(2019, 9, 1), Decimal("9000.00"), "S", date(2019, 9, 1), date(2020, 8, 31)),
            (f"sub/{sub.id}/2020/1", date(2020, 9, 1), Decimal("9250.00"), "S", date(2020, 9, 1), date(2021, 8, 31)),
        ]
        assert charges[0].description == "Premium subscription 2019/20 (2019-09-01 to 2020-08-31)"
        assert all(c.kind == "subscription_fee" and c.service_code == "subscription"
                   and c.subscription_id == sub.id for c in charges)


def test_termly_schedule_across_a_price_rise_splits_each_year_with_pennies_on_the_last(engine: Engine) -> None:
    setup_book(engine)
    with service_context(engine, SETUP) as ctx:
        sub = add_subscription(ctx, ACADEMY, "premium", date(2019, 9, 1), "termly")
        charges = subscription_charges(ctx, sub)
        assert [(c.due_on, str(c.amount)) for c in charges] == [
            (date(2019, 9, 1), "3000.00"), (date(2020, 1, 1), "3000.00"), (date(2020, 4, 1), "3000.00"),
            (date(2020, 9, 1), "3083.33"), (date(2021, 1, 1), "3083.33"), (date(2021, 4, 1), "3083.34"),
        ]
        assert charges[0].description == "Premium subscription 2019/20, autumn term (2019-09-01 to 2019-12-31)"
        assert charges[5].description == "Premium subscription 2020/21, summer term (2021-04-01 to 2021-08-31)"
        assert [c.source_key for c in charges][3] == f"sub/{sub.id}/2020/1"
        assert contract_value(ctx, sub) == Decimal("18250.00")


def test_mid_year_start_is_pro_rata_by_calendar_days(engine: Engine) -> None:
    setup_book(engine)
    with service_context(engine, SETUP) as ctx:
        sub = add_subscription(ctx, ACADEMY, "initial", date(2020, 1, 6))
        assert sub.ends_on == date(2021, 8, 31)
        # 3200.00 x 239 days (6 Jan - 31 Aug 2020) / 366 = 2089.617... -> 2089.62; then 2020/21's full 3350.00.
        assert dues(ctx, sub.id) == [(date(2020, 1, 6), "2089.62", "due"), (date(2020, 9, 1), "3350.00", "due")]


def test_mid_year_termly_start_splits_the_pro_rata_fee_over_the_terms_left(engine: Engine) -> None:
    setup_book(engine)
    with service_context(engine, SETUP) as ctx:
        sub = add_subscription(ctx, ACADEMY, "initial", date(2020, 1, 6), "termly")
        assert dues(ctx, sub.id)[:2] == [(date(2020, 1, 6), "1044.81", "due"), (date(2020, 4, 1), "1044.81", "due")]
        first = subscription_charges(ctx, sub)[0]
        assert first.description == "Initial subscription 2019/20, spring term (2020-01-06 to 2020-03-31)"


def test_fee_follows_the_number_on_roll_band_and_own_schools_are_outside_vat(engine: Engine) -> None:
    setup_book(engine)
    with service_context(engine, SETUP) as ctx:
        sub = add_subscription(ctx, MAINTAINED, "premium", date(2019, 9, 1))
        charges = subscription_charges(ctx, sub)
        assert [(str(c.amount), c.vat_code) for c in charges] == [("10500.00", "O"), ("10750.00", "O")]


def test_a_school_has_at_most_one_live_subscription(engine: Engine) -> None:
    setup_book(engine)
    with service_context(engine, SETUP) as ctx:
        add_subscription(ctx, ACADEMY, "premium", date(2019, 9, 1))
    before = table_dump(engine)
    with pytest.raises(RuleViolation, match="already has subscription") as err, service_context(engine, SETUP) as ctx:
        add_subscription(ctx, ACADEMY, "initial", date(2021, 8, 31))
    assert err.value.code == "live_subscription"
    assert table_dump(engine) == before
    with service_context(engine, SETUP) as ctx:  # the day after the end is free
        assert add_subscription(ctx, ACADEMY, "initial", date(2021, 9, 1)).ends_on == date(2023, 8, 31)


@pytest.mark.parametrize("tier, schedule, exc, code", [
    ("gold", "annual", InvalidInput, "unknown_tier"),
    ("premium", "monthly", InvalidInput, "unknown_schedule"),
])
def test_unknown_tier_or_schedule_is_refused(engine: Engine, tier: str, schedule: str, exc: type, code: str) -> None:
    setup_book(engine)
    before = table_dump(engine)
    with pytest.raises(exc) as err, service_context(engine, SETUP) as ctx:
        add_subscription(ctx, ACADEMY, tier, date(2019, 9, 1), schedule)
    assert err.value.code == code
    assert table_dump(engine) == before


def test_a_start_with_no_price_book_version_is_refused(engine: Engine) -> None:
    setup_book(engine)
    with pytest.raises(NotFound, match="2018/19"), service_context(engine, SETUP) as ctx:
        add_subscription(ctx, ACADEMY, "premium", date(2018, 9, 1))


def test_live_subscription_covers_start_to_end_inclusive(engine: Engine) -> None:
    setup_book(engine)
    with service_context(engine, SETUP) as ctx:
        sub = add_subscription(ctx, ACADEMY, "premium", date(2019, 9, 1))
        school_id = sub.school_id
        assert live_subscription(ctx, school_id, date(2019, 8, 31)) is None
        assert live_subscription(ctx, school_id, date(2019, 9, 1)) is sub
        assert live_subscription(ctx, school_id, date(2021, 8, 31)) is sub
        assert live_subscription(ctx, school_id, date(2021, 9, 1)) is None


def test_renewal_creates_the_next_two_year_term_at_that_years_prices(engine: Engine) -> None:
    setup_book(engine)
    with service_context(engine, SETUP) as ctx:
        sub = add_subscription(ctx, ACADEMY, "premium", date(2019, 9, 1), "annual", "PO-77")
        nxt = renew_subscription(ctx, sub.id)
        assert (nxt.starts_on, nxt.ends_on, nxt.tier, nxt.schedule, nxt.renews_id, nxt.po_number) == (
            date(2021, 9, 1), date(2023, 8, 31), "premium", "annual", sub.id, "PO-77")
        assert dues(ctx, nxt.id) == [(date(2021, 9, 1), "9500.00", "due"), (date(2022, 9, 1), "9750.00", "due")]
        with pytest.raises(RuleViolation, match="already renewed"):
            renew_subscription(ctx, sub.id)


def test_adding_a_subscription_is_audited(engine: Engine) -> None:
    setup_book(engine)
    with service_context(engine, SETUP, actor="finance.officer") as ctx:
        sub = add_subscription(ctx, ACADEMY, "initial", date(2019, 9, 1))
        entry = ctx.session.scalar(select(AuditEntry).where(AuditEntry.action == "subscription.add"))
        assert entry is not None
        assert (entry.actor, entry.entity_id) == ("finance.officer", str(sub.id))
        assert entry.detail["fees"] == {"2019/20": "3200.00", "2020/21": "3350.00"}  # type: ignore[index]


_urns = itertools.count(200000)


@pytest.fixture
def hyp_engine(sqlite_template: Path):  # type: ignore[no-untyped-def]
    """One SQLite database for a whole property test (hypothesis forbids per-example function fixtures)."""
    folder = tempfile.mkdtemp()
    target = Path(folder) / "prop.db"
    shutil.copy(sqlite_template, target)
    engine = make_engine(f"sqlite:///{target}")
    setup_book(engine)
    yield engine
    engine.dispose()
    shutil.rmtree(folder, ignore_errors=True)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(start=st.dates(date(2019, 9, 1), date(2026, 8, 31)), schedule=st.sampled_from(["annual", "termly"]),
       tier=st.sampled_from(["premium", "initial"]), roll=st.integers(0, 2000))
def test_instalments_always_sum_to_each_years_fee(hyp_engine: Engine, start: date, schedule: str, tier: str,
                                                  roll: int) -> None:
    urn = str(next(_urns))
    with service_context(hyp_engine, SETUP) as ctx:
        add_school(ctx, NewSchool(urn=urn, name=f"School {urn}", type="academy", number_on_roll=roll))
        sub = add_subscription(ctx, urn, tier, start, schedule)
        school = ctx.session.scalar(select(School).where(School.urn == urn))
        from billing.pricebooks import version_for

        by_year: dict[int, Decimal] = {}
        for c in ctx.session.scalars(select(Charge).where(Charge.subscription_id == sub.id)):
            by_year[c.detail["academic_year"]] = by_year.get(c.detail["academic_year"], Decimal(0)) + c.amount  # type: ignore[index]
            assert sub.starts_on <= c.due_on <= sub.ends_on
        first, second = AcademicYear.of(start), AcademicYear.of(start).next()
        fee1 = version_for(ctx, first).tier(tier).fee_for_roll(school.number_on_roll)  # type: ignore[union-attr]
        fee2 = version_for(ctx, second).tier(tier).fee_for_roll(school.number_on_roll)  # type: ignore[union-attr]
        assert by_year == {first.start_year: prorate(fee1, start, first.end, first), second.start_year: fee2}
