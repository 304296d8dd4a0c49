"""fy-split subscriptions on the database (issue 20, docs/rules.md §3): the price book's basis, and
the schedule a maintained school's new subscription takes when none is asked for."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Engine, select

from billing.models import AuditEntry
from billing.pricebooks import load_pricebook
from billing.schools import NewSchool, add_school
from billing.subscriptions import add_subscription, contract_value, renew_subscription, subscription_charges
from pricing.pricebook import sample_pricebook_text
from tests.support import service_context

ACADEMY = "100279"      # roll 500: premium 9,000.00 in 2019/20, 9,250.00 in 2020/21; VAT S
MAINTAINED = "100282"   # roll 700: premium 10,500.00 in 2019/20, 10,750.00 in 2020/21; VAT O
SETUP = date(2019, 7, 15)
BASIS = 'fy_split_basis = "months"'
MAINTAINED_SCHEDULE = '# maintained_schedule = "fy-split"'


def setup_book(engine: Engine, text: str | None = None) -> None:
    with service_context(engine, SETUP) as ctx:
        load_pricebook(ctx, text or sample_pricebook_text(), "sample")
        add_school(ctx, NewSchool(urn=ACADEMY, name="Academy School", type="academy", number_on_roll=500))
        add_school(ctx, NewSchool(urn=MAINTAINED, name="Maintained School", type="maintained",
                                  number_on_roll=700, laestab="2044641"))


def test_fy_split_by_months_bills_seven_twelfths_then_five(engine: Engine) -> None:
    setup_book(engine)
    with service_context(engine, SETUP) as ctx:
        sub = add_subscription(ctx, MAINTAINED, "premium", date(2019, 9, 1), "fy-split")
        charges = subscription_charges(ctx, sub)
        # 10500 × 7/12 = 6125.00, the rest 4375.00; 10750 × 7/12 = 6270.833… → 6270.83, the rest 4479.17
        assert [(c.source_key, c.due_on, str(c.amount), c.vat_code, c.period_start, c.period_end)
                for c in charges] == [
            (f"sub/{sub.id}/2019/1", date(2019, 9, 1), "6125.00", "O", date(2019, 9, 1), date(2020, 3, 31)),
            (f"sub/{sub.id}/2019/2", date(2020, 4, 1), "4375.00", "O", date(2020, 4, 1), date(2020, 8, 31)),
            (f"sub/{sub.id}/2020/1", date(2020, 9, 1), "6270.83", "O", date(2020, 9, 1), date(2021, 3, 31)),
            (f"sub/{sub.id}/2020/2", date(2021, 4, 1), "4479.17", "O", date(2021, 4, 1), date(2021, 8, 31)),
        ]
        assert [c.description for c in charges[:2]] == [
            "Premium subscription 2019/20, FY2019/20 part (2019-09-01 to 2020-03-31)",
            "Premium subscription 2019/20, FY2020/21 part (2020-04-01 to 2020-08-31)",
        ]
        assert [(c.details.instalment, c.details.of) for c in charges] == [(1, 2), (2, 2), (1, 2), (2, 2)]
        assert str(contract_value(ctx, sub)) == "21250.00"  # each year's parts add up to its fee


def test_fy_split_by_days_when_the_price_book_says_so(engine: Engine) -> None:
    setup_book(engine, sample_pricebook_text().replace(BASIS, 'fy_split_basis = "days"'))
    with service_context(engine, SETUP) as ctx:
        sub = add_subscription(ctx, MAINTAINED, "premium", date(2019, 9, 1), "fy-split")
        # 2019-09-01..2020-03-31 is 213 of 366 days (a leap February): 10500 × 213/366 = 6110.655… → 6110.66;
        # 2020-09-01..2021-03-31 is 212 of 365: 10750 × 212/365 = 6243.835… → 6243.84
        assert [str(c.amount) for c in subscription_charges(ctx, sub)] == [
            "6110.66", "4389.34", "6243.84", "4506.16"]


def test_a_mid_year_joiner_splits_its_pro_rated_fee(engine: Engine) -> None:
    setup_book(engine)
    with service_context(engine, SETUP) as ctx:
        sub = add_subscription(ctx, MAINTAINED, "premium", date(2019, 10, 15), "fy-split")
        # 2019-10-15..2020-08-31 is 17+30+31+31+29+31+30+31+30+31+31 = 322 of 366 days:
        # 10500 × 322/366 = 9237.704… → 9237.70; October to March 6 months, April to August 5:
        # 9237.70 × 6/11 = 5038.745… → 5038.75, the rest 4198.95
        assert [(c.due_on, str(c.amount)) for c in subscription_charges(ctx, sub)][:2] == [
            (date(2019, 10, 15), "5038.75"), (date(2020, 4, 1), "4198.95")]


def test_maintained_schedule_is_a_maintained_schools_default_only(engine: Engine) -> None:
    setup_book(engine, sample_pricebook_text().replace(MAINTAINED_SCHEDULE, 'maintained_schedule = "fy-split"'))
    with service_context(engine, SETUP) as ctx:
        maintained = add_subscription(ctx, MAINTAINED, "premium", date(2019, 9, 1))
        academy = add_subscription(ctx, ACADEMY, "premium", date(2019, 9, 1))
        assert (maintained.schedule, academy.schedule) == ("fy-split", "annual")
        assert len(subscription_charges(ctx, maintained)) == 4
        renewal = renew_subscription(ctx, maintained.id)
        assert renewal.schedule == "fy-split"
        logged = ctx.session.scalars(select(AuditEntry).where(AuditEntry.action == "subscription.add")
                                     .order_by(AuditEntry.id)).all()
        assert [entry.detail["schedule"] for entry in logged] == ["fy-split", "annual", "fy-split"]


def test_a_schedule_asked_for_beats_the_maintained_default(engine: Engine) -> None:
    setup_book(engine, sample_pricebook_text().replace(MAINTAINED_SCHEDULE, 'maintained_schedule = "fy-split"'))
    with service_context(engine, SETUP) as ctx:
        assert add_subscription(ctx, MAINTAINED, "premium", date(2019, 9, 1), "annual").schedule == "annual"


def test_without_the_setting_a_maintained_school_defaults_to_annual(engine: Engine) -> None:
    setup_book(engine)
    with service_context(engine, SETUP) as ctx:
        assert add_subscription(ctx, MAINTAINED, "premium", date(2019, 9, 1)).schedule == "annual"
