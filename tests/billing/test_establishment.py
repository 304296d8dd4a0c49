"""The establishment's services (issue 19): posts and their funding, dated assignments, vacancies,
funding budgets, CSV import and export — hand-computed pence, exact refusals that write nothing."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import Engine, select

from billing.establishment import (
    add_post,
    assign,
    end_assignment,
    export_establishment,
    funding_budgets,
    import_establishment,
    set_funding,
    set_funding_budget,
)
from billing.models import AuditEntry, PostAssignment
from billing.reports.establishment_cost import pay_by, pay_lines
from billing.schools import add_staff
from billing.views.establishment import list_funding_budgets, list_posts, list_vacancies
from pricing.errors import InvalidInput, NotFound, RuleViolation, TradedError
from tests.support import service_context, table_dump

D = Decimal
COUNCIL, FORUM = "council budget", "schools forum / high-needs block"
APRIL = date(2026, 4, 1)


def admin_post(engine: Engine, funding: str = "council 12300; schools-forum 12300") -> None:
    """Walsall's admin support: 1 FTE, £24,600 for 12 months, funded half by the LA, half by the schools forum."""
    with service_context(engine, APRIL) as ctx:
        add_post(ctx, "Admin support", "1", "24600", APRIL, funding=funding, grade="G4")


def pay(engine: Engine, first: date, last: date, key: str = "source") -> dict[object, Decimal]:
    with service_context(engine, last) as ctx:
        return pay_by(pay_lines(ctx, first, last), key)


def test_a_50_50_post_filled_all_year_splits_its_24600_exactly(engine: Engine) -> None:
    admin_post(engine)
    with service_context(engine, APRIL) as ctx:
        assign(ctx, "Admin support", "Jo Bloggs", "1", APRIL)
    # FY2026/27: 365 days at £24,600 a year, half to each source.
    assert pay(engine, APRIL, date(2027, 3, 31)) == {COUNCIL: D("12300.00"), FORUM: D("12300.00")}
    with service_context(engine, APRIL) as ctx:
        [view] = list_posts(ctx)
    assert (view.cost_12_months, view.funding) == (D("24600.00"), f"{COUNCIL} 12300.00; {FORUM} 12300.00")
    assert [(s.source, s.cost_12_months) for s in view.shares] == [(COUNCIL, D("12300.00")), (FORUM, D("12300.00"))]


def test_a_post_filled_from_mid_month_is_paid_for_its_days_and_the_odd_penny_goes_to_the_first_source(
        engine: Engine) -> None:
    admin_post(engine, "council 50%; schools-forum 50%")
    with service_context(engine, APRIL) as ctx:
        assign(ctx, "Admin support", "Jo Bloggs", "1", date(2026, 4, 16))
    lines = pay(engine, APRIL, date(2026, 5, 31), "month")
    # April: 16th-30th, 15 of 365 days: 24,600 x 15 / 365 = 1,010.958... = £1,010.96.
    # May: running total to 31 May (46 days) 3,100.27 less 1,010.96 = £2,089.31.
    assert lines == {(2026, 4): D("1010.96"), (2026, 5): D("2089.31")}
    with service_context(engine, APRIL) as ctx:
        may = [(ln.source, ln.amount) for ln in pay_lines(ctx, date(2026, 5, 1), date(2026, 5, 31))]
    assert may == [(COUNCIL, D("1044.66")), (FORUM, D("1044.65"))]  # 2,089.31 / 2: the odd penny to the first


def test_on_costs_go_on_top_and_amounts_must_add_up_to_the_cost_with_them(engine: Engine) -> None:
    with service_context(engine, APRIL) as ctx:
        post = add_post(ctx, "Senior worker", "1", "30000", APRIL, on_cost_percent="28.5",
                        funding="council 20000; traded 18550")  # 30,000 x 1.285 = 38,550.00
        assert (post.annual_cost, post.on_cost_percent) == (D("30000.00"), D("28.50"))
    with pytest.raises(InvalidInput, match=re.escape("funding amounts add up to £30,000.00, not the post's 12-month "
                                                     "cost with on-costs of £38,550.00")):
        with service_context(engine, APRIL) as ctx:
            set_funding(ctx, "Senior worker", "council 15000; traded 15000")


