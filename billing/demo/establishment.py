"""Demo phase: the team's establishment — posts, who fills them when, and what each funder puts in.

Shaped like the papers the service's rules were drawn from (figures illustrative):
Hackney's Reintegration / Exclusions Reduction Unit (a manager, a senior worker, three
workers and a CAMHS clinician; the paper's clinician is 0.4 FTE, the demo's 0.6, because the
consultations the demo records for her take about 0.54 FTE and a 0.4 post could not have
delivered them) budgeted the way Walsall's Schools Forum paper
budgets its inclusion team (each post with FTE, contract, a 12-month cost and its funder;
an admin post shared 50/50 between the council and the schools forum; a one-off
high-needs block allocation over 17 months, April to August of the next year). Beside the
casework team: an admin post nobody records sessions for, an assistant educational
psychologist on a fixed term that ends in February 2026, and the admin post vacant for
January and February 2026 (a leaver, then a new starter), so the manager's pack as of
31 January 2026 shows a vacancy and a post about to end.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from billing.context import Context
from billing.db import transaction
from billing.establishment import add_post, assign, end_assignment, set_funding_budget
from pricing.clock import FixedClock

if TYPE_CHECKING:
    from billing.demo import DemoState

ON_COSTS = "30"  # employer's National Insurance and pension on a council salary


@dataclass(frozen=True)
class DemoPost:
    title: str
    fte: str
    grade: str
    contract: str
    salary: str  # 12 months at the post's FTE, before on-costs
    on_costs: str
    starts_on: date
    ends_on: date | None
    delivery: bool
    funding: str
    people: tuple[tuple[str, str, date], ...]  # person, FTE, from (the demo's staff names link sessions)


POSTS = (
    # Manages; the few sessions the manager records are shown apart from the team's delivery capacity.
    DemoPost("Service manager", "1", "PO7", "permanent", "56000.00", ON_COSTS, date(2019, 9, 2), None, False,
             "council 100%", (("Morgan Ellis", "1", date(2019, 9, 2)),)),
    DemoPost("Senior inclusion worker", "1", "PO4", "permanent", "45300.00", ON_COSTS, date(2021, 1, 4), None, True,
             "schools-forum 100%", (("Priya Shah", "1", date(2021, 1, 4)),)),
    DemoPost("Inclusion workers", "2", "SO2", "permanent", "72600.00", ON_COSTS, date(2022, 9, 1), None, True,
             "traded 100%", (("Dan Okafor", "1", date(2022, 9, 1)), ("Ruth Baker", "1", date(2023, 4, 17)))),
    # Paid half from the one-off high-needs block allocation, for the allocation's 17 months.
    DemoPost("Inclusion worker (reintegration)", "1", "SO2", "fixed term", "36300.00", ON_COSTS,
             date(2025, 4, 1), date(2026, 8, 31), True, "traded 50%; schools-forum 50%",
             (("Tom Hughes", "1", date(2025, 4, 1)),)),
    # Seconded from the NHS trust (the recharge already includes its on-costs); schools buy the
    # clinician's consultations with their subscriptions. Three days a week (£74,500 a year full
    # time): the sessions recorded for her fill about nine tenths of it.
    DemoPost("CAMHS clinician", "0.6", "NHS band 7", "secondment", "44700.00", "0", date(2024, 9, 1),
             date(2026, 3, 31), True, "traded 100%", (("Dr Amara Osei", "0.6", date(2024, 9, 1)),)),
    # Statutory advice for the high-needs block: not time sold to schools, so not delivery capacity.
    DemoPost("Assistant educational psychologist", "1", "SO1", "fixed term", "33000.00", ON_COSTS,
             date(2024, 9, 1), date(2026, 2, 28), False, "schools-forum 100%",
             (("Leah Marsh", "1", date(2024, 9, 1)),)),
    DemoPost("Admin support", "0.5", "Sc5", "permanent", "13500.00", ON_COSTS, date(2020, 6, 1), None, False,
             "council 50%; schools-forum 50%", (("Jo Finch", "0.5", date(2020, 6, 1)),)),
)

# The admin post's holder leaves at the end of December; the replacement, recruited in
# January, starts on 2 March: two months vacant.
LEAVER = ("Admin support", "Jo Finch", date(2025, 12, 31), date(2025, 11, 28))  # post, person, last day, noted on
STARTER = ("Admin support", "Kerry Lowe", "0.5", date(2026, 3, 2), date(2026, 1, 23))  # ..., from, recorded on

# (source, description, amount, from, to): the two funders' money, by the period they give it for.
FUNDING = (
    ("council", "Council core budget 2025/26", "88900.00", date(2025, 4, 1), date(2026, 3, 31)),
    ("schools-forum", "High-needs block contribution 2025/26", "106900.00", date(2025, 4, 1), date(2026, 3, 31)),
    # One-off, from high-needs block reserves, for 17 months (like Walsall's April 2019 - August 2020):
    # the schools forum's half of the reintegration post for its fixed term.
    ("schools-forum", "One-off high-needs block allocation, April 2025 - August 2026", "33500.00",
     date(2025, 4, 1), date(2026, 8, 31)),
    ("council", "Council core budget 2026/27", "89100.00", date(2026, 4, 1), date(2027, 3, 31)),
    ("schools-forum", "High-needs block contribution 2026/27", "67700.00", date(2026, 4, 1), date(2027, 3, 31)),
)


def run(state: DemoState) -> None:
    with transaction(state.engine) as session:
        ctx = Context(session=session, clock=FixedClock(state.setup_day), actor="demo")
        for post in POSTS:
            add_post(ctx, post.title, post.fte, post.salary, post.starts_on, funding=post.funding, grade=post.grade,
                     contract=post.contract, on_cost_percent=post.on_costs, ends_on=post.ends_on,
                     delivery=post.delivery)
            for person, fte, starts_on in post.people:
                assign(ctx, post.title, person, fte, starts_on)
        for source, description, amount, first, last in FUNDING:
            set_funding_budget(ctx, source, description, amount, first, last)
    title, person, last_day, noted = LEAVER
    with transaction(state.engine) as session:
        ctx = Context(session=session, clock=FixedClock(noted), actor="demo")
        end_assignment(ctx, title, person, last_day, reason="resigned")
    title, person, fte, starts_on, recorded = STARTER
    with transaction(state.engine) as session:
        ctx = Context(session=session, clock=FixedClock(recorded), actor="demo")
        assign(ctx, title, person, fte, starts_on, reason="appointed to the vacancy")
    state.summary["establishment"] = {
        "posts": len(POSTS), "people": sum(len(p.people) for p in POSTS) + 1,
        "vacant": f"{title} {fte} FTE, {last_day + timedelta(days=1)} to {starts_on - timedelta(days=1)}",
    }
