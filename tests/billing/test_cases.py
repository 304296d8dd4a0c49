"""Cases: references only, coverage decided once at opening, closure and response times (§6)."""

from __future__ import annotations

import threading
import time
from datetime import date

import pytest
from sqlalchemy import Engine, select

from billing.cancellations import cancel_subscription
from billing.cases import acknowledge_case, close_case, late_acknowledgements, open_case
from billing.context import Context
from billing.models import AuditEntry, Case, Subscription
from billing.pricebooks import load_pricebook
from billing.schools import NewSchool, add_school, add_staff, get_school
from billing.sessions import add_session, deliver_session
from pricing.calendars import AcademicYear
from pricing.clock import parse_london
from pricing.errors import InvalidInput, RuleViolation
from pricing.fees import contract_end
from pricing.pricebook import sample_pricebook_text
from tests.support import service_context, table_dump

INITIAL = "100001"   # the council's own maintained school (VAT outside scope), initial tier
PREMIUM = "100002"   # an academy elsewhere (standard-rated), premium tier
NONE = "100003"      # no subscription
STAFF = "Priya Shah"
SETUP = date(2019, 8, 1)


PAY_AS_YOU_GO = "pay_as_you_go_casework = true"


def pricebook_text(pay_as_you_go: bool = False) -> str:
    """The sample price book; with ``pay_as_you_go`` schools without a subscription may refer (§6)."""
    text = sample_pricebook_text()
    assert "pay_as_you_go_casework = false" in text
    return text.replace("pay_as_you_go_casework = false", PAY_AS_YOU_GO) if pay_as_you_go else text


def build_world(engine: Engine, start: date = date(2019, 9, 1), pay_as_you_go: bool = False) -> None:
    """Price book, three schools (initial, premium, none), one member of staff."""
    with service_context(engine, SETUP) as ctx:
        load_pricebook(ctx, pricebook_text(pay_as_you_go))
        add_school(ctx, NewSchool(urn=INITIAL, name="Initial Primary", type="maintained",
                                  number_on_roll=300, la_code="204"))
        add_school(ctx, NewSchool(urn=PREMIUM, name="Premium Academy", type="academy",
                                  number_on_roll=900, la_code="999"))
        add_school(ctx, NewSchool(urn=NONE, name="Unsubscribed School", type="academy", number_on_roll=200,
                                  la_code="999"))
        add_staff(ctx, STAFF, "Senior inclusion worker", "41.75")
        subscribe(ctx, INITIAL, "initial", start)
        subscribe(ctx, PREMIUM, "premium", start)


def subscribe(ctx: Context, urn: str, tier: str, start: date) -> Subscription:
    """A two-year subscription row (no fee charges: these tests are about delivery, not fees).

    billing.subscriptions.add_subscription would raise the fee charges too; the rows
    are made directly so that casework charges are the only charges in these tests.
    """
    sub = Subscription(school_id=get_school(ctx, urn).id, tier=tier, schedule="annual", starts_on=start,
                       ends_on=contract_end(start), status="live", created_at=ctx.now)
    ctx.session.add(sub)
    ctx.session.flush()
    return sub


@pytest.fixture
def world(engine: Engine) -> Engine:
    build_world(engine)
    return engine


def opened(ctx: Context, urn: str, ref: str | None, referred: date, planning: date | None = None) -> Case:
    return open_case(ctx, urn, ref, referred, planning).case


def test_initial_tier_covers_one_referral_a_year_premium_covers_all(world: Engine) -> None:
    with service_context(world, date(2020, 3, 1)) as ctx:
        initial = [opened(ctx, INITIAL, f"C19-{n:04d}", date(2019, 9, 10 + n)).covered for n in range(3)]
        premium = [opened(ctx, PREMIUM, f"C19-1{n:03d}", date(2019, 9, 10 + n)).covered for n in range(3)]
    assert initial == [True, False, False]
    assert premium == [True, True, True]


def refused_referral(engine: Engine, urn: str, ref: str, referred: date, as_of: date) -> RuleViolation:
    """Open a case that must be refused; nothing may be written."""
    before = table_dump(engine)
    with pytest.raises(RuleViolation) as err, service_context(engine, as_of) as ctx:
        opened(ctx, urn, ref, referred)
    assert table_dump(engine) == before
    return err.value