def test_vacancies_follow_the_dated_assignments(engine: Engine) -> None:
    with service_context(engine, APRIL) as ctx:
        add_post(ctx, "Keyworkers", "2", "60000", APRIL, on_cost_percent="25", funding="traded 100%")
        assign(ctx, "Keyworkers", "Ann", "1", APRIL)
        assign(ctx, "Keyworkers", "Ben", "0.5", date(2026, 5, 1), ends_on=date(2026, 5, 31))
    with service_context(engine, APRIL) as ctx:
        on = {day: [(v.post, v.filled, v.vacant, v.vacant_cost_12_months) for v in list_vacancies(ctx, day)]
              for day in (date(2026, 3, 31), date(2026, 4, 15), date(2026, 5, 15), date(2026, 6, 1))}
        # 60,000 + 25% = 75,000 for 2 FTE: 37,500.00 a vacant FTE, 18,750.00 a half.
        assert on == {date(2026, 3, 31): [],  # the post has not started
                      date(2026, 4, 15): [("Keyworkers", D("1.00"), D("1.00"), D("37500.00"))],
                      date(2026, 5, 15): [("Keyworkers", D("1.50"), D("0.50"), D("18750.00"))],
                      date(2026, 6, 1): [("Keyworkers", D("1.00"), D("1.00"), D("37500.00"))]}
        [post] = list_posts(ctx, date(2026, 5, 15))
        assert (post.filled, post.vacant, post.status) == (D("1.50"), D("0.50"), "in force")


def test_a_change_of_fte_is_an_end_and_a_new_assignment(engine: Engine) -> None:
    admin_post(engine)
    with service_context(engine, APRIL) as ctx:
        add_staff(ctx, "Jo Bloggs", "Administrator", "20.00", APRIL)
        first = assign(ctx, "Admin support", "Jo Bloggs", "0.5", APRIL)
        assert first.staff_id is not None  # linked to the member of staff of that name
    with pytest.raises(RuleViolation, match="^Jo Bloggs already fills post 'Admin support' from 2026-04-01: end that "
                                            "assignment first, then assign anew from the day after$"):
        with service_context(engine, APRIL) as ctx:
            assign(ctx, "Admin support", "Jo Bloggs", "1", date(2026, 7, 1))
    with service_context(engine, APRIL) as ctx:
        end_assignment(ctx, "Admin support", "Jo Bloggs", date(2026, 6, 30), reason="Moved to full time")
        assign(ctx, "Admin support", "Jo Bloggs", "1", date(2026, 7, 1))
    with service_context(engine, APRIL) as ctx:
        rows = ctx.session.execute(select(PostAssignment.fte, PostAssignment.starts_on, PostAssignment.ends_on)
                                   .order_by(PostAssignment.id)).all()
        assert [tuple(r) for r in rows] == [(D("0.50"), APRIL, date(2026, 6, 30)), (D("1.00"), date(2026, 7, 1), None)]
        audit = [(a.actor, a.action, a.reason) for a in ctx.session.scalars(
            select(AuditEntry).where(AuditEntry.action.like("establishment.%")).order_by(AuditEntry.id))]
    assert audit == [("test", "establishment.post.add", None), ("test", "establishment.assign", None),
                     ("test", "establishment.end", "Moved to full time"), ("test", "establishment.assign", None)]
    # Q1 at 0.5 (91 days: 24,600 x 0.5 x 91 / 365 = 3,066.58), July at 1 FTE (31 days: 2,089.32).
    assert pay(engine, APRIL, date(2026, 6, 30), "post") == {"Admin support": D("3066.58")}
    assert pay(engine, date(2026, 7, 1), date(2026, 7, 31), "post") == {"Admin support": D("2089.32")}


def test_an_open_ended_assignment_to_a_fixed_term_post_ends_with_the_post(engine: Engine) -> None:
    with service_context(engine, APRIL) as ctx:
        add_post(ctx, "Assistant EPs", "2", "60000", APRIL, ends_on=date(2027, 8, 31), contract="fixed term",
                 funding="schools-forum 100%")
        row = assign(ctx, "Assistant EPs", "Cat", "1", APRIL)
        assert row.ends_on == date(2027, 8, 31)