def test_a_school_with_no_subscription_cannot_refer(world: Engine) -> None:
    refusal = refused_referral(world, NONE, "C19-9001", date(2019, 9, 10), date(2020, 3, 1))
    assert refusal.code == "no_subscription"
    assert refusal.message == ("School 100003 has no subscription in force on 2019-09-10: "
                               "only subscribing schools can refer a case.")


def test_a_subscription_admits_referrals_from_its_first_day_to_its_last(world: Engine) -> None:
    # Started 2019-09-01, a two-academic-year contract to 2021-08-31 (§3).
    with service_context(world, date(2021, 10, 1)) as ctx:
        first = opened(ctx, INITIAL, "C19-0001", date(2019, 9, 1))
        last = opened(ctx, INITIAL, "C20-0001", date(2021, 8, 31))
    assert (first.covered, last.covered) == (True, True)
    refusal = refused_referral(world, INITIAL, "C21-0001", date(2021, 9, 1), date(2021, 10, 1))
    assert refusal.code == "no_subscription"


def test_a_cancelled_subscription_admits_referrals_to_its_effective_end_only(world: Engine) -> None:
    # §4's example: notice 2020-01-06, requested end 2020-02-28 -> effective end 2020-03-30.
    with service_context(world, date(2020, 1, 6)) as ctx:
        sub = ctx.session.scalar(select(Subscription).where(Subscription.school_id == get_school(ctx, PREMIUM).id))
        assert sub is not None
        assert cancel_subscription(ctx, sub.id, date(2020, 1, 6), date(2020, 2, 28)).effective_end == \
            date(2020, 3, 30)
    with service_context(world, date(2020, 4, 30)) as ctx:
        assert opened(ctx, PREMIUM, "C19-1001", date(2020, 3, 30)).covered is True
    refusal = refused_referral(world, PREMIUM, "C19-1002", date(2020, 3, 31), date(2020, 4, 30))
    assert refusal.message == ("School 100002 has no subscription in force on 2020-03-31: "
                               "only subscribing schools can refer a case.")


def test_pay_as_you_go_lets_a_school_without_a_subscription_refer_uncovered(engine: Engine) -> None:
    build_world(engine, pay_as_you_go=True)
    with service_context(engine, date(2020, 3, 1)) as ctx:
        opening = open_case(ctx, NONE, "C19-9001", date(2019, 9, 10))
    assert (opening.case.covered, opening.case.subscription_id, opening.tier) == (False, None, None)


def test_the_count_resets_on_1_september(world: Engine) -> None:
    with service_context(world, date(2020, 9, 30)) as ctx:
        a = opened(ctx, INITIAL, "C19-0001", date(2019, 9, 2))
        b = opened(ctx, INITIAL, "C19-0002", date(2020, 8, 31))
        c = opened(ctx, INITIAL, "C20-0001", date(2020, 9, 1))
        d = opened(ctx, INITIAL, "C20-0002", date(2020, 9, 2))
    assert [a.covered, b.covered, c.covered, d.covered] == [True, False, True, False]
    assert [a.academic_year, b.academic_year, c.academic_year, d.academic_year] == [2019, 2019, 2020, 2020]


def test_a_referral_before_the_subscription_starts_is_refused(engine: Engine) -> None:
    build_world(engine, start=date(2019, 10, 1))
    refusal = refused_referral(engine, INITIAL, "C19-0001", date(2019, 9, 30), date(2019, 10, 30))
    assert refusal.code == "no_subscription"
    with service_context(engine, date(2019, 10, 30)) as ctx:
        assert opened(ctx, INITIAL, "C19-0002", date(2019, 10, 1)).covered is True


def test_with_pay_as_you_go_a_referral_before_the_subscription_starts_is_not_covered(engine: Engine) -> None:
    build_world(engine, start=date(2019, 10, 1), pay_as_you_go=True)
    with service_context(engine, date(2019, 10, 30)) as ctx:
        before = opened(ctx, INITIAL, "C19-0001", date(2019, 9, 30))
        after = opened(ctx, INITIAL, "C19-0002", date(2019, 10, 1))
    assert (before.covered, after.covered) == (False, True)