REFUSALS = [
    (lambda ctx: add_post(ctx, "Mentor", "1", "36500", APRIL, funding="lottery 100%"), InvalidInput,
     "Funding source 'lottery' must be one of: council budget, schools forum / high-needs block, traded income "
     "(or council, schools-forum, traded)."),
    (lambda ctx: add_post(ctx, "Mentor", "1", "36500", APRIL, funding="council 50%; traded 40%"), InvalidInput,
     "funding percentages add up to 90%, not 100%"),
    (lambda ctx: add_post(ctx, "Mentor", "1", "36500", APRIL, funding="council 36000"), InvalidInput,
     "funding amounts add up to £36,000.00, not the post's 12-month cost with on-costs of £36,500.00"),
    (lambda ctx: add_post(ctx, "Mentor", "1", "36500", APRIL, funding="council 50%; traded 18250"), InvalidInput,
     "funding must be all percentages or all 12-month amounts, not a mix"),
    (lambda ctx: add_post(ctx, "Mentor", "1", "36500", APRIL, funding="council 50%; council 50%"), InvalidInput,
     "funding names council budget twice"),
    (lambda ctx: add_post(ctx, "Mentor", "0", "36500", APRIL, funding="council 100%"), InvalidInput,
     "post FTE '0' must be more than 0"),
    (lambda ctx: add_post(ctx, "Mentor", "1", "36500", APRIL, ends_on=date(2026, 3, 31), funding="council 100%"),
     InvalidInput, "post 'Mentor' ends on 2026-03-31 before it starts on 2026-04-01"),
    (lambda ctx: add_post(ctx, "Admin support", "1", "24600", APRIL, funding="council 100%"), RuleViolation,
     "there is already a post called 'Admin support'"),
    (lambda ctx: add_post(ctx, "ADMIN Support", "1", "24600", APRIL, funding="council 100%"), RuleViolation,
     "there is already a post called 'Admin support' (titles are the same whatever their case): use "
     "'Admin support' or another title"),
    (lambda ctx: add_post(ctx, "Mentor", "1", "0", APRIL, funding="council 100%"), InvalidInput,
     "post's annual cost '0' must be more than 0.00"),
    (lambda ctx: assign(ctx, "Admin support", "Al", "1.5", APRIL), RuleViolation,
     "Al's 1.5 FTE is more than the 1 FTE of post 'Admin support'"),
    (lambda ctx: (add_post(ctx, "Mentors", "3", "90000", APRIL, funding="traded 100%"),
                  assign(ctx, "Mentors", "Al", "1.5", APRIL)), RuleViolation,
     "Al's 1.5 FTE is more than one person can fill (1 FTE): assign each person their own FTE"),
    (lambda ctx: (add_post(ctx, "Mentors", "3", "90000", APRIL, funding="traded 100%"),
                  assign(ctx, "Mentors", "jo bloggs", "0.75", APRIL)), RuleViolation,
     "jo bloggs would fill 1.25 FTE on 2026-05-01 (0.5 FTE of post 'Admin support'; and 0.75 FTE of post "
     "'Mentors'): one person fills at most 1 FTE across all posts, so end another assignment first"),
    (lambda ctx: assign(ctx, "Admin support", "Al", "0.6", APRIL), RuleViolation,
     "Al's 0.6 FTE would fill post 'Admin support' to 1.1 of its 1 FTE on 2026-05-01: end another assignment first"),
    (lambda ctx: assign(ctx, "Admin support", "Al", "0.5", date(2026, 3, 1)), RuleViolation,
     "Al cannot start in post 'Admin support' on 2026-03-01: the post runs from 2026-04-01"),
    (lambda ctx: assign(ctx, "Admin support", "Al", "0.5", date(2026, 4, 1), ends_on=date(2026, 3, 31)), InvalidInput,
     "Al's assignment ends on 2026-03-31 before it starts on 2026-04-01"),
    (lambda ctx: assign(ctx, "Admin support", "Al", "0", APRIL), InvalidInput, "assignment FTE '0' must be more than 0"),
    (lambda ctx: assign(ctx, "Caretaker", "Al", "1", APRIL), NotFound, "there is no post called 'Caretaker'"),
    (lambda ctx: assign(ctx, "Admin support", "Al", "0.5", APRIL, staff="Nobody"), NotFound,
     "there is no member of staff called 'Nobody'"),
    (lambda ctx: end_assignment(ctx, "Admin support", "Jo Bloggs", date(2026, 4, 30)), NotFound,
     "Jo Bloggs has no assignment to post 'Admin support' in force on 2026-04-30"),
    (lambda ctx: set_funding(ctx, "Admin support", "council 60%; schools-forum 60%"), InvalidInput,
     "funding percentages add up to 120%, not 100%"),
    (lambda ctx: set_funding_budget(ctx, "council", "LA funded", "262300", date(2020, 8, 31), date(2019, 4, 1)),
     InvalidInput, "budget 'LA funded' ends on 2019-04-01 before it starts on 2020-08-31"),
]