def test_coverage_is_recorded_and_not_recomputed(world: Engine) -> None:
    with service_context(world, date(2019, 10, 1)) as ctx:
        first = opened(ctx, INITIAL, "C19-0001", date(2019, 9, 10))
        second = opened(ctx, INITIAL, "C19-0002", date(2019, 9, 11))
        first.covered = False  # even if the first were later reclassified...
        ctx.session.flush()
    with service_context(world, date(2019, 10, 1)) as ctx:
        again = ctx.session.scalar(select(Case).where(Case.ref == "C19-0002"))
        assert again is not None and again.covered is False  # ...the second keeps its recorded answer
    assert second.covered is False


@pytest.mark.parametrize("ref", ["JAMIE-SMITH-2014", "Jane Smith", "jsmith", "Amy", "AB", "C19_0001", "C-2019-001",
                                 "JS19-0001", "X" * 21 + "1"])
def test_a_reference_that_looks_like_a_name_is_refused(world: Engine, ref: str) -> None:
    with pytest.raises(InvalidInput) as err, service_context(world, date(2019, 10, 1)) as ctx:
        opened(ctx, INITIAL, ref, date(2019, 9, 10))
    assert ref not in err.value.message  # the refused text may be personal data: never echoed


def test_references_are_canonical_and_unique(world: Engine) -> None:
    with service_context(world, date(2019, 10, 1)) as ctx:
        assert opened(ctx, INITIAL, " c19-0001 ", date(2019, 9, 10)).ref == "C19-0001"
    with pytest.raises(RuleViolation), service_context(world, date(2019, 10, 1)) as ctx:
        opened(ctx, PREMIUM, "C19-0001", date(2019, 9, 10))


def test_dates_are_checked(world: Engine) -> None:
    with pytest.raises(InvalidInput), service_context(world, date(2019, 9, 9)) as ctx:
        opened(ctx, INITIAL, "C19-0001", date(2019, 9, 10))  # after the as-of day
    with pytest.raises(RuleViolation), service_context(world, date(2019, 10, 1)) as ctx:
        opened(ctx, INITIAL, "C19-0001", date(2019, 9, 10), planning=date(2019, 9, 9))


def test_closing_needs_every_session_settled_and_no_later_work(world: Engine) -> None:
    with service_context(world, date(2019, 9, 10)) as ctx:
        case = opened(ctx, INITIAL, "C19-0001", date(2019, 9, 10), date(2019, 9, 12))
        s = add_session(ctx, case_id=case.id, starts_at=parse_london("2019-09-20 09:00"), hours="2",
                        staff=STAFF).session
        case_id, session_id = case.id, s.id
    with pytest.raises(RuleViolation, match="scheduled"), service_context(world, date(2019, 9, 30)) as ctx:
        close_case(ctx, case_id, date(2019, 9, 30))
    with service_context(world, date(2019, 9, 20)) as ctx:
        deliver_session(ctx, session_id)
    with pytest.raises(RuleViolation, match="work recorded"), service_context(world, date(2019, 9, 30)) as ctx:
        close_case(ctx, case_id, date(2019, 9, 19))
    with service_context(world, date(2019, 9, 30)) as ctx:
        assert close_case(ctx, case_id, date(2019, 9, 20)).closed_on == date(2019, 9, 20)
    with pytest.raises(RuleViolation, match="closed"), service_context(world, date(2019, 9, 30)) as ctx:
        close_case(ctx, case_id, date(2019, 9, 25))