@pytest.mark.parametrize(("call", "error", "message"), REFUSALS, ids=[m[:40] for _, _, m in REFUSALS])
def test_refusals_say_what_is_wrong_in_one_line_and_write_nothing(engine: Engine, call: object, error: type,
                                                                 message: str) -> None:
    admin_post(engine)
    with service_context(engine, APRIL) as ctx:
        assign(ctx, "Admin support", "Jo Bloggs", "0.5", date(2026, 5, 1))
    before = table_dump(engine)
    with pytest.raises(error) as caught:
        with service_context(engine, APRIL) as ctx:
            call(ctx)  # type: ignore[operator]
    assert caught.value.message == message  # type: ignore[attr-defined]
    assert table_dump(engine) == before


def test_a_funding_budget_for_17_months_is_shown_in_two_financial_years_and_replaced_with_its_history(
        engine: Engine) -> None:
    with service_context(engine, APRIL) as ctx:
        set_funding_budget(ctx, "schools-forum", "High needs block reserves", "497000", date(2019, 4, 1),
                           date(2020, 8, 31))
        set_funding_budget(ctx, "high needs", "High needs block reserves", "497300", date(2019, 4, 1),
                           date(2020, 8, 31), reason="Appendix 4 total")
        set_funding_budget(ctx, "council", "Realigned LA resources", "262300", date(2019, 4, 1), date(2020, 8, 31))
    with service_context(engine, APRIL) as ctx:
        assert [(b.source, b.amount) for b in funding_budgets(ctx)] == [(COUNCIL, D("262300.00")),
                                                                       (FORUM, D("497300.00"))]
        forum = list_funding_budgets(ctx)[1]
        # 519 days: 366 in FY2019/20 (a leap year's February) and 153 in FY2020/21.
        assert forum.days == 519
        assert [(p.fy, p.days, p.of_days, p.amount) for p in forum.parts] == [
            ("FY2019/20", 366, 519, D("350697.11")), ("FY2020/21", 153, 519, D("146602.89"))]
        [_, replaced, _] = ctx.session.scalars(select(AuditEntry).where(AuditEntry.action == "establishment.budget.set")
                                               .order_by(AuditEntry.id))
    assert replaced.reason == "Appendix 4 total"
    assert replaced.detail["previous"] == {"amount": "497000.00", "starts_on": "2019-04-01",  # type: ignore[index]
                                           "ends_on": "2020-08-31"}


POSTS = ("title,fte,grade,contract,annual_cost,on_cost_percent,starts_on,ends_on,delivery,funding\r\n"
         "Admin support,1,G4,permanent,24600,0,2026-04-01,,no,council 12300; schools-forum 12300\r\n"
         "Inclusion support leads,4,,fixed term,182000,0,2026-04-01,2027-08-31,yes,schools-forum 100%\r\n"
         "Senior EPs,2,,permanent,80000,30,2026-04-01,,yes,council 100%\r\n")
PEOPLE = ("post,person,staff,fte,starts_on,ends_on\r\n"
          "Admin support,Jo Bloggs,,1,2026-04-16,\r\n"
          "Inclusion support leads,Ann,,1,2026-04-01,\r\n"
          "Senior EPs,Ben,,1,2026-04-01,2026-12-31\r\n")


BUDGETS = ("source,description,amount,starts_on,ends_on\r\n"
           "schools-forum,High needs block reserves,497300,2026-04-01,2027-08-31\r\n"
           "council,=Realigned LA resources,262300.5,2026-04-01,2027-03-31\r\n")


def test_import_then_export_then_import_again_changes_nothing(engine: Engine) -> None:
    with service_context(engine, APRIL) as ctx:
        result = import_establishment(ctx, POSTS, PEOPLE, BUDGETS)
    assert result.as_json() == {"posts_added": 3, "posts_unchanged": 0, "people_added": 3, "people_unchanged": 0,
                                "budgets_added": 2, "budgets_unchanged": 0}
    with service_context(engine, APRIL) as ctx:
        posts_csv, people_csv, budgets_csv = export_establishment(ctx)
    assert posts_csv == (
        "title,fte,grade,contract,annual_cost,on_cost_percent,starts_on,ends_on,delivery,funding\r\n"
        "Admin support,1.00,G4,permanent,24600.00,0.00,2026-04-01,,no,"
        "council budget 12300.00; schools forum / high-needs block 12300.00\r\n"
        "Inclusion support leads,4.00,,fixed term,182000.00,0.00,2026-04-01,2027-08-31,yes,"
        "schools forum / high-needs block 100%\r\n"
        "Senior EPs,2.00,,permanent,80000.00,30.00,2026-04-01,,yes,council budget 100%\r\n")
    assert people_csv == ("post,person,staff,fte,starts_on,ends_on\r\n"
                          "Admin support,Jo Bloggs,,1.00,2026-04-16,\r\n"
                          "Inclusion support leads,Ann,,1.00,2026-04-01,2027-08-31\r\n"  # ends with the post
                          "Senior EPs,Ben,,1.00,2026-04-01,2026-12-31\r\n")
    # Canonical source names, by source then start; a description like a formula is neutralised.
    assert budgets_csv == ("source,description,amount,starts_on,ends_on\r\n"
                           "council budget,'=Realigned LA resources,262300.50,2026-04-01,2027-03-31\r\n"
                           "schools forum / high-needs block,High needs block reserves,497300.00,2026-04-01,"
                           "2027-08-31\r\n")
    before = table_dump(engine)
    with service_context(engine, APRIL) as ctx:
        again = import_establishment(ctx, posts_csv, people_csv, budgets_csv)
        assert export_establishment(ctx) == (posts_csv, people_csv, budgets_csv)
    assert again.as_json() == {"posts_added": 0, "posts_unchanged": 3, "people_added": 0, "people_unchanged": 3,
                               "budgets_added": 0, "budgets_unchanged": 2}
    after = table_dump(engine)
    assert after["audit_log"][:-1] == before["audit_log"]  # only the import's own summary entry
    assert {k: v for k, v in after.items() if k != "audit_log"} == {k: v for k, v in before.items()
                                                                    if k != "audit_log"}


@pytest.mark.parametrize(("posts", "people", "error", "message"), [
    (POSTS.replace("Senior EPs,2,", "Senior EPs,0,"), None, InvalidInput,
     "posts file row 4: post FTE '0' must be more than 0"),
    (POSTS.replace("council 100%", "lottery 100%"), None, InvalidInput,
     "posts file row 4: Funding source 'lottery' must be one of: council budget, schools forum / high-needs block, "
     "traded income (or council, schools-forum, traded)."),
    (POSTS.replace("funding\r\n", "funding,colour\r\n"), None, InvalidInput,
     "posts file row 1: unknown column 'colour' (the columns are title,fte,grade,contract,annual_cost,"
     "on_cost_percent,starts_on,ends_on,delivery,funding)"),
    (POSTS + "Admin support,1,G4,permanent,24600,0,2026-04-01,,no,council 100%\r\n", None, RuleViolation,
     "posts file row 5: post 'Admin support' is already in the establishment with a different funding: change it "
     "with traded establishment commands, or give it another title"),
    (POSTS, PEOPLE + "Senior EPs,Cy,,1.5,2026-06-01,\r\n", RuleViolation,
     "people file row 5: Cy's 1.5 FTE would fill post 'Senior EPs' to 2.5 of its 2 FTE on 2026-06-01: end another "
     "assignment first"),
    (POSTS, PEOPLE.replace("Ann,,1,", "Ann,,1,x"), InvalidInput,
     "people file row 3: assignment start: date 'x2026-04-01' must look like 2019-09-01"),
    (POSTS, PEOPLE + "Caretaker,Dee,,1,2026-04-01,\r\n", NotFound, "people file row 5: there is no post called 'Caretaker'"),
])
def test_an_import_with_one_bad_row_writes_nothing_and_names_the_row(engine: Engine, posts: str, people: str | None,
                                                                     error: type[TradedError], message: str) -> None:
    before = table_dump(engine)
    with pytest.raises(error) as caught:
        with service_context(engine, APRIL) as ctx:
            import_establishment(ctx, posts, people if people is not None else PEOPLE)
    assert caught.value.message == message
    assert table_dump(engine) == before