def test_late_acknowledgements_are_those_after_48_hours_from_the_referral_day(world: Engine) -> None:
    with service_context(world, date(2019, 9, 30)) as ctx:
        # Referred Monday 9 Sep: the clock starts at midnight ending that day and runs to 00:00 Thu 12 Sep.
        in_time = opened(ctx, INITIAL, "C19-0001", date(2019, 9, 9))
        on_the_line = opened(ctx, PREMIUM, "C19-1001", date(2019, 9, 9))
        late = opened(ctx, PREMIUM, "C19-1002", date(2019, 9, 9))
        never = opened(ctx, PREMIUM, "C19-1003", date(2019, 9, 20))
        acknowledge_case(ctx, in_time.id, parse_london("2019-09-09 15:00"))
        acknowledge_case(ctx, on_the_line.id, parse_london("2019-09-12 00:00"))
        acknowledge_case(ctx, late.id, parse_london("2019-09-12 00:01"))
        rows = late_acknowledgements(ctx, AcademicYear(2019))
        refs = [(r["ref"], r["hours"], r["working_days"]) for r in rows]
        assert never.acknowledged_at is None
    assert refs == [("C19-1002", 48, 3), ("C19-1003", 228, 6)]
    with pytest.raises(RuleViolation), service_context(world, date(2019, 9, 30)) as ctx:
        acknowledge_case(ctx, in_time.id, parse_london("2019-09-10 09:00"))
    with pytest.raises(InvalidInput), service_context(world, date(2019, 9, 30)) as ctx:
        acknowledge_case(ctx, never.id, parse_london("2019-09-19 09:00"))  # before the referral


# --- references the engine assigns (issue 14) ----------------------------------------------


def test_without_a_reference_the_next_one_of_the_academic_year_is_assigned(world: Engine) -> None:
    with service_context(world, date(2020, 10, 1)) as ctx:
        ctx.session.add(Case(school_id=get_school(ctx, PREMIUM).id, ref="OLD-19-77", academic_year=2019,
                             referred_on=date(2019, 9, 2), covered=True, created_at=ctx.now))  # older data
        first = opened(ctx, INITIAL, None, date(2019, 9, 10))
        second = opened(ctx, PREMIUM, None, date(2019, 9, 11))
        typed = opened(ctx, PREMIUM, "c19-0041", date(2019, 9, 12))
        after_typed = opened(ctx, PREMIUM, None, date(2020, 8, 31))
        next_year = opened(ctx, PREMIUM, None, date(2020, 9, 1))
        assert [c.ref for c in (first, second, typed, after_typed, next_year)] == [
            "C19-0001", "C19-0002", "C19-0041", "C19-0042", "C20-0001"]
        entry = ctx.session.scalar(select(AuditEntry).where(AuditEntry.action == "case.open",
                                                             AuditEntry.entity_id == str(first.id)))
        assert entry is not None and entry.detail["assigned"] is True and entry.detail["ref"] == "C19-0001"


def test_the_council_sets_the_pattern_in_the_price_book(engine: Engine) -> None:
    build_world(engine)
    with service_context(engine, date(2019, 9, 2)) as ctx:
        text = sample_pricebook_text().replace('prefix = "C"\nserial_digits = 4', 'prefix = "EB"\nserial_digits = 3')
        load_pricebook(ctx, text, "eastbury")
    with service_context(engine, date(2019, 10, 1)) as ctx:
        assert opened(ctx, INITIAL, None, date(2019, 9, 10)).ref == "EB19-001"
        assert opened(ctx, PREMIUM, "eb19-007", date(2019, 9, 10)).ref == "EB19-007"
    with pytest.raises(InvalidInput) as refused, service_context(engine, date(2019, 10, 1)) as ctx:
        opened(ctx, PREMIUM, "C19-0001", date(2019, 9, 10))
    assert "EB19-001" in refused.value.message and r"^EB\d{2}-\d{3}$" in refused.value.message


def test_two_referrals_opened_at_once_get_different_references(engine: Engine) -> None:
    """The second picks the same next reference, meets the first's at the UNIQUE index and picks again."""
    build_world(engine)
    first_in = threading.Event()
    refs: dict[str, str] = {}
    errors: list[BaseException] = []

    def first() -> None:
        try:
            with service_context(engine, date(2019, 10, 1)) as ctx:
                refs["first"] = opened(ctx, INITIAL, None, date(2019, 9, 10)).ref
                first_in.set()
                time.sleep(0.5)  # the second computes its reference before this commits
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
            first_in.set()

    def second() -> None:
        first_in.wait(10)
        try:
            with service_context(engine, date(2019, 10, 1)) as ctx:
                refs["second"] = opened(ctx, PREMIUM, None, date(2019, 9, 11)).ref
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors, errors
    assert refs == {"first": "C19-0001", "second": "C19-0002"}