def test_an_import_refuses_an_assignment_that_differs_from_the_one_there(engine: Engine) -> None:
    with service_context(engine, APRIL) as ctx:
        import_establishment(ctx, POSTS, PEOPLE)
    before = table_dump(engine)
    with pytest.raises(RuleViolation, match=r"^people file row 2: Jo Bloggs's assignment to post 'Admin support' from "
                                            r"2026-04-16 is already there with a different fte: end it with traded "
                                            r"establishment end, or assign anew$"):
        with service_context(engine, APRIL) as ctx:
            import_establishment(ctx, POSTS, PEOPLE.replace("Jo Bloggs,,1,", "Jo Bloggs,,0.5,"))
    assert table_dump(engine) == before


def test_an_import_refuses_a_budget_that_differs_from_the_one_there_and_a_bad_budget_row(engine: Engine) -> None:
    with service_context(engine, APRIL) as ctx:
        import_establishment(ctx, POSTS, PEOPLE, BUDGETS)
    before = table_dump(engine)
    for budgets, error, message in [
        (BUDGETS.replace("497300", "497000"), RuleViolation,
         "budgets file row 2: schools forum / high-needs block's budget 'High needs block reserves' is already there "
         "with a different amount: change it with traded establishment budget set"),
        (BUDGETS + "lottery,Grant,100,2026-04-01,2027-03-31\r\n", InvalidInput,
         "budgets file row 4: Funding source 'lottery' must be one of: council budget, schools forum / high-needs "
         "block, traded income (or council, schools-forum, traded)."),
        ("source,description,amount,starts_on\r\n", InvalidInput,
         "budgets file row 1: no 'ends_on' column (the columns are source,description,amount,starts_on,ends_on)"),
    ]:
        with pytest.raises(error) as caught:
            with service_context(engine, APRIL) as ctx:
                import_establishment(ctx, POSTS, PEOPLE, budgets)
        assert caught.value.message == message
        assert table_dump(engine) == before


def test_a_title_that_starts_like_a_formula_survives_the_round_trip(engine: Engine) -> None:
    with service_context(engine, APRIL) as ctx:
        add_post(ctx, "-Floating support", "1", "30000", APRIL, funding="traded 100%")
        posts_csv, people_csv, _ = export_establishment(ctx)
    assert "'-Floating support" in posts_csv  # neutralised for spreadsheets (billing.reports.csv_export)
    with service_context(engine, APRIL) as ctx:
        assert import_establishment(ctx, posts_csv, people_csv).posts_unchanged == 1


def test_a_person_fills_up_to_1_fte_across_posts_and_a_title_is_found_whatever_its_case(engine: Engine) -> None:
    admin_post(engine)
    with service_context(engine, APRIL) as ctx:
        add_post(ctx, "Mentors", "3", "90000", APRIL, funding="traded 100%")
        assign(ctx, "admin SUPPORT", "Jo Bloggs", "0.5", APRIL, ends_on=date(2026, 8, 31))
        assign(ctx, "Mentors", "Jo Bloggs", "0.5", APRIL)  # 1 FTE in all: allowed
    with pytest.raises(RuleViolation, match=r"^JO BLOGGS would fill 1.5 FTE on 2026-06-01 \(0.5 FTE of post "
                                            r"'Admin support'; 0.5 FTE of post 'Mentors'; and 0.5 FTE of post "
                                            r"'Tutors'\)"):
        with service_context(engine, APRIL) as ctx:
            add_post(ctx, "Tutors", "1", "30000", APRIL, funding="traded 100%")
            assign(ctx, "Tutors", "JO BLOGGS", "0.5", date(2026, 6, 1))
    with service_context(engine, APRIL) as ctx:
        add_post(ctx, "Tutors", "1", "30000", APRIL, funding="traded 100%")
        # From the day after the admin assignment ends, half of Jo's time is free again.
        row = assign(ctx, "tutors", "Jo Bloggs", "0.5", date(2026, 9, 1))
        assert (row.post.title, row.starts_on) == ("Tutors", date(2026, 9, 1))
